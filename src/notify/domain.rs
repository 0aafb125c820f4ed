//! What notices are about: a change the applicant sees, a reminder to an agency's leaders.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::workflow::domain::{Action, DossierState};

/// A change of a dossier that its applicant is told about by e-mail.
#[derive(Debug, Clone)]
pub struct DossierNotice {
    /// The applicant's e-mail.
    pub to: String,
    /// The applicant's full name.
    pub applicant_name: String,
    /// The dossier.
    pub dossier_id: Uuid,
    /// Its national code, e.g. `000.17.22.H56-261129-0001` (none before submission).
    pub dossier_code: Option<String>,
    /// The procedure's name.
    pub procedure_name: String,
    /// What was done.
    pub action: Action,
    /// The state it led to.
    pub to_state: DossierState,
    /// The appointment time, if any.
    pub due_at: Option<DateTime<Utc>>,
    /// The action's data: `reason`, `legal_basis`, `items` [{document_key?, description}],
    /// `fees` [{name, amount}], `new_due_at`, `method`, `reference`…
    pub data: serde_json::Value,
}

/// Why an agency's leaders are reminded of a dossier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReminderKind {
    /// The appointment time has passed and the dossier is still open.
    Overdue,
    /// The appointment is within a day and no apology (Mẫu 04) has been sent: it must be sent
    /// before the appointment if the result will be late.
    DueSoon,
}

impl ReminderKind {
    /// The dedupe key of this reminder for `dossier_id`: each is sent at most once per dossier.
    pub fn dedupe_key(self, dossier_id: Uuid) -> String {
        let kind = match self {
            Self::Overdue => "overdue",
            Self::DueSoon => "due_soon",
        };
        format!("reminder:{kind}:{dossier_id}")
    }
}

/// Open dossier states that have an appointment to keep: the clock runs in them (it stands still
/// while the dossier waits for the citizen).
pub const REMINDED_STATES: [DossierState; 3] =
    [DossierState::Received, DossierState::InProgress, DossierState::PendingApproval];

/// An open dossier with an appointment time, as the reminders see it.
#[derive(Debug, Clone)]
pub struct DueDossier {
    pub id: Uuid,
    pub code: Option<String>,
    pub agency_code: String,
    pub state: DossierState,
    pub due_at: DateTime<Utc>,
}

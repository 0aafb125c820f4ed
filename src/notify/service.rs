//! Notice use cases: the applicant's e-mail on every change they see, queued in the transaction
//! that makes the change; mail as an outbox job; the reminders to an agency's leaders.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, Utc};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};

pub use super::domain::DossierNotice;
use super::domain::{DueDossier, ReminderKind, REMINDED_STATES};
use super::error::NotifyError;
use super::store;
use super::templates::{self, Rendered};
use crate::catalog::procedure_service;
use crate::domain_types::Role;
use crate::dossiers::service::Dossier;
use crate::identity::domain::parse_roles;
use crate::jobs::{self, JobError, NewJob};
use crate::workflow::domain::Action;

/// The job kind that sends one e-mail.
pub const MAIL_JOB: &str = "mail";

/// The payload of a [`MAIL_JOB`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MailPayload {
    /// Recipient address, or several separated by commas.
    pub to: String,
    pub subject: String,
    /// Plain text.
    pub body: String,
}

/// Queues one e-mail (inside the caller's transaction). `ordering_key`: mails with the same key
/// go out in order; `dedupe_key`: a mail with the same key is queued only once.
///
/// # Errors
/// On storage failure.
pub async fn enqueue_mail(
    db: &impl ConnectionTrait,
    mail: MailPayload,
    ordering_key: Option<String>,
    dedupe_key: Option<String>,
) -> Result<(), JobError> {
    let payload = serde_json::to_value(&mail).map_err(|e| anyhow::anyhow!("serialise the mail: {e}"))?;
    jobs::enqueue(db, NewJob { kind: MAIL_JOB, ordering_key, dedupe_key, payload, run_at: None }).await
}

/// The ordering key of a dossier's notices: its applicant gets them in the order of the changes.
fn dossier_ordering_key(dossier_id: uuid::Uuid) -> String {
    format!("dossier:{dossier_id}")
}

/// Queues the e-mail telling the applicant about `notice` (inside the caller's transaction, so it
/// goes out if and only if the change commits). Actions the applicant is not told about
/// (assign, propose_result, send_back) queue nothing.
///
/// # Errors
/// On storage failure.
pub async fn enqueue_dossier_notice(
    db: &impl ConnectionTrait,
    settings_public_url: &str,
    notice: DossierNotice,
) -> Result<(), JobError> {
    let Some(Rendered { subject, body }) = templates::dossier_notice(&notice, settings_public_url) else {
        return Ok(());
    };
    let mail = MailPayload { to: notice.to, subject, body };
    enqueue_mail(db, mail, Some(dossier_ordering_key(notice.dossier_id)), None).await
}

/// Who a dossier's notices go to and what they call its procedure: read before the change when a
/// caller holds a lock it wants to keep short (see [`notify_addressee`]).
#[derive(Debug, Clone)]
pub struct Addressee {
    email: String,
    full_name: String,
    procedure_name: String,
}

/// The addressee of `dossier`'s notices: its applicant's address and name and its procedure's
/// name; `None` when the applicant has no account (nothing can be sent then). Works inside the
/// caller's transaction.
///
/// # Errors
/// On storage failure.
pub async fn addressee(db: &impl ConnectionTrait, dossier: &Dossier) -> Result<Option<Addressee>, NotifyError> {
    let contact = crate::identity::service::contact(db, dossier.applicant_id)
        .await
        .map_err(|e| anyhow::anyhow!("find the applicant: {e}"))?;
    let Some(contact) = contact else {
        tracing::warn!(dossier.id = %dossier.id, "the applicant has no account; no notice sent");
        return Ok(None);
    };
    let procedure_name = procedure_service::find_procedure_name(db, &dossier.procedure_code)
        .await
        .map_err(|e| anyhow::anyhow!("find the procedure: {e}"))?
        .unwrap_or_else(|| dossier.procedure_code.clone());
    Ok(Some(Addressee { email: contact.email, full_name: contact.full_name, procedure_name }))
}

/// Whether the applicant is told about `action` (assign, propose_result and send_back are the
/// desk's own business).
fn applicant_is_told(action: Action) -> bool {
    !matches!(action, Action::Assign | Action::ProposeResult | Action::SendBack)
}

/// Queues the applicant's notice of `action` on `dossier` (as it is after the change), looking
/// up the applicant's address and name and the procedure's name. For the workflow and the
/// submission, right before they commit.
///
/// # Errors
/// On storage failure.
pub async fn notify_applicant(
    db: &impl ConnectionTrait,
    public_url: &str,
    dossier: &Dossier,
    action: Action,
    data: &serde_json::Value,
) -> Result<(), NotifyError> {
    if !applicant_is_told(action) {
        return Ok(());
    }
    let addressee = addressee(db, dossier).await?;
    notify_addressee(db, public_url, addressee, dossier, action, data).await
}

/// [`notify_applicant`] with the addressee read earlier ([`addressee`]). A submission reads it
/// before it takes the agency's running number: on PostgreSQL the number's row stays locked
/// until the commit, and every submission to the agency waits for it (BENCHMARKS.md, issue 9).
///
/// # Errors
/// On storage failure.
pub async fn notify_addressee(
    db: &impl ConnectionTrait,
    public_url: &str,
    addressee: Option<Addressee>,
    dossier: &Dossier,
    action: Action,
    data: &serde_json::Value,
) -> Result<(), NotifyError> {
    if !applicant_is_told(action) {
        return Ok(());
    }
    let Some(addressee) = addressee else {
        return Ok(());
    };
    let notice = DossierNotice {
        to: addressee.email,
        applicant_name: addressee.full_name,
        dossier_id: dossier.id,
        dossier_code: dossier.code.clone(),
        procedure_name: addressee.procedure_name,
        action,
        to_state: dossier.state,
        due_at: dossier.due_at,
        data: data.clone(),
    };
    Ok(enqueue_dossier_notice(db, public_url, notice).await?)
}

/// How far ahead an appointment counts as "due soon".
pub const DUE_SOON: Duration = Duration::hours(24);

/// Looks for open dossiers that are overdue or due within [`DUE_SOON`] without an apology, and
/// queues one reminder per dossier and kind to the leaders of the dossier's agency. Safe to run
/// on every replica at once: each reminder has a dedupe key. The number queued.
///
/// # Errors
/// On storage failure.
#[tracing::instrument(skip_all)]
pub async fn send_reminders(db: &impl ConnectionTrait, public_url: &str) -> Result<usize, NotifyError> {
    let now = Utc::now();
    let due = store::find_due_before(db, &REMINDED_STATES, now + DUE_SOON).await?;
    let mut wanted: Vec<(ReminderKind, DueDossier)> = due
        .into_iter()
        .map(|d| (if d.due_at <= now { ReminderKind::Overdue } else { ReminderKind::DueSoon }, d))
        .collect();
    let keys: Vec<String> = wanted.iter().map(|(kind, d)| kind.dedupe_key(d.id)).collect();
    let sent = jobs::service::dedupe_keys_taken(db, &keys).await?;
    wanted.retain(|(kind, d)| !sent.contains(&kind.dedupe_key(d.id)));
    if wanted.is_empty() {
        return Ok(0);
    }
    let agencies: Vec<String> =
        wanted.iter().map(|(_, d)| d.agency_code.clone()).collect::<HashSet<_>>().into_iter().collect();
    let mut leaders: HashMap<String, Vec<String>> = HashMap::new();
    for staff in store::find_active_staff(db, &agencies).await? {
        if parse_roles(&staff.roles).contains(&Role::Leader) {
            leaders.entry(staff.agency_code).or_default().push(staff.email);
        }
    }
    let mut queued = 0;
    for (kind, dossier) in wanted {
        let Some(to) = leaders.get(&dossier.agency_code) else {
            tracing::warn!(dossier.id = %dossier.id, agency = %dossier.agency_code, "no leader to remind");
            continue;
        };
        if kind == ReminderKind::DueSoon && apologised(db, &dossier).await? {
            continue;
        }
        let Rendered { subject, body } = templates::reminder(kind, &dossier, public_url);
        let mail = MailPayload { to: to.join(", "), subject, body };
        enqueue_mail(db, mail, None, Some(kind.dedupe_key(dossier.id))).await?;
        queued += 1;
    }
    if queued > 0 {
        tracing::info!(queued, "deadline reminders queued");
    }
    Ok(queued)
}

/// Whether the agency already apologised for this dossier (Mẫu 04).
async fn apologised(db: &impl ConnectionTrait, dossier: &DueDossier) -> Result<bool, NotifyError> {
    let history = crate::workflow::service::history(db, dossier.id)
        .await
        .map_err(|e| anyhow::anyhow!("read the history: {e}"))?;
    Ok(history.iter().any(|event| event.action == Action::Apologize.as_str()))
}

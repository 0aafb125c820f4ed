//! The desk's work queue: the dossiers of the caller's agency that are not drafts, soonest due
//! first, with counts per state for the queue's tabs.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::domain::DossierState;
use super::store;
use crate::dossiers::error::DossierError;
use crate::dossiers::service::Dossier;
use crate::http::pagination::Page;

/// States in which the agency still owes the citizen something, with a clock that can run out.
pub const OPEN_STATES: [DossierState; 3] =
    [DossierState::Received, DossierState::InProgress, DossierState::PendingApproval];

/// Filters of the queue; every given one must hold.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    /// In this state.
    pub state: Option<DossierState>,
    /// Assigned to this specialist.
    pub assignee_id: Option<Uuid>,
    /// `true`: open and past the appointment now; `false`: not so.
    pub overdue: Option<bool>,
    /// Appointment before this time.
    pub due_before: Option<DateTime<Utc>>,
}

/// One page of the queue, its total and the agency's count per state (all filters but `state`
/// ignored, so the tabs show the whole agency).
pub struct Queue {
    pub items: Vec<Dossier>,
    pub total: u64,
    pub counts: Vec<(DossierState, u64)>,
}

/// The queue of `agency_code`.
///
/// # Errors
/// On storage failure.
pub async fn queue(
    db: &impl ConnectionTrait,
    agency_code: &str,
    filter: &QueueFilter,
    page: Page,
    now: DateTime<Utc>,
) -> Result<Queue, DossierError> {
    let (rows, total) = store::desk_queue(db, agency_code, filter, page, now).await?;
    let items = rows.into_iter().map(Dossier::try_from).collect::<Result<Vec<_>, _>>()?;
    let counts = store::count_by_state(db, agency_code)
        .await?
        .into_iter()
        .filter_map(|(state, n)| DossierState::parse(&state).map(|s| (s, u64::try_from(n).unwrap_or(0))))
        .collect();
    Ok(Queue { items, total, counts })
}

//! The only place notices touch the database: reads of open `dossiers` with an appointment and
//! of the staff `accounts` of their agencies, for the reminders. Read-only.

use chrono::{DateTime, Utc};
use entity::{accounts, dossiers};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::domain::DueDossier;
use super::error::NotifyError;
use crate::identity::domain::PrincipalKind;
use crate::workflow::domain::DossierState;

/// `id, code, agency_code, state, due_at` of a dossier.
type DueRow = (Uuid, Option<String>, String, String, Option<DateTime<chrono::FixedOffset>>);

/// Dossiers in one of `states` whose appointment is at or before `before`, soonest first.
pub(super) async fn find_due_before(
    db: &impl ConnectionTrait,
    states: &[DossierState],
    before: DateTime<Utc>,
) -> Result<Vec<DueDossier>, NotifyError> {
    let rows: Vec<DueRow> = dossiers::Entity::find()
        .select_only()
        .columns([
            dossiers::Column::Id,
            dossiers::Column::Code,
            dossiers::Column::AgencyCode,
            dossiers::Column::State,
            dossiers::Column::DueAt,
        ])
        .filter(dossiers::Column::State.is_in(states.iter().map(|s| s.as_str())))
        .filter(dossiers::Column::DueAt.is_not_null())
        .filter(dossiers::Column::DueAt.lte(before.fixed_offset()))
        .order_by_asc(dossiers::Column::DueAt)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, code, agency_code, state, due_at)| {
            Some(DueDossier {
                id,
                code,
                agency_code,
                state: DossierState::parse(&state)?,
                due_at: due_at?.with_timezone(&Utc),
            })
        })
        .collect())
}

/// An active staff account of an agency.
pub(super) struct StaffContact {
    pub agency_code: String,
    pub email: String,
    /// Comma-separated role names, as identity stores them.
    pub roles: String,
}

/// The active staff of `agency_codes`.
pub(super) async fn find_active_staff(
    db: &impl ConnectionTrait,
    agency_codes: &[String],
) -> Result<Vec<StaffContact>, NotifyError> {
    let mut staff = Vec::new();
    for chunk in agency_codes.chunks(500) {
        let rows: Vec<(Option<String>, String, String)> = accounts::Entity::find()
            .select_only()
            .columns([accounts::Column::AgencyCode, accounts::Column::Email, accounts::Column::Roles])
            .filter(accounts::Column::Kind.eq(PrincipalKind::Staff.as_str()))
            .filter(accounts::Column::Active.eq(true))
            .filter(accounts::Column::AgencyCode.is_in(chunk.iter().cloned()))
            .order_by_asc(accounts::Column::Email)
            .into_tuple()
            .all(db)
            .await?;
        staff.extend(
            rows.into_iter().filter_map(|(agency_code, email, roles)| {
                Some(StaffContact { agency_code: agency_code?, email, roles })
            }),
        );
    }
    Ok(staff)
}

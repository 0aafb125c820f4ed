//! What each action does besides changing the state: the desk's reception sets the appointment
//! time through the deadline engine; refusals and withdrawals record their reasons. Every state
//! change itself goes through [`super::service::apply`].

use anyhow::Context;
use chrono::Utc;
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::domain::{Action, Actor};
use super::service::{self, Step};
use crate::calendar;
use crate::catalog::procedure_service;
use crate::db::begin_write;
use crate::domain_types::Role;
use crate::dossiers::error::DossierError;
use crate::dossiers::service::{self as dossiers, Dossier};
use crate::identity::domain::PrincipalKind;
use crate::identity::service::Principal;

/// An action on a dossier, with its data (DESIGN.md §7.1). The actions of the later desk steps
/// (assign, approve, payment, return…) join this list as they are built.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ActionRequest {
    /// The desk accepts the dossier: the appointment time is computed from the procedure's
    /// processing time, the agency's office hours and the calendar.
    Receive {
        /// Free text for the history.
        #[serde(default)]
        note: Option<String>,
    },
    /// The desk refuses the dossier (Mẫu 03).
    Refuse {
        /// Why, for the applicant.
        reason: String,
        /// The legal basis of the refusal.
        #[serde(default)]
        legal_basis: Option<String>,
        /// Free text for the history.
        #[serde(default)]
        note: Option<String>,
    },
    /// The applicant withdraws the dossier before it is resolved.
    Withdraw {
        /// Why (optional).
        #[serde(default)]
        reason: Option<String>,
        /// Free text for the history.
        #[serde(default)]
        note: Option<String>,
    },
}

/// The capacities in which `caller` acts on `dossier` (visibility is already checked).
fn actors_of(caller: &Principal, dossier: &Dossier) -> Vec<Actor> {
    match caller.kind {
        PrincipalKind::Citizen if caller.id == dossier.applicant_id => vec![Actor::Citizen],
        PrincipalKind::Staff => caller
            .roles
            .iter()
            .map(|role| match role {
                Role::Clerk => Actor::Clerk,
                Role::Specialist => Actor::Specialist,
                Role::Leader => Actor::Leader,
                Role::Admin => Actor::Admin,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn bounded(field: &str, text: Option<String>, max: usize) -> Result<Option<String>, DossierError> {
    let text = text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
    if text.as_ref().is_some_and(|t| t.chars().count() > max) {
        return Err(DossierError::invalid(field, format!("at most {max} characters")));
    }
    Ok(text)
}

/// Performs one action on a dossier the caller can see, checking `If-Match` against its version.
///
/// # Errors
/// [`DossierError::NotFound`], validation failures, and the workflow's 409/412/403 failures.
pub async fn perform(
    db: &DatabaseConnection,
    caller: &Principal,
    id: Uuid,
    if_match: i32,
    request: ActionRequest,
    public_url: &str,
) -> Result<Dossier, DossierError> {
    let dossier = dossiers::find_visible(db, caller, id).await?;
    let actors = actors_of(caller, &dossier);
    let now = Utc::now();
    let (action, note, data, due_at) = match request {
        ActionRequest::Receive { note } => {
            let procedure = procedure_service::find_procedure(db, &dossier.procedure_code)
                .await
                .map_err(|e| anyhow::anyhow!("find procedure: {e}"))?
                .ok_or_else(|| DossierError::UnknownProcedure(dossier.procedure_code.clone()))?;
            let due_at = match procedure.processing_time {
                Some(time) => {
                    let received = now.with_timezone(&calendar::domain::business_offset());
                    let deadline = calendar::service::deadline(db, Some(&dossier.agency_code), received, time)
                        .await
                        .map_err(|e| anyhow::anyhow!("compute the appointment time: {e}"))?;
                    Some(deadline.due.with_timezone(&Utc))
                }
                // No fixed deadline: no appointment time, and no on-time judgement later (766 rules).
                None => None,
            };
            (Action::Receive, bounded("note", note, 2000)?, serde_json::json!({"due_at": due_at}), due_at)
        }
        ActionRequest::Refuse { reason, legal_basis, note } => {
            let reason = bounded("reason", Some(reason), 2000)?
                .ok_or_else(|| DossierError::invalid("reason", "a reason is required"))?;
            let legal_basis = bounded("legal_basis", legal_basis, 1000)?;
            (
                Action::Refuse,
                bounded("note", note, 2000)?,
                serde_json::json!({"reason": reason, "legal_basis": legal_basis}),
                None,
            )
        }
        ActionRequest::Withdraw { reason, note } => {
            let reason = bounded("reason", reason, 2000)?;
            (Action::Withdraw, bounded("note", note, 2000)?, serde_json::json!({"reason": reason}), None)
        }
    };
    let txn = begin_write(db).await.context("begin action")?;
    let notice_data = data.clone();
    let step = Step { action, actors, actor_id: Some(caller.id), note, data, expected_version: Some(if_match) };
    service::apply(&txn, id, step).await?;
    if action == Action::Receive {
        dossiers::set_reception(&txn, id, now, due_at).await?;
    }
    let changed = dossiers::reload(&txn, id).await?;
    crate::notify::service::notify_applicant(&txn, public_url, &changed, action, &notice_data)
        .await
        .context("queue the applicant's notice")?;
    txn.commit().await.context("commit action")?;
    tracing::info!(dossier.id = %id, action = action.as_str(), "dossier action");
    Ok(changed)
}

//! Workflow failures.

use actix_web::http::StatusCode;

use super::domain::TransitionError;
use crate::error::ApiError;

/// What can go wrong when a dossier changes state.
#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    #[error("dossier {0} not found")]
    DossierNotFound(uuid::Uuid),
    #[error("the dossier changed since version {expected} (now {actual}); reload it and try again")]
    VersionMismatch { expected: i32, actual: i32 },
    #[error("{0}")]
    Transition(#[from] TransitionError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for WorkflowError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Unexpected(anyhow::Error::new(e).context("workflow storage"))
    }
}

impl From<WorkflowError> for ApiError {
    fn from(e: WorkflowError) -> Self {
        let detail = e.to_string();
        match e {
            WorkflowError::DossierNotFound(_) => ApiError::not_found("dossier_not_found", detail),
            WorkflowError::VersionMismatch { .. } => {
                ApiError::new(StatusCode::PRECONDITION_FAILED, "workflow_version_mismatch", detail)
            }
            WorkflowError::Transition(TransitionError::NotAllowedInState { .. }) => {
                ApiError::new(StatusCode::CONFLICT, "workflow_action_not_allowed_in_state", detail)
            }
            WorkflowError::Transition(TransitionError::ActorNotAllowed { .. }) => {
                ApiError::new(StatusCode::FORBIDDEN, "workflow_actor_not_allowed", detail)
            }
            WorkflowError::Transition(other) => ApiError::internal(anyhow::anyhow!("workflow inconsistency: {other}")),
            WorkflowError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

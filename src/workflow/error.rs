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
    #[error("the appointment ({due_at}) has passed: an apology (Mẫu 04) must come before it")]
    ApologyTooLate { due_at: chrono::DateTime<chrono::Utc> },
    #[error("agency {agency} is handling the dossier now; its staff act on it")]
    HandledElsewhere { agency: String },
    #[error("the dossier has already been rated")]
    AlreadyRated,
    #[error("result {0} not found")]
    ResultNotFound(uuid::Uuid),
    #[error("no genuine result matches this dossier code and SHA-256")]
    ResultNotGenuine,
    #[error("payment {0} not found")]
    PaymentNotFound(uuid::Uuid),
    #[error("the callback's signature is missing, wrong or too old")]
    PaymentSignatureInvalid,
    #[error("the callback is not a payment notice: {0}")]
    PaymentNoticeInvalid(String),
    #[error("the payment is {expected} đồng but the callback reports {reported}")]
    PaymentAmountMismatch { expected: i64, reported: i64 },
    #[error("no payment provider is called {0}")]
    PaymentProviderUnknown(String),
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
            WorkflowError::ApologyTooLate { .. } => {
                ApiError::new(StatusCode::CONFLICT, "workflow_apology_too_late", detail)
            }
            WorkflowError::HandledElsewhere { .. } => {
                ApiError::new(StatusCode::FORBIDDEN, "workflow_handled_by_another_agency", detail)
            }
            WorkflowError::AlreadyRated => ApiError::new(StatusCode::CONFLICT, "workflow_already_rated", detail),
            WorkflowError::ResultNotFound(_) => ApiError::not_found("workflow_result_not_found", detail),
            WorkflowError::ResultNotGenuine => ApiError::not_found("workflow_result_not_genuine", detail),
            WorkflowError::PaymentNotFound(_) => ApiError::not_found("workflow_payment_not_found", detail),
            WorkflowError::PaymentSignatureInvalid => {
                ApiError::new(StatusCode::UNAUTHORIZED, "workflow_payment_signature_invalid", detail)
            }
            WorkflowError::PaymentNoticeInvalid(_) => {
                ApiError::new(StatusCode::BAD_REQUEST, "workflow_payment_notice_invalid", detail)
            }
            WorkflowError::PaymentAmountMismatch { .. } => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "workflow_payment_amount_mismatch", detail)
            }
            WorkflowError::PaymentProviderUnknown(_) => {
                ApiError::not_found("workflow_payment_provider_unknown", detail)
            }
            WorkflowError::Transition(other) => ApiError::internal(anyhow::anyhow!("workflow inconsistency: {other}")),
            WorkflowError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

//! Outbox failures.

use actix_web::http::StatusCode;

use super::domain::JobState;
use crate::error::ApiError;

/// What can go wrong with the outbox.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("job {0} not found")]
    NotFound(uuid::Uuid),
    #[error("job {id} is {state}, not dead; only a dead job can be re-driven")]
    NotDead { id: uuid::Uuid, state: &'static str },
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for JobError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Unexpected(anyhow::Error::new(e).context("outbox storage"))
    }
}

impl JobError {
    pub(super) fn not_dead(id: uuid::Uuid, state: JobState) -> Self {
        Self::NotDead { id, state: state.as_str() }
    }
}

impl From<JobError> for ApiError {
    fn from(e: JobError) -> Self {
        let detail = e.to_string();
        match e {
            JobError::NotFound(_) => ApiError::not_found("job_not_found", detail),
            JobError::NotDead { .. } => ApiError::new(StatusCode::CONFLICT, "job_not_dead", detail),
            JobError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

//! Notification failures.

use crate::jobs::JobError;

/// What can go wrong when queueing a notice or a reminder.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error(transparent)]
    Jobs(#[from] JobError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for NotifyError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Unexpected(anyhow::Error::new(e).context("notification storage"))
    }
}

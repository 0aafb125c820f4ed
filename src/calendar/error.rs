//! Calendar failures.

use actix_web::http::StatusCode;

use super::domain::CalendarError;
use crate::error::{ApiError, FieldError};

/// What can go wrong with the working calendar.
#[derive(Debug, thiserror::Error)]
pub enum CalendarServiceError {
    #[error("no calendar is stored for {0}")]
    YearNotFound(i32),
    #[error("the path says {path} but the body says {body}")]
    YearMismatch { path: i32, body: i32 },
    #[error("{0}")]
    Invalid(#[from] CalendarError),
    #[error("agency {0} not found")]
    AgencyNotFound(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for CalendarServiceError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Unexpected(anyhow::Error::new(e).context("calendar storage"))
    }
}

impl From<CalendarServiceError> for ApiError {
    fn from(e: CalendarServiceError) -> Self {
        let detail = e.to_string();
        match e {
            CalendarServiceError::YearNotFound(_) => ApiError::not_found("calendar_year_not_found", detail),
            CalendarServiceError::YearMismatch { .. } => {
                ApiError::validation(vec![FieldError { field: "year".to_owned(), message: detail }])
            }
            CalendarServiceError::Invalid(_) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "calendar_invalid", detail)
            }
            CalendarServiceError::AgencyNotFound(_) => {
                ApiError::validation(vec![FieldError { field: "agency".to_owned(), message: detail }])
            }
            CalendarServiceError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

//! Failures of the official forms.

use actix_web::http::StatusCode;

use crate::dossiers::error::DossierError;
use crate::error::{ApiError, FieldError};

/// What can go wrong printing a form.
#[derive(Debug, thiserror::Error)]
pub enum FormsError {
    /// The dossier has no event this form prints (e.g. a refusal form for a dossier never refused).
    #[error("this dossier has no {0} to print")]
    NotIssued(&'static str),
    /// The tracking book's period is not valid.
    #[error("{field}: {message}")]
    BadPeriod { field: &'static str, message: String },
    /// The tracking book belongs to an agency's staff.
    #[error("the tracking book belongs to an agency's staff")]
    NoAgency,
    #[error(transparent)]
    Dossier(#[from] DossierError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<FormsError> for ApiError {
    fn from(e: FormsError) -> Self {
        let detail = e.to_string();
        match e {
            FormsError::NotIssued(_) => ApiError::not_found("forms_not_issued", detail),
            FormsError::BadPeriod { field, message } => {
                ApiError::validation(vec![FieldError { field: field.to_owned(), message }])
            }
            FormsError::NoAgency => ApiError::new(StatusCode::FORBIDDEN, "forms_no_agency", detail),
            FormsError::Dossier(e) => e.into(),
            FormsError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

//! Failures of the official forms and of the agencies' form templates.

use actix_web::http::StatusCode;

use super::docx::{TemplateError, MAX_TEMPLATE_BYTES};
use crate::dossiers::error::DossierError;
use crate::error::{ApiError, FieldError};

/// What can go wrong printing a form or managing a template.
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
    /// Templates are managed by province-wide admins, or an agency's own admin or leader.
    #[error("only a province-wide admin, or an admin or leader of agency {0}, manages its form templates")]
    TemplateForbidden(String),
    /// No such agency.
    #[error("agency {0} not found")]
    UnknownAgency(String),
    /// The upload is not declared as a Word document.
    #[error("a template is uploaded as {content_type}", content_type = super::docx::CONTENT_TYPE)]
    TemplateMediaType,
    /// The upload is larger than [`MAX_TEMPLATE_BYTES`].
    #[error("a template may be at most {MAX_TEMPLATE_BYTES} bytes")]
    TemplateTooLarge,
    /// The upload is not a usable Word document, or uses placeholders its form does not have.
    #[error(transparent)]
    Template(#[from] TemplateError),
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
            FormsError::TemplateForbidden(_) => {
                ApiError::new(StatusCode::FORBIDDEN, "forms_template_forbidden", detail)
            }
            FormsError::UnknownAgency(_) => ApiError::not_found("catalog_agency_not_found", detail),
            FormsError::TemplateMediaType => {
                ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "forms_template_media_type", detail)
            }
            FormsError::TemplateTooLarge => {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "forms_template_too_large", detail)
            }
            FormsError::Template(TemplateError::NotDocx(_)) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "forms_template_invalid", detail)
            }
            FormsError::Template(TemplateError::UnknownPlaceholders(faults)) => {
                let names: Vec<String> = faults.iter().map(|(name, _)| format!("{{{{{name}}}}}")).collect();
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "forms_template_unknown_placeholders",
                    format!("the template uses placeholders this form does not have: {}", names.join(", ")),
                )
                .with_errors(
                    faults.into_iter().zip(names).map(|((_, message), field)| FieldError { field, message }).collect(),
                )
            }
            FormsError::Dossier(e) => e.into(),
            FormsError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

//! Dossier failures.

use actix_web::http::StatusCode;

use crate::error::{ApiError, FieldError};
use crate::workflow::error::WorkflowError;

/// What can go wrong with dossiers.
#[derive(Debug, thiserror::Error)]
pub enum DossierError {
    #[error("dossier {0} not found")]
    NotFound(uuid::Uuid),
    #[error("no procedure has the code {0}")]
    UnknownProcedure(String),
    #[error("procedure {procedure} is not performed by agency {agency}")]
    AgencyNotPerforming { procedure: String, agency: String },
    #[error("the request is invalid (see the field errors)")]
    Invalid(Vec<FieldError>),
    #[error("the Idempotency-Key was already used with a different request")]
    IdempotencyKeyReused,
    #[error("the dossier has not been received by the desk yet, so it has no receipt")]
    NotReceived,
    #[error("no dossier matches this code and secret")]
    LookupNotFound,
    #[error("too many lookups; try again later")]
    LookupThrottled { retry_after_secs: u64 },
    #[error("the file is larger than the {max_bytes} bytes this document accepts")]
    AttachmentTooLarge { max_bytes: u64 },
    #[error("the file is {detected}, but this document accepts only {accepted}")]
    AttachmentTypeNotAccepted { detected: String, accepted: String },
    #[error("the procedure requires no document with the key {0}")]
    UnknownDocument(String),
    #[error("files can be changed only in a draft or while a supplement is requested")]
    NotADraft,
    #[error("attachment {0} not found")]
    AttachmentNotFound(uuid::Uuid),
    #[error("mandatory documents are missing: {}", .0.join(", "))]
    MissingDocuments(Vec<String>),
    #[error(transparent)]
    Workflow(#[from] WorkflowError),
    #[error(transparent)]
    Applicant(crate::identity::error::IdentityError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl DossierError {
    /// A 400 naming one invalid field of the request.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError { field: field.to_owned(), message: message.into() }])
    }
}

impl From<sea_orm::DbErr> for DossierError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Unexpected(anyhow::Error::new(e).context("dossier storage"))
    }
}

impl From<DossierError> for ApiError {
    fn from(e: DossierError) -> Self {
        let detail = e.to_string();
        let field =
            |name: &str| ApiError::validation(vec![FieldError { field: name.to_owned(), message: detail.clone() }]);
        match e {
            DossierError::NotFound(_) => ApiError::not_found("dossier_not_found", detail),
            DossierError::UnknownProcedure(_) => field("procedure_code"),
            DossierError::AgencyNotPerforming { .. } => field("agency_code"),
            DossierError::Invalid(errors) => ApiError::validation(errors),
            DossierError::IdempotencyKeyReused => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "dossier_idempotency_key_reused", detail)
            }
            DossierError::NotReceived => ApiError::new(StatusCode::CONFLICT, "dossier_not_received", detail),
            DossierError::LookupNotFound => ApiError::not_found("dossier_lookup_not_found", detail),
            DossierError::LookupThrottled { retry_after_secs } => {
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, "dossier_lookup_throttled", detail)
                    .with_retry_after(retry_after_secs)
            }
            DossierError::AttachmentTooLarge { .. } => {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "dossier_attachment_too_large", detail)
            }
            DossierError::AttachmentTypeNotAccepted { .. } => {
                ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "dossier_attachment_type_not_accepted", detail)
            }
            DossierError::UnknownDocument(_) => {
                ApiError::new(StatusCode::BAD_REQUEST, "dossier_unknown_document", detail.clone())
                    .with_errors(vec![FieldError { field: "document_key".into(), message: detail }])
            }
            DossierError::NotADraft => ApiError::new(StatusCode::CONFLICT, "dossier_not_a_draft", detail),
            DossierError::AttachmentNotFound(_) => ApiError::not_found("dossier_attachment_not_found", detail),
            DossierError::MissingDocuments(keys) => {
                let errors = keys
                    .into_iter()
                    .map(|key| FieldError { field: format!("documents.{key}"), message: "a file is required".into() })
                    .collect();
                ApiError::new(StatusCode::BAD_REQUEST, "dossier_missing_documents", detail).with_errors(errors)
            }
            DossierError::Workflow(w) => w.into(),
            DossierError::Applicant(e) => e.into(),
            DossierError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

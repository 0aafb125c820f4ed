//! Catalogue failures.

use actix_web::http::StatusCode;

use crate::domain_types::Invalid;
use crate::error::{ApiError, FieldError};

/// What can go wrong in the catalogue.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("agency {0} not found")]
    AgencyNotFound(String),
    #[error("an agency with code {0} already exists")]
    AgencyExists(String),
    #[error("parent agency {0} does not exist")]
    ParentNotFound(String),
    #[error("an agency cannot be its own parent")]
    ParentIsSelf,
    #[error("valid_to must not be before valid_from")]
    ValidityReversed,
    #[error("procedure {0} not found")]
    ProcedureNotFound(String),
    #[error("a procedure with code {0} already exists")]
    ProcedureExists(String),
    /// Every broken rule of a procedure, each naming its field path.
    #[error("invalid procedure: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    ProcedureInvalid(Vec<Invalid>),
    /// A JSON column of a stored procedure does not read back: a bug or a hand edit, never the
    /// client's fault.
    #[error("stored procedure {code} has an unreadable {column}: {reason}")]
    StoredProcedureInvalid { code: String, column: &'static str, reason: String },
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for CatalogError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Unexpected(anyhow::Error::new(e).context("catalogue storage"))
    }
}

impl From<CatalogError> for ApiError {
    fn from(e: CatalogError) -> Self {
        let detail = e.to_string();
        let field =
            |field: &str| ApiError::validation(vec![FieldError { field: field.to_owned(), message: detail.clone() }]);
        match e {
            CatalogError::AgencyNotFound(_) => ApiError::not_found("catalog_agency_not_found", detail),
            CatalogError::AgencyExists(_) => ApiError::new(StatusCode::CONFLICT, "catalog_agency_exists", detail),
            CatalogError::ParentNotFound(_) | CatalogError::ParentIsSelf => field("parent_code"),
            CatalogError::ValidityReversed => field("valid_to"),
            CatalogError::ProcedureNotFound(_) => ApiError::not_found("catalog_procedure_not_found", detail),
            CatalogError::ProcedureExists(_) => ApiError::new(StatusCode::CONFLICT, "catalog_procedure_exists", detail),
            CatalogError::ProcedureInvalid(errors) => ApiError::validation(
                errors.into_iter().map(|e| FieldError { field: e.field, message: e.message }).collect(),
            ),
            CatalogError::StoredProcedureInvalid { .. } => ApiError::internal(anyhow::anyhow!(detail)),
            CatalogError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

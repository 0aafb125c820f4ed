//! What can go wrong in identity and access, and how each case is answered.

use actix_web::http::StatusCode;

use crate::domain_types::Invalid;
use crate::error::{ApiError, FieldError};

/// Identity and access failures.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("{0}")]
    Invalid(#[from] Invalid),
    #[error("an account with this e-mail address or national ID number already exists")]
    AccountExists,
    #[error("the verification link is invalid or has already been used")]
    VerificationTokenInvalid,
    #[error("the verification link has expired; ask for a new one")]
    VerificationTokenExpired,
    #[error("wrong user name or password")]
    InvalidCredentials,
    #[error("the e-mail address has not been verified yet; follow the link in the verification e-mail")]
    EmailNotVerified,
    #[error("too many failed sign-ins; try again later")]
    TooManyAttempts { retry_after_secs: u64 },
    #[error("the refresh token is invalid, expired or revoked")]
    RefreshTokenInvalid,
    #[error("the refresh token was already used; every session of this sign-in has been revoked")]
    RefreshTokenReused,
    #[error("authentication is required: send a valid bearer access token")]
    Unauthenticated,
    #[error("the access token is invalid: {0}")]
    TokenInvalid(String),
    #[error("this operation is not allowed for the caller")]
    Forbidden,
    #[error("the caller's token lacks the scope {0}")]
    MissingScope(&'static str),
    #[error("account {0} not found")]
    AccountNotFound(uuid::Uuid),
    #[error("API client {0} not found")]
    ClientNotFound(uuid::Uuid),
    #[error("agency {0} not found")]
    AgencyNotFound(String),
    #[error("the client credentials are invalid")]
    InvalidClient,
    #[error("only the client_credentials grant is supported")]
    UnsupportedGrantType,
    #[error("the requested scope was not granted to this client")]
    InvalidScope,
    #[error("the sign-in service is busy; retry shortly")]
    Busy,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for IdentityError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Unexpected(anyhow::Error::new(e).context("identity storage"))
    }
}

impl From<IdentityError> for ApiError {
    fn from(e: IdentityError) -> Self {
        use IdentityError as E;
        let detail = e.to_string();
        match e {
            E::Invalid(invalid) => {
                ApiError::validation(vec![FieldError { field: invalid.field, message: invalid.message }])
            }
            E::AccountExists => ApiError::new(StatusCode::CONFLICT, "identity_account_exists", detail),
            E::VerificationTokenInvalid => {
                ApiError::new(StatusCode::BAD_REQUEST, "identity_verification_token_invalid", detail)
            }
            E::VerificationTokenExpired => {
                ApiError::new(StatusCode::BAD_REQUEST, "identity_verification_token_expired", detail)
            }
            E::InvalidCredentials => ApiError::new(StatusCode::UNAUTHORIZED, "identity_invalid_credentials", detail),
            E::EmailNotVerified => ApiError::new(StatusCode::FORBIDDEN, "identity_email_not_verified", detail),
            E::TooManyAttempts { retry_after_secs } => {
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, "identity_too_many_attempts", detail)
                    .with_retry_after(retry_after_secs)
            }
            E::RefreshTokenInvalid => ApiError::new(StatusCode::UNAUTHORIZED, "identity_refresh_token_invalid", detail),
            E::RefreshTokenReused => ApiError::new(StatusCode::UNAUTHORIZED, "identity_refresh_token_reused", detail),
            E::Unauthenticated => ApiError::new(StatusCode::UNAUTHORIZED, "identity_unauthenticated", detail),
            E::TokenInvalid(_) => ApiError::new(StatusCode::UNAUTHORIZED, "identity_token_invalid", detail),
            E::Forbidden => ApiError::new(StatusCode::FORBIDDEN, "identity_forbidden", detail),
            E::MissingScope(_) => ApiError::new(StatusCode::FORBIDDEN, "identity_missing_scope", detail),
            E::AccountNotFound(_) => ApiError::not_found("identity_account_not_found", detail),
            E::ClientNotFound(_) => ApiError::not_found("identity_client_not_found", detail),
            E::AgencyNotFound(code) => ApiError::validation(vec![FieldError {
                field: "agency_code".to_owned(),
                message: format!("no agency has the code {code}"),
            }]),
            E::InvalidClient => ApiError::new(StatusCode::UNAUTHORIZED, "oauth_invalid_client", detail),
            E::UnsupportedGrantType => ApiError::new(StatusCode::BAD_REQUEST, "oauth_unsupported_grant_type", detail),
            E::InvalidScope => ApiError::new(StatusCode::BAD_REQUEST, "oauth_invalid_scope", detail),
            E::Busy => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "identity_busy", detail).with_retry_after(1),
            E::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

//! The one error type every handler returns: [`ApiError`], written as an RFC 9457
//! `application/problem+json` body with a stable `code` and the request id.

use std::borrow::Cow;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::request_id;

/// Media type of every error body (RFC 9457 §3).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem: what went wrong, as data a client can act on.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "about:blank", "title": "Not Found", "status": 404,
    "detail": "dossier 0192… not found", "code": "dossier_not_found",
    "request_id": "0192f0c4-5b7e-7d2a-9a51-3f0c2f7f1e10"
}))]
pub struct ProblemDetails {
    /// Always `about:blank`: the `code` is the machine-readable kind.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// Short text of the HTTP status.
    pub title: String,
    /// HTTP status code.
    pub status: u16,
    /// Human-readable explanation for this occurrence.
    pub detail: String,
    /// Stable snake_case error code, `<capability>_<what>` (e.g. `dossier_not_found`).
    pub code: String,
    /// The `x-request-id` of the request, to quote when reporting a problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Field-level validation failures, when the request body or query was invalid.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// One invalid field of a request.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    /// JSON pointer-like path of the field, e.g. `national_id` or `form_data/owner/name`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// An error on its way to the client.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: Cow<'static, str>,
    detail: String,
    errors: Vec<FieldError>,
    retry_after_secs: Option<u64>,
    // Captured when the error is made (inside the request's scope), because actix may render it
    // after that scope has ended.
    request_id: Option<String>,
}

impl ApiError {
    /// A problem with this status, stable code and human-readable detail.
    pub fn new(status: StatusCode, code: impl Into<Cow<'static, str>>, detail: impl Into<String>) -> Self {
        Self {
            status,
            code: code.into(),
            detail: detail.into(),
            errors: Vec::new(),
            retry_after_secs: None,
            request_id: request_id::current(),
        }
    }

    /// 400 `validation_failed` listing each invalid field.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            _ => format!("{} fields are invalid", errors.len()),
        };
        Self { errors, ..Self::new(StatusCode::BAD_REQUEST, "validation_failed", detail) }
    }

    /// 404 with the given code, for objects that do not exist or that the caller may not see.
    pub fn not_found(code: impl Into<Cow<'static, str>>, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, detail)
    }

    /// 500: the cause goes to the log only; the client gets a generic detail and the request id.
    pub fn internal(cause: anyhow::Error) -> Self {
        tracing::error!(error = ?cause, "request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "an unexpected error occurred; quote the request id when reporting it",
        )
    }

    /// Adds field-level failures to a problem with its own code.
    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    /// Ask the client to wait before retrying (429, 503): sets `Retry-After`.
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after_secs = Some(seconds);
        self
    }

    /// The stable code, for tests and logs.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The problem body this error is written as.
    pub fn problem(&self) -> ProblemDetails {
        ProblemDetails {
            problem_type: "about:blank".to_owned(),
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.to_string(),
            request_id: self.request_id.clone(),
            errors: self.errors.clone(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        if self.status == StatusCode::UNAUTHORIZED {
            // RFC 6750 §3: tell the client which scheme to use.
            response.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"motcua\"")));
        }
        if let Some(seconds) = self.retry_after_secs {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        // Serialising plain strings and numbers cannot fail; fall back to an empty object anyway.
        let body = serde_json::to_vec(&self.problem()).unwrap_or_else(|_| b"{}".to_vec());
        response.body(body)
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(cause: anyhow::Error) -> Self {
        Self::internal(cause)
    }
}

/// The stable code and status used for a bare HTTP status produced outside our handlers
/// (routing, method mismatch, payload limits), so every error body is a problem.
pub fn code_for_status(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "route_not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::NOT_ACCEPTABLE => "not_acceptable",
        StatusCode::CONFLICT => "conflict",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::TOO_MANY_REQUESTS => "too_many_requests",
        StatusCode::SERVICE_UNAVAILABLE => "service_unavailable",
        s if s.is_server_error() => "internal_error",
        _ => "request_failed",
    }
}

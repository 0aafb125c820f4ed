//! Extractor configuration: malformed path, query and form parameters become problems (never
//! actix's plain-text 400). JSON bodies use [`super::json::Json`].

use actix_web::error::{PathError, QueryPayloadError, UrlencodedError};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest};

use crate::error::ApiError;

/// Query strings: a bad parameter is a 400 `invalid_query` problem.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err: QueryPayloadError, _req: &HttpRequest| {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", format!("invalid query string: {err}")).into()
    })
}

/// Path segments: a malformed id is a 404 — the resource it names cannot exist.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err: PathError, _req: &HttpRequest| {
        ApiError::not_found("resource_not_found", format!("no such resource: {err}")).into()
    })
}

/// Form bodies (OAuth 2.0 token endpoint): errors as problems.
pub fn form_config(limit_bytes: usize) -> web::FormConfig {
    web::FormConfig::default().limit(limit_bytes).error_handler(|err: UrlencodedError, _req: &HttpRequest| {
        let problem = match err {
            UrlencodedError::Overflow { .. } | UrlencodedError::UnknownLength => {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "the form body is too large")
            }
            UrlencodedError::ContentType => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "expected application/x-www-form-urlencoded",
            ),
            other => {
                ApiError::new(StatusCode::BAD_REQUEST, "malformed_form", format!("the form body is invalid: {other}"))
            }
        };
        problem.into()
    })
}

//! Extractor configuration: malformed JSON, path and query parameters become problems
//! (never actix's plain-text 400).

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError, UrlencodedError};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest};

use crate::error::{ApiError, FieldError};

/// JSON bodies: size limit, content type and syntax errors as problems.
pub fn json_config(limit_bytes: usize) -> web::JsonConfig {
    web::JsonConfig::default().limit(limit_bytes).error_handler(move |err, _req| {
        let problem = match &err {
            JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("the JSON body is larger than the limit of {limit_bytes} bytes"),
            ),
            JsonPayloadError::ContentType => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "expected a body with Content-Type: application/json",
            ),
            JsonPayloadError::Deserialize(e) if e.is_data() => json_field_problem(&e.to_string()),
            JsonPayloadError::Deserialize(e) => {
                ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", format!("the body is not valid JSON: {e}"))
            }
            other => {
                ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", format!("the body could not be read: {other}"))
            }
        };
        problem.into()
    })
}

/// serde reports a data error as text ("invalid value … at line 1 column 9"); our newtypes put the
/// field name first ("national_id: …"), so lift it into a field error when present.
fn json_field_problem(message: &str) -> ApiError {
    let text = message.split(" at line ").next().unwrap_or(message).to_owned();
    let field = text
        .split_once(": ")
        .filter(|(name, _)| !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '/'))
        .map(|(name, _)| name.to_owned());
    match field {
        Some(field) => {
            let message = text.split_once(": ").map(|(_, m)| m.to_owned()).unwrap_or_default();
            ApiError::validation(vec![FieldError { field, message }])
        }
        None => ApiError::validation(vec![FieldError { field: "body".to_owned(), message: text }]),
    }
}

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

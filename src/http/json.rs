//! `Json<T>`: the JSON body extractor every handler uses. Unlike actix's, a data error names the
//! field it is in (`roles[0]`, `form_data.owner.name`), so clients get field-level problems.

use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, FieldError};
use crate::startup::AppState;

/// A deserialised JSON body.
pub struct Json<T>(pub T);

impl<T> Json<T> {
    /// The body.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Json<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req.app_data::<web::Data<AppState>>().map_or(1024 * 1024, |s| s.settings.json_limit_bytes);
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<mime::Mime>().ok())
            .is_some_and(|m| m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON));
        let declared_length = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "expected a body with Content-Type: application/json",
                ));
            }
            let too_large = || {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    format!("the JSON body is larger than the limit of {limit} bytes"),
                )
            };
            if declared_length.is_some_and(|n| n > limit) {
                return Err(too_large());
            }
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| {
                    ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", format!("the body could not be read: {e}"))
                })?;
                if body.len() + chunk.len() > limit {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            parse(&body).map(Json)
        })
    }
}

/// Parses a JSON document, naming the field of a data error.
///
/// # Errors
/// 400 `malformed_json` for syntax errors, 400 `validation_failed` with the field for data errors,
/// 400 `nul_character` for a string holding a NUL character (`\u0000`): no field of this API
/// accepts one, and PostgreSQL refuses NUL in text and JSONB, so it would fail in the database
/// (see [`super::middleware::refuse_nul_characters`] for paths and query strings).
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if has_nul_escape(body) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "nul_character",
            "the body contains a NUL character (\\u0000), which no field accepts",
        ));
    }
    let deserializer = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if !inner.is_data() {
            return ApiError::new(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                format!("the body is not valid JSON: {inner}"),
            );
        }
        let message = inner.to_string();
        let message = message.split(" at line ").next().unwrap_or(&message);
        // Our value types prefix their message with their own name ("national_id: …"); the
        // path already says where, so keep only the explanation.
        let message = message.split_once(": ").filter(|(name, _)| !name.contains(' ')).map_or(message, |(_, m)| m);
        let mut field = if path == "." { String::new() } else { path };
        // serde reports a missing field at its parent; name the field itself.
        if let Some(name) = message.strip_prefix("missing field `").and_then(|m| m.split('`').next()) {
            field = if field.is_empty() { name.to_owned() } else { format!("{field}.{name}") };
        }
        if field.is_empty() {
            field = "body".to_owned();
        }
        ApiError::validation(vec![FieldError { field, message: message.to_owned() }])
    })
}

/// Whether a JSON text escapes a NUL character: `\u0000` whose backslash is not itself escaped
/// (`\\u0000` is a backslash followed by text). A raw NUL byte is not valid JSON anyway.
fn has_nul_escape(body: &[u8]) -> bool {
    body.windows(6).enumerate().any(|(at, w)| {
        w.eq_ignore_ascii_case(b"\\u0000") && body[..at].iter().rev().take_while(|b| **b == b'\\').count() % 2 == 0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_escaped_nul_is_found_but_an_escaped_backslash_before_u0000_is_text() {
        assert!(has_nul_escape(br#"{"name": "a\u0000b"}"#));
        assert!(has_nul_escape(br#"{"name": "\\\u0000"}"#), "an escaped backslash, then a NUL");
        assert!(!has_nul_escape(br#"{"name": "\\u0000"}"#), "a backslash, then the text u0000");
        assert!(!has_nul_escape(br#"{"name": "u0000"}"#));
    }

    #[test]
    fn a_body_with_a_nul_is_a_nul_character_problem() {
        let error = parse::<serde_json::Value>(br#"{"note": "x\u0000"}"#).err().map(|e| e.code().to_owned());
        assert_eq!(error.as_deref(), Some("nul_character"));
    }
}

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
/// 400 `malformed_json` for syntax errors, 400 `validation_failed` with the field for data errors.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
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

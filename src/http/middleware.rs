//! Middleware applied to every request: request id, tracing span and access log, metrics,
//! panic containment, and the guarantee that every error body is `application/problem+json`.

use std::panic::AssertUnwindSafe;
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::{DefaultHeaders, Next};
use actix_web::{web, HttpResponse, ResponseError};
use futures_util::FutureExt;
use tracing::Instrument;

use super::request_id;
use crate::error::{code_for_status, ApiError, PROBLEM_JSON};
use crate::startup::AppState;

/// Wraps the whole application: see the module documentation.
///
/// # Errors
/// Never: every failure below is turned into a problem response.
pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let id = request_id::accept_or_generate(req.headers().get(request_id::HEADER).and_then(|v| v.to_str().ok()));
    let method = req.method().to_string();
    // The matched pattern, not the raw path: bounded label cardinality and no ids in metrics.
    let route = req.match_pattern().unwrap_or_else(|| "unmatched".to_owned());
    let metrics = req.app_data::<web::Data<AppState>>().map(|state| state.metrics.clone());
    let span = tracing::info_span!("request", request_id = %id, method = %method, route = %route);
    let started = Instant::now();

    // No clone of the request may be held across `next.call`: routing needs it uniquely owned.
    let outcome =
        request_id::scope(id.clone(), AssertUnwindSafe(next.call(req)).catch_unwind()).instrument(span.clone()).await;
    let result = request_id::sync_scope(id.clone(), || match outcome {
        Ok(Ok(response)) => Ok(as_problem(response.map_into_boxed_body())),
        // An error that escaped the handlers (a middleware refused the request).
        Ok(Err(error)) => {
            let status = error.as_response_error().status_code();
            Err(ApiError::new(status, code_for_status(status), error.to_string()))
        }
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(span.in_scope(|| ApiError::internal(anyhow::anyhow!("handler panicked: {message}"))))
        }
    });

    let status = match &result {
        Ok(response) => response.status(),
        Err(error) => error.status_code(),
    };
    let elapsed = started.elapsed();
    if let Some(metrics) = metrics {
        metrics.observe(&method, &route, status.as_u16(), elapsed.as_secs_f64());
    }
    span.in_scope(|| {
        let latency_ms = elapsed.as_secs_f64() * 1000.0;
        if status.is_server_error() {
            tracing::error!(status = status.as_u16(), latency_ms, "served");
        } else {
            tracing::info!(status = status.as_u16(), latency_ms, "served");
        }
    });
    // Without the request, an error is rendered by actix from our `ApiError`: still a problem,
    // carrying the request id in its body.
    let mut response = result?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HeaderName::from_static(request_id::HEADER), value);
    }
    Ok(response)
}

/// Refuses a request whose path or query string carries a NUL character (`%00`) with a 400
/// `nul_character` problem. No identifier, code or filter of this API contains one, and
/// PostgreSQL refuses NUL in text outright: left through, such a parameter became a database
/// error and a 500 there (found by schemathesis on `/indicators/by-month?procedure=%15%00`),
/// while SQLite stored or matched it. JSON bodies get the same rule in [`super::json::parse`].
///
/// # Errors
/// Never: a refusal is a problem response, so that its code reaches the client as is.
pub async fn refuse_nul_characters(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let uri = req.uri().path_and_query().map_or("", |p| p.as_str());
    if has_encoded_nul(uri) {
        let problem = ApiError::new(
            actix_web::http::StatusCode::BAD_REQUEST,
            "nul_character",
            "the path or query string contains a NUL character (%00), which no parameter accepts",
        );
        return Ok(req.into_response(problem.error_response()));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Whether `uri` carries `%00` (the only way a NUL reaches a path or query string: a raw NUL
/// byte is not a valid request line).
fn has_encoded_nul(uri: &str) -> bool {
    uri.as_bytes().windows(3).any(|w| w[0] == b'%' && w[1] == b'0' && w[2] == b'0')
}

/// Replaces a non-problem error body (actix's plain-text 404/405/413, a CORS refusal…) with a
/// problem carrying a stable code, keeping the other headers (e.g. `Allow`, `Retry-After`).
fn as_problem(response: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let status = response.status();
    let is_problem =
        response.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return response;
    }
    let detail = match status.as_u16() {
        404 => format!("no route matches {} {}", response.request().method(), response.request().path()),
        405 => format!("{} is not allowed on {}", response.request().method(), response.request().path()),
        _ => status.canonical_reason().unwrap_or("request failed").to_owned(),
    };
    let problem = ApiError::new(status, code_for_status(status), detail);
    let mut replacement: HttpResponse = problem.error_response();
    for (name, value) in response.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            replacement.headers_mut().insert(name.clone(), value.clone());
        }
    }
    response.into_response(replacement)
}

/// Standard security headers on every response (OWASP secure headers). The CSP allows our own
/// scripts and styles only, which the vendored Swagger UI and the dashboard need.
pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "no-referrer"))
        .add((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; \
             frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ))
        .add((header::STRICT_TRANSPORT_SECURITY, "max-age=63072000; includeSubDomains"))
        .add(("cross-origin-opener-policy", "same-origin"))
        .add(("permissions-policy", "camera=(), microphone=(), geolocation=()"))
}

#[cfg(test)]
mod tests {
    use actix_web::{test, web, App, HttpResponse};

    use super::*;

    #[actix_web::test]
    async fn only_a_percent_encoded_nul_counts_as_one() {
        assert!(has_encoded_nul("/api/v1/indicators/by-month?procedure=%15%00"));
        assert!(has_encoded_nul("/api/v1/procedures/%00"));
        assert!(!has_encoded_nul("/api/v1/procedures/1.000123?q=%2500"), "an encoded '%' before 00 is text");
        assert!(!has_encoded_nul("/api/v1/dossiers?page=100&per_page=00"));
    }

    async fn panics() -> HttpResponse {
        panic!("boom")
    }

    #[actix_web::test]
    async fn a_panicking_handler_becomes_a_500_problem_and_the_worker_survives() {
        let app = test::init_service(
            App::new()
                .route("/panic", web::get().to(panics))
                .route("/fine", web::get().to(HttpResponse::Ok))
                .wrap(actix_web::middleware::from_fn(request_context)),
        )
        .await;
        let response = test::try_call_service(&app, test::TestRequest::get().uri("/panic").to_request()).await;
        let error = match response {
            Ok(r) => panic!("expected the error path, got {}", r.status()),
            Err(e) => e,
        };
        let rendered = error.error_response();
        assert_eq!(rendered.status(), 500);
        assert_eq!(rendered.headers().get(header::CONTENT_TYPE).unwrap(), PROBLEM_JSON);
        // The same service keeps serving.
        let fine = test::call_service(&app, test::TestRequest::get().uri("/fine").to_request()).await;
        assert_eq!(fine.status(), 200);
    }

    #[actix_web::test]
    async fn a_plain_text_error_body_is_replaced_by_a_problem() {
        let app = test::init_service(
            App::new()
                .route("/teapot", web::get().to(|| async { HttpResponse::BadRequest().body("plain text") }))
                .wrap(actix_web::middleware::from_fn(request_context)),
        )
        .await;
        let response = test::call_service(&app, test::TestRequest::get().uri("/teapot").to_request()).await;
        assert_eq!(response.status(), 400);
        assert_eq!(response.headers().get(header::CONTENT_TYPE).unwrap(), PROBLEM_JSON);
        let body: serde_json::Value = test::read_body_json(response).await;
        assert_eq!(body["code"], "bad_request");
        assert!(body["request_id"].is_string());
    }
}

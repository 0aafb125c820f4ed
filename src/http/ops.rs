//! Operational endpoints outside `/api/v1`: liveness, readiness and Prometheus metrics.

use actix_web::http::StatusCode;
use actix_web::{get, web, HttpResponse};
use migration::MigratorTrait;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ProblemDetails};
use crate::startup::AppState;

/// Registers the operational endpoints.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(live).service(ready).service(metrics);
}

/// Health status.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "ready"}))]
pub struct HealthResponse {
    /// `ok` when alive, `ready` when the database is reachable and migrated.
    #[schema(example = "ready")]
    pub status: &'static str,
}

/// Liveness: the process is up and serving.
#[utoipa::path(tag = "operations", operation_id = "health_live", security(()),
    responses((status = 200, description = "The process is alive", body = HealthResponse,
        example = json!({"status": "ok"}))))]
#[get("/health/live")]
async fn live() -> HttpResponse {
    HttpResponse::Ok().json(HealthResponse { status: "ok" })
}

/// Readiness: the database answers and every migration has been applied.
#[utoipa::path(tag = "operations", operation_id = "health_ready", security(()),
    responses(
        (status = 200, description = "Ready to serve", body = HealthResponse),
        (status = 503, description = "Database unreachable or migrations pending", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/health/ready")]
async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let unavailable = |detail: String| {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "service_not_ready", detail).with_retry_after(5)
    };
    state.db.ping().await.map_err(|e| unavailable(format!("database unreachable: {e}")))?;
    let pending = migration::Migrator::get_pending_migrations(&state.db)
        .await
        .map_err(|e| unavailable(format!("cannot read the migration status: {e}")))?;
    if !pending.is_empty() {
        return Err(unavailable(format!("{} migration(s) pending; run `motcua migrate`", pending.len())));
    }
    Ok(HttpResponse::Ok().json(HealthResponse { status: "ready" }))
}

/// Request counts and latencies by route and status, in the Prometheus text format.
#[utoipa::path(tag = "operations", operation_id = "metrics", security(()),
    responses((status = 200, description = "Prometheus text exposition format", body = String, content_type = "text/plain; version=0.0.4")))]
#[get("/metrics")]
async fn metrics(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let body = state.metrics.render()?;
    Ok(HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(body))
}

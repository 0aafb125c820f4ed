//! Target endpoints: public list, admin set.

use actix_web::{get, put, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::domain::{Indicator, Target};
use super::service;
use crate::catalog::domain::AgencyLevel;
use crate::error::{ApiError, FieldError, ProblemDetails};
use crate::http::json::Json;
use crate::identity::extract::ProvinceAdminCaller;
use crate::startup::AppState;

/// Registers the target routes.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_targets).service(put_target);
}

/// A target.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TargetBody {
    /// Indicator key.
    pub indicator: Indicator,
    /// Administrative level.
    pub level: AgencyLevel,
    /// Year.
    pub year: i32,
    /// The ratio to reach, 0–1.
    pub target: f64,
    /// The resolution or plan that sets it.
    pub source: String,
}

impl From<Target> for TargetBody {
    fn from(t: Target) -> Self {
        Self { indicator: t.indicator, level: t.level, year: t.year, target: t.target, source: t.source }
    }
}

/// Target list filters.
#[derive(Debug, Deserialize, IntoParams)]
pub struct TargetQuery {
    /// Only this indicator.
    #[param(value_type = Option<String>)]
    pub indicator: Option<Indicator>,
    /// Only this level.
    #[param(value_type = Option<String>)]
    pub level: Option<AgencyLevel>,
    /// Only this year.
    pub year: Option<i32>,
}

/// The list of targets.
#[derive(Debug, Serialize, ToSchema)]
pub struct TargetList {
    /// Targets by indicator, level and year.
    pub items: Vec<TargetBody>,
}

/// The targets the provincial resolutions set, per indicator, level and year.
#[utoipa::path(tag = "indicators", operation_id = "list_targets", params(TargetQuery),
    responses(
        (status = 200, description = "Targets", body = TargetList),
        (status = 400, description = "Invalid filter", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/targets")]
async fn list_targets(state: web::Data<AppState>, query: web::Query<TargetQuery>) -> Result<HttpResponse, ApiError> {
    let items = service::list_targets(&state.db, query.indicator, query.level, query.year).await?;
    Ok(HttpResponse::Ok().json(TargetList { items: items.into_iter().map(TargetBody::from).collect() }))
}

/// Sets (creates or replaces) one target (province-wide admins).
#[utoipa::path(tag = "admin", operation_id = "put_target", request_body = TargetBody, security(("bearer" = [])),
    responses(
        (status = 200, description = "Stored", body = TargetBody),
        (status = 400, description = "Invalid target", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not a province-wide admin", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[put("/admin/targets")]
async fn put_target(
    state: web::Data<AppState>,
    _admin: ProvinceAdminCaller,
    body: Json<TargetBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let mut errors = Vec::new();
    if !(0.0..=1.0).contains(&b.target) {
        errors.push(FieldError { field: "target".into(), message: "a ratio between 0 and 1".into() });
    }
    if !(2000..=2100).contains(&b.year) {
        errors.push(FieldError { field: "year".into(), message: "between 2000 and 2100".into() });
    }
    let source = b.source.trim().to_owned();
    if source.is_empty() || source.chars().count() > 1000 {
        errors.push(FieldError { field: "source".into(), message: "1–1000 characters naming the resolution".into() });
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let target = Target { indicator: b.indicator, level: b.level, year: b.year, target: b.target, source };
    service::set_target(&state.db, &target).await?;
    Ok(HttpResponse::Ok().json(TargetBody::from(target)))
}

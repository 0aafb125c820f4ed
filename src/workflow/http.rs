//! `POST /dossiers/{id}/actions`: every desk and citizen action after submission.

use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::actions::{self, ActionRequest};
use crate::dossiers::http::{dossier_reply, DossierResponse};
use crate::error::{ApiError, ProblemDetails};
use crate::http::json::Json;
use crate::identity::extract::{Caller, ProvinceAdminCaller};
use crate::startup::AppState;

/// Registers the workflow routes.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(perform_action).service(verify_audit);
}

/// The version in `If-Match: "<version>"`.
fn if_match(req: &HttpRequest) -> Result<i32, ApiError> {
    let value = req.headers().get(header::IF_MATCH).ok_or_else(|| {
        ApiError::new(
            StatusCode::PRECONDITION_REQUIRED,
            "workflow_if_match_required",
            "send If-Match with the dossier's ETag, so a stale view cannot overwrite a newer state",
        )
    })?;
    value
        .to_str()
        .ok()
        .map(|v| v.trim().trim_start_matches("W/").trim_matches('"'))
        .and_then(|v| v.parse::<i32>().ok())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::PRECONDITION_FAILED,
                "workflow_version_mismatch",
                "If-Match is not a dossier ETag",
            )
        })
}

/// Performs an action on a dossier (`receive`, `refuse` by the desk; `withdraw` by the applicant).
/// Requires `If-Match` with the current ETag.
#[utoipa::path(tag = "dossiers", operation_id = "perform_action", request_body = ActionRequest,
    params(("id" = Uuid, Path, description = "Dossier id"), ("If-Match" = String, Header, description = "The dossier's ETag, e.g. \"2\"")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Done; the dossier with its new ETag", body = DossierResponse),
        (status = 400, description = "Invalid action data", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "The caller's role may not do this", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such dossier visible to the caller", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed in the dossier's state", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[post("/dossiers/{id}/actions")]
async fn perform_action(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<ActionRequest>,
) -> Result<HttpResponse, ApiError> {
    let version = if_match(&req)?;
    let public_url = &state.settings.public_url;
    let dossier =
        actions::perform(&state.db, &caller.0, id.into_inner(), version, body.into_inner(), public_url).await?;
    Ok(dossier_reply(HttpResponse::Ok(), dossier))
}

/// A chain that does not verify.
#[derive(Debug, Serialize, ToSchema)]
pub struct BrokenChain {
    /// The dossier.
    pub dossier_id: Uuid,
    /// The first event whose hash, link or position does not verify.
    pub seq: i32,
}

/// The result of recomputing every audit chain.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditVerifyResponse {
    /// Whether every chain verifies.
    pub ok: bool,
    /// Dossiers checked.
    pub checked: usize,
    /// The chains that do not verify.
    pub broken: Vec<BrokenChain>,
}

/// Recomputes every dossier's audit chain and reports any break (an event changed, removed or
/// reordered outside the application). Province-wide admins only.
#[utoipa::path(tag = "admin", operation_id = "verify_audit", security(("bearer" = [])),
    responses(
        (status = 200, description = "The report", body = AuditVerifyResponse),
        (status = 403, description = "Not a province-wide admin", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/admin/audit/verify")]
async fn verify_audit(state: web::Data<AppState>, _admin: ProvinceAdminCaller) -> Result<HttpResponse, ApiError> {
    let report = super::service::verify_all_chains(&state.db).await.map_err(ApiError::from)?;
    Ok(HttpResponse::Ok().json(AuditVerifyResponse {
        ok: report.broken.is_empty(),
        checked: report.checked,
        broken: report.broken.into_iter().map(|(dossier_id, seq)| BrokenChain { dossier_id, seq }).collect(),
    }))
}

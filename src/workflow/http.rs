//! The workflow's endpoints: `POST /dossiers/{id}/actions` (every desk and citizen action after
//! submission), the desk's queue, result documents and their public verification, payments and
//! the payment providers' callbacks, and the audit-chain check.

use std::collections::BTreeMap;

use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::actions::{self, ActionRequest};
use super::desk::{self, QueueFilter};
use super::domain::DossierState;
use super::error::WorkflowError;
use super::payments::{self, Callback, CallbackOutcome, Payment};
use super::results::{self, IssuedResult, Verification};
use crate::dossiers::http::{dossier_reply, DossierResponse};
use crate::dossiers::service as dossiers;
use crate::error::{ApiError, ProblemDetails};
use crate::http::json::Json;
use crate::http::pagination::{Page, PageQuery};
use crate::identity::extract::{Caller, ProvinceAdminCaller, StaffCaller};
use crate::startup::AppState;

/// Registers the workflow routes.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(perform_action)
        .service(desk_queue)
        .service(list_results)
        .service(download_result)
        .service(verify_result)
        .service(list_payments)
        .service(payment_callback)
        .service(verify_audit);
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
#[utoipa::path(tag = "dossiers", operation_id = "perform_action",
    request_body(content = ActionRequest, examples(
        ("receive" = (summary = "The desk receives a submitted dossier", value = json!({"action": "receive"}))),
        ("assign" = (summary = "Hand it to a specialist", value = json!({
            "action": "assign", "assignee_id": "01a22a2d-3d3d-73ab-ac77-6fa7398cbaa0"}))),
        ("request_supplement" = (summary = "Ask the citizen for a document (Mẫu 02)", value = json!({
            "action": "request_supplement", "reason": "Tờ khai chưa có chữ ký của người yêu cầu",
            "items": [{"document_key": "to_khai_xac_nhan_tthn", "description": "Tờ khai có chữ ký"}]}))),
        ("propose_result" = (summary = "The specialist drafts the result", value = json!({
            "action": "propose_result", "decision": "approved",
            "summary": "Xác nhận bà Nguyễn Thị Ánh hiện chưa đăng ký kết hôn với ai."}))),
        ("approve" = (summary = "A leader approves: the result is issued and signed", value = json!({"action": "approve"}))),
        ("request_payment" = (summary = "Ask for the fees", value = json!({
            "action": "request_payment", "fees": [{"name": "Lệ phí", "amount": 8000}]}))),
        ("return_result" = (summary = "Hand the result over", value = json!({"action": "return_result", "method": "online"}))),
        ("rate" = (summary = "The citizen rates the service", value = json!({
            "action": "rate", "score": "satisfied", "comment": "Đúng hẹn"}))),
    )),
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
    let dossier = actions::perform(&state.desk(), &caller.0, id.into_inner(), version, body.into_inner()).await?;
    Ok(dossier_reply(HttpResponse::Ok(), dossier))
}

/// Filters of the desk's queue.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// Only dossiers in this state.
    pub state: Option<DossierState>,
    /// Only dossiers assigned to this specialist; `me` for the caller.
    pub assignee: Option<String>,
    /// `true`: only open dossiers past their appointment; `false`: only the others.
    pub overdue: Option<bool>,
    /// Only dossiers due before this time (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub due_before: Option<DateTime<FixedOffset>>,
    /// Page number, from 1.
    pub page: Option<u64>,
    /// Items per page, 1–100.
    pub per_page: Option<u64>,
}

/// One page of the desk's queue.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "items": [
        {
            "id": "01a22a2d-400d-71de-a783-ccc72990b604", "code": "000.17.22.H56-261130-0001",
            "lookup_secret": "6J4WDZ", "procedure_code": "1.004873", "agency_code": "000.17.22.H56",
            "state": "received", "national_status": 2, "channel": "online",
            "form_data": {"applicant_address": "Thôn 3, xã Đông Sơn"},
            "submitted_at": "2026-11-30T01:58:58.340699Z", "received_at": "2026-11-30T01:58:58.351003Z",
            "due_at": "2026-12-03T01:58:58.351003Z", "resolved_at": null, "returned_at": null,
            "external_id": null, "vneid_authenticated": false, "handling_agency_code": null,
            "assignee_id": null, "finished_at": null, "clock_paused": false, "supplement_requests": 0,
            "apologies": 0, "decision": null, "fee_total": 0, "payment_method": null, "paid_at": null,
            "return_method": null, "rating": null, "version": 3,
            "created_at": "2026-11-30T01:58:58.317301722Z", "updated_at": "2026-11-30T01:58:58.351003Z"
        }
    ],
    "page": 1, "per_page": 1, "total": 5, "counts": {"received": 1, "in_progress": 3, "pending_approval": 1}
}))]
pub struct QueueResponse {
    /// Dossiers, soonest due first (those without an appointment last).
    pub items: Vec<DossierResponse>,
    /// Page number, from 1.
    pub page: u64,
    /// Items per page.
    pub per_page: u64,
    /// Dossiers matching the filters.
    pub total: u64,
    /// The agency's dossiers per state (not filtered), for the queue's tabs.
    pub counts: BTreeMap<String, u64>,
}

/// The work queue of the caller's agency (staff only).
#[utoipa::path(tag = "desk", operation_id = "desk_queue", params(QueueQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "The queue", body = QueueResponse),
        (status = 400, description = "Invalid filter", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not staff of an agency", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/desk/dossiers")]
async fn desk_queue(
    state: web::Data<AppState>,
    staff: StaffCaller,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, ApiError> {
    let agency = staff.agency_code()?;
    let q = query.into_inner();
    let page = Page::try_from(PageQuery { page: q.page, per_page: q.per_page })?;
    let assignee_id = match q.assignee.as_deref() {
        None => None,
        Some("me") => Some(staff.0.id),
        Some(other) => Some(Uuid::parse_str(other).map_err(|_| {
            ApiError::validation(vec![crate::error::FieldError {
                field: "assignee".to_owned(),
                message: "expected an account id or `me`".to_owned(),
            }])
        })?),
    };
    let filter = QueueFilter {
        state: q.state,
        assignee_id,
        overdue: q.overdue,
        due_before: q.due_before.map(|t| t.with_timezone(&Utc)),
    };
    let queue = desk::queue(&state.db, &agency, &filter, page, Utc::now()).await?;
    Ok(HttpResponse::Ok().json(QueueResponse {
        items: queue.items.into_iter().map(DossierResponse::from).collect(),
        page: page.page,
        per_page: page.per_page,
        total: queue.total,
        counts: queue.counts.into_iter().map(|(s, n)| (s.as_str().to_owned(), n)).collect(),
    }))
}

/// Issued results of a dossier.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "items": [
        {
            "id": "01a22a2d-4071-729a-98c8-fc3421699dd0", "decision": "approved",
            "summary": "Xác nhận bà Nguyễn Thị Ánh hiện chưa đăng ký kết hôn với ai.",
            "file_name": "ket-qua-000.17.22.H56-261130-0001.html", "size": 1226,
            "sha256": "1c750534cb0a9f838f583e430c4aa5c667185d46505ac120a176b76f3b43afe8",
            "signature": "GNeb5BvaYP25cBl38vfZgPXqfyDrcqQMFfyIBWjODOTsa/YM7gvWKEAEoA2sFDmn0aaHX/5CfxB6TLEMPXPCCQ==",
            "key_id": "0657918c568bde20", "issued_at": "2026-11-30T01:58:58.424518Z",
            "verification_url": "http://127.0.0.1:8080/api/v1/results/verify?code=000.17.22.H56-261130-0001&sha256=1c750534cb0a9f838f583e430c4aa5c667185d46505ac120a176b76f3b43afe8"
        }
    ]
}))]
pub struct ResultsResponse {
    /// Issued results, oldest first.
    pub items: Vec<IssuedResult>,
}

/// The issued results of a dossier (its applicant, or staff of its agency).
#[utoipa::path(tag = "dossiers", operation_id = "list_results", params(("id" = Uuid, Path, description = "Dossier id")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The results", body = ResultsResponse),
        (status = 404, description = "No such dossier visible to the caller", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/dossiers/{id}/results")]
async fn list_results(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let dossier = dossiers::find_visible(&state.db, &caller.0, id.into_inner()).await?;
    let items = results::issued(&state.db, &dossier, &state.settings.public_url).await?;
    Ok(HttpResponse::Ok().json(ResultsResponse { items }))
}

/// Downloads an issued result document (its applicant, or staff of its agency).
#[utoipa::path(tag = "dossiers", operation_id = "download_result",
    params(("id" = Uuid, Path, description = "Dossier id"), ("result_id" = Uuid, Path, description = "Result id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The document", content_type = "text/html"),
        (status = 404, description = "No such dossier or result visible to the caller", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/dossiers/{id}/results/{result_id}")]
async fn download_result(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, result_id) = path.into_inner();
    let dossier = dossiers::find_visible(&state.db, &caller.0, id).await?;
    let (key, file_name) = results::storage_key_of(&state.db, &dossier, result_id).await?;
    let bytes = state
        .files
        .get(&key)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("result file {key} is missing from the store")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\"")))
        .body(bytes))
}

/// What to verify.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VerifyQuery {
    /// Dossier code printed on the result.
    pub code: String,
    /// SHA-256 of the result file, hex.
    pub sha256: String,
}

/// Confirms that a result document is genuine: issued by this service for this dossier code,
/// with this SHA-256, and signed. Public; reveals no personal data. Anything else answers 404.
#[utoipa::path(tag = "public", operation_id = "verify_result", security(()), params(VerifyQuery),
    responses(
        (status = 200, description = "Genuine", body = Verification),
        (status = 404, description = "No genuine result matches", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/results/verify")]
async fn verify_result(state: web::Data<AppState>, query: web::Query<VerifyQuery>) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let verification = results::verify(&state.db, &state.result_signer, &q.code, &q.sha256).await?;
    Ok(HttpResponse::Ok().json(verification))
}

/// Payments of a dossier.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "items": [
        {
            "id": "01a22a2d-4050-73b1-930f-70aeb9d87c0b", "fees": [{"name": "Lệ phí", "amount": 8000}],
            "amount": 8000, "status": "settled", "method": "online", "provider": "hmac",
            "reference": "VNPAY-14722951", "created_at": "2026-11-30T01:58:58.376246Z",
            "settled_at": "2026-11-30T01:58:58.393647Z"
        }
    ]
}))]
pub struct PaymentsResponse {
    /// Payments, oldest first.
    pub items: Vec<Payment>,
}

/// The fee payments of a dossier (its applicant, or staff of its agency). A pending payment's id
/// is what the citizen pays against at the payment provider.
#[utoipa::path(tag = "dossiers", operation_id = "list_payments", params(("id" = Uuid, Path, description = "Dossier id")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The payments", body = PaymentsResponse),
        (status = 404, description = "No such dossier visible to the caller", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/dossiers/{id}/payments")]
async fn list_payments(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let dossier = dossiers::find_visible(&state.db, &caller.0, id.into_inner()).await?;
    let items = payments::list(&state.db, &dossier).await?;
    Ok(HttpResponse::Ok().json(PaymentsResponse { items }))
}

/// A payment provider's callback (IPN). For the `hmac` provider: JSON body
/// `{payment_id, status: "paid"|"failed", reference, amount}`, headers `X-Payment-Timestamp`
/// (Unix seconds) and `X-Payment-Signature: sha256=<hex HMAC-SHA256 of "{timestamp}.{body}">`.
/// A paid notice settles the payment and resumes the dossier; repeats answer the same.
#[utoipa::path(tag = "payments", operation_id = "payment_callback", security(()),
    params(("provider" = String, Path, description = "Provider name, e.g. `hmac`")),
    request_body(content = payments::PaymentNotice, content_type = "application/json"),
    responses(
        (status = 200, description = "Handled", body = CallbackOutcome),
        (status = 400, description = "Not a payment notice", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "Signature missing, wrong or too old", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "Unknown provider or payment", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "The dossier no longer awaits payment", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "Amount differs from the payment's", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[post("/payments/callbacks/{provider}")]
async fn payment_callback(
    state: web::Data<AppState>,
    req: HttpRequest,
    provider: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let name = provider.into_inner();
    let provider = state
        .payment_providers
        .iter()
        .find(|p| p.name() == name)
        .ok_or_else(|| ApiError::from(WorkflowError::PaymentProviderUnknown(name.clone())))?;
    let headers = req
        .headers()
        .iter()
        .filter_map(|(k, v)| v.to_str().ok().map(|v| (k.as_str().to_ascii_lowercase(), v.to_owned())))
        .collect();
    let outcome = payments::handle_callback(
        &state.db,
        provider.as_ref(),
        &Callback { headers, body: &body },
        &state.settings.public_url,
        &state.lookup_cache,
    )
    .await?;
    Ok(HttpResponse::Ok().json(outcome))
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
#[schema(example = json!({"ok": true, "checked": 3, "broken": []}))]
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

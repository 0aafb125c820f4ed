//! `GET /integration/sync`: the outbound national-portal sync per dossier; `/admin/webhooks`: the
//! webhook subscriptions (province-wide admins).

use actix_web::{delete, get, post, put, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::service::{self, CodeMapping, SyncFilter, SyncState};
use super::webhooks::{self, Webhook};
use crate::error::{ApiError, FieldError, ProblemDetails};
use crate::http::json::Json;
use crate::http::pagination::{Page, PageQuery, Paginated};
use crate::identity::extract::ProvinceAdminCaller;
use crate::startup::AppState;
use crate::workflow::domain::DossierState;

/// Registers the sync routes.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_sync_states)
        .service(create_webhook)
        .service(list_webhooks)
        .service(delete_webhook)
        .service(list_code_mappings)
        .service(put_code_mappings);
}

/// One dossier's outbound sync. No personal data: the applicant's identifiers travel only to the
/// national portal.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "dossier_id": "01a22a2d-410e-7005-9e11-a1603e902547", "dossier_code": "000.17.22.H56-261130-0003",
    "agency_code": "000.17.22.H56", "state": "received", "last_status": 1,
    "synced_at": "2026-11-30T01:58:59.020417Z", "pending_jobs": 1, "dead_jobs": 0, "last_error": null,
    "last_error_at": null
}))]
pub struct SyncStateResponse {
    /// Dossier id.
    pub dossier_id: Uuid,
    /// Dossier code (`MaHoSo`).
    #[schema(example = "000.17.22.H56-260302-0001")]
    pub dossier_code: Option<String>,
    /// The dossier's agency.
    pub agency_code: Option<String>,
    /// The dossier's state now.
    pub state: Option<DossierState>,
    /// The national status (`TrangThaiHoSo`, 1–10) the portal last accepted.
    #[schema(example = 2)]
    pub last_status: Option<i32>,
    /// When the portal last accepted the record.
    pub synced_at: Option<DateTime<Utc>>,
    /// Sync jobs waiting to be sent or retried.
    pub pending_jobs: u64,
    /// Sync jobs that gave up; re-drive them at `POST /admin/jobs/{id}/redrive`.
    pub dead_jobs: u64,
    /// The last failure, cleared by the next success.
    pub last_error: Option<String>,
    /// When it failed.
    pub last_error_at: Option<DateTime<Utc>>,
}

impl From<SyncState> for SyncStateResponse {
    fn from(s: SyncState) -> Self {
        Self {
            dossier_id: s.dossier_id,
            dossier_code: s.dossier_code,
            agency_code: s.agency_code,
            state: s.state,
            last_status: s.last_status,
            synced_at: s.synced_at,
            pending_jobs: s.pending_jobs,
            dead_jobs: s.dead_jobs,
            last_error: s.last_error,
            last_error_at: s.last_error_at,
        }
    }
}

/// Sync list filters.
#[derive(Debug, Deserialize, IntoParams)]
pub struct SyncQuery {
    /// `synced` (last attempt succeeded), `failing` (last attempt failed), `pending` (jobs waiting),
    /// `dead` (jobs given up).
    #[param(value_type = Option<String>)]
    pub state: Option<SyncFilter>,
    /// Page number, from 1.
    pub page: Option<u64>,
    /// Items per page, 1–100.
    pub per_page: Option<u64>,
}

/// Lists the outbound national-portal sync per dossier: the status last accepted, when, the
/// jobs waiting or given up, and the last error (province-wide admins).
#[utoipa::path(tag = "integration", operation_id = "list_sync_states", params(SyncQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of dossiers' sync states", body = Paginated<SyncStateResponse>),
        (status = 400, description = "Invalid filter", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not a province-wide admin", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/integration/sync")]
async fn list_sync_states(
    state: web::Data<AppState>,
    _admin: ProvinceAdminCaller,
    query: web::Query<SyncQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = Page::try_from(PageQuery { page: query.page, per_page: query.per_page })?;
    let (items, total) = service::list_states(&state.db, query.state, page).await.map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(Paginated::<SyncStateResponse>::new(items, page, total)))
}

/// A new webhook subscription.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({
    "url": "https://he-thong-khac.example.gov.vn/motcua/webhook", "secret": "whsec-2026-bi-mat-chung",
    "events": ["received", "resolved", "returned"]
}))]
pub struct CreateWebhookRequest {
    /// Where to POST, an absolute http(s) URL.
    #[schema(example = "https://he-thong-khac.example.gov.vn/motcua/webhook")]
    pub url: String,
    /// The HMAC-SHA256 key of the signature, at least 16 characters; never shown again.
    pub secret: String,
    /// The dossier states to be told about (`submitted`, `received`, … `returned`), or `"*"`.
    #[schema(example = json!(["received", "resolved", "returned"]))]
    pub events: Vec<String>,
}

/// A webhook subscription (its secret is never shown).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01a22a2d-412d-74a6-b13f-0636d98207ee", "url": "https://he-thong-khac.example.gov.vn/motcua/webhook",
    "events": ["received", "resolved", "returned"], "created_at": "2026-11-30T01:58:58.605776627Z"
}))]
pub struct WebhookResponse {
    pub id: Uuid,
    pub url: String,
    /// States, or `"*"`.
    pub events: Vec<String>,
    pub created_at: DateTime<Utc>,
}

impl From<Webhook> for WebhookResponse {
    fn from(w: Webhook) -> Self {
        Self { id: w.id, url: w.url, events: w.events, created_at: w.created_at }
    }
}

/// The webhook subscriptions.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "items": [
        {
            "id": "01a22a2d-412d-74a6-b13f-0636d98207ee",
            "url": "https://he-thong-khac.example.gov.vn/motcua/webhook",
            "events": ["received", "resolved", "returned"], "created_at": "2026-11-30T01:58:58.605776627Z"
        }
    ]
}))]
pub struct WebhookList {
    pub items: Vec<WebhookResponse>,
}

/// Subscribes a system to dossier state changes. Each change into one of `events` is POSTed as
/// `{dossier_code, state, national_status, action, at}` with the headers `X-Motcua-Timestamp`,
/// `X-Motcua-Signature: sha256=<hex HMAC-SHA256 of "{timestamp}.{body}">` and `X-Motcua-Delivery`;
/// a non-2xx answer is retried with backoff (province-wide admins).
#[utoipa::path(tag = "integration", operation_id = "create_webhook", request_body = CreateWebhookRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Subscribed", body = WebhookResponse),
        (status = 400, description = "Invalid URL, secret or events", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not a province-wide admin", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[post("/admin/webhooks")]
async fn create_webhook(
    state: web::Data<AppState>,
    admin: ProvinceAdminCaller,
    body: Json<CreateWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let webhook = webhooks::create_webhook(&state.db, &body.url, &body.secret, &body.events, admin.0.id).await?;
    Ok(HttpResponse::Created().json(WebhookResponse::from(webhook)))
}

/// Lists the webhook subscriptions (province-wide admins).
#[utoipa::path(tag = "integration", operation_id = "list_webhooks", security(("bearer" = [])),
    responses(
        (status = 200, description = "Every subscription", body = WebhookList),
        (status = 403, description = "Not a province-wide admin", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/admin/webhooks")]
async fn list_webhooks(state: web::Data<AppState>, _admin: ProvinceAdminCaller) -> Result<HttpResponse, ApiError> {
    let items = webhooks::list_webhooks(&state.db).await?.into_iter().map(WebhookResponse::from).collect();
    Ok(HttpResponse::Ok().json(WebhookList { items }))
}

/// Removes a subscription; deliveries still queued for it are dropped (province-wide admins).
#[utoipa::path(tag = "integration", operation_id = "delete_webhook", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Subscription id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "Not a province-wide admin", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[delete("/admin/webhooks/{id}")]
async fn delete_webhook(
    state: web::Data<AppState>,
    _admin: ProvinceAdminCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    webhooks::delete_webhook(&state.db, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A local code and its national counterpart.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeMappingItem {
    /// The local procedure code.
    #[schema(example = "1.004873")]
    pub procedure_code: String,
    /// A required-document key of the procedure; absent: `national_code` is the procedure's
    /// national TTHC code (`MaTTHC`), present: the document's `MaThanhPhanHoSo`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "to_khai_xac_nhan_tthn")]
    pub document_key: Option<String>,
    /// The national code.
    #[schema(example = "TP-1.004873-01")]
    pub national_code: String,
}

/// Code mappings.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "items": [
        {"procedure_code": "1.004873", "national_code": "TP-1.004873"},
        {"procedure_code": "1.004873", "document_key": "giay_to_tuy_than", "national_code": "TP-1.004873-01"}
    ]
}))]
pub struct CodeMappingList {
    pub items: Vec<CodeMappingItem>,
}

impl From<CodeMapping> for CodeMappingItem {
    fn from(m: CodeMapping) -> Self {
        Self { procedure_code: m.procedure_code, document_key: m.document_key, national_code: m.national_code }
    }
}

fn checked_mappings(items: Vec<CodeMappingItem>) -> Result<Vec<CodeMapping>, ApiError> {
    let mut errors = Vec::new();
    if items.is_empty() || items.len() > 1000 {
        errors.push(FieldError { field: "items".into(), message: "between 1 and 1000 mappings".into() });
    }
    let mut bounded = |i: usize, name: &str, value: &str, max: usize| {
        let value = value.trim();
        if value.is_empty() || value.chars().count() > max {
            errors.push(FieldError { field: format!("items[{i}].{name}"), message: format!("1–{max} characters") });
        }
        value.to_owned()
    };
    let mut checked = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        checked.push(CodeMapping {
            procedure_code: bounded(i, "procedure_code", &item.procedure_code, 64),
            document_key: item.document_key.map(|k| bounded(i, "document_key", &k, 64)),
            national_code: bounded(i, "national_code", &item.national_code, 128),
        });
    }
    if errors.is_empty() {
        Ok(checked)
    } else {
        Err(ApiError::validation(errors))
    }
}

/// The local ↔ national code mappings the national sync uses: procedure codes to national TTHC
/// codes (`MaTTHC`) and document keys to national `MaThanhPhanHoSo` (province-wide admins).
#[utoipa::path(tag = "integration", operation_id = "list_code_mappings", security(("bearer" = [])),
    responses(
        (status = 200, description = "Every mapping, by procedure then document key", body = CodeMappingList),
        (status = 401, description = "Not signed in", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not a province-wide admin", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/integration/code-mappings")]
async fn list_code_mappings(state: web::Data<AppState>, _admin: ProvinceAdminCaller) -> Result<HttpResponse, ApiError> {
    let items = service::list_code_mappings(&state.db).await?.into_iter().map(CodeMappingItem::from).collect();
    Ok(HttpResponse::Ok().json(CodeMappingList { items }))
}

/// Sets code mappings, all or none: each replaces the earlier mapping of the same procedure and
/// document key; mappings not named are kept. A code with no mapping is sent to the national
/// portal as it is. Answers every mapping (province-wide admins).
#[utoipa::path(tag = "integration", operation_id = "put_code_mappings", request_body = CodeMappingList,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every mapping, by procedure then document key", body = CodeMappingList),
        (status = 400, description = "Unknown procedure or document key, blank or overlong codes", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not a province-wide admin", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[put("/integration/code-mappings")]
async fn put_code_mappings(
    state: web::Data<AppState>,
    _admin: ProvinceAdminCaller,
    body: Json<CodeMappingList>,
) -> Result<HttpResponse, ApiError> {
    let items = checked_mappings(body.into_inner().items)?;
    service::set_code_mappings(&state.db, &items).await?;
    let items = service::list_code_mappings(&state.db).await?.into_iter().map(CodeMappingItem::from).collect();
    Ok(HttpResponse::Ok().json(CodeMappingList { items }))
}

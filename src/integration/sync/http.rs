//! `GET /integration/sync`: the outbound national-portal sync per dossier; `/admin/webhooks`: the
//! webhook subscriptions (province-wide admins).

use actix_web::{delete, get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::service::{self, SyncFilter, SyncState};
use super::webhooks::{self, Webhook};
use crate::error::{ApiError, ProblemDetails};
use crate::http::json::Json;
use crate::http::pagination::{Page, PageQuery, Paginated};
use crate::identity::extract::ProvinceAdminCaller;
use crate::startup::AppState;
use crate::workflow::domain::DossierState;

/// Registers the sync routes.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_sync_states).service(create_webhook).service(list_webhooks).service(delete_webhook);
}

/// One dossier's outbound sync. No personal data: the applicant's identifiers travel only to the
/// national portal.
#[derive(Debug, Serialize, ToSchema)]
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

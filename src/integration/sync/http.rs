//! `GET /integration/sync`: the outbound national-portal sync per dossier (province-wide admins).

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::service::{self, SyncFilter, SyncState};
use crate::error::{ApiError, ProblemDetails};
use crate::http::pagination::{Page, PageQuery, Paginated};
use crate::identity::extract::ProvinceAdminCaller;
use crate::startup::AppState;
use crate::workflow::domain::DossierState;

/// Registers the sync routes.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_sync_states);
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

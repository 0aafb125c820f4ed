//! The admin view of the outbox: `GET /admin/jobs` and `POST /admin/jobs/{id}/redrive`.

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::domain::{Job, JobState};
use super::service;
use crate::error::{ApiError, ProblemDetails};
use crate::http::pagination::{Page, PageQuery, Paginated};
use crate::identity::extract::ProvinceAdminCaller;
use crate::startup::AppState;

/// Registers the outbox routes.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_jobs).service(redrive_job);
}

/// A job of the outbox. Its payload is not shown: it may hold personal data (addresses, names).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01a22a2d-4114-7499-96a7-693ef7226863", "kind": "national_sync",
    "ordering_key": "national_sync:dossier:01a22a2d-400d-71de-a783-ccc72990b604", "dedupe_key": null,
    "state": "dead", "attempts": 8, "run_at": "2026-11-30T03:12:40.118204Z", "locked_until": null,
    "last_error": "national portal adapter answered HTTP 503", "created_at": "2026-11-30T01:58:58.351003Z",
    "finished_at": "2026-11-30T03:12:41.207316Z"
}))]
pub struct JobResponse {
    /// Job id.
    pub id: Uuid,
    /// Which handler runs it, e.g. `mail`.
    #[schema(example = "mail")]
    pub kind: String,
    /// Jobs with the same key run in creation order.
    pub ordering_key: Option<String>,
    /// Enqueueing a job with an existing dedupe key does nothing.
    pub dedupe_key: Option<String>,
    /// `pending`, `done` or `dead`.
    pub state: JobState,
    /// Attempts started.
    pub attempts: u32,
    /// Not run before this time (the next retry, for a failed job).
    pub run_at: DateTime<Utc>,
    /// While in the future, a worker holds the job.
    pub locked_until: Option<DateTime<Utc>>,
    /// The last failure.
    pub last_error: Option<String>,
    /// When it was enqueued.
    pub created_at: DateTime<Utc>,
    /// When it was done or given up.
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<Job> for JobResponse {
    fn from(j: Job) -> Self {
        Self {
            id: j.id,
            kind: j.kind,
            ordering_key: j.ordering_key,
            dedupe_key: j.dedupe_key,
            state: j.state,
            attempts: j.attempts,
            run_at: j.run_at,
            locked_until: j.locked_until,
            last_error: j.last_error,
            created_at: j.created_at,
            finished_at: j.finished_at,
        }
    }
}

/// Job list filters.
#[derive(Debug, Deserialize, IntoParams)]
pub struct JobQuery {
    /// Only jobs in this state.
    pub state: Option<JobState>,
    /// Only jobs of this kind.
    pub kind: Option<String>,
    /// Page number, from 1.
    pub page: Option<u64>,
    /// Items per page, 1–100.
    pub per_page: Option<u64>,
}

/// Lists the outbox jobs, newest first (province-wide admins).
#[utoipa::path(tag = "admin", operation_id = "list_jobs", params(JobQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of jobs", body = Paginated<JobResponse>),
        (status = 400, description = "Invalid filter", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not a province-wide admin", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/admin/jobs")]
async fn list_jobs(
    state: web::Data<AppState>,
    _admin: ProvinceAdminCaller,
    query: web::Query<JobQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = Page::try_from(PageQuery { page: query.page, per_page: query.per_page })?;
    let kind = query.kind.as_deref().map(str::trim).filter(|k| !k.is_empty());
    let (items, total) = service::list_jobs(&state.db, query.state, kind, page).await?;
    Ok(HttpResponse::Ok().json(Paginated::<JobResponse>::new(items, page, total)))
}

/// Puts a dead job back in the queue with its attempts reset, e.g. once the mail server works
/// again (province-wide admins).
#[utoipa::path(tag = "admin", operation_id = "redrive_job", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Job id")),
    responses(
        (status = 200, description = "Pending again", body = JobResponse, example = json!({
            "id": "01a22a2d-4114-7499-96a7-693ef7226863", "kind": "national_sync",
            "ordering_key": "national_sync:dossier:01a22a2d-400d-71de-a783-ccc72990b604", "dedupe_key": null,
            "state": "pending", "attempts": 0, "run_at": "2026-11-30T09:20:03.517228Z", "locked_until": null,
            "last_error": "national portal adapter answered HTTP 503", "created_at": "2026-11-30T01:58:58.351003Z",
            "finished_at": null})),
        (status = 403, description = "Not a province-wide admin", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such job", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "The job is not dead", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[post("/admin/jobs/{id}/redrive")]
async fn redrive_job(
    state: web::Data<AppState>,
    _admin: ProvinceAdminCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let job = service::redrive(&state.db, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(JobResponse::from(job)))
}

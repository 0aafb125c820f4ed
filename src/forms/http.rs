//! Form endpoints: `GET /dossiers/{id}/forms/{form}` and `GET /desk/forms/tracking-book`.

use actix_web::{get, web, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::domain::FormKind;
use super::service;
use crate::error::{ApiError, ProblemDetails};
use crate::identity::extract::{Caller, StaffCaller};
use crate::startup::AppState;

/// Registers the form routes.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(get_dossier_form).service(get_tracking_book);
}

fn html(body: String) -> HttpResponse {
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(body)
}

/// An official form of a dossier as a print-ready HTML page (Vietnamese, A5): `receipt`
/// (Mẫu 01, with a QR code of the public lookup link), `supplement_request` (Mẫu 02, the latest
/// request), `refusal` (Mẫu 03), `apology` (Mẫu 04, the latest), `control_sheet` (Mẫu 05, every
/// step with its early / on-time / late mark) or `stop_notice` (Thông báo dừng giải quyết hồ sơ).
/// For the applicant or staff of the dossier's agency; a staff member's read is recorded in the
/// personal-data access log.
#[utoipa::path(tag = "forms", operation_id = "get_dossier_form", security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Dossier id"),
        ("form" = FormKind, Path, description = "Which form"),
    ),
    responses(
        (status = 200, description = "The printable page", content_type = "text/html", body = String),
        (status = 401, description = "Not signed in", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such dossier visible to the caller, no such form, or no such event to print (`forms_not_issued`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "A receipt of a dossier not received yet", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/dossiers/{id}/forms/{form}")]
async fn get_dossier_form(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, form) = path.into_inner();
    let kind = FormKind::parse(&form)
        .ok_or_else(|| ApiError::not_found("forms_unknown_form", format!("there is no form {form:?}")))?;
    let page = service::dossier_form(
        &state.db,
        &caller.0,
        id,
        kind,
        &state.settings.public_url,
        crate::http::request_id::current(),
    )
    .await?;
    Ok(html(page))
}

/// The tracking book's period.
#[derive(Debug, Deserialize, IntoParams)]
pub struct TrackingBookQuery {
    /// First day, `YYYY-MM-DD` (Asia/Ho_Chi_Minh).
    pub from: NaiveDate,
    /// Last day, inclusive; at most 366 days after `from`.
    pub to: NaiveDate,
}

/// The tracking book (Sổ theo dõi hồ sơ, Mẫu 06 of TT 01/2018, Mẫu 07 of TT 03/2025) of the
/// caller's agency as a print-ready A4 page: one line per dossier received in the period, with
/// its dates of reception, appointment, result and return.
#[utoipa::path(tag = "forms", operation_id = "get_tracking_book", params(TrackingBookQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "The printable page", content_type = "text/html", body = String),
        (status = 400, description = "Invalid period", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not staff of an agency", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/desk/forms/tracking-book")]
async fn get_tracking_book(
    state: web::Data<AppState>,
    staff: StaffCaller,
    query: web::Query<TrackingBookQuery>,
) -> Result<HttpResponse, ApiError> {
    let page =
        service::tracking_book(&state.db, &staff.0, query.from, query.to, crate::http::request_id::current()).await?;
    Ok(html(page))
}

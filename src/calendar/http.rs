//! Calendar endpoints: read a year, edit a year (admin), and compute a deadline with its explanation.

use std::collections::BTreeSet;

use actix_web::{get, put, web, HttpResponse};
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::domain::{business_offset, CalendarYear, Deadline, ProcessingTime, TimeUnit};
use super::service;
use crate::error::{ApiError, FieldError, ProblemDetails};
use crate::http::json::Json;
use crate::identity::extract::ProvinceAdminCaller;
use crate::startup::AppState;

/// Registers the calendar routes.
pub fn routes(cfg: &mut ServiceConfig) {
    // `/calendar/deadline` first: actix matches in registration order and `{year}` would take it.
    cfg.service(compute_deadline).service(get_calendar_year).service(put_calendar_year);
}

/// One year of the working calendar.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "year": 2026,
    "holidays": [
        "2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04", "2026-02-14", "2026-02-15", "2026-02-16",
        "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-21", "2026-02-22", "2026-04-25",
        "2026-04-26", "2026-04-27", "2026-04-30", "2026-05-01", "2026-05-02", "2026-05-03", "2026-08-29",
        "2026-08-30", "2026-08-31", "2026-09-01", "2026-09-02"
    ],
    "makeup_working_days": ["2026-01-10", "2026-08-22"],
    "source": "official civil-service calendar shipped with motcua (seed/calendar.json)",
    "updated_at": "2026-11-30T01:58:57.364575Z", "working_days": 250
}))]
pub struct CalendarYearResponse {
    /// The year.
    pub year: i32,
    /// Every day off, adjacent weekend days included.
    pub holidays: Vec<NaiveDate>,
    /// Saturdays or Sundays worked to pay back a swapped weekday (làm bù).
    pub makeup_working_days: Vec<NaiveDate>,
    /// Where the data comes from (notice numbers).
    pub source: Option<String>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Number of working days in the year under this calendar.
    pub working_days: u32,
}

fn year_response(stored: service::StoredYear) -> CalendarYearResponse {
    let calendar = super::domain::WorkingCalendar::from_years([stored.year.clone()]).unwrap_or_default();
    let working_days = NaiveDate::from_ymd_opt(stored.year.year, 1, 1)
        .map(|first| {
            first
                .iter_days()
                .take_while(|d| d.year() == stored.year.year)
                .filter(|d| calendar.is_working_day(*d))
                .count()
        })
        .unwrap_or(0);
    CalendarYearResponse {
        year: stored.year.year,
        holidays: stored.year.holidays.into_iter().collect(),
        makeup_working_days: stored.year.makeup_working_days.into_iter().collect(),
        source: stored.source,
        updated_at: stored.updated_at,
        working_days: u32::try_from(working_days).unwrap_or(u32::MAX),
    }
}

/// Reads one year of the working calendar.
#[utoipa::path(tag = "calendar", operation_id = "get_calendar_year", security(()), params(("year" = i32, Path, description = "Year", example = 2026)),
    responses(
        (status = 200, description = "The year", body = CalendarYearResponse),
        (status = 404, description = "No calendar stored for that year", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/calendar/{year}")]
async fn get_calendar_year(state: web::Data<AppState>, year: web::Path<i32>) -> Result<HttpResponse, ApiError> {
    let stored = service::find_year(&state.db, year.into_inner()).await?;
    Ok(HttpResponse::Ok().json(year_response(stored)))
}

/// A year of the calendar to store.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "holidays": ["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04", "2026-02-14", "2026-02-15",
        "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-21", "2026-02-22",
        "2026-04-25", "2026-04-26", "2026-04-27", "2026-04-30", "2026-05-01", "2026-05-02", "2026-05-03",
        "2026-08-29", "2026-08-30", "2026-08-31", "2026-09-01", "2026-09-02"],
    "makeup_working_days": ["2026-01-10", "2026-08-22"],
    "source": "Văn bản 12729/VPCP-KGVX ngày 25/12/2025; lịch nghỉ Tết Nguyên đán, Giỗ Tổ, 30/4–1/5 và Quốc khánh năm 2026"
}))]
pub struct CalendarYearRequest {
    /// Every day off (YYYY-MM-DD), adjacent weekend days included, as the official notice lists them.
    pub holidays: BTreeSet<NaiveDate>,
    /// Saturdays or Sundays worked to pay back a swapped weekday.
    #[serde(default)]
    pub makeup_working_days: BTreeSet<NaiveDate>,
    /// Where the data comes from, e.g. "Thông báo 9441/TB-BNV".
    #[serde(default)]
    pub source: Option<String>,
}

/// Replaces one year of the working calendar (province-wide admins). Deadlines computed from now
/// on use it.
#[utoipa::path(tag = "admin", operation_id = "put_calendar_year", request_body = CalendarYearRequest,
    params(("year" = i32, Path, description = "Year", example = 2026)), security(("bearer" = [])),
    responses(
        (status = 200, description = "Stored", body = CalendarYearResponse),
        (status = 400, description = "Malformed body or year out of range", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not a province-wide admin", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "A date in another year, a day both off and worked, or a weekday make-up day", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[put("/admin/calendar/{year}")]
async fn put_calendar_year(
    state: web::Data<AppState>,
    _admin: ProvinceAdminCaller,
    year: web::Path<i32>,
    body: Json<CalendarYearRequest>,
) -> Result<HttpResponse, ApiError> {
    let year = year.into_inner();
    if !(2000..=2100).contains(&year) {
        return Err(ApiError::validation(vec![FieldError {
            field: "year".into(),
            message: "must be between 2000 and 2100".into(),
        }]));
    }
    let body = body.into_inner();
    let source = body.source.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    if source.as_ref().is_some_and(|s| s.chars().count() > 1000) {
        return Err(ApiError::validation(vec![FieldError {
            field: "source".into(),
            message: "at most 1000 characters".into(),
        }]));
    }
    let calendar_year = CalendarYear { year, holidays: body.holidays, makeup_working_days: body.makeup_working_days };
    let stored = service::put_year(&state.db, calendar_year, source).await?;
    Ok(HttpResponse::Ok().json(year_response(stored)))
}

/// Inputs of a deadline computation.
#[derive(Debug, Deserialize, IntoParams)]
pub struct DeadlineQuery {
    /// Reception time, RFC 3339 (e.g. `2026-02-13T16:00:00+07:00`).
    pub received_at: DateTime<FixedOffset>,
    /// Processing time value (ignored for `same_day`).
    #[serde(default)]
    pub value: u32,
    /// `working_days`, `working_hours`, `calendar_days` or `same_day`.
    #[param(value_type = String)]
    pub unit: TimeUnit,
    /// Agency whose office hours apply; default schedule when omitted.
    pub agency: Option<String>,
}

/// One explanation line.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeadlineTermResponse {
    /// `received`, `outside_office_hours`, `working_time`, `skipped_holidays`, `after_cutoff`, `due`, …
    pub kind: String,
    /// Human-readable explanation.
    pub text: String,
    /// The instant this step led to (Asia/Ho_Chi_Minh).
    pub at: DateTime<FixedOffset>,
}

/// A deadline and how it was reached.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "start": "2026-02-13T16:00:00+07:00", "due": "2026-02-23T16:00:00+07:00",
    "terms": [
        {
            "kind": "received", "text": "received Fri 2026-02-13 16:00 (UTC+07:00)",
            "at": "2026-02-13T16:00:00+07:00"
        },
        {
            "kind": "working_time",
            "text": "1 working day × 450 office minutes a day = 450 working minutes counted through office sessions → Mon 2026-02-23 16:00",
            "at": "2026-02-23T16:00:00+07:00"
        },
        {
            "kind": "skipped_holidays",
            "text": "skipped holidays Sat 2026-02-14 to Sun 2026-02-22 (9 days off) → counting resumes Mon 2026-02-23 07:30",
            "at": "2026-02-23T07:30:00+07:00"
        },
        {"kind": "due", "text": "due Mon 2026-02-23 16:00", "at": "2026-02-23T16:00:00+07:00"}
    ]
}))]
pub struct DeadlineResponse {
    /// When the clock started.
    pub start: DateTime<FixedOffset>,
    /// When the result is due.
    pub due: DateTime<FixedOffset>,
    /// Each step of the computation.
    pub terms: Vec<DeadlineTermResponse>,
}

impl From<Deadline> for DeadlineResponse {
    fn from(d: Deadline) -> Self {
        Self {
            start: d.start,
            due: d.due,
            terms: d
                .terms
                .into_iter()
                .map(|t| DeadlineTermResponse {
                    kind: serde_json::to_value(t.kind)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    text: t.text,
                    at: t.at,
                })
                .collect(),
        }
    }
}

/// Computes the due time of a dossier received at a given time, with every term explained
/// (working days, holidays skipped, office hours, the 15:00 same-day cut-off).
#[utoipa::path(tag = "calendar", operation_id = "compute_deadline", security(()), params(DeadlineQuery),
    responses(
        (status = 200, description = "The deadline", body = DeadlineResponse),
        (status = 400, description = "Invalid time, unit or agency", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/calendar/deadline")]
async fn compute_deadline(
    state: web::Data<AppState>,
    query: web::Query<DeadlineQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let time = ProcessingTime { value: q.value, unit: q.unit };
    if q.value == 0 && q.unit != TimeUnit::SameDay || q.value > 3650 {
        return Err(ApiError::validation(vec![FieldError {
            field: "value".into(),
            message: "must be between 1 and 3650 (0 only for same_day)".into(),
        }]));
    }
    let received_at = q.received_at.with_timezone(&business_offset());
    let deadline = service::deadline(&state.db, q.agency.as_deref(), received_at, time).await?;
    Ok(HttpResponse::Ok().json(DeadlineResponse::from(deadline)))
}

//! Indicator and target endpoints: the public 766 indicators (JSON and CSV), the public target
//! list, the admin target setter.

use actix_web::http::header;
use actix_web::{get, put, web, HttpRequest, HttpResponse};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use std::sync::Arc;

use super::catalogue::IndicatorCatalogue;
use super::domain::{Indicator, IndicatorFilter, Target};
use super::open::OpenAtEnd;
use super::service;
use super::service::{IndicatorReport, IndicatorValue, UnusedService};
use crate::catalog::domain::AgencyLevel;
use crate::error::{ApiError, FieldError, ProblemDetails};
use crate::http::json::Json;
use crate::identity::extract::{ProvinceAdminCaller, StaffCaller};
use crate::startup::AppState;

/// Registers the target routes.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_indicators)
        .service(indicators_by_agency)
        .service(indicators_by_month)
        .service(indicators_csv)
        .service(indicators_xlsx)
        .service(tracking_book_csv)
        .service(tracking_book_xlsx)
        .service(list_targets)
        .service(put_target);
}

/// A target.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "indicator": "satisfaction_share", "level": "province", "year": 2022, "target": 0.85,
    "source": "Quảng Bình, Kế hoạch chuyển đổi số 2022: mức độ hài lòng > 85% (tỉnh), > 80% (huyện, xã)"
}))]
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
#[schema(example = json!({
    "items": [
        {
            "indicator": "digitised_share", "level": "commune", "year": 2023, "target": 1.0,
            "source": "Quảng Ninh, Nghị quyết 09-NQ/TU, Kế hoạch 37/KH-UBND (2023): 100% TTHC được số hóa từ tiếp nhận đến trả kết quả"
        },
        {
            "indicator": "digitised_share", "level": "district", "year": 2023, "target": 1.0,
            "source": "Quảng Ninh, Nghị quyết 09-NQ/TU, Kế hoạch 37/KH-UBND (2023): 100% TTHC được số hóa từ tiếp nhận đến trả kết quả"
        }
    ]
}))]
pub struct TargetList {
    /// Targets by indicator, level and year.
    pub items: Vec<TargetBody>,
}

/// The targets the provincial resolutions set, per indicator, level and year.
#[utoipa::path(tag = "indicators", operation_id = "list_targets", security(()), params(TargetQuery),
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
    let stored = service::set_target(&state.db, &target).await;
    state.indicator_catalogue.invalidate();
    stored?;
    Ok(HttpResponse::Ok().json(TargetBody::from(target)))
}

/// Indicator query: business dates (Asia/Ho_Chi_Minh, `YYYY-MM-DD`, inclusive) and scope.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct IndicatorQuery {
    /// First day; default 1 January of the year of `to`.
    #[param(example = "2026-01-01")]
    pub from: Option<String>,
    /// Last day; default today.
    #[param(example = "2026-12-31")]
    pub to: Option<String>,
    /// Only this agency (its level's targets apply unless `level` is given).
    pub agency: Option<String>,
    /// Only agencies of this level (`province`, `district`, `commune`); the targets of this
    /// level apply. Default: the agency's level, or `province` for the whole province.
    pub level: Option<String>,
    /// Only this procedure (TTHC code).
    pub procedure: Option<String>,
    /// Only procedures of this field (lĩnh vực).
    pub field: Option<String>,
}

fn field_error(field: &str, message: &str) -> FieldError {
    FieldError { field: field.to_owned(), message: message.to_owned() }
}

/// Parses the query against `today` (business date): the filter and the explicit level.
///
/// # Errors
/// Field errors for bad dates, `from` after `to`, an unknown level, blank filters.
pub fn parse_indicator_query(q: &IndicatorQuery, today: NaiveDate) -> Result<IndicatorFilter, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut date = |field: &str, raw: &Option<String>| match raw.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d").map(Some).unwrap_or_else(|_| {
            errors.push(field_error(field, "a date as YYYY-MM-DD"));
            None
        }),
    };
    let to_given = date("to", &q.to);
    let from_given = date("from", &q.from);
    let to = to_given.unwrap_or(today);
    let from = from_given.unwrap_or_else(|| NaiveDate::from_ymd_opt(to.year(), 1, 1).unwrap_or(to));
    if from > to && errors.is_empty() {
        errors.push(field_error("from", "must not be after `to`"));
    }
    let level = match q.level.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => AgencyLevel::parse(text).or_else(|| {
            errors.push(field_error("level", "one of province, district, commune"));
            None
        }),
    };
    let text = |raw: &Option<String>| raw.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(IndicatorFilter {
        from,
        to,
        agency_code: text(&q.agency),
        level,
        procedure_code: text(&q.procedure),
        field: text(&q.field),
    })
}

/// One indicator.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct IndicatorItem {
    /// Indicator key.
    pub key: Indicator,
    /// Its name in reports.
    pub label: String,
    pub numerator: i64,
    pub denominator: i64,
    /// numerator ÷ denominator, 0–1 rounded to 4 decimals; `null` when the denominator is 0.
    pub ratio: Option<f64>,
    /// The provincial target (`targets` table) for the level and year: the one set for the
    /// latest year up to it (a target for 2025 still applies in 2026 until one is set for a later
    /// year); `null` if none is.
    pub target: Option<f64>,
    /// target − ratio, when both exist (negative: target exceeded).
    pub gap: Option<f64>,
    /// Points by the 766 scoring rule (against the 766 targets, not the provincial ones), `null`
    /// without a ratio; 0 for indicators 766 shows unscored.
    pub points: Option<f64>,
    /// The points 766 gives the indicator.
    pub max_points: f64,
}

impl From<IndicatorValue> for IndicatorItem {
    fn from(v: IndicatorValue) -> Self {
        Self {
            key: v.indicator,
            label: v.indicator.label().to_owned(),
            numerator: v.numerator,
            denominator: v.denominator,
            ratio: v.ratio,
            target: v.target,
            gap: v.gap,
            points: v.points,
            max_points: v.max_points,
        }
    }
}

/// A procedure offered online at an agency that received no online dossier in the period.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UnusedServiceItem {
    pub agency_code: String,
    pub procedure_code: String,
    pub procedure_name: String,
    /// `full` or `partial`.
    pub online_level: String,
}

impl From<UnusedService> for UnusedServiceItem {
    fn from(u: UnusedService) -> Self {
        Self {
            agency_code: u.agency_code,
            procedure_code: u.procedure_code,
            procedure_name: u.procedure_name,
            online_level: u.online_level,
        }
    }
}

/// The indicators of a period and scope.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "from": "2026-01-01", "to": "2026-12-31", "level": "province", "year": 2026,
    "items": [
        {
            "key": "procedures_full_online_share",
            "label": "Tỷ lệ TTHC đủ điều kiện được cung cấp DVCTT toàn trình", "numerator": 3,
            "denominator": 3, "ratio": 1.0, "target": null, "gap": null, "points": 0.0, "max_points": 0.0
        },
        {
            "key": "online_dossier_share", "label": "Tỷ lệ hồ sơ tiếp nhận trực tuyến", "numerator": 0,
            "denominator": 0, "ratio": null, "target": null, "gap": null, "points": null, "max_points": 0.0
        },
        {
            "key": "fully_online_processed_share", "label": "Tỷ lệ hồ sơ xử lý trực tuyến toàn trình",
            "numerator": 0, "denominator": 0, "ratio": null, "target": null, "gap": null, "points": null,
            "max_points": 12.0
        },
        {
            "key": "on_time_share", "label": "Tỷ lệ hồ sơ giải quyết đúng hạn", "numerator": 0,
            "denominator": 0, "ratio": null, "target": null, "gap": null, "points": null, "max_points": 20.0
        },
        {
            "key": "online_payment_share", "label": "Tỷ lệ hồ sơ thanh toán trực tuyến", "numerator": 0,
            "denominator": 0, "ratio": null, "target": null, "gap": null, "points": null, "max_points": 6.0
        },
        {
            "key": "electronic_result_share", "label": "Tỷ lệ hồ sơ có kết quả điện tử", "numerator": 0,
            "denominator": 0, "ratio": null, "target": null, "gap": null, "points": null, "max_points": 6.0
        },
        {
            "key": "digitised_share", "label": "Tỷ lệ hồ sơ được số hóa", "numerator": 0, "denominator": 0,
            "ratio": null, "target": null, "gap": null, "points": null, "max_points": 4.0
        },
        {
            "key": "satisfaction_share", "label": "Mức độ hài lòng về tiếp nhận, giải quyết TTHC",
            "numerator": 0, "denominator": 0, "ratio": null, "target": null, "gap": null, "points": null,
            "max_points": 6.0
        },
        {
            "key": "national_sync_share", "label": "Tỷ lệ hồ sơ đồng bộ lên Cổng DVCQG", "numerator": 0,
            "denominator": 0, "ratio": null, "target": null, "gap": null, "points": null, "max_points": 6.0
        }
    ],
    "unused_online_services": [
        {
            "agency_code": "000.00.00.H56", "procedure_code": "2.001610",
            "procedure_name": "Đăng ký thành lập doanh nghiệp tư nhân", "online_level": "partial"
        }
    ],
    "open_dossiers": {"within_deadline": 0, "overdue": 0}
}))]
pub struct IndicatorReportBody {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The level whose targets apply.
    pub level: AgencyLevel,
    /// The year whose targets apply (that of `to`).
    pub year: i32,
    pub items: Vec<IndicatorItem>,
    pub unused_online_services: Vec<UnusedServiceItem>,
    /// The dossiers received by `to` and still open at it: the overdue work.
    pub open_dossiers: OpenDossiers,
}

/// The dossiers received by the period's last day and still open at it (not yet finished),
/// as the on-time indicator counts them.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"within_deadline": 12, "overdue": 3}))]
pub struct OpenDossiers {
    /// Appointment on or after the last day, or clock stopped (awaiting the citizen) within it.
    pub within_deadline: i64,
    /// Appointment before the last day, or more than one supplement request.
    pub overdue: i64,
}

impl From<OpenAtEnd> for OpenDossiers {
    fn from(o: OpenAtEnd) -> Self {
        Self { within_deadline: o.within, overdue: o.overdue }
    }
}

impl From<IndicatorReport> for IndicatorReportBody {
    fn from(r: IndicatorReport) -> Self {
        Self {
            from: r.from,
            to: r.to,
            level: r.level,
            year: r.year,
            items: r.items.into_iter().map(IndicatorItem::from).collect(),
            unused_online_services: r.unused_online_services.into_iter().map(UnusedServiceItem::from).collect(),
            open_dossiers: r.open.into(),
        }
    }
}

/// A short example of an indicator list: two of the nine.
fn example_items() -> serde_json::Value {
    json!([
        {
            "key": "online_dossier_share", "label": "Tỷ lệ hồ sơ tiếp nhận trực tuyến", "numerator": 41,
            "denominator": 50, "ratio": 0.82, "target": null, "gap": null, "points": 0.0, "max_points": 0.0
        },
        {
            "key": "satisfaction_share", "label": "Mức độ hài lòng về tiếp nhận, giải quyết TTHC",
            "numerator": 44, "denominator": 48, "ratio": 0.9167, "target": 0.8, "gap": -0.1167,
            "points": 6.0, "max_points": 6.0
        }
    ])
}

fn example_by_agency() -> serde_json::Value {
    json!({
        "from": "2026-01-01", "to": "2026-11-30", "year": 2026,
        "agencies": [{
            "agency_code": "000.17.22.H56", "agency_name": "UBND xã Quảng Phú", "level": "commune",
            "items": example_items(), "open_dossiers": {"within_deadline": 4, "overdue": 1}
        }]
    })
}

fn example_by_month() -> serde_json::Value {
    json!({
        "from": "2026-10-15", "to": "2026-11-30", "level": "province",
        "months": [
            {"from": "2026-10-15", "to": "2026-10-31", "year": 2026, "items": example_items(),
             "open_dossiers": {"within_deadline": 6, "overdue": 0}},
            {"from": "2026-11-01", "to": "2026-11-30", "year": 2026, "items": example_items(),
             "open_dossiers": {"within_deadline": 4, "overdue": 1}}
        ]
    })
}

/// One agency's indicators, against the targets of its level.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AgencyIndicators {
    pub agency_code: String,
    pub agency_name: String,
    /// The agency's level, whose targets apply.
    pub level: AgencyLevel,
    pub items: Vec<IndicatorItem>,
    pub open_dossiers: OpenDossiers,
}

/// The indicators of each agency in scope.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = example_by_agency)]
pub struct IndicatorsByAgency {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The year whose targets apply (that of `to`).
    pub year: i32,
    /// By agency code.
    pub agencies: Vec<AgencyIndicators>,
}

/// One month's indicators.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MonthIndicators {
    /// First day of the month, or of the period for its first month.
    pub from: NaiveDate,
    /// Last day of the month, or of the period for its last month.
    pub to: NaiveDate,
    /// The year whose targets apply.
    pub year: i32,
    pub items: Vec<IndicatorItem>,
    pub open_dossiers: OpenDossiers,
}

/// The indicators month by month.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = example_by_month)]
pub struct IndicatorsByMonth {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The level whose targets apply.
    pub level: AgencyLevel,
    /// Oldest first.
    pub months: Vec<MonthIndicators>,
}

/// Quotes a CSV field when it needs it (RFC 4180).
pub fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

/// CSV lines (CRLF, RFC 4180) after a UTF-8 byte-order mark, so that Excel reads Vietnamese.
pub fn csv_document(rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut out = String::from('\u{feff}');
    for row in rows {
        let line: Vec<String> = row.iter().map(|v| csv_field(v)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

fn indicators_csv_body(report: &IndicatorReportBody) -> String {
    let number = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    let header = ["Mã chỉ số", "Chỉ số", "Tử số", "Mẫu số", "Tỷ lệ", "Chỉ tiêu", "Chênh lệch", "Điểm", "Điểm tối đa"];
    let rows = report.items.iter().map(|i| {
        vec![
            i.key.as_str().to_owned(),
            i.label.clone(),
            i.numerator.to_string(),
            i.denominator.to_string(),
            number(i.ratio),
            number(i.target),
            number(i.gap),
            number(i.points),
            i.max_points.to_string(),
        ]
    });
    csv_document(std::iter::once(header.map(str::to_owned).to_vec()).chain(rows))
}

fn csv_reply(body: String, name: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
        .body(body)
}

async fn report(state: &AppState, query: &IndicatorQuery) -> Result<IndicatorReportBody, ApiError> {
    let scope = scope(state, query).await?;
    let level = scope.level();
    Ok(service::indicators(&state.db, &scope.catalogue, &scope.filter, level).await?.into())
}

/// A parsed indicator query and the catalogue it is read against.
struct Scope {
    filter: IndicatorFilter,
    /// The level of the query's agency, if it names one.
    agency_level: Option<AgencyLevel>,
    catalogue: Arc<IndicatorCatalogue>,
}

impl Scope {
    /// The level whose targets apply: the query's, else its agency's, else the province's.
    fn level(&self) -> AgencyLevel {
        self.filter.level.or(self.agency_level).unwrap_or(AgencyLevel::Province)
    }
}

async fn scope(state: &AppState, query: &IndicatorQuery) -> Result<Scope, ApiError> {
    let today = crate::calendar::domain::business_today();
    let filter = parse_indicator_query(query, today).map_err(ApiError::validation)?;
    let catalogue = state.indicator_catalogue.get(&state.db).await?;
    let agency_level = match &filter.agency_code {
        Some(agency) => Some(
            catalogue
                .agency_level(agency)
                .ok_or_else(|| ApiError::validation(vec![field_error("agency", "no such agency")]))?,
        ),
        None => None,
    };
    Ok(Scope { filter, agency_level, catalogue })
}

fn xlsx_reply(body: Vec<u8>, name: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(super::xlsx::CONTENT_TYPE)
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
        .body(body)
}

/// The Decision 766 indicators over the throughput records (public: aggregates only, no
/// personal data). JSON, or CSV with `Accept: text/csv` (the same as `/indicators.csv`).
///
/// Each item has the numerator, denominator, ratio (0–1, `null` when the denominator is 0), the
/// provincial target for the level and the year of `to`, the gap, and the 766 points.
/// Definitions (records are counted on the business day of the transition that makes them):
/// * `procedures_full_online_share` (766 §3.1): eligible procedures the filtered agencies perform
///   that are offered full-online ÷ eligible procedures they perform (catalogue, not the period);
/// * `online_dossier_share`: dossiers received through `online` or `national_portal` ÷ received;
/// * `fully_online_processed_share` (766 §3.3, 12 points): returns of eligible procedures'
///   dossiers processed fully online (online channel, fee paid online, result returned online)
///   ÷ all returns of eligible procedures' dossiers;
/// * `on_time_share` (766 §2.1, 20 points): dossiers finished on time in the period plus dossiers
///   received by `to` and still open within their deadline ÷ dossiers finished in the period with
///   an appointment plus every dossier received by `to` and still open. An open dossier takes `to`
///   as its finish (766): it is within its deadline when its appointment falls on or after `to`,
///   or its clock stands still (awaiting a supplement or a payment) within it; more than one
///   supplement request makes it late; time the clock stood still moves the appointment;
/// * `online_payment_share` (766 §3.6, 6 points): dossiers whose first payment was online ÷
///   dossiers charged a fee;
/// * `electronic_result_share` (766 §4.1, 6 points): results delivered electronically ÷ results
///   delivered, for procedures whose result is a document;
/// * `digitised_share` (766 §4.2, 4 points): results delivered for dossiers with files attached
///   (and delivered electronically where the result is a document) ÷ results delivered;
/// * `satisfaction_share` (766 §5.4, 6 points): 100% − (late rate + unsatisfied-rating rate) over
///   finished dossiers, i.e. (finished − late − rated unsatisfied) ÷ finished;
/// * `national_sync_share` (766 §1.4, 6 points): dossiers received in the period whose record
///   Cổng DVCQG has accepted since their reception ÷ dossiers received in the period (both by the
///   day of reception, NgayTiepNhan; a dossier synced later counts in its reception's period).
///
/// `unused_online_services` lists the procedures offered online (full or partial) at the
/// filtered agencies that received no online or national-portal dossier in the period.
#[utoipa::path(tag = "indicators", operation_id = "list_indicators", security(()), params(IndicatorQuery),
    responses(
        (status = 200, description = "The indicators", content(
            (IndicatorReportBody = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, description = "Bad dates, `from` after `to`, unknown level or agency", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/indicators")]
async fn list_indicators(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<IndicatorQuery>,
) -> Result<HttpResponse, ApiError> {
    let report = report(&state, &query).await?;
    let wants_csv =
        req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/csv"));
    if wants_csv {
        return Ok(csv_reply(indicators_csv_body(&report), &format!("chi-so-766_{}_{}.csv", report.from, report.to)));
    }
    Ok(HttpResponse::Ok().json(report))
}

/// The indicators of each agency in scope — the agency of `agency`, the agencies of `level`, or
/// every agency — each against the targets of its own level in the year of `to`, with its open
/// and overdue dossiers at `to`. The same figures as `GET /indicators?agency=…` for each, read
/// from the aggregates in one pass.
#[utoipa::path(tag = "indicators", operation_id = "indicators_by_agency", security(()), params(IndicatorQuery),
    responses(
        (status = 200, description = "The indicators per agency", body = IndicatorsByAgency),
        (status = 400, description = "Bad dates, `from` after `to`, unknown level or agency", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/indicators/by-agency")]
async fn indicators_by_agency(
    state: web::Data<AppState>,
    query: web::Query<IndicatorQuery>,
) -> Result<HttpResponse, ApiError> {
    let Scope { filter, catalogue, .. } = scope(&state, &query).await?;
    let agencies = service::indicators_by_agency(&state.db, &catalogue, &filter).await?;
    Ok(HttpResponse::Ok().json(IndicatorsByAgency {
        from: filter.from,
        to: filter.to,
        year: filter.to.year(),
        agencies: agencies
            .into_iter()
            .map(|a| AgencyIndicators {
                agency_code: a.agency_code,
                agency_name: a.agency_name,
                level: a.report.level,
                items: a.report.items.into_iter().map(IndicatorItem::from).collect(),
                open_dossiers: a.report.open.into(),
            })
            .collect(),
    }))
}

/// The indicators of each calendar month of the period (the first and last month cut to it), at
/// most 120 months, each against the targets of the level (as in `GET /indicators`) in the
/// month's year: the figures of `GET /indicators?from=<month's first day>&to=<its last day>`.
#[utoipa::path(tag = "indicators", operation_id = "indicators_by_month", security(()), params(IndicatorQuery),
    responses(
        (status = 200, description = "The indicators per month", body = IndicatorsByMonth),
        (status = 400, description = "Bad dates, `from` after `to`, more than 120 months, unknown level or agency", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/indicators/by-month")]
async fn indicators_by_month(
    state: web::Data<AppState>,
    query: web::Query<IndicatorQuery>,
) -> Result<HttpResponse, ApiError> {
    let scope = scope(&state, &query).await?;
    let (filter, level) = (&scope.filter, scope.level());
    if service::months_of(filter.from, filter.to).len() > service::MAX_SERIES_MONTHS {
        let message = format!("the period spans more than {} months", service::MAX_SERIES_MONTHS);
        return Err(ApiError::validation(vec![field_error("from", &message)]));
    }
    let months = service::indicators_by_month(&state.db, &scope.catalogue, filter, level).await?;
    Ok(HttpResponse::Ok().json(IndicatorsByMonth {
        from: filter.from,
        to: filter.to,
        level,
        months: months
            .into_iter()
            .map(|m| MonthIndicators {
                from: m.from,
                to: m.to,
                year: m.year,
                items: m.items.into_iter().map(IndicatorItem::from).collect(),
                open_dossiers: m.open.into(),
            })
            .collect(),
    }))
}

/// The indicators as CSV (UTF-8 with a byte-order mark, one row per indicator after a
/// Vietnamese header), the same figures as `GET /indicators`.
#[utoipa::path(tag = "indicators", operation_id = "indicators_csv", security(()), params(IndicatorQuery),
    responses(
        (status = 200, description = "The indicators", content_type = "text/csv", body = String),
        (status = 400, description = "Bad dates, `from` after `to`, unknown level or agency", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/indicators.csv")]
async fn indicators_csv(
    state: web::Data<AppState>,
    query: web::Query<IndicatorQuery>,
) -> Result<HttpResponse, ApiError> {
    let report = report(&state, &query).await?;
    Ok(csv_reply(indicators_csv_body(&report), &format!("chi-so-766_{}_{}.csv", report.from, report.to)))
}

/// An XLSX workbook (Office Open XML spreadsheet).
#[derive(Debug, ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct Workbook(pub Vec<u8>);

/// The indicators as an XLSX workbook, one sheet per agency level in scope (`Cấp tỉnh`,
/// `Cấp huyện`, `Cấp xã`): the sheet of a level has the figures of `GET /indicators?level=…`
/// with the same other filters (with `agency`, the one sheet of its level has those of
/// `GET /indicators?agency=…`). Vietnamese headers (those of the CSV) on row 4; counts and points
/// are numbers, ratios, targets and gaps numbers formatted as percentages; below them, the online
/// services unused in the period.
#[utoipa::path(tag = "indicators", operation_id = "indicators_xlsx", security(()), params(IndicatorQuery),
    responses(
        (status = 200, description = "The workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Workbook),
        (status = 400, description = "Bad dates, `from` after `to`, unknown level or agency", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/indicators.xlsx")]
async fn indicators_xlsx(
    state: web::Data<AppState>,
    query: web::Query<IndicatorQuery>,
) -> Result<HttpResponse, ApiError> {
    let Scope { filter, agency_level, catalogue } = scope(&state, &query).await?;
    let levels = match (agency_level, filter.level) {
        (Some(level), _) | (None, Some(level)) => vec![level],
        (None, None) => catalogue.levels(),
    };
    let mut reports = Vec::with_capacity(levels.len().max(1));
    for level in if levels.is_empty() { vec![AgencyLevel::Province] } else { levels } {
        let sheet_filter = match agency_level {
            Some(_) => filter.clone(),
            None => IndicatorFilter { level: Some(level), ..filter.clone() },
        };
        reports.push(service::indicators(&state.db, &catalogue, &sheet_filter, level).await?);
    }
    let body = super::xlsx::indicators_workbook(&reports)?;
    Ok(xlsx_reply(body, &format!("chi-so-766_{}_{}.xlsx", filter.from, filter.to)))
}

/// Tracking-book period: business dates (`YYYY-MM-DD`, inclusive) of reception.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct PeriodQuery {
    /// First day; default 1 January of the year of `to`.
    #[param(example = "2026-01-01")]
    pub from: Option<String>,
    /// Last day; default today.
    #[param(example = "2026-12-31")]
    pub to: Option<String>,
}

/// The tracking book (Sổ theo dõi hồ sơ, Mẫu 06 of TT 01/2018, Mẫu 07 of TT 03/2025) of the
/// caller's agency as CSV: one line per dossier received in the period, oldest first, with the
/// Vietnamese column headers, UTF-8 with a byte-order mark. Staff of an agency only; every
/// applicant listed is recorded in the personal-data access log.
#[utoipa::path(tag = "desk", operation_id = "tracking_book_csv", params(PeriodQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "The book", content_type = "text/csv", body = String),
        (status = 400, description = "Bad dates or `from` after `to`", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not staff of an agency", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/desk/tracking-book.csv")]
async fn tracking_book_csv(
    state: web::Data<AppState>,
    staff: StaffCaller,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, ApiError> {
    let agency = staff.agency_code()?;
    let (period, lines) = book(&state, &staff, &agency, &query).await?;
    let header = super::tracking_book::HEADER.map(str::to_owned).to_vec();
    let rows = lines.iter().enumerate().map(|(i, line)| line.cells(i + 1));
    let body = csv_document(std::iter::once(header).chain(rows));
    Ok(csv_reply(body, &format!("so-theo-doi-ho-so_{agency}_{}_{}.csv", period.from, period.to)))
}

async fn book(
    state: &AppState,
    staff: &StaffCaller,
    agency: &str,
    query: &PeriodQuery,
) -> Result<(IndicatorFilter, Vec<super::tracking_book::BookLine>), ApiError> {
    let today = crate::calendar::domain::business_today();
    let q = IndicatorQuery { from: query.from.clone(), to: query.to.clone(), ..IndicatorQuery::default() };
    let period = parse_indicator_query(&q, today).map_err(ApiError::validation)?;
    let lines = super::tracking_book::tracking_book(
        &state.db,
        &staff.0,
        agency,
        period.from,
        period.to,
        crate::http::request_id::current(),
    )
    .await?;
    Ok((period, lines))
}

/// The tracking book of the caller's agency as an XLSX workbook: the rows of
/// `GET /desk/tracking-book.csv` under the same Vietnamese headers (row 4), the number as a
/// number and the reception, appointment and return times as dates (Asia/Ho_Chi_Minh). Staff of
/// an agency only; every applicant listed is recorded in the personal-data access log.
#[utoipa::path(tag = "desk", operation_id = "tracking_book_xlsx", params(PeriodQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "The book", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Workbook),
        (status = 400, description = "Bad dates or `from` after `to`", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not staff of an agency", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/desk/tracking-book.xlsx")]
async fn tracking_book_xlsx(
    state: web::Data<AppState>,
    staff: StaffCaller,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, ApiError> {
    let agency = staff.agency_code()?;
    let (period, lines) = book(&state, &staff, &agency, &query).await?;
    let name =
        crate::catalog::service::find_agency(&state.db, &agency).await?.map_or_else(|| agency.clone(), |a| a.name);
    let body = super::xlsx::tracking_book_workbook(&name, period.from, period.to, &lines)?;
    Ok(xlsx_reply(body, &format!("so-theo-doi-ho-so_{agency}_{}_{}.xlsx", period.from, period.to)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(from: Option<&str>, to: Option<&str>, level: Option<&str>) -> IndicatorQuery {
        IndicatorQuery {
            from: from.map(str::to_owned),
            to: to.map(str::to_owned),
            level: level.map(str::to_owned),
            ..IndicatorQuery::default()
        }
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_period_defaults_to_the_first_of_january_of_the_year_of_to_through_today() {
        let f = parse_indicator_query(&query(None, None, None), day("2026-12-05")).unwrap();
        assert_eq!((f.from, f.to), (day("2026-01-01"), day("2026-12-05")));
        let f = parse_indicator_query(&query(None, Some("2025-06-30"), None), day("2026-12-05")).unwrap();
        assert_eq!((f.from, f.to), (day("2025-01-01"), day("2025-06-30")));
    }

    #[test]
    fn bad_dates_a_reversed_period_and_unknown_levels_are_field_errors() {
        let today = day("2026-12-05");
        for (q, field) in [
            (query(Some("2026-13-01"), None, None), "from"),
            (query(None, Some("5/12/2026"), None), "to"),
            (query(Some("2026-12-06"), Some("2026-12-05"), None), "from"),
            (query(None, None, Some("ward")), "level"),
        ] {
            let errors = parse_indicator_query(&q, today).unwrap_err();
            assert_eq!(errors[0].field, field, "{q:?}");
        }
    }

    #[test]
    fn csv_fields_are_quoted_when_needed_and_the_document_starts_with_a_bom() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("Hộ tịch"), "Hộ tịch");
        let doc = csv_document([vec!["STT".to_owned(), "Ghi chú".to_owned()]]);
        assert!(doc.starts_with('\u{feff}') && doc.ends_with("\r\n"));
    }
}

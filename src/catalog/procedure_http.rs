//! Procedure endpoints: the public catalogue (list with search and filters, read one) and the
//! admin create and replace.

use actix_web::{get, post, put, web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::domain::AgencyLevel;
use super::error::CatalogError;
use super::import_domain::AgencyMapping;
use super::procedure_domain::{
    search_words, ChannelOverrides, Fee, OnlineLevel, Procedure, ProcedureFilter, ProcedureResult, RequiredDocument,
};
use super::procedure_service as service;
use crate::calendar::domain::ProcessingTime;
use crate::domain_types::{AgencyCode, Invalid, ProcedureCode};
use crate::error::{ApiError, ProblemDetails};
use crate::http::json::Json;
use crate::http::pagination::{Page, PageQuery, Paginated};
use crate::identity::extract::ProvinceAdminCaller;
use crate::startup::AppState;

/// Longest search query, in characters.
const MAX_QUERY_CHARS: usize = 200;

/// Registers the procedure routes.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_procedures)
        .service(get_procedure)
        .service(import_procedures)
        .service(create_procedure)
        .service(update_procedure);
}

/// OpenAPI description of a maximum processing time; on the wire it is the calendar's
/// `ProcessingTime`, which carries no schema of its own.
#[derive(ToSchema)]
#[schema(example = json!({"value": 3, "unit": "working_days"}))]
#[allow(dead_code)] // documents the shape only
pub struct ProcedureProcessingTime {
    /// How many units: more than 0, except exactly 0 for `same_day`.
    value: u32,
    /// The unit.
    unit: ProcedureTimeUnit,
}

/// The unit of a processing time.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)] // documents the shape only
pub enum ProcedureTimeUnit {
    /// Ngày làm việc.
    WorkingDays,
    /// Working hours, counted through office sessions.
    WorkingHours,
    /// Calendar days, weekends and holidays included.
    CalendarDays,
    /// Returned the same day, with the 15:00 cut-off.
    SameDay,
}

/// The example of a procedure, the same one sent and received (the request and the answer
/// have the same fields).
fn procedure_example() -> Value {
    serde_json::json!({
        "code": "1.004873", "name": "Thủ tục cấp Giấy xác nhận tình trạng hôn nhân", "field": "Hộ tịch",
        "online_level": "full", "eligible_full_online": true, "approval_required": true,
        "processing_time": {"value": 3, "unit": "working_days"},
        "fees": [
            {
                "name": "Lệ phí cấp Giấy xác nhận tình trạng hôn nhân", "amount_vnd": null,
                "note": "Mức do HĐND cấp tỉnh quy định; nhiều tỉnh miễn/giảm khi nộp trực tuyến."
            }
        ],
        "documents": [
            {
                "key": "to_khai_xac_nhan_tthn", "name": "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân",
                "mandatory": true, "accepted_types": ["application/pdf", "image/jpeg", "image/png"],
                "max_bytes": 10485760, "template_url": null
            },
            {
                "key": "giay_to_tuy_than", "name": "Giấy tờ tùy thân của người yêu cầu (xuất trình)",
                "mandatory": true, "accepted_types": ["application/pdf", "image/jpeg", "image/png"],
                "max_bytes": 10485760, "template_url": null
            }
        ],
        "agencies": ["000.17.22.H56", "000.18.22.H56", "000.19.22.H56"],
        "form_schema": {
            "properties": {"applicant_address": {"type": "string"}}, "required": ["applicant_address"],
            "type": "object"
        },
        "result": {"is_document": true, "name": "Giấy xác nhận tình trạng hôn nhân"},
        "legal_basis": [
            "Luật Hộ tịch 2014 (60/2014/QH13)", "Nghị định 123/2015/NĐ-CP",
            "Nghị định 07/2025/NĐ-CP (sửa đổi NĐ 123/2015)", "Thông tư 04/2020/TT-BTP", "Thông tư 85/2019/TT-BTC"
        ],
        "valid_from": null, "valid_to": null, "channel_overrides": {}
    })
}

/// A procedure (thủ tục hành chính) of the catalogue.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = procedure_example)]
pub struct ProcedureResponse {
    /// National procedure code (mã TTHC), e.g. `1.001193`.
    pub code: String,
    /// Official name.
    pub name: String,
    /// Field (lĩnh vực).
    pub field: String,
    /// Online service level: `full` (toàn trình), `partial` (một phần) or `none`.
    pub online_level: OnlineLevel,
    /// Eligible for full-online processing (the 766 indicator's denominator).
    pub eligible_full_online: bool,
    /// Whether the specialist's result needs a leader's approval (`propose_result` → `approve`);
    /// when not, the specialist `resolve`s directly.
    pub approval_required: bool,
    /// Maximum processing time; `null`: no fixed deadline.
    #[schema(value_type = Option<ProcedureProcessingTime>)]
    pub processing_time: Option<ProcessingTime>,
    /// Fee lines.
    pub fees: Vec<Fee>,
    /// Required documents.
    pub documents: Vec<RequiredDocument>,
    /// Codes of the agencies that perform it, sorted.
    pub agencies: Vec<String>,
    /// JSON Schema of the dossier's `form_data`.
    #[schema(value_type = Object)]
    pub form_schema: Value,
    /// What the procedure issues.
    pub result: ProcedureResult,
    /// Legal texts it rests on.
    pub legal_basis: Vec<String>,
    /// First day it applies.
    pub valid_from: Option<NaiveDate>,
    /// Last day it applies.
    pub valid_to: Option<NaiveDate>,
    /// Processing times and fees of channels that differ from `processing_time` and `fees`
    /// (e.g. faster or cheaper online); the reception computes the appointment with the
    /// dossier's channel.
    pub channel_overrides: ChannelOverrides,
}

impl From<Procedure> for ProcedureResponse {
    fn from(p: Procedure) -> Self {
        Self {
            code: p.code,
            name: p.name,
            field: p.field,
            online_level: p.online_level,
            eligible_full_online: p.eligible_full_online,
            approval_required: p.approval_required,
            processing_time: p.processing_time,
            fees: p.fees,
            documents: p.documents,
            agencies: p.agencies,
            form_schema: p.form_schema,
            result: p.result,
            legal_basis: p.legal_basis,
            valid_from: p.valid_from,
            valid_to: p.valid_to,
            channel_overrides: p.channel_overrides,
        }
    }
}

/// A procedure to create or replace.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = procedure_example)]
pub struct ProcedureRequest {
    /// National procedure code (create only; on replace it must be absent or equal the path's).
    #[serde(default)]
    pub code: Option<ProcedureCode>,
    /// Official name, 1–500 characters.
    pub name: String,
    /// Field (lĩnh vực), 1–200 characters.
    pub field: String,
    /// Online service level.
    pub online_level: OnlineLevel,
    /// Eligible for full-online processing; only with `online_level` other than `none`.
    #[serde(default)]
    pub eligible_full_online: bool,
    /// Whether the specialist's result needs a leader's approval; default `true`.
    #[serde(default = "approval_required_default")]
    pub approval_required: bool,
    /// Maximum processing time, or `null` for no fixed deadline. `value` > 0, except 0 for `same_day`.
    #[serde(default, deserialize_with = "ProcessingTime::deserialize_optional")]
    #[schema(value_type = Option<ProcedureProcessingTime>)]
    pub processing_time: Option<ProcessingTime>,
    /// Fee lines: a name, and an amount ≥ 0 or `null`.
    #[serde(default)]
    pub fees: Vec<Fee>,
    /// Required documents, with unique snake_case keys.
    #[serde(default)]
    pub documents: Vec<RequiredDocument>,
    /// Codes of the performing agencies: at least one, each an existing agency.
    pub agencies: Vec<AgencyCode>,
    /// What the procedure issues; default: not a document, unnamed.
    #[serde(default)]
    pub result: Option<ProcedureResult>,
    /// JSON Schema of the dossier's `form_data`: `{"type": "object", "properties": {…}, "required": […]}`.
    #[schema(value_type = Object)]
    pub form_schema: Value,
    /// Legal texts the procedure rests on.
    #[serde(default)]
    pub legal_basis: Vec<String>,
    /// First day it applies.
    #[serde(default)]
    pub valid_from: Option<NaiveDate>,
    /// Last day it applies.
    #[serde(default)]
    pub valid_to: Option<NaiveDate>,
    /// Processing times and fees of channels that differ from `processing_time` and `fees`:
    /// `{"online": {"processing_time": {"value": 2, "unit": "working_days"}, "fees": [...]}}`;
    /// keys `direct`, `online`, `postal`; an absent part means the procedure's own.
    #[serde(default)]
    pub channel_overrides: ChannelOverrides,
}

fn approval_required_default() -> bool {
    true
}

fn procedure_from(code: ProcedureCode, b: ProcedureRequest) -> Procedure {
    Procedure {
        code: String::from(code),
        name: b.name,
        field: b.field,
        online_level: b.online_level,
        eligible_full_online: b.eligible_full_online,
        approval_required: b.approval_required,
        processing_time: b.processing_time,
        fees: b.fees,
        documents: b.documents,
        result: b.result.unwrap_or(ProcedureResult { is_document: false, name: None }),
        form_schema: b.form_schema,
        legal_basis: b.legal_basis,
        valid_from: b.valid_from,
        valid_to: b.valid_to,
        agencies: b.agencies.into_iter().map(String::from).collect(),
        channel_overrides: b.channel_overrides,
    }
}

fn invalid(field: &str, message: &str) -> ApiError {
    CatalogError::ProcedureInvalid(vec![Invalid::new(field, message)]).into()
}

/// Procedure list filters.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ProcedureQuery {
    /// Words that must all occur in the name, ignoring Vietnamese diacritics and case
    /// ("cap giay phep xay dung" finds "Cấp giấy phép xây dựng"); up to 200 characters.
    pub q: Option<String>,
    /// Only this field (lĩnh vực), exactly.
    pub field: Option<String>,
    /// Only procedures this agency performs.
    pub agency: Option<String>,
    /// Only procedures some agency of this level performs.
    pub level: Option<AgencyLevel>,
    /// Only this online service level.
    pub online: Option<OnlineLevel>,
    /// Page number, from 1.
    pub page: Option<u64>,
    /// Items per page, 1–100.
    pub per_page: Option<u64>,
}

/// Lists and searches the procedures, sorted by code.
#[utoipa::path(tag = "catalog", operation_id = "list_procedures", security(()), params(ProcedureQuery),
    responses(
        (status = 200, description = "A page of procedures", body = Paginated<ProcedureResponse>),
        (status = 400, description = "Invalid filter", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/procedures")]
async fn list_procedures(
    state: web::Data<AppState>,
    query: web::Query<ProcedureQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = Page::try_from(PageQuery { page: query.page, per_page: query.per_page })?;
    let q = query.q.unwrap_or_default();
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(invalid("q", &format!("must be at most {MAX_QUERY_CHARS} characters")));
    }
    let filter = ProcedureFilter {
        words: search_words(&q),
        field: query.field.map(|f| f.trim().to_owned()).filter(|f| !f.is_empty()),
        agency: query.agency.map(|a| a.trim().to_ascii_uppercase()).filter(|a| !a.is_empty()),
        level: query.level,
        online: query.online,
    };
    let (items, total) = service::list_procedures(&state.db, &filter, page).await?;
    Ok(HttpResponse::Ok().json(Paginated::<ProcedureResponse>::new(items, page, total)))
}

/// Reads one procedure.
#[utoipa::path(tag = "catalog", operation_id = "get_procedure", security(()),
    params(("code" = String, Path, description = "Procedure code")),
    responses(
        (status = 200, description = "The procedure", body = ProcedureResponse),
        (status = 404, description = "No such procedure", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/procedures/{code}")]
async fn get_procedure(state: web::Data<AppState>, code: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let code = code.into_inner();
    let procedure = service::find_procedure(&state.db, &code).await?.ok_or(CatalogError::ProcedureNotFound(code))?;
    Ok(HttpResponse::Ok().json(ProcedureResponse::from(procedure)))
}

/// Adds a procedure to the catalogue (province-wide admins only).
#[utoipa::path(tag = "admin", operation_id = "create_procedure", request_body = ProcedureRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = ProcedureResponse),
        (status = 400, description = "Invalid field or unknown agency", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not a province-wide admin", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "Code already used", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[post("/admin/procedures")]
async fn create_procedure(
    state: web::Data<AppState>,
    _admin: ProvinceAdminCaller,
    body: Json<ProcedureRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut b = body.into_inner();
    let code = b.code.take().ok_or_else(|| invalid("code", "the procedure code is required"))?;
    let created = service::create_procedure(&state.db, procedure_from(code, b)).await;
    // Whatever the outcome: a failed write changed nothing, and forgetting costs one read.
    state.indicator_catalogue.invalidate();
    let procedure = created?;
    Ok(HttpResponse::Created().json(ProcedureResponse::from(procedure)))
}

/// Replaces a procedure: every attribute and its agencies (province-wide admins only).
#[utoipa::path(tag = "admin", operation_id = "update_procedure", request_body = ProcedureRequest,
    security(("bearer" = [])),
    params(("code" = String, Path, description = "Procedure code")),
    responses(
        (status = 200, description = "Replaced", body = ProcedureResponse),
        (status = 400, description = "Invalid field or unknown agency", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not a province-wide admin", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such procedure", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[put("/admin/procedures/{code}")]
async fn update_procedure(
    state: web::Data<AppState>,
    _admin: ProvinceAdminCaller,
    code: web::Path<String>,
    body: Json<ProcedureRequest>,
) -> Result<HttpResponse, ApiError> {
    let raw = code.into_inner();
    // A code that cannot exist cannot name a stored procedure.
    let code = ProcedureCode::try_from(raw.clone()).map_err(|_| CatalogError::ProcedureNotFound(raw))?;
    let mut b = body.into_inner();
    if b.code.take().is_some_and(|body_code| body_code != code) {
        return Err(invalid("code", "must be absent or equal the code in the path"));
    }
    let updated = service::update_procedure(&state.db, procedure_from(code, b)).await;
    state.indicator_catalogue.invalidate();
    let procedure = updated?;
    Ok(HttpResponse::Ok().json(ProcedureResponse::from(procedure)))
}

/// Options of an import.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ImportQuery {
    /// `true`: report what would change and write nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// The agency of new procedures whose performing units (`COQUANTHUCHIEN`) map to no agency.
    pub default_agency: Option<String>,
}

/// An import: the national records, as a bare array or with a mapping of unit names to agencies.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
#[schema(example = json!({
    "procedures": [{
        "MATTHC": "1.004222", "TENTTHC": "Đăng ký thường trú",
        "LINHVUCTHUCHIEN": [{"TENLINHVUC": "Đăng ký, quản lý cư trú"}],
        "CACHTHUCTHUCHIEN": [{"KENH": 2, "THOIGIAN": [{
            "THOIGIANGIAIQUYET": 7, "DONVITINH": "Ngày làm việc",
            "PHILEPHI": [{"SOTIEN": "10.000", "DONVI": "Đồng", "MOTA": "Lệ phí đăng ký thường trú (nộp trực tuyến)"}]
        }]}],
        "THANHPHANHOSO": [{"GIAYTO": [
            {"TENGIAYTO": "Tờ khai thay đổi thông tin cư trú (mẫu CT01)", "BATBUOC": 1},
            {"TENGIAYTO": "Giấy tờ, tài liệu chứng minh chỗ ở hợp pháp", "BATBUOC": 1}
        ]}],
        "KETQUATHUCHIEN": [{"TENKETQUA": "Cập nhật thông tin thường trú vào Cơ sở dữ liệu quốc gia về dân cư"}],
        "CANCUPHAPLY": [{"SOVANBAN": "68/2020/QH14", "TENVANBAN": "Luật Cư trú 2020"}],
        "COQUANTHUCHIEN": [{"TENDONVI": "Công an cấp xã"}]
    }],
    "agency_map": {"Công an cấp xã": "000.17.22.H56"}
}))]
pub enum ImportRequest {
    /// `[{"MATTHC": "1.004222", "TENTTHC": …, "CACHTHUCTHUCHIEN": […], …}, …]`: the file as the
    /// national `LayThuTuc` service gives its records.
    Records(Vec<Value>),
    /// The records with a mapping of national unit names or codes (`TENDONVI`/`MADONVI`) to
    /// local agency codes.
    WithMapping {
        #[schema(value_type = Vec<Object>)]
        procedures: Vec<Value>,
        #[serde(default)]
        agency_map: std::collections::HashMap<String, String>,
    },
}

/// One record's line of the report.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportRecordReport {
    /// Position in the file, from 0.
    pub index: usize,
    /// Procedure code (`MATTHC`), when the record has one.
    pub code: Option<String>,
    /// What happened (or would, on a dry run).
    pub outcome: service::ImportOutcome,
    /// Attributes that changed, for `updated`.
    pub changes: Vec<String>,
    /// Problems of a `failed` record, each naming its field (national names such as
    /// `CACHTHUCTHUCHIEN[1].THOIGIAN[0].DONVITINH`, or catalogue names such as `documents[0].key`).
    pub errors: Vec<crate::error::FieldError>,
}

/// The report of an import.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "dry_run": true, "created": 0, "updated": 2, "unchanged": 0, "failed": 0,
    "records": [
        {
            "index": 0, "code": "1.004222", "outcome": "updated",
            "changes": ["fees", "documents", "legal_basis", "channel_overrides"], "errors": []
        },
        {
            "index": 1, "code": "1.004194", "outcome": "updated",
            "changes": ["fees", "documents", "legal_basis", "channel_overrides"], "errors": []
        }
    ]
}))]
pub struct ImportReport {
    /// Nothing was written.
    pub dry_run: bool,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub failed: usize,
    /// One line per record, in file order.
    pub records: Vec<ImportRecordReport>,
}

impl ImportReport {
    /// Counts the lines of a report.
    pub fn new(dry_run: bool, lines: Vec<service::ImportedRecord>) -> Self {
        let count = |o: service::ImportOutcome| lines.iter().filter(|l| l.outcome == o).count();
        Self {
            dry_run,
            created: count(service::ImportOutcome::Created),
            updated: count(service::ImportOutcome::Updated),
            unchanged: count(service::ImportOutcome::Unchanged),
            failed: count(service::ImportOutcome::Failed),
            records: lines
                .into_iter()
                .map(|l| ImportRecordReport {
                    index: l.index,
                    code: l.code,
                    outcome: l.outcome,
                    changes: l.changes.into_iter().map(str::to_owned).collect(),
                    errors: l
                        .errors
                        .into_iter()
                        .map(|e| crate::error::FieldError { field: e.field, message: e.message })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// Imports procedures in the national TTHC database's JSON shape (`LayThuTuc` records):
/// creates or updates each one idempotently (an unchanged record is not rewritten), reports
/// every bad record with its errors without stopping the others; `dry_run=true` only reports.
/// Province-wide admins only. The same as `motcua import-procedures FILE`.
#[utoipa::path(tag = "admin", operation_id = "import_procedures", request_body = ImportRequest,
    params(ImportQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "The report, record by record", body = ImportReport),
        (status = 400, description = "The body is not a list of records", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not a province-wide admin", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[post("/admin/procedures/import")]
async fn import_procedures(
    state: web::Data<AppState>,
    _admin: ProvinceAdminCaller,
    query: web::Query<ImportQuery>,
    body: Json<ImportRequest>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let (records, names) = match body.into_inner() {
        ImportRequest::Records(records) => (records, std::collections::HashMap::new()),
        ImportRequest::WithMapping { procedures, agency_map } => (procedures, agency_map),
    };
    let mapping = AgencyMapping::new(names, query.default_agency);
    let imported = service::import_procedures(&state.db, &records, &mapping, query.dry_run).await;
    state.indicator_catalogue.invalidate();
    let lines = imported?;
    Ok(HttpResponse::Ok().json(ImportReport::new(query.dry_run, lines)))
}

#[cfg(test)]
mod tests {
    use utoipa::PartialSchema;

    use super::*;
    use crate::calendar::domain::TimeUnit;

    #[test]
    fn the_documented_units_are_the_wire_names_of_the_calendar_units() {
        let schema = serde_json::to_value(ProcedureTimeUnit::schema()).unwrap_or_default();
        let wire: Vec<Value> =
            [TimeUnit::WorkingDays, TimeUnit::WorkingHours, TimeUnit::CalendarDays, TimeUnit::SameDay]
                .into_iter()
                .map(|unit| serde_json::to_value(unit).unwrap_or_default())
                .collect();
        assert_eq!(schema["enum"], Value::Array(wire), "{schema}");
    }
}

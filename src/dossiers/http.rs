//! Dossier endpoints: drafts, submission, reading, history and the public lookup.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::domain::Channel;
use super::error::DossierError;
use super::intake::{self, DeskRegistration};
use super::service::{self, Dossier, IdempotencyKey, Submitted};
use crate::domain_types::{Email, FullName, NationalId, Phone};
use crate::error::{ApiError, FieldError, ProblemDetails};
use crate::http::json::Json;
use crate::http::pagination::{Page, PageQuery, Paginated};
use crate::identity::extract::{Caller, CitizenCaller, StaffCaller};
use crate::identity::service::Applicant;
use crate::startup::AppState;
use crate::workflow::domain::{timeliness, DossierState, Timeliness};

/// Registers the dossier routes.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_dossier)
        .service(list_dossiers)
        .service(get_dossier)
        .service(submit_dossier)
        .service(dossier_history)
        .service(get_receipt)
        .service(lookup_dossier)
        .service(register_at_desk);
    super::attachment_http::routes(cfg);
}

/// A new draft.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "procedure_code": "1.004873", "agency_code": "000.17.22.H56",
    "form_data": {"applicant_address": "Thôn 3, xã Đông Sơn"}
}))]
pub struct CreateDossierRequest {
    /// National procedure code, e.g. `1.001193`.
    pub procedure_code: String,
    /// The agency the dossier is filed with (one that performs the procedure).
    pub agency_code: String,
    /// The form, valid against the procedure's `form_schema`.
    #[schema(value_type = Object)]
    pub form_data: serde_json::Value,
}

/// A dossier, as its applicant and the agency's staff see it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01a22a2d-400d-71de-a783-ccc72990b604", "code": "000.17.22.H56-261130-0001",
    "lookup_secret": "6J4WDZ", "procedure_code": "1.004873", "agency_code": "000.17.22.H56",
    "state": "received", "national_status": 2, "channel": "online",
    "form_data": {"applicant_address": "Thôn 3, xã Đông Sơn"}, "submitted_at": "2026-11-30T01:58:58.340699Z",
    "received_at": "2026-11-30T01:58:58.351003Z", "due_at": "2026-12-03T01:58:58.351003Z", "resolved_at": null,
    "returned_at": null, "external_id": null, "vneid_authenticated": false, "handling_agency_code": null,
    "assignee_id": null, "finished_at": null, "clock_paused": false, "supplement_requests": 0, "apologies": 0,
    "decision": null, "fee_total": 0, "payment_method": null, "paid_at": null, "return_method": null,
    "rating": null, "version": 3, "created_at": "2026-11-30T01:58:58.317301722Z",
    "updated_at": "2026-11-30T01:58:58.351003Z"
}))]
pub struct DossierResponse {
    /// Id.
    pub id: Uuid,
    /// National dossier code `<agency>-YYMMDD-NNNN`, from submission on.
    pub code: Option<String>,
    /// Secret printed on the receipt for the public lookup.
    pub lookup_secret: Option<String>,
    /// Procedure.
    pub procedure_code: String,
    /// Agency.
    pub agency_code: String,
    /// Internal state.
    pub state: DossierState,
    /// National status code (`TrangThaiHoSo` 1–10); none for a draft.
    pub national_status: Option<u8>,
    /// How it was filed.
    pub channel: Channel,
    /// The form.
    #[schema(value_type = Object)]
    pub form_data: serde_json::Value,
    /// When it was submitted.
    pub submitted_at: Option<DateTime<Utc>>,
    /// When the desk received it.
    pub received_at: Option<DateTime<Utc>>,
    /// When the result is due.
    pub due_at: Option<DateTime<Utc>>,
    /// When the result was issued.
    pub resolved_at: Option<DateTime<Utc>>,
    /// When the result was returned.
    pub returned_at: Option<DateTime<Utc>>,
    /// The national portal's id, for dossiers filed there.
    pub external_id: Option<String>,
    /// The applicant signed in with VNeID (`TaiKhoanDuocXacThucVoiVNeID`).
    pub vneid_authenticated: bool,
    /// The agency it is handed over to (liên thông); `null` while the lead agency handles it.
    pub handling_agency_code: Option<String>,
    /// The specialist handling it.
    pub assignee_id: Option<Uuid>,
    /// When processing ended (`NgayKetThucXuLy`): resolved, refused, stopped or withdrawn.
    pub finished_at: Option<DateTime<Utc>>,
    /// Whether the deadline clock stands still (waiting for the citizen's supplement or payment).
    pub clock_paused: bool,
    /// Supplement requests made so far.
    pub supplement_requests: i32,
    /// Apologies (Mẫu 04) issued so far.
    pub apologies: i32,
    /// `approved` or `denied`, once resolved.
    pub decision: Option<String>,
    /// Fees requested, in đồng.
    pub fee_total: i64,
    /// `online` or `cash`, once paid.
    pub payment_method: Option<String>,
    /// When the fee was paid.
    pub paid_at: Option<DateTime<Utc>>,
    /// `online`, `desk` or `post`, once returned.
    pub return_method: Option<String>,
    /// The citizen's rating: `satisfied`, `neutral` or `unsatisfied`.
    pub rating: Option<String>,
    /// Version, also the `ETag`; send it as `If-Match` with actions.
    pub version: i32,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<Dossier> for DossierResponse {
    fn from(d: Dossier) -> Self {
        Self {
            id: d.id,
            code: d.code,
            lookup_secret: d.lookup_secret,
            procedure_code: d.procedure_code,
            agency_code: d.agency_code,
            national_status: d.state.national_status(),
            state: d.state,
            channel: d.channel,
            form_data: d.form_data,
            submitted_at: d.submitted_at,
            received_at: d.received_at,
            due_at: d.due_at,
            resolved_at: d.resolved_at,
            returned_at: d.returned_at,
            external_id: d.external_id,
            vneid_authenticated: d.vneid_authenticated,
            handling_agency_code: d.handling_agency_code,
            assignee_id: d.processing.assignee_id,
            finished_at: d.processing.finished_at,
            clock_paused: d.processing.paused_at.is_some(),
            supplement_requests: d.processing.supplement_requests,
            apologies: d.processing.apologies,
            decision: d.processing.decision,
            fee_total: d.processing.fee_total,
            payment_method: d.processing.payment_method,
            paid_at: d.processing.paid_at,
            return_method: d.processing.return_method,
            rating: d.processing.rating,
            version: d.version,
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }
}

fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

/// The dossier as JSON with its `ETag`.
pub(crate) fn dossier_reply(mut response: actix_web::HttpResponseBuilder, dossier: Dossier) -> HttpResponse {
    response.insert_header((header::ETAG, etag(dossier.version))).json(DossierResponse::from(dossier))
}

/// Opens a draft dossier for the signed-in citizen.
#[utoipa::path(tag = "dossiers", operation_id = "create_dossier", request_body = CreateDossierRequest, security(("bearer" = [])),
    responses(
        (status = 201, description = "Draft created", body = DossierResponse),
        (status = 400, description = "Unknown procedure, agency not performing it, or form data invalid (field paths under form_data)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not a citizen", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[post("/dossiers")]
async fn create_dossier(
    state: web::Data<AppState>,
    citizen: CitizenCaller,
    body: Json<CreateDossierRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let dossier =
        service::create_draft(&state.db, &citizen.0, b.procedure_code.trim(), b.agency_code.trim(), b.form_data)
            .await?;
    let location = format!("/api/v1/dossiers/{}", dossier.id);
    let mut reply = HttpResponse::Created();
    reply.insert_header((header::LOCATION, location));
    Ok(dossier_reply(reply, dossier))
}

/// Filters of the citizen's dossier list.
#[derive(Debug, Deserialize, IntoParams)]
pub struct DossierListQuery {
    /// Only dossiers in this state.
    #[param(value_type = Option<String>)]
    pub state: Option<DossierState>,
    /// Page number, from 1.
    pub page: Option<u64>,
    /// Items per page, 1–100.
    pub per_page: Option<u64>,
}

/// The signed-in citizen's dossiers, newest first.
#[utoipa::path(tag = "dossiers", operation_id = "list_dossiers", params(DossierListQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of dossiers", body = Paginated<DossierResponse>),
        (status = 400, description = "Invalid filter", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/dossiers")]
async fn list_dossiers(
    state: web::Data<AppState>,
    citizen: CitizenCaller,
    query: web::Query<DossierListQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = Page::try_from(PageQuery { page: query.page, per_page: query.per_page })?;
    let (items, total) = service::list_own(&state.db, &citizen.0, query.state, page).await?;
    Ok(HttpResponse::Ok().json(Paginated::<DossierResponse>::new(items, page, total)))
}

/// One dossier (its applicant, or staff of its agency). `If-None-Match` with the current ETag
/// answers 304.
#[utoipa::path(tag = "dossiers", operation_id = "get_dossier", params(("id" = Uuid, Path, description = "Dossier id")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The dossier, with ETag", body = DossierResponse),
        (status = 304, description = "Unchanged since the ETag sent"),
        (status = 404, description = "No such dossier visible to the caller", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/dossiers/{id}")]
async fn get_dossier(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let dossier = service::find_visible(&state.db, &caller.0, id.into_inner()).await?;
    let current = etag(dossier.version);
    if req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == current))
    {
        return Ok(HttpResponse::NotModified().insert_header((header::ETAG, current)).finish());
    }
    Ok(dossier_reply(HttpResponse::Ok(), dossier))
}

/// Submits a draft: checks it again, issues the dossier code and lookup secret. Honours
/// `Idempotency-Key`: the same key and request get the same answer; the same key with another
/// request is refused (422).
#[utoipa::path(tag = "dossiers", operation_id = "submit_dossier", params(("id" = Uuid, Path, description = "Dossier id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Client-chosen key, 1–255 characters")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Submitted", body = DossierResponse),
        (status = 400, description = "Form data no longer valid, or mandatory documents missing (`dossier_missing_documents`, one error per `documents.<key>`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such dossier of the caller", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "Not a draft any more", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "Idempotency-Key reused with another request", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[post("/dossiers/{id}/submit")]
async fn submit_dossier(
    state: web::Data<AppState>,
    citizen: CitizenCaller,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let idempotency = match req.headers().get("idempotency-key") {
        None => None,
        Some(value) => {
            let key =
                value.to_str().ok().map(str::trim).filter(|k| !k.is_empty() && k.len() <= 255).ok_or_else(|| {
                    ApiError::validation(vec![FieldError {
                        field: "Idempotency-Key".into(),
                        message: "1–255 visible ASCII characters".into(),
                    }])
                })?;
            // Submission has no body: the request is the dossier it names.
            let request_hash = hex::encode(Sha256::digest(format!("POST /dossiers/{id}/submit").as_bytes()));
            Some(IdempotencyKey { key: key.to_owned(), request_hash })
        }
    };
    let render = |d: &Dossier| Ok(serde_json::to_string(&DossierResponse::from(d.clone()))?);
    match service::submit(&state.db, &citizen.0, id, idempotency, render, &state.settings.public_url).await? {
        Submitted::Fresh(dossier) => Ok(dossier_reply(HttpResponse::Ok(), *dossier)),
        Submitted::Replayed { status, body } => {
            let status = actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::OK);
            let version = serde_json::from_str::<serde_json::Value>(&body).ok().and_then(|v| v["version"].as_i64());
            let mut reply = HttpResponse::build(status);
            reply.insert_header((header::CONTENT_TYPE, HeaderValue::from_static("application/json")));
            reply.insert_header(("idempotency-replayed", "true"));
            if let Some(version) = version {
                reply.insert_header((header::ETAG, format!("\"{version}\"")));
            }
            Ok(reply.body(body))
        }
    }
}

/// The applicant of a walk-in or postal dossier.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicantRequest {
    /// 12-digit personal identification number; an existing citizen account with it is used.
    pub national_id: NationalId,
    /// Full name.
    pub full_name: FullName,
    /// E-mail, where notices about the dossier go.
    pub email: Email,
    /// Phone.
    #[serde(default)]
    pub phone: Option<Phone>,
}

impl From<ApplicantRequest> for Applicant {
    fn from(a: ApplicantRequest) -> Self {
        Self { national_id: a.national_id, full_name: a.full_name, email: a.email, phone: a.phone }
    }
}

/// A walk-in or postal dossier registered by a clerk.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "channel": "direct", "procedure_code": "1.004873",
    "form_data": {"applicant_address": "Thôn 3, xã Đông Sơn"},
    "applicant": {"national_id": "001095007777", "full_name": "Trần Văn Bình", "email": "binh@example.vn"}
}))]
pub struct DeskRegistrationRequest {
    /// `direct` (at the counter) or `postal`.
    pub channel: Channel,
    /// National procedure code; the clerk's agency must perform it.
    pub procedure_code: String,
    /// The form, valid against the procedure's `form_schema`.
    #[schema(value_type = Object)]
    pub form_data: serde_json::Value,
    /// Who files it.
    pub applicant: ApplicantRequest,
    /// Free text for the history.
    #[serde(default)]
    pub note: Option<String>,
}

/// Registers a walk-in or postal dossier at the clerk's agency and receives it at once: the
/// answer carries its code, lookup secret and appointment time (print the receipt next). The
/// applicant's citizen account is found by national ID, or created (they can follow the dossier
/// with the receipt's lookup secret and get its e-mails).
#[utoipa::path(tag = "desk", operation_id = "register_at_desk", request_body = DeskRegistrationRequest, security(("bearer" = [])),
    responses(
        (status = 201, description = "Registered and received", body = DossierResponse),
        (status = 400, description = "Invalid channel, procedure, applicant or form data", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not a clerk of an agency", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "The e-mail belongs to another account", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[post("/desk/dossiers")]
async fn register_at_desk(
    state: web::Data<AppState>,
    staff: StaffCaller,
    body: Json<DeskRegistrationRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let registration = DeskRegistration {
        channel: b.channel,
        procedure_code: b.procedure_code,
        form_data: b.form_data,
        applicant: b.applicant.into(),
        note: b.note,
    };
    let dossier = intake::register_at_desk(&state.desk(), &state.identity, &staff.0, registration).await?;
    Ok(dossier_reply(HttpResponse::Created(), dossier))
}

/// One audit event (the Mẫu 05 view).
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryItem {
    /// Position in the dossier's chain, from 1.
    pub seq: i32,
    /// Action.
    pub action: String,
    /// Who.
    pub actor_id: Option<Uuid>,
    /// In which capacity.
    pub actor_role: String,
    /// State before.
    pub from_state: String,
    /// State after.
    pub to_state: String,
    /// Note.
    pub note: Option<String>,
    /// The action's data (reasons, items, fees, new appointment…).
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    /// When.
    pub at: DateTime<Utc>,
    /// For steps after reception of a dossier with an appointment: `early`, `on_time` or `late`
    /// against the appointment as moved by clock pauses (an apology does not make a late step
    /// on time) — the Mẫu 05 column. A hand-over that ends an agency's time slot (liên thông) is
    /// judged against that slot.
    pub on_time: Option<Timeliness>,
    /// Hash of the previous event.
    pub prev_hash: String,
    /// Hash of this event.
    pub hash: String,
}

/// A dossier's history.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "items": [
        {
            "seq": 1, "action": "submit", "actor_id": "01a22a2d-3fcd-7184-95b4-6a41b5465fce",
            "actor_role": "citizen", "from_state": "draft", "to_state": "submitted", "note": null,
            "data": {"channel": "online"}, "at": "2026-11-30T01:58:58.340699Z", "on_time": null,
            "prev_hash": "0000000000000000000000000000000000000000000000000000000000000000",
            "hash": "d5c4b24556e2a3766405dcce9ff799c5bb5d75390a11c7a4f86e45ced5a0bcd8"
        },
        {
            "seq": 2, "action": "receive", "actor_id": "01a22a2d-3d1b-75bd-a489-7263640a032b",
            "actor_role": "clerk", "from_state": "submitted", "to_state": "received", "note": null,
            "data": {"due_at": "2026-12-03T01:58:58.351003Z"}, "at": "2026-11-30T01:58:58.351003Z",
            "on_time": null, "prev_hash": "d5c4b24556e2a3766405dcce9ff799c5bb5d75390a11c7a4f86e45ced5a0bcd8",
            "hash": "80bc8ccf9829306c634c26843fe344dd4f9599f04f0d8f293cd46868925479ef"
        }
    ]
}))]
pub struct HistoryResponse {
    /// Events, oldest first.
    pub items: Vec<HistoryItem>,
}

/// The audit events of a dossier (its applicant, or staff of its agency).
#[utoipa::path(tag = "dossiers", operation_id = "dossier_history", params(("id" = Uuid, Path, description = "Dossier id")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The history", body = HistoryResponse),
        (status = 404, description = "No such dossier visible to the caller", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/dossiers/{id}/history")]
async fn dossier_history(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (dossier, events) = service::history(&state.db, &caller.0, id.into_inner()).await?;
    let due = dossier.processing.statutory_due_at;
    // A hand-over to another agency (liên thông) opens that agency's time slot; the next
    // hand-over (onward or back) closes it and is judged against the slot, not the appointment.
    let mut open_slot: Option<DateTime<Utc>> = None;
    let items = events
        .into_iter()
        .map(|e| {
            let data: serde_json::Value = serde_json::from_str(&e.data).unwrap_or(serde_json::Value::Null);
            let mut on_time = due
                .filter(|_| !matches!(e.from_state.as_str(), "draft" | "submitted"))
                .map(|due| timeliness(e.at, due));
            if data["to_agency"].is_string() {
                if let Some(slot) = open_slot.take() {
                    on_time = Some(timeliness(e.at, slot));
                }
                open_slot = data["slot_due_at"]
                    .as_str()
                    .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| t.with_timezone(&Utc));
            }
            HistoryItem {
                on_time,
                data,
                seq: e.seq,
                action: e.action,
                actor_id: e.actor_id,
                actor_role: e.actor_role,
                from_state: e.from_state,
                to_state: e.to_state,
                note: e.note,
                at: e.at,
                prev_hash: e.prev_hash,
                hash: e.hash,
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(HistoryResponse { items }))
}

/// The secret printed on the receipt.
#[derive(Debug, Deserialize, IntoParams)]
pub struct LookupQuery {
    /// 6 characters (A–Z and 2–9 without O and I), case-insensitive.
    pub secret: String,
}

/// A dossier's public status: no personal data.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "code": "000.17.22.H56-261130-0001", "state": "returned", "national_status": 10,
    "agency_code": "000.17.22.H56", "received_at": "2026-11-30T01:58:58.351003Z",
    "due_at": "2026-12-03T01:58:58.368404Z"
}))]
pub struct LookupResponse {
    /// Dossier code.
    pub code: String,
    /// Internal state.
    pub state: DossierState,
    /// National status code.
    pub national_status: Option<u8>,
    /// Agency.
    pub agency_code: String,
    /// When the desk received it.
    pub received_at: Option<DateTime<Utc>>,
    /// When the result is due.
    pub due_at: Option<DateTime<Utc>>,
}

/// Public status lookup by dossier code and lookup secret. An unknown code and a wrong secret
/// answer the same 404; at most 30 lookups per minute per address.
#[utoipa::path(tag = "dossiers", operation_id = "lookup_dossier", security(()), params(("code" = String, Path, description = "Dossier code"), LookupQuery),
    responses(
        (status = 200, description = "The status", body = LookupResponse),
        (status = 404, description = "No dossier with this code and secret", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Too many lookups; see Retry-After", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/lookup/{code}")]
async fn lookup_dossier(
    state: web::Data<AppState>,
    req: HttpRequest,
    code: web::Path<String>,
    query: web::Query<LookupQuery>,
) -> Result<HttpResponse, ApiError> {
    if let Some(address) = req.peer_addr() {
        state.lookup_limiter.check(address.ip())?;
    }
    let view = service::lookup(&state.db, &state.lookup_cache, &code, &query.secret).await?;
    Ok(HttpResponse::Ok().json(LookupResponse {
        code: view.code.clone(),
        national_status: view.state.national_status(),
        state: view.state,
        agency_code: view.agency_code.clone(),
        received_at: view.received_at,
        due_at: view.due_at,
    }))
}

/// The reception receipt (Mẫu 01) of a received dossier: JSON; a printable A5 page with
/// `Accept: text/html`; an A5 PDF (Vietnamese text embedded, searchable) with
/// `Accept: application/pdf`. A staff member's read is recorded in the personal-data access log.
#[utoipa::path(tag = "dossiers", operation_id = "get_receipt", params(("id" = Uuid, Path, description = "Dossier id")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The receipt", content(
            (super::receipt::Receipt = "application/json"),
            (String = "text/html"),
            (super::receipt_pdf::PdfDocumentBytes = "application/pdf"),
        )),
        (status = 404, description = "No such dossier visible to the caller", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "Not received yet", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/dossiers/{id}/receipt")]
async fn get_receipt(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let receipt =
        super::receipt::receipt(&state.db, &caller.0, id.into_inner(), crate::http::request_id::current()).await?;
    let accept = req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let lookup_url = super::receipt::lookup_url(&state.settings.public_url, &receipt);
    // The first of the printable forms the client names; JSON otherwise (and for `*/*`).
    let pdf_at = accept.find("application/pdf");
    let html_at = accept.find("text/html");
    if pdf_at.is_some_and(|p| html_at.is_none_or(|h| p < h)) {
        let pdf = super::receipt_pdf::receipt_pdf(&receipt, &lookup_url)
            .map_err(|e| ApiError::from(DossierError::Unexpected(anyhow::Error::new(e))))?;
        let disposition = format!("inline; filename=\"giay-tiep-nhan-{}.pdf\"", receipt.code);
        return Ok(HttpResponse::Ok()
            .content_type("application/pdf")
            .insert_header((header::CONTENT_DISPOSITION, disposition))
            .body(pdf));
    }
    if html_at.is_some() {
        return Ok(HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(super::receipt::receipt_html(&receipt, &lookup_url)));
    }
    Ok(HttpResponse::Ok().json(receipt))
}

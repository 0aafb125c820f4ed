//! Form endpoints: `GET /dossiers/{id}/forms/{form}` and `GET /desk/forms/tracking-book` (HTML,
//! or DOCX by `?format=docx` or `Accept`), and the agencies' DOCX templates under
//! `/admin/agencies/{agency_code}/form-templates`.

use actix_web::http::header;
use actix_web::{delete, get, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::docx::{FormValues, CONTENT_TYPE as DOCX, MAX_TEMPLATE_BYTES};
use super::domain::FormKind;
use super::error::FormsError;
use super::placeholders::{tracking_book_values, OfficialForm};
use super::service;
use super::template_service::{self, TemplateSummary};
use crate::error::{ApiError, ProblemDetails};
use crate::identity::extract::{Caller, StaffCaller};
use crate::startup::AppState;

/// Registers the form routes.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(get_dossier_form)
        .service(get_tracking_book)
        .service(list_form_templates)
        .service(get_form_template)
        .service(put_form_template)
        .service(delete_form_template);
}

fn html(body: String) -> HttpResponse {
    HttpResponse::Ok().content_type("text/html; charset=utf-8").insert_header((header::VARY, "Accept")).body(body)
}

/// A file name of letters, digits, dots and dashes, so it needs no quoting rules.
fn file_name(parts: &[&str]) -> String {
    let name: String = parts
        .join("-")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' })
        .collect();
    format!("{name}.docx")
}

fn docx(body: Vec<u8>, name: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(DOCX)
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
        .insert_header((header::VARY, "Accept"))
        .body(body)
}

/// How a form is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FormFormat {
    /// The print-ready HTML page.
    Html,
    /// A Word document filled from the agency's template (the national one by default).
    Docx,
}

/// The output format of a form.
#[derive(Debug, Deserialize, IntoParams)]
pub struct FormFormatQuery {
    /// `html` (the default) or `docx`; without it, `Accept:
    /// application/vnd.openxmlformats-officedocument.wordprocessingml.document` asks for DOCX.
    pub format: Option<FormFormat>,
}

/// DOCX when asked by `?format=docx`, or by `Accept` when the query does not say.
fn wants_docx(req: &HttpRequest, format: Option<FormFormat>) -> bool {
    format.map_or_else(
        || req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains(DOCX)),
        |f| f == FormFormat::Docx,
    )
}

/// A Word document (Office Open XML).
#[derive(Debug, ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct WordDocument(pub Vec<u8>);

/// An official form of a dossier as a print-ready HTML page (Vietnamese, A5), or as a Word
/// document with `?format=docx` or `Accept: application/vnd.openxmlformats-officedocument.wordprocessingml.document`,
/// filled from the dossier's agency's template of the form (the national one when the agency
/// has none), sent as `attachment; filename="<form>-<dossier code>.docx"`. The forms:
/// `receipt` (Mẫu 01, with a QR code of the public lookup link on the HTML page, the link as
/// text in DOCX), `supplement_request` (Mẫu 02, the latest request), `refusal` (Mẫu 03),
/// `apology` (Mẫu 04, the latest), `control_sheet` (Mẫu 05, every step with its early / on-time
/// / late mark) or `stop_notice` (Thông báo dừng giải quyết hồ sơ). For the applicant or staff of
/// the dossier's agency; a staff member's read is recorded in the personal-data access log.
#[utoipa::path(tag = "forms", operation_id = "get_dossier_form", security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Dossier id"),
        ("form" = FormKind, Path, description = "Which form"),
        FormFormatQuery,
    ),
    responses(
        (status = 200, description = "The printable page, or the Word document", content(
            (String = "text/html"),
            (WordDocument = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        )),
        (status = 400, description = "Unknown `format`", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such dossier visible to the caller, no such form, or no such event to print (`forms_not_issued`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "A receipt of a dossier not received yet", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/dossiers/{id}/forms/{form}")]
async fn get_dossier_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<(Uuid, String)>,
    query: web::Query<FormFormatQuery>,
) -> Result<HttpResponse, ApiError> {
    let (id, form) = path.into_inner();
    let kind = FormKind::parse(&form)
        .ok_or_else(|| ApiError::not_found("forms_unknown_form", format!("there is no form {form:?}")))?;
    let data = service::dossier_form(
        &state.db,
        &caller.0,
        id,
        kind,
        &state.settings.public_url,
        crate::http::request_id::current(),
    )
    .await?;
    if !wants_docx(&req, query.format) {
        return Ok(html(data.html()));
    }
    let body = template_service::render_docx(&state.db, data.agency_code(), data.form(), data.values()).await?;
    // A dossier refused at reception may have no code: name the file by its id then.
    let code = match data.dossier_code() {
        "" => id.to_string(),
        code => code.to_owned(),
    };
    Ok(docx(body, &file_name(&[kind.as_str(), &code])))
}

/// The tracking book's period, and its format.
#[derive(Debug, Deserialize, IntoParams)]
pub struct TrackingBookQuery {
    /// First day, `YYYY-MM-DD` (Asia/Ho_Chi_Minh).
    pub from: NaiveDate,
    /// Last day, inclusive; at most 366 days after `from`.
    pub to: NaiveDate,
    /// `html` (the default) or `docx`; without it, `Accept` may ask for DOCX.
    pub format: Option<FormFormat>,
}

/// The tracking book (Sổ theo dõi hồ sơ, Mẫu 06 of TT 01/2018, Mẫu 07 of TT 03/2025) of the
/// caller's agency as a print-ready A4 page: one line per dossier received in the period, with
/// its dates of reception, appointment, result and return. As a Word document from the agency's
/// `tracking_book` template with `?format=docx` or the DOCX `Accept`, sent as
/// `attachment; filename="tracking_book-<agency>-<from>-<to>.docx"`.
#[utoipa::path(tag = "forms", operation_id = "get_tracking_book", params(TrackingBookQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "The printable page, or the Word document", content(
            (String = "text/html"),
            (WordDocument = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        )),
        (status = 400, description = "Invalid period or format", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not staff of an agency", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/desk/forms/tracking-book")]
async fn get_tracking_book(
    state: web::Data<AppState>,
    req: HttpRequest,
    staff: StaffCaller,
    query: web::Query<TrackingBookQuery>,
) -> Result<HttpResponse, ApiError> {
    let book =
        service::tracking_book(&state.db, &staff.0, query.from, query.to, crate::http::request_id::current()).await?;
    if !wants_docx(&req, query.format) {
        return Ok(html(super::domain::tracking_book_html(&book)));
    }
    let values: FormValues = tracking_book_values(&book);
    let body = template_service::render_docx(&state.db, &book.agency_code, OfficialForm::TrackingBook, values).await?;
    let (from, to) = (book.from.to_string(), book.to.to_string());
    Ok(docx(body, &file_name(&["tracking_book", &book.agency_code, &from, &to])))
}

/// One form's template of an agency.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "form": "receipt",
    "source": "agency",
    "sha256": "9f2c4e0a5b1d7c3e8f6a2b4d0c9e1f3a5b7d9c2e4f6a8b0d1c3e5f7a9b2d4c6e",
    "size": 18432,
    "uploaded_by": "0193a5b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b",
    "uploaded_at": "2026-11-30T02:15:42.118204Z",
    "placeholders": ["agency_name", "dossier_code", "lookup_secret", "applicant_name", "#documents", "documents.name"]
}))]
pub struct FormTemplateResponse {
    /// The form.
    pub form: OfficialForm,
    /// `agency`: the agency uploaded it; `default`: the national template prints the form.
    #[schema(example = "agency")]
    pub source: String,
    /// SHA-256 of the agency's template, hex.
    #[schema(example = "9f2c4e0a5b1d7c3e8f6a2b4d0c9e1f3a5b7d9c2e4f6a8b0d1c3e5f7a9b2d4c6e")]
    pub sha256: Option<String>,
    /// Its size in bytes.
    #[schema(example = 18432)]
    pub size: Option<i64>,
    /// Who uploaded it.
    pub uploaded_by: Option<Uuid>,
    /// When.
    pub uploaded_at: Option<DateTime<Utc>>,
    /// The placeholders the form's template may use: `name` as `{{name}}`, `#list` marking a
    /// table row repeated per item, `list.field` for an item's field inside that row.
    #[schema(example = json!(["agency_name", "dossier_code", "applicant_name", "#documents", "documents.name"]))]
    pub placeholders: Vec<String>,
}

impl From<TemplateSummary> for FormTemplateResponse {
    fn from(t: TemplateSummary) -> Self {
        let vocabulary = t.form.vocabulary();
        let mut placeholders: Vec<String> = vocabulary.scalars.iter().map(|s| (*s).to_owned()).collect();
        for (list, fields) in vocabulary.lists {
            placeholders.push(format!("#{list}"));
            placeholders.extend(fields.iter().map(|f| format!("{list}.{f}")));
        }
        Self {
            form: t.form,
            source: t.source.as_str().to_owned(),
            sha256: t.sha256,
            size: t.size,
            uploaded_by: t.uploaded_by,
            uploaded_at: t.uploaded_at,
            placeholders,
        }
    }
}

/// Every form's template of an agency.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{
    "form": "receipt",
    "source": "agency",
    "sha256": "9f2c4e0a5b1d7c3e8f6a2b4d0c9e1f3a5b7d9c2e4f6a8b0d1c3e5f7a9b2d4c6e",
    "size": 18432,
    "uploaded_by": "0193a5b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b",
    "uploaded_at": "2026-11-30T02:15:42.118204Z",
    "placeholders": ["agency_name", "dossier_code", "lookup_secret", "applicant_name", "#documents", "documents.name"]
}]}))]
pub struct FormTemplateList {
    pub items: Vec<FormTemplateResponse>,
}

fn template_form(form: &str) -> Result<OfficialForm, ApiError> {
    OfficialForm::parse(form)
        .ok_or_else(|| ApiError::not_found("forms_unknown_form", format!("there is no form {form:?}")))
}

/// The DOCX templates an agency's official forms print with, one per form (`receipt`,
/// `supplement_request`, `refusal`, `apology`, `control_sheet`, `stop_notice`, `tracking_book`):
/// the agency's own where it uploaded one, the national one otherwise, with the placeholders each
/// may use. For province-wide admins, and an agency's own admins and leaders.
#[utoipa::path(tag = "forms", operation_id = "list_form_templates", security(("bearer" = [])),
    params(("agency_code" = String, Path, description = "Agency code", example = "000.17.22.H56")),
    responses(
        (status = 200, description = "The templates", body = FormTemplateList),
        (status = 401, description = "Not signed in", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not a province-wide admin, nor an admin or leader of the agency (`forms_template_forbidden`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such agency", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/admin/agencies/{agency_code}/form-templates")]
async fn list_form_templates(
    state: web::Data<AppState>,
    staff: StaffCaller,
    agency_code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let items = template_service::list_templates(&state.db, &staff.0, &agency_code).await?;
    Ok(HttpResponse::Ok().json(FormTemplateList { items: items.into_iter().map(Into::into).collect() }))
}

/// Downloads the template an agency's form prints with, to edit in Word: its own, or the national
/// one (header `X-Template-Source: agency|default`).
#[utoipa::path(tag = "forms", operation_id = "get_form_template", security(("bearer" = [])),
    params(
        ("agency_code" = String, Path, description = "Agency code", example = "000.17.22.H56"),
        ("form" = OfficialForm, Path, description = "Which form"),
    ),
    responses(
        (status = 200, description = "The template", body = WordDocument, content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            headers(("X-Template-Source" = String, description = "`agency` or `default`"))),
        (status = 401, description = "Not signed in", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not a province-wide admin, nor an admin or leader of the agency", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such agency or form", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/admin/agencies/{agency_code}/form-templates/{form}")]
async fn get_form_template(
    state: web::Data<AppState>,
    staff: StaffCaller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (agency_code, form) = path.into_inner();
    let form = template_form(&form)?;
    let (template, source) = template_service::download_template(&state.db, &staff.0, &agency_code, form).await?;
    let mut reply = docx(template.into_owned(), &file_name(&[form.as_str(), &agency_code]));
    reply.headers_mut().insert(
        header::HeaderName::from_static("x-template-source"),
        header::HeaderValue::from_static(source.as_str()),
    );
    Ok(reply)
}

/// Reads an upload of at most [`MAX_TEMPLATE_BYTES`], declared as DOCX (or as plain bytes).
async fn read_template(req: &HttpRequest, mut payload: web::Payload) -> Result<Vec<u8>, FormsError> {
    let declared = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let essence = declared.split(';').next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case(DOCX) && !essence.eq_ignore_ascii_case("application/octet-stream") {
        return Err(FormsError::TemplateMediaType);
    }
    let declared_length =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared_length.is_some_and(|n| n > MAX_TEMPLATE_BYTES) {
        return Err(FormsError::TemplateTooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| FormsError::Template(super::docx::TemplateError::NotDocx(e.to_string())))?;
        if body.len() + chunk.len() > MAX_TEMPLATE_BYTES {
            return Err(FormsError::TemplateTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Makes the body (a `.docx` file, at most 2 MiB) the agency's template of a form, replacing any
/// earlier one; the agency's forms print with it from the next request on. It is checked first:
/// a Word package with `word/document.xml` (else 422 `forms_template_invalid`) whose every
/// `{{placeholder}}` the form has, list fields only inside their repeated table row (else 422
/// `forms_template_unknown_placeholders`, each offender in `errors`).
#[utoipa::path(tag = "forms", operation_id = "put_form_template", security(("bearer" = [])),
    params(
        ("agency_code" = String, Path, description = "Agency code", example = "000.17.22.H56"),
        ("form" = OfficialForm, Path, description = "Which form"),
    ),
    request_body(description = "The .docx file", content(
        (WordDocument = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (WordDocument = "application/octet-stream"),
    )),
    responses(
        (status = 200, description = "Stored", body = FormTemplateResponse),
        (status = 401, description = "Not signed in", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not a province-wide admin, nor an admin or leader of the agency", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such agency or form", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 413, description = "Larger than 2 MiB (`forms_template_too_large`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 415, description = "Not sent as DOCX (`forms_template_media_type`)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "Not a Word document (`forms_template_invalid`), or placeholders the form does not have (`forms_template_unknown_placeholders`)", body = ProblemDetails, content_type = "application/problem+json",
            example = json!({"type": "about:blank", "title": "Unprocessable Entity", "status": 422,
                "detail": "the template uses placeholders this form does not have: {{ho_ten}}",
                "code": "forms_template_unknown_placeholders", "request_id": "0190d5f2-7a1b-7c3d-9e4f-5a6b7c8d9e0f",
                "errors": [{"field": "{{ho_ten}}", "message": "no such placeholder in this form"}]})),
    ))]
#[put("/admin/agencies/{agency_code}/form-templates/{form}")]
async fn put_form_template(
    state: web::Data<AppState>,
    req: HttpRequest,
    staff: StaffCaller,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let (agency_code, form) = path.into_inner();
    let form = template_form(&form)?;
    // Who may upload is settled before the body is read.
    template_service::require_manager(&state.db, &staff.0, &agency_code).await?;
    let template = read_template(&req, payload).await?;
    let stored = template_service::upload_template(&state.db, &staff.0, &agency_code, form, template).await?;
    Ok(HttpResponse::Ok().json(FormTemplateResponse::from(stored)))
}

/// Removes the agency's template of a form, so the national one prints it again (204 also when
/// it had none).
#[utoipa::path(tag = "forms", operation_id = "delete_form_template", security(("bearer" = [])),
    params(
        ("agency_code" = String, Path, description = "Agency code", example = "000.17.22.H56"),
        ("form" = OfficialForm, Path, description = "Which form"),
    ),
    responses(
        (status = 204, description = "The national template prints the form"),
        (status = 401, description = "Not signed in", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not a province-wide admin, nor an admin or leader of the agency", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such agency or form", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[delete("/admin/agencies/{agency_code}/form-templates/{form}")]
async fn delete_form_template(
    state: web::Data<AppState>,
    staff: StaffCaller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (agency_code, form) = path.into_inner();
    let form = template_form(&form)?;
    template_service::reset_template(&state.db, &staff.0, &agency_code, form).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_need_no_quoting() {
        assert_eq!(file_name(&["receipt", "000.17.22.H56-261125-0001"]), "receipt-000.17.22.H56-261125-0001.docx");
        assert_eq!(file_name(&["x", "a\"b c/é"]), "x-a_b_c__.docx");
    }
}

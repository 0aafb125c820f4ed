//! `POST /integration/dossiers`: a dossier filed on the national portal arrives with its external
//! id, procedure, applicant, form data and inline documents.

use actix_web::{post, web, HttpResponse};
use base64::Engine as _;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::dossiers::error::DossierError;
use crate::dossiers::http::{dossier_reply, ApplicantRequest, DossierResponse};
use crate::dossiers::intake::{self, InlineDocument, Intake, PortalDossier};
use crate::error::{ApiError, ProblemDetails};
use crate::http::json::Json;
use crate::identity::extract::ClientCaller;
use crate::startup::AppState;

/// Registers the integration routes.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(intake_dossier);
}

/// A file sent inline, base64-encoded.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntakeDocument {
    /// The procedure's required-document key.
    pub document_key: String,
    /// The file's name.
    pub file_name: String,
    /// The content, standard base64. Its type is judged from the content, not the name.
    pub content_base64: String,
}

/// A dossier filed on the national portal.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "external_id": "G22.99-261129-000123",
    "procedure_code": "1.004873",
    "agency_code": "000.17.22.H56",
    "applicant": {"national_id": "038095001234", "full_name": "Nguyễn Thị Ánh", "email": "anh@example.vn"},
    "vneid_authenticated": true,
    "form_data": {"applicant_address": "Thôn 3, xã Đông Sơn"},
    "documents": [
        {"document_key": "to_khai_xac_nhan_tthn", "file_name": "to_khai.pdf",
         "content_base64": "JVBERi0xLjQKMSAwIG9iajw8Pj5lbmRvYmoKdHJhaWxlcjw8Pj4KJSVFT0YK"},
        {"document_key": "giay_to_tuy_than", "file_name": "cccd.pdf",
         "content_base64": "JVBERi0xLjQKMSAwIG9iajw8Pj5lbmRvYmoKdHJhaWxlcjw8Pj4KJSVFT0YK"}
    ]
}))]
pub struct IntakeRequest {
    /// The national portal's id of the dossier (1–128 characters); a retry with the same id
    /// returns the dossier filed the first time.
    pub external_id: String,
    /// National procedure code.
    pub procedure_code: String,
    /// The agency it is filed with (one that performs the procedure).
    pub agency_code: String,
    /// The applicant; an existing citizen account with the national ID is used.
    pub applicant: ApplicantRequest,
    /// The applicant signed in with VNeID (`TaiKhoanDuocXacThucVoiVNeID`).
    #[serde(default)]
    pub vneid_authenticated: bool,
    /// The form, valid against the procedure's `form_schema`.
    #[schema(value_type = Object)]
    pub form_data: serde_json::Value,
    /// Files, each typed from its content and limited by its document's size.
    #[serde(default)]
    pub documents: Vec<IntakeDocument>,
}

/// Files a dossier received on the national portal (API clients with scope `dossiers:intake`).
/// The dossier is submitted (channel `national_portal`) and waits for the desk to receive it.
/// Idempotent on `external_id`: a retry answers 200 with the dossier filed the first time.
#[utoipa::path(tag = "integration", operation_id = "intake_dossier", request_body = IntakeRequest,
    security(("client_credentials" = ["dossiers:intake"]), ("bearer" = [])),
    responses(
        (status = 201, description = "Filed", body = DossierResponse),
        (status = 200, description = "Filed before under this external id", body = DossierResponse),
        (status = 400, description = "Invalid procedure, agency, applicant, form data or documents", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not an API client with scope dossiers:intake", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "The applicant's e-mail belongs to another account", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 413, description = "A document is larger than its limit, or the body than MOTCUA_JSON_LIMIT_BYTES", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 415, description = "A document's content is of a type the document does not accept", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[post("/integration/dossiers")]
async fn intake_dossier(
    state: web::Data<AppState>,
    client: ClientCaller,
    body: Json<IntakeRequest>,
) -> Result<HttpResponse, ApiError> {
    let principal = client.require_scope("dossiers:intake")?.clone();
    let b = body.into_inner();
    let mut documents = Vec::with_capacity(b.documents.len());
    for (i, d) in b.documents.into_iter().enumerate() {
        let content = base64::engine::general_purpose::STANDARD
            .decode(d.content_base64.trim())
            .map_err(|_| DossierError::invalid(&format!("documents[{i}].content_base64"), "not standard base64"))?;
        documents.push(InlineDocument { document_key: d.document_key, file_name: d.file_name, content });
    }
    let portal = PortalDossier {
        external_id: b.external_id,
        procedure_code: b.procedure_code,
        agency_code: b.agency_code,
        applicant: b.applicant.into(),
        vneid_authenticated: b.vneid_authenticated,
        form_data: b.form_data,
        documents,
    };
    match intake::file_from_national_portal(&state.desk(), &state.identity, &principal, portal).await? {
        Intake::Created(dossier) => Ok(dossier_reply(HttpResponse::Created(), *dossier)),
        Intake::Existing(dossier) => Ok(dossier_reply(HttpResponse::Ok(), *dossier)),
    }
}

//! Attachment endpoints: upload (multipart, streamed), list, download and delete.

use actix_multipart::Multipart;
use actix_web::http::header::{self, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue};
use actix_web::{delete, get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use futures_util::{StreamExt, TryStreamExt};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::attachment_service::{self as service, Attachment};
use super::error::DossierError;
use crate::error::{ApiError, ProblemDetails};
use crate::identity::extract::{Caller, CitizenCaller};
use crate::startup::AppState;

/// Registers the attachment routes.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(upload_attachment).service(list_attachments).service(download_attachment).service(delete_attachment);
}

/// The upload form: `document_key` first, then `file`.
#[derive(Debug, ToSchema)]
pub struct UploadAttachmentForm {
    /// Key of one of the procedure's required documents; must come before `file`.
    #[schema(example = "to_khai_xac_nhan_tthn")]
    pub document_key: String,
    /// The file; its type is judged from its content, and its name is sanitised.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// The content of an attachment.
#[derive(Debug, ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct AttachmentContent(pub Vec<u8>);

/// A file attached to a dossier.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01a22a2d-4015-7047-8f27-9f7be3dd9f94", "document_key": "to_khai_xac_nhan_tthn",
    "file_name": "to_khai.pdf", "sha256": "5a838678058f6de375e8635b5f2fea47a4e5f07cb1a882a44b10f39abc6f34ff",
    "size": 45, "content_type": "application/pdf", "created_at": "2026-11-30T01:58:58.325864290Z"
}))]
pub struct AttachmentResponse {
    /// Id.
    pub id: Uuid,
    /// The required document it is for.
    pub document_key: String,
    /// Sanitised file name.
    pub file_name: String,
    /// SHA-256 of the content, lower-case hex, computed by the server.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// Media type, judged from the content.
    pub content_type: String,
    /// When it was uploaded.
    pub created_at: DateTime<Utc>,
}

impl From<Attachment> for AttachmentResponse {
    fn from(a: Attachment) -> Self {
        Self {
            id: a.id,
            document_key: a.document_key,
            file_name: a.file_name,
            sha256: a.sha256,
            size: a.size,
            content_type: a.content_type,
            created_at: a.created_at,
        }
    }
}

/// A dossier's current attachments.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "items": [
        {
            "id": "01a22a2d-401c-75e0-968b-e0128d4759d6", "document_key": "giay_to_tuy_than",
            "file_name": "cccd.pdf",
            "sha256": "5a838678058f6de375e8635b5f2fea47a4e5f07cb1a882a44b10f39abc6f34ff", "size": 45,
            "content_type": "application/pdf", "created_at": "2026-11-30T01:58:58.332766100Z"
        },
        {
            "id": "01a22a2d-4015-7047-8f27-9f7be3dd9f94", "document_key": "to_khai_xac_nhan_tthn",
            "file_name": "to_khai.pdf",
            "sha256": "5a838678058f6de375e8635b5f2fea47a4e5f07cb1a882a44b10f39abc6f34ff", "size": 45,
            "content_type": "application/pdf", "created_at": "2026-11-30T01:58:58.325864290Z"
        }
    ]
}))]
pub struct AttachmentListResponse {
    /// By document key.
    pub items: Vec<AttachmentResponse>,
}

/// A short text field of the form, at most `max` bytes.
async fn read_text(mut field: actix_multipart::Field, name: &str, max: usize) -> Result<String, DossierError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(|e| DossierError::invalid(name, format!("unreadable: {e}")))?;
        if bytes.len() + chunk.len() > max {
            return Err(DossierError::invalid(name, format!("at most {max} bytes")));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).map_err(|_| DossierError::invalid(name, "must be UTF-8 text"))
}

/// Attaches a file for one required document of the citizen's draft; a new file for the same
/// document replaces the previous one. The file is streamed and refused as soon as it exceeds the
/// document's `max_bytes`; its type is judged from its content, not from the request's header.
#[utoipa::path(tag = "dossiers", operation_id = "upload_attachment", params(("id" = Uuid, Path, description = "Dossier id")),
    request_body(content = UploadAttachmentForm, content_type = "multipart/form-data"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Stored", body = AttachmentResponse),
        (status = 400, description = "Unknown document key (`dossier_unknown_document`) or malformed form", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not a citizen", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such dossier of the caller", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "Not a draft any more", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 413, description = "Larger than the document's max_bytes", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 415, description = "Content of a type the document does not accept", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[post("/dossiers/{id}/attachments")]
async fn upload_attachment(
    state: web::Data<AppState>,
    citizen: CitizenCaller,
    id: web::Path<Uuid>,
    mut form: Multipart,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let mut document = None;
    while let Some(field) = form.next().await {
        let field = field.map_err(|e| DossierError::invalid("file", format!("malformed multipart body: {e}")))?;
        match field.name() {
            Some("document_key") => {
                let key = read_text(field, "document_key", 64).await?;
                document = Some(service::prepare_upload(&state.db, &citizen.0, id, key.trim()).await?);
            }
            Some("file") => {
                let document =
                    document.take().ok_or_else(|| DossierError::invalid("document_key", "send it before file"))?;
                let file_name = field.content_disposition().and_then(|d| d.get_filename()).unwrap_or_default();
                let file_name = file_name.to_owned();
                let received = service::receive(field, document.max_bytes).await?;
                let attachment =
                    service::attach(&state.db, &state.files, &citizen.0, id, &document, &file_name, received).await?;
                let location = format!("/api/v1/dossiers/{id}/attachments/{}", attachment.id);
                return Ok(HttpResponse::Created()
                    .insert_header((header::LOCATION, location))
                    .json(AttachmentResponse::from(attachment)));
            }
            // Other fields are skipped unread: actix-multipart drains them on the next call.
            _ => {}
        }
    }
    Err(DossierError::invalid(if document.is_some() { "file" } else { "document_key" }, "missing").into())
}

/// The current attachments of a dossier (its applicant, or staff of its agency).
#[utoipa::path(tag = "dossiers", operation_id = "list_attachments", params(("id" = Uuid, Path, description = "Dossier id")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The attachments", body = AttachmentListResponse),
        (status = 401, description = "Not signed in", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such dossier visible to the caller", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/dossiers/{id}/attachments")]
async fn list_attachments(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let items = service::list(&state.db, &caller.0, id.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .json(AttachmentListResponse { items: items.into_iter().map(AttachmentResponse::from).collect() }))
}

/// The content of one attachment, with its media type and file name (its applicant, or staff of
/// its agency).
#[utoipa::path(tag = "dossiers", operation_id = "download_attachment",
    params(("id" = Uuid, Path, description = "Dossier id"), ("attachment_id" = Uuid, Path, description = "Attachment id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The file, with `Content-Disposition: attachment`", body = AttachmentContent, content_type = "application/octet-stream"),
        (status = 401, description = "Not signed in", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such dossier or attachment visible to the caller", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/dossiers/{id}/attachments/{attachment_id}")]
async fn download_attachment(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, attachment_id) = path.into_inner();
    let (attachment, content) = service::download(&state.db, &state.files, &caller.0, id, attachment_id).await?;
    // RFC 6266 §4.3: `filename*` carries the UTF-8 name, percent-encoded.
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![DispositionParam::FilenameExt(ExtendedValue {
            charset: Charset::Ext("UTF-8".to_owned()),
            language_tag: None,
            value: attachment.file_name.into_bytes(),
        })],
    };
    // Streamed from the store with its length known: a large file is never held whole here. A
    // store failure mid-way can only cut the response short, which the client sees as an error.
    let chunks = content.chunks.map_err(move |e| {
        tracing::error!(attachment.id = %attachment_id, error = %e, "reading an attachment from the store failed");
        actix_web::error::ErrorInternalServerError("the file could not be read")
    });
    Ok(HttpResponse::Ok()
        .content_type(attachment.content_type)
        .insert_header(disposition)
        .no_chunking(content.size)
        .streaming(chunks))
}

/// Removes a file from the citizen's draft.
#[utoipa::path(tag = "dossiers", operation_id = "delete_attachment",
    params(("id" = Uuid, Path, description = "Dossier id"), ("attachment_id" = Uuid, Path, description = "Attachment id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Not signed in", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not a citizen", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such dossier or attachment of the caller", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "Not a draft any more", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[delete("/dossiers/{id}/attachments/{attachment_id}")]
async fn delete_attachment(
    state: web::Data<AppState>,
    citizen: CitizenCaller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, attachment_id) = path.into_inner();
    service::delete(&state.db, &citizen.0, id, attachment_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

//! Attachment use cases: receiving a file for one required document of a draft (streamed,
//! hashed, size-limited, typed from its content), listing, downloading, deleting, and the
//! check that a dossier carries every mandatory document before submission.

use std::collections::HashSet;
use std::fmt::Display;

use actix_web::web::Bytes;
use anyhow::Context;
use chrono::Utc;
use futures_util::{Stream, StreamExt};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::attachment_domain::{is_accepted, sanitize_file_name, sniff_content_type};
use super::attachment_store as store;
pub use super::attachment_store::Attachment;
use super::error::DossierError;
use super::service::{find_own, find_visible, Dossier};
use crate::catalog::procedure_domain::{Procedure, RequiredDocument};
use crate::catalog::procedure_service;
use crate::db::begin_write;
use crate::identity::service::Principal;
use crate::storage::{content_key, FileStore, StoredObject};
use crate::workflow::domain::DossierState;

/// The citizen's own dossier, still a draft or waiting for the supplement the desk asked for
/// (Mẫu 02: the citizen uploads the new files, then takes the `supplement` action).
async fn owned_draft(db: &impl ConnectionTrait, citizen: &Principal, id: Uuid) -> Result<Dossier, DossierError> {
    let dossier = find_own(db, citizen, id).await?;
    if !matches!(dossier.state, DossierState::Draft | DossierState::AwaitingSupplement) {
        return Err(DossierError::NotADraft);
    }
    Ok(dossier)
}

/// The required document `document_key` of the citizen's draft `id`: what an upload must meet.
///
/// # Errors
/// [`DossierError::NotFound`], [`DossierError::NotADraft`], [`DossierError::UnknownDocument`].
pub async fn prepare_upload(
    db: &DatabaseConnection,
    citizen: &Principal,
    id: Uuid,
    document_key: &str,
) -> Result<RequiredDocument, DossierError> {
    let dossier = owned_draft(db, citizen, id).await?;
    let procedure = procedure_service::find_procedure(db, &dossier.procedure_code)
        .await
        .map_err(|e| anyhow::anyhow!("find procedure: {e}"))?
        .ok_or_else(|| DossierError::UnknownProcedure(dossier.procedure_code.clone()))?;
    procedure
        .documents
        .into_iter()
        .find(|d| d.key == document_key)
        .ok_or_else(|| DossierError::UnknownDocument(document_key.to_owned()))
}

/// A file received in full, with its SHA-256 (lower-case hex).
pub struct Received {
    /// The content.
    pub bytes: Bytes,
    /// Its SHA-256, computed here.
    pub sha256: String,
}

/// Reads an upload chunk by chunk, hashing as it comes, and stops as soon as it grows beyond
/// `max_bytes`: at most `max_bytes` are ever held.
///
/// # Errors
/// [`DossierError::AttachmentTooLarge`]; a broken stream is a 400 on `file`.
pub async fn receive<E: Display>(
    stream: impl Stream<Item = Result<Bytes, E>>,
    max_bytes: u64,
) -> Result<Received, DossierError> {
    let mut stream = std::pin::pin!(stream);
    let limit = usize::try_from(max_bytes).unwrap_or(usize::MAX);
    let mut hasher = Sha256::new();
    let mut buffer: Vec<u8> = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| DossierError::invalid("file", format!("the upload broke off: {e}")))?;
        if buffer.len().saturating_add(chunk.len()) > limit {
            return Err(DossierError::AttachmentTooLarge { max_bytes });
        }
        hasher.update(&chunk);
        buffer.extend_from_slice(&chunk);
    }
    Ok(Received { bytes: Bytes::from(buffer), sha256: hex::encode(hasher.finalize()) })
}

/// Attaches a received file to `document` of the citizen's draft `id`: its type must be one the
/// document accepts (judged from its content), it goes to the object store under its SHA-256,
/// and it replaces the document's previous file.
///
/// # Errors
/// [`DossierError::AttachmentTypeNotAccepted`], [`DossierError::NotFound`],
/// [`DossierError::NotADraft`].
pub async fn attach(
    db: &DatabaseConnection,
    files: &FileStore,
    citizen: &Principal,
    id: Uuid,
    document: &RequiredDocument,
    file_name: &str,
    received: Received,
) -> Result<Attachment, DossierError> {
    let attachment = checked_attachment(id, document, file_name, &received)?;
    // The object first: a row must never name missing content. An object left behind by a
    // failed transaction is harmless (content addressed, written again by the next upload).
    files.put(&attachment.storage_key, received.bytes).await?;
    let txn = begin_write(db).await.context("begin attach")?;
    owned_draft(&txn, citizen, id).await?;
    store::delete_current_for_document(&txn, id, &attachment.document_key, attachment.created_at).await?;
    store::insert_attachment(&txn, &attachment).await?;
    txn.commit().await.context("commit attach")?;
    tracing::info!(dossier.id = %id, attachment.id = %attachment.id, "attachment stored");
    Ok(attachment)
}

/// The attachment row a received file of `document` makes: its type must be one the document
/// accepts, judged from its content, and its name is sanitised.
///
/// # Errors
/// [`DossierError::AttachmentTypeNotAccepted`].
pub(super) fn checked_attachment(
    dossier_id: Uuid,
    document: &RequiredDocument,
    file_name: &str,
    received: &Received,
) -> Result<Attachment, DossierError> {
    let detected = sniff_content_type(&received.bytes, &document.accepted_types);
    let content_type = match detected {
        Some(t) if is_accepted(t, &document.accepted_types) => t,
        _ => {
            return Err(DossierError::AttachmentTypeNotAccepted {
                detected: detected.unwrap_or("of an unrecognised type").to_owned(),
                accepted: document.accepted_types.join(", "),
            })
        }
    };
    Ok(Attachment {
        id: Uuid::now_v7(),
        dossier_id,
        document_key: document.key.clone(),
        file_name: sanitize_file_name(file_name),
        content_type: content_type.to_owned(),
        size: received.bytes.len() as u64,
        sha256: received.sha256.clone(),
        storage_key: content_key(&received.sha256),
        created_at: Utc::now(),
    })
}

/// The current attachments of a dossier the caller may see.
///
/// # Errors
/// [`DossierError::NotFound`].
pub async fn list(db: &DatabaseConnection, caller: &Principal, id: Uuid) -> Result<Vec<Attachment>, DossierError> {
    find_visible(db, caller, id).await?;
    store::list_current(db, id).await
}

/// One current attachment of a dossier the caller may see, with its content to stream.
///
/// # Errors
/// [`DossierError::NotFound`], [`DossierError::AttachmentNotFound`].
pub async fn download(
    db: &DatabaseConnection,
    files: &FileStore,
    caller: &Principal,
    id: Uuid,
    attachment_id: Uuid,
) -> Result<(Attachment, StoredObject), DossierError> {
    find_visible(db, caller, id).await?;
    let attachment =
        store::find_current(db, id, attachment_id).await?.ok_or(DossierError::AttachmentNotFound(attachment_id))?;
    let content = files
        .open_read(&attachment.storage_key)
        .await?
        .ok_or_else(|| anyhow::anyhow!("object {} of attachment {attachment_id} is missing", attachment.storage_key))?;
    Ok((attachment, content))
}

/// Removes a file from the citizen's draft. The row is kept (marked deleted) and so is the
/// content, which other rows may share.
///
/// # Errors
/// [`DossierError::NotFound`], [`DossierError::NotADraft`], [`DossierError::AttachmentNotFound`].
pub async fn delete(
    db: &DatabaseConnection,
    citizen: &Principal,
    id: Uuid,
    attachment_id: Uuid,
) -> Result<(), DossierError> {
    let txn = begin_write(db).await.context("begin delete attachment")?;
    owned_draft(&txn, citizen, id).await?;
    if !store::delete_attachment(&txn, id, attachment_id, Utc::now()).await? {
        return Err(DossierError::AttachmentNotFound(attachment_id));
    }
    txn.commit().await.context("commit delete attachment")?;
    Ok(())
}

/// The keys of the procedure's mandatory documents the dossier has no current file for, in the
/// procedure's order.
///
/// # Errors
/// On storage failure.
pub async fn missing_mandatory_documents(
    db: &impl ConnectionTrait,
    dossier_id: Uuid,
    procedure: &Procedure,
) -> Result<Vec<String>, DossierError> {
    let present: HashSet<String> =
        store::list_current(db, dossier_id).await?.into_iter().map(|a| a.document_key).collect();
    Ok(procedure.documents.iter().filter(|d| d.mandatory && !present.contains(&d.key)).map(|d| d.key.clone()).collect())
}

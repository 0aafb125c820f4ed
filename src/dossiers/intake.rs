//! Dossiers that arrive other than by a citizen's own online submission: a walk-in or postal
//! dossier registered by a desk clerk (channel `direct` / `postal`), received on the spot; and a
//! dossier filed on the national portal (channel `national_portal`), waiting for the desk.
//!
//! # Implementation Notes
//! Registration is submission and reception in one transaction, both through the workflow
//! (two audit events, actor `clerk`). The paper documents are checked at the counter, so the
//! mandatory-attachment check of online submission does not apply.

use std::collections::HashSet;

use anyhow::Context;
use chrono::Utc;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::attachment_service::{checked_attachment, Received};
use super::attachment_store;
use super::domain::Channel;
use super::error::DossierError;
use super::service::{checked_procedure, submit_in, Dossier, Submitter};
use super::store::{self, NewDraft};
use crate::db::begin_write;
use crate::domain_types::Role;
use crate::identity::domain::PrincipalKind;
use crate::identity::service::{self as identity, Applicant, Identity, Principal};
use crate::workflow::actions::{self, Desk};
use crate::workflow::domain::{Action, Actor};
use crate::workflow::service::{self as workflow, truncate_to_micros, Step};

/// A walk-in or postal dossier as the clerk enters it.
pub struct DeskRegistration {
    /// `direct` (at the counter) or `postal`.
    pub channel: Channel,
    pub procedure_code: String,
    pub form_data: serde_json::Value,
    pub applicant: Applicant,
    pub note: Option<String>,
}

/// Registers a dossier at the clerk's agency for `registration.applicant` (found by national ID,
/// or given an account) and receives it: it gets its code, lookup secret and appointment time.
///
/// # Errors
/// [`DossierError::Invalid`] for another channel; procedure, agency and form failures; 403 for
/// a caller who is not a clerk of an agency; identity conflicts (the e-mail belongs to
/// another account).
pub async fn register_at_desk(
    desk: &Desk<'_>,
    identity_service: &Identity,
    clerk: &Principal,
    registration: DeskRegistration,
) -> Result<Dossier, DossierError> {
    let db = desk.db;
    if !matches!(registration.channel, Channel::Direct | Channel::Postal) {
        return Err(DossierError::invalid("channel", "the desk registers `direct` or `postal` dossiers"));
    }
    let agency_code = match (&clerk.kind, &clerk.agency_code) {
        (PrincipalKind::Staff, Some(agency)) if clerk.has_role(Role::Clerk) => agency.clone(),
        // Only the one-stop desk registers dossiers (DESIGN.md §6).
        _ => return Err(DossierError::Applicant(crate::identity::error::IdentityError::Forbidden)),
    };
    checked_procedure(db, &registration.procedure_code, &agency_code, &registration.form_data).await?;
    let note = registration.note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.chars().count() > 2000) {
        return Err(DossierError::invalid("note", "at most 2000 characters"));
    }
    let now = truncate_to_micros(Utc::now());
    let id = Uuid::now_v7();
    let txn = begin_write(db).await.context("begin desk registration")?;
    let applicant_id = identity::find_or_create_applicant(&txn, identity_service, &registration.applicant)
        .await
        .map_err(DossierError::Applicant)?;
    let draft = NewDraft {
        procedure_code: registration.procedure_code,
        agency_code: agency_code.clone(),
        applicant_id,
        channel: registration.channel,
        form_data: registration.form_data,
        external_id: None,
        vneid_authenticated: false,
    };
    store::insert_draft_with_id(&txn, id, draft, now).await?;
    let by = Submitter { actor: Actor::Clerk, actor_id: clerk.id, note: note.clone() };
    let data = serde_json::json!({"channel": registration.channel.as_str()});
    let submitted = submit_in(&txn, &id, &agency_code, by, data, now).await?;
    let code = submitted.code.clone().unwrap_or_default();
    // The appointment reads the calendar through the pool: the dossier row it needs is the
    // uncommitted one, so it is passed in rather than read again.
    let (effects, data) = actions::reception(db, &submitted, now).await?;
    let receive = Step {
        action: Action::Receive,
        actors: vec![Actor::Clerk],
        actor_id: Some(clerk.id),
        note,
        data,
        expected_version: None,
        effects,
        at: now,
    };
    workflow::apply(&txn, id, receive).await?;
    let received = store::find_dossier(&txn, id).await?.ok_or(DossierError::NotFound(id))?;
    let notice = serde_json::json!({"channel": registration.channel.as_str()});
    crate::notify::service::notify_applicant(&txn, desk.public_url, &received, Action::Receive, &notice)
        .await
        .context("queue the applicant's notice")?;
    txn.commit().await.context("commit desk registration")?;
    tracing::info!(dossier.id = %id, dossier.code = %code, channel = registration.channel.as_str(), "dossier registered at the desk");
    Ok(received)
}

/// A file sent inline with a dossier from the national portal.
pub struct InlineDocument {
    /// The procedure's required-document key.
    pub document_key: String,
    /// The file's name as sent.
    pub file_name: String,
    /// The content.
    pub content: Vec<u8>,
}

/// A dossier filed on the national portal (Cổng DVCQG).
pub struct PortalDossier {
    /// The portal's id of the dossier.
    pub external_id: String,
    pub procedure_code: String,
    pub agency_code: String,
    pub applicant: Applicant,
    /// The applicant signed in with VNeID.
    pub vneid_authenticated: bool,
    pub form_data: serde_json::Value,
    pub documents: Vec<InlineDocument>,
}

/// What an intake did.
pub enum Intake {
    /// Filed now.
    Created(Box<Dossier>),
    /// Filed before under the same external id; nothing changed.
    Existing(Box<Dossier>),
}

/// Files a dossier from the national portal: validated like an online submission (form, documents
/// typed by their content, mandatory documents present), channel `national_portal`, submitted
/// through the workflow (actor `national_portal`) with its code and lookup secret. Idempotent on
/// the external id: a retry gets the dossier filed the first time.
///
/// # Errors
/// Procedure, agency, form and document failures; identity conflicts (the e-mail belongs to
/// another account).
pub async fn file_from_national_portal(
    desk: &Desk<'_>,
    identity_service: &Identity,
    client: &Principal,
    portal: PortalDossier,
) -> Result<Intake, DossierError> {
    let db = desk.db;
    let external_id = portal.external_id.trim().to_owned();
    if external_id.is_empty() || external_id.chars().count() > 128 {
        return Err(DossierError::invalid("external_id", "1 to 128 characters"));
    }
    if let Some(existing) = store::find_dossier_by_external_id(db, &external_id).await? {
        return Ok(Intake::Existing(Box::new(existing)));
    }
    let procedure = checked_procedure(db, &portal.procedure_code, &portal.agency_code, &portal.form_data).await?;
    let id = Uuid::now_v7();
    let mut attachments = Vec::with_capacity(portal.documents.len());
    for (i, document) in portal.documents.into_iter().enumerate() {
        let required = procedure.documents.iter().find(|d| d.key == document.document_key).ok_or_else(|| {
            DossierError::invalid(
                &format!("documents[{i}].document_key"),
                format!("the procedure requires no document with the key {}", document.document_key),
            )
        })?;
        if document.content.len() as u64 > required.max_bytes {
            return Err(DossierError::AttachmentTooLarge { max_bytes: required.max_bytes });
        }
        let received =
            Received { sha256: hex::encode(Sha256::digest(&document.content)), bytes: document.content.into() };
        let attachment = checked_attachment(id, required, &document.file_name, &received)?;
        attachments.push((attachment, received.bytes));
    }
    let present: HashSet<&str> = attachments.iter().map(|(a, _)| a.document_key.as_str()).collect();
    let missing: Vec<String> = procedure
        .documents
        .iter()
        .filter(|d| d.mandatory && !present.contains(d.key.as_str()))
        .map(|d| d.key.clone())
        .collect();
    if !missing.is_empty() {
        return Err(DossierError::MissingDocuments(missing));
    }
    // Content first, rows after: a row never names missing content (see attachment_service).
    for (attachment, bytes) in &attachments {
        desk.files.put(&attachment.storage_key, bytes.clone()).await?;
    }
    let now = truncate_to_micros(Utc::now());
    let txn = begin_write(db).await.context("begin national-portal intake")?;
    // Re-checked under the write lock: two deliveries of one dossier must not both file it.
    if let Some(existing) = store::find_dossier_by_external_id(&txn, &external_id).await? {
        return Ok(Intake::Existing(Box::new(existing)));
    }
    let applicant_id = identity::find_or_create_applicant(&txn, identity_service, &portal.applicant)
        .await
        .map_err(DossierError::Applicant)?;
    let draft = NewDraft {
        procedure_code: portal.procedure_code,
        agency_code: portal.agency_code.clone(),
        applicant_id,
        channel: Channel::NationalPortal,
        form_data: portal.form_data,
        external_id: Some(external_id.clone()),
        vneid_authenticated: portal.vneid_authenticated,
    };
    if let Err(e) = store::insert_draft_with_id(&txn, id, draft, now).await {
        // PostgreSQL lets two deliveries pass the check above at once; the unique index decides.
        drop(txn);
        if let Some(existing) = store::find_dossier_by_external_id(db, &external_id).await? {
            return Ok(Intake::Existing(Box::new(existing)));
        }
        return Err(e);
    }
    for (attachment, _) in &attachments {
        attachment_store::insert_attachment(&txn, attachment).await?;
    }
    let by = Submitter { actor: Actor::NationalPortal, actor_id: client.id, note: None };
    let data = serde_json::json!({"channel": Channel::NationalPortal.as_str(), "external_id": external_id,
        "vneid_authenticated": portal.vneid_authenticated});
    let filed = submit_in(&txn, &id, &portal.agency_code, by, data, now).await?;
    let code = filed.code.clone().unwrap_or_default();
    let notice = serde_json::json!({"channel": Channel::NationalPortal.as_str()});
    crate::notify::service::notify_applicant(&txn, desk.public_url, &filed, Action::Submit, &notice)
        .await
        .context("queue the applicant's notice")?;
    txn.commit().await.context("commit national-portal intake")?;
    tracing::info!(dossier.id = %id, dossier.code = %code, external_id = %external_id, "dossier filed from the national portal");
    Ok(Intake::Created(Box::new(filed)))
}

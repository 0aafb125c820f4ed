//! Dossiers that arrive other than by a citizen's own online submission: a walk-in or postal
//! dossier registered by a desk clerk (channel `direct` / `postal`), received on the spot.
//!
//! # Implementation Notes
//! Registration is submission and reception in one transaction, both through the workflow
//! (two audit events, actor `clerk`). The paper documents are checked at the counter, so the
//! mandatory-attachment check of online submission does not apply.

use anyhow::Context;
use chrono::Utc;
use uuid::Uuid;

use super::domain::{day_key, dossier_code, new_lookup_secret, Channel};
use super::error::DossierError;
use super::service::{checked_procedure, Dossier};
use super::store::{self, NewDraft};
use crate::calendar::domain::business_offset;
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
    };
    store::insert_draft_with_id(&txn, id, draft, now).await?;
    let submit = Step {
        action: Action::Submit,
        actors: vec![Actor::Clerk],
        actor_id: Some(clerk.id),
        note: note.clone(),
        data: serde_json::json!({"channel": registration.channel.as_str()}),
        expected_version: None,
        effects: Default::default(),
        at: now,
    };
    workflow::apply(&txn, id, submit).await?;
    let day = now.with_timezone(&business_offset()).date_naive();
    let number = store::next_number(&txn, &agency_code, &day_key(day)).await?;
    let code = dossier_code(&agency_code, day, number);
    store::set_submission(&txn, id, &code, new_lookup_secret().as_str(), now).await?;
    let submitted = store::find_dossier(&txn, id).await?.ok_or(DossierError::NotFound(id))?;
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
    txn.commit().await.context("commit desk registration")?;
    tracing::info!(dossier.id = %id, dossier.code = %code, channel = registration.channel.as_str(), "dossier registered at the desk");
    Ok(received)
}

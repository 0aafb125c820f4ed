//! Dossier use cases: drafts, submission (code, lookup secret, idempotency), reading, history
//! and the public status lookup. State changes go through [`crate::workflow::service::apply`].

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use subtle::ConstantTimeEq;
use uuid::Uuid;

use super::domain::{day_key, dossier_code, new_lookup_secret, Channel};
use super::error::DossierError;
use super::lookup_cache::{LookupCache, LookupView};
pub use super::store::Dossier;
use super::store::{self, NewDraft, StoredResponse};
use crate::calendar::domain::business_offset;
use crate::catalog::procedure_domain::Procedure;
use crate::catalog::procedure_service;
use crate::db::begin_write;
use crate::error::FieldError;
use crate::http::pagination::Page;
use crate::identity::domain::PrincipalKind;
use crate::identity::service::Principal;
use crate::workflow::domain::{Action, Actor, DossierState};
use crate::workflow::service::{self as workflow, AuditEvent, Step};

/// Compiled form-schema validators by the schema's JSON text. Compiling costs far more than
/// validating, and a submission validates while it holds the write lock (on SQLite the only one),
/// so each schema is compiled once. Keyed by the text, not the procedure: an edited schema is a
/// new key and never meets a stale validator.
static FORM_VALIDATORS: LazyLock<Mutex<HashMap<String, Arc<jsonschema::Validator>>>> = LazyLock::new(Default::default);

/// More distinct schemas than a catalogue has procedures means churn: start over rather than grow.
const MAX_CACHED_FORM_VALIDATORS: usize = 4096;

fn form_validator(schema: &serde_json::Value) -> Result<Arc<jsonschema::Validator>, DossierError> {
    let text = schema.to_string();
    let cached = FORM_VALIDATORS.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(&text).cloned();
    if let Some(validator) = cached {
        return Ok(validator);
    }
    let validator =
        Arc::new(jsonschema::validator_for(schema).map_err(|e| anyhow::anyhow!("stored form schema is invalid: {e}"))?);
    let mut validators = FORM_VALIDATORS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if validators.len() >= MAX_CACHED_FORM_VALIDATORS {
        validators.clear();
    }
    validators.insert(text, Arc::clone(&validator));
    Ok(validator)
}

/// Checks `form_data` against the procedure's JSON Schema; each failure names its path under
/// `form_data`.
fn validate_form_data(schema: &serde_json::Value, form_data: &serde_json::Value) -> Result<(), DossierError> {
    let validator = form_validator(schema)?;
    let errors: Vec<FieldError> = validator
        .iter_errors(form_data)
        .take(50)
        .map(|e| {
            let pointer = e.instance_path().to_string();
            let field = if pointer.is_empty() { "form_data".to_owned() } else { format!("form_data{pointer}") };
            FieldError { field, message: e.to_string() }
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(DossierError::Invalid(errors))
    }
}

pub(super) async fn checked_procedure(
    db: &impl ConnectionTrait,
    procedure_code: &str,
    agency_code: &str,
    form_data: &serde_json::Value,
) -> Result<Procedure, DossierError> {
    let procedure = procedure_service::find_procedure(db, procedure_code)
        .await
        .map_err(|e| anyhow::anyhow!("find procedure: {e}"))?
        .ok_or_else(|| DossierError::UnknownProcedure(procedure_code.to_owned()))?;
    if !procedure.agencies.iter().any(|a| a == agency_code) {
        return Err(DossierError::AgencyNotPerforming {
            procedure: procedure_code.to_owned(),
            agency: agency_code.to_owned(),
        });
    }
    validate_form_data(&procedure.form_schema, form_data)?;
    Ok(procedure)
}

/// Opens a draft for the signed-in citizen.
///
/// # Errors
/// [`DossierError::UnknownProcedure`], [`DossierError::AgencyNotPerforming`],
/// [`DossierError::Invalid`].
pub async fn create_draft(
    db: &DatabaseConnection,
    citizen: &Principal,
    procedure_code: &str,
    agency_code: &str,
    form_data: serde_json::Value,
) -> Result<Dossier, DossierError> {
    checked_procedure(db, procedure_code, agency_code, &form_data).await?;
    let draft = NewDraft {
        procedure_code: procedure_code.to_owned(),
        agency_code: agency_code.to_owned(),
        applicant_id: citizen.id,
        channel: Channel::Online,
        form_data,
        external_id: None,
        vneid_authenticated: false,
    };
    store::insert_draft(db, draft, Utc::now()).await
}

/// Whether `caller` may see `dossier`: its applicant, or staff of its agency.
fn visible_to(dossier: &Dossier, caller: &Principal) -> bool {
    match caller.kind {
        PrincipalKind::Citizen => dossier.applicant_id == caller.id,
        // The lead agency, and the agency it is handed over to (liên thông).
        PrincipalKind::Staff => caller
            .agency_code
            .as_deref()
            .is_some_and(|own| own == dossier.agency_code || dossier.handling_agency_code.as_deref() == Some(own)),
        PrincipalKind::Client => false,
    }
}

impl Dossier {
    /// The agency whose staff act on the dossier now: the one it is handed over to, else the lead.
    pub fn acting_agency(&self) -> &str {
        self.handling_agency_code.as_deref().unwrap_or(&self.agency_code)
    }
}

/// One dossier the caller may see; any other answers not found, so existence does not leak.
///
/// # Errors
/// [`DossierError::NotFound`].
pub async fn find_visible(db: &impl ConnectionTrait, caller: &Principal, id: Uuid) -> Result<Dossier, DossierError> {
    store::find_dossier(db, id).await?.filter(|d| visible_to(d, caller)).ok_or(DossierError::NotFound(id))
}

/// One of the caller's own dossiers, as its applicant; any other answers not found (staff who
/// can see a dossier are still not its applicant).
///
/// # Errors
/// [`DossierError::NotFound`].
pub async fn find_own(db: &impl ConnectionTrait, citizen: &Principal, id: Uuid) -> Result<Dossier, DossierError> {
    let dossier = find_visible(db, citizen, id).await?;
    if dossier.applicant_id == citizen.id {
        Ok(dossier)
    } else {
        Err(DossierError::NotFound(id))
    }
}

/// The citizen's own dossiers, newest first.
///
/// # Errors
/// On storage failure.
pub async fn list_own(
    db: &DatabaseConnection,
    citizen: &Principal,
    state: Option<DossierState>,
    page: Page,
) -> Result<(Vec<Dossier>, u64), DossierError> {
    store::list_for_applicant(db, citizen.id, state, page).await
}

/// What a submission answered: freshly, or replayed for a repeated `Idempotency-Key`.
pub enum Submitted {
    /// Submitted now.
    Fresh(Box<Dossier>),
    /// The stored answer of an earlier request with the same key and body.
    Replayed { status: u16, body: String },
}

/// An `Idempotency-Key` with the hash of the request it came with.
pub struct IdempotencyKey {
    /// The client's key.
    pub key: String,
    /// SHA-256 of the request (method, path and body).
    pub request_hash: String,
}

/// Submits a draft: validates it again, moves it to `submitted` through the workflow, and gives
/// it its dossier code and lookup secret — in one transaction. With an `Idempotency-Key`, a
/// repeat of the same request gets the same answer and a different request with the same key
/// is refused.
///
/// # Errors
/// [`DossierError::NotFound`], [`DossierError::IdempotencyKeyReused`], form or procedure
/// failures, workflow failures (not a draft any more: 409).
pub async fn submit(
    db: &DatabaseConnection,
    citizen: &Principal,
    id: Uuid,
    idempotency: Option<IdempotencyKey>,
    render: impl Fn(&Dossier) -> anyhow::Result<String>,
    public_url: &str,
) -> Result<Submitted, DossierError> {
    match submit_once(db, citizen, id, idempotency.as_ref(), render, public_url).await {
        // Two requests with one key at once: on PostgreSQL both may pass the key check before
        // either commits; the loser fails on the dossier's state and answers with the winner's
        // stored response, as a sequential retry would.
        Err(e) => match &idempotency {
            Some(key) => match replay(db, citizen, key).await? {
                Some(replayed) => Ok(replayed),
                None => Err(e),
            },
            None => Err(e),
        },
        done => done,
    }
}

/// The stored answer for `key`, if its request was the same.
async fn replay(
    db: &impl ConnectionTrait,
    citizen: &Principal,
    key: &IdempotencyKey,
) -> Result<Option<Submitted>, DossierError> {
    match store::find_idempotent(db, citizen.id, &key.key).await? {
        Some(stored) if stored.request_hash != key.request_hash => Err(DossierError::IdempotencyKeyReused),
        Some(stored) => Ok(Some(Submitted::Replayed { status: stored.status, body: stored.body })),
        None => Ok(None),
    }
}

async fn submit_once(
    db: &DatabaseConnection,
    citizen: &Principal,
    id: Uuid,
    idempotency: Option<&IdempotencyKey>,
    render: impl Fn(&Dossier) -> anyhow::Result<String>,
    public_url: &str,
) -> Result<Submitted, DossierError> {
    let txn = begin_write(db).await.context("begin submit")?;
    if let Some(key) = idempotency {
        if let Some(replayed) = replay(&txn, citizen, key).await? {
            return Ok(replayed);
        }
    }
    let dossier = find_own(&txn, citizen, id).await?;
    let procedure = checked_procedure(&txn, &dossier.procedure_code, &dossier.agency_code, &dossier.form_data).await?;
    let missing = super::attachment_service::missing_mandatory_documents(&txn, id, &procedure).await?;
    if !missing.is_empty() {
        return Err(DossierError::MissingDocuments(missing));
    }
    // Before the running number, which the submission holds until it commits.
    let addressee = crate::notify::service::addressee(&txn, &dossier).await.context("find the notice's addressee")?;
    let now = workflow::truncate_to_micros(Utc::now());
    let by = Submitter { actor: Actor::Citizen, actor_id: citizen.id, note: None };
    let data = serde_json::json!({"channel": dossier.channel.as_str()});
    let submitted = submit_in(&txn, &dossier.id, &dossier.agency_code, by, data, now).await?;
    let code = submitted.code.clone().unwrap_or_default();
    if let Some(key) = idempotency {
        let response =
            StoredResponse { request_hash: key.request_hash.clone(), status: 200, body: render(&submitted)? };
        store::save_idempotent(&txn, citizen.id, &key.key, &response, now).await?;
    }
    let data = serde_json::json!({"channel": submitted.channel.as_str()});
    crate::notify::service::notify_addressee(&txn, public_url, addressee, &submitted, Action::Submit, &data)
        .await
        .context("queue the applicant's notice")?;
    txn.commit().await.context("commit submit")?;
    tracing::info!(dossier.id = %id, dossier.code = %code, "dossier submitted");
    Ok(Submitted::Fresh(Box::new(submitted)))
}

/// Who submits a draft: the citizen online, a clerk at the desk, the national portal.
pub(super) struct Submitter {
    pub actor: Actor,
    pub actor_id: Uuid,
    pub note: Option<String>,
}

/// Submits a draft through the workflow and gives it its dossier code (`<agency>-YYMMDD-NNNN`,
/// the running number of the agency's business day) and lookup secret, inside `txn`; returns the
/// submitted dossier.
///
/// # Errors
/// The workflow's failures; storage failures.
pub(super) async fn submit_in(
    txn: &impl ConnectionTrait,
    id: &Uuid,
    agency_code: &str,
    by: Submitter,
    data: serde_json::Value,
    now: chrono::DateTime<Utc>,
) -> Result<Dossier, DossierError> {
    let step = Step {
        action: Action::Submit,
        actors: vec![by.actor],
        actor_id: Some(by.actor_id),
        note: by.note,
        data,
        expected_version: None,
        effects: Default::default(),
        at: now,
    };
    workflow::apply(txn, *id, step).await?;
    let day = now.with_timezone(&business_offset()).date_naive();
    let number = store::next_number(txn, agency_code, &day_key(day)).await?;
    let code = dossier_code(agency_code, day, number);
    store::set_submission(txn, *id, &code, new_lookup_secret().as_str(), now).await?.ok_or(DossierError::NotFound(*id))
}

/// The audit events of a dossier the caller may see.
///
/// # Errors
/// [`DossierError::NotFound`].
pub async fn history(
    db: &DatabaseConnection,
    caller: &Principal,
    id: Uuid,
) -> Result<(Dossier, Vec<AuditEvent>), DossierError> {
    let dossier = find_visible(db, caller, id).await?;
    Ok((dossier, workflow::history(db, id).await?))
}

/// The public status lookup by code and secret, through the lookup cache. An unknown code and a
/// wrong secret answer the same, so the lookup reveals nothing without the secret printed on the
/// receipt.
///
/// # Errors
/// [`DossierError::LookupNotFound`].
pub async fn lookup(
    db: &DatabaseConnection,
    cache: &LookupCache,
    code: &str,
    secret: &str,
) -> Result<Arc<LookupView>, DossierError> {
    let code = code.trim();
    let view = match cache.get(code) {
        Some(view) => view,
        None => {
            let ticket = cache.ticket();
            let view = Arc::new(store::find_lookup(db, code).await?.ok_or(DossierError::LookupNotFound)?);
            cache.put(ticket, Arc::clone(&view));
            view
        }
    };
    let presented = secret.trim().to_ascii_uppercase();
    if bool::from(view.lookup_secret.as_bytes().ct_eq(presented.as_bytes())) {
        Ok(view)
    } else {
        Err(DossierError::LookupNotFound)
    }
}

/// Public lookups allowed per client address per minute, unless `MOTCUA_LOOKUPS_PER_MINUTE`
/// says otherwise.
pub const LOOKUPS_PER_MINUTE: u32 = 30;

/// A fixed-window limit of public lookups per client address, so codes cannot be enumerated.
///
/// # Implementation Notes
/// Per process: with several replicas behind a balancer the effective limit is multiplied by
/// their number, which still bounds guessing of the 32⁶ secrets to a hopeless rate.
pub struct LookupLimiter {
    per_minute: u32,
    windows: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl LookupLimiter {
    /// A limiter allowing `per_minute` lookups per address per minute.
    pub fn new(per_minute: u32) -> Self {
        Self { per_minute, windows: Mutex::default() }
    }

    /// Counts one lookup from `address`.
    ///
    /// # Errors
    /// [`DossierError::LookupThrottled`] beyond the limit.
    pub fn check(&self, address: IpAddr) -> Result<(), DossierError> {
        let window = Duration::from_secs(60);
        let now = Instant::now();
        let mut windows = self.windows.lock().map_err(|_| anyhow::anyhow!("lookup limiter poisoned"))?;
        if windows.len() > 100_000 {
            windows.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = windows.entry(address).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        if entry.1 > self.per_minute {
            let retry_after_secs = window.saturating_sub(now.duration_since(entry.0)).as_secs().max(1);
            return Err(DossierError::LookupThrottled { retry_after_secs });
        }
        Ok(())
    }
}

/// Reloads a dossier (after a change, inside the same transaction).
///
/// # Errors
/// [`DossierError::NotFound`].
pub async fn reload(db: &impl ConnectionTrait, id: Uuid) -> Result<Dossier, DossierError> {
    store::find_dossier(db, id).await?.ok_or(DossierError::NotFound(id))
}

/// The dossiers `agency_code` received in `[from, to)`, oldest first, at most `limit`: the rows
/// of the tracking book (Sổ theo dõi hồ sơ). The caller checks that the reader is staff of it.
///
/// # Errors
/// On storage failure.
pub async fn received_between(
    db: &impl ConnectionTrait,
    agency_code: &str,
    from: chrono::DateTime<Utc>,
    to: chrono::DateTime<Utc>,
    limit: u64,
) -> Result<Vec<Dossier>, DossierError> {
    store::list_received_between(db, agency_code, from, to, limit).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_schema_is_compiled_once_and_an_edited_schema_validates_by_its_new_rules() {
        let schema = serde_json::json!({"type": "object", "properties": {"ho_ten": {"type": "string", "minLength": 3}},
            "required": ["ho_ten"], "title": "cache test one"});
        assert!(Arc::ptr_eq(&form_validator(&schema).unwrap(), &form_validator(&schema).unwrap()));
        assert!(validate_form_data(&schema, &serde_json::json!({"ho_ten": "Lê Văn"})).is_ok());

        let mut edited = schema.clone();
        edited["properties"]["ho_ten"]["minLength"] = serde_json::json!(10);
        assert!(!Arc::ptr_eq(&form_validator(&schema).unwrap(), &form_validator(&edited).unwrap()));
        match validate_form_data(&edited, &serde_json::json!({"ho_ten": "Lê Văn"})) {
            Err(DossierError::Invalid(errors)) => assert_eq!(errors[0].field, "form_data/ho_ten"),
            other => panic!("expected the edited rule to refuse, got {other:?}"),
        }
    }

    #[test]
    fn the_lookup_limiter_allows_its_configured_number_per_address_then_refuses() {
        let limiter = LookupLimiter::new(3);
        let (one, other): (IpAddr, IpAddr) = ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
        for _ in 0..3 {
            assert!(limiter.check(one).is_ok());
        }
        assert!(
            matches!(limiter.check(one), Err(DossierError::LookupThrottled { retry_after_secs }) if retry_after_secs >= 1)
        );
        assert!(limiter.check(other).is_ok(), "the limit is per address");
    }
}

//! [`apply`]: the one place a dossier's state changes. It checks the caller against the
//! transition table and the dossier's version, moves the state, and appends an audit event whose
//! hash covers the previous event of that dossier — all inside the caller's transaction.

use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::ConnectionTrait;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::domain::{pauses_clock, Action, Actor, DossierState, TransitionTable};
use super::error::WorkflowError;
use super::store;

/// Hash that the first event of a dossier chains from.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One requested step.
pub struct Step {
    /// What is done.
    pub action: Action,
    /// The capacities the caller holds; the first one the table allows for this action is used
    /// (a staff member may be clerk and leader at once).
    pub actors: Vec<Actor>,
    /// Who (account id); `None` for a payment provider or the system.
    pub actor_id: Option<Uuid>,
    /// Free text for the history.
    pub note: Option<String>,
    /// The action's data (reason, items, fees…), kept in the audit event.
    pub data: serde_json::Value,
    /// The version the caller saw (`If-Match`); `None` when the caller holds no version.
    pub expected_version: Option<i32>,
    /// The recorded facts the step changes, written in the same UPDATE as the state.
    pub effects: Effects,
    /// When it happens (stored with micro-second precision).
    pub at: DateTime<Utc>,
}

/// Changes to a dossier's recorded facts that come with a step; `None` leaves a column as it is.
/// The time stamps every finishing step needs (`finished_at`, `resolved_at`, `returned_at`) and
/// the clock's pause are derived by [`clock_effects`], the rest by the action.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Effects {
    pub received_at: Option<DateTime<Utc>>,
    pub due_at: Option<Option<DateTime<Utc>>>,
    pub statutory_due_at: Option<Option<DateTime<Utc>>>,
    pub assignee_id: Option<Option<Uuid>>,
    pub handling_agency_code: Option<Option<String>>,
    pub paused_at: Option<Option<DateTime<Utc>>>,
    pub supplement_requests: Option<i32>,
    pub supplement_seconds: Option<i64>,
    pub apologies: Option<i32>,
    pub finished_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub returned_at: Option<DateTime<Utc>>,
    pub decision: Option<String>,
    pub fee_total: Option<i64>,
    pub payment_method: Option<String>,
    pub paid_at: Option<DateTime<Utc>>,
    pub return_method: Option<String>,
    pub rating: Option<String>,
    pub rating_comment: Option<Option<String>>,
    pub rated_at: Option<DateTime<Utc>>,
}

/// What a dossier's clock needs to know to derive [`clock_effects`].
#[derive(Debug, Clone, Copy)]
pub struct ClockState {
    pub due_at: Option<DateTime<Utc>>,
    pub statutory_due_at: Option<DateTime<Utc>>,
    pub paused_at: Option<DateTime<Utc>>,
    pub supplement_seconds: i64,
    pub finished_at: Option<DateTime<Utc>>,
}

/// The effects every transition from `from` to `to` at `now` has, whatever the action: entering
/// a wait stops the clock; leaving it moves the appointment by the office time the wait took
/// (`shift(due, pause_start, pause_end)`, DOMAIN.md §1.4: pause, never reset) and counts the
/// citizen's supplement time; finishing records `NgayKetThucXuLy`; resolving and returning stamp
/// their times.
///
/// # Errors
/// Whatever `shift` fails with.
pub fn clock_effects<E>(
    from: DossierState,
    to: DossierState,
    clock: ClockState,
    now: DateTime<Utc>,
    shift: impl Fn(DateTime<Utc>, DateTime<Utc>, DateTime<Utc>) -> Result<DateTime<Utc>, E>,
) -> Result<Effects, E> {
    let mut effects = Effects::default();
    if from == to {
        return Ok(effects);
    }
    if pauses_clock(to) && !pauses_clock(from) {
        effects.paused_at = Some(Some(now));
    }
    if pauses_clock(from) && !pauses_clock(to) {
        effects.paused_at = Some(None);
        if let Some(start) = clock.paused_at {
            if let Some(due) = clock.due_at {
                effects.due_at = Some(Some(shift(due, start, now)?));
            }
            if let Some(due) = clock.statutory_due_at {
                effects.statutory_due_at = Some(Some(shift(due, start, now)?));
            }
            if from == DossierState::AwaitingSupplement && to != DossierState::Withdrawn && to != DossierState::Stopped
            {
                let waited = (now - start).num_seconds().max(0);
                effects.supplement_seconds = Some(clock.supplement_seconds + waited);
            }
        }
    }
    let finishes =
        matches!(to, DossierState::Resolved | DossierState::Refused | DossierState::Stopped | DossierState::Withdrawn);
    if finishes && clock.finished_at.is_none() {
        effects.finished_at = Some(now);
    }
    if to == DossierState::Resolved {
        effects.resolved_at = Some(now);
    }
    if to == DossierState::Returned {
        effects.returned_at = Some(now);
    }
    Ok(effects)
}

/// Lays `later` over `base`: every column `later` sets wins.
pub fn merge_effects(base: Effects, later: Effects) -> Effects {
    Effects {
        received_at: later.received_at.or(base.received_at),
        due_at: later.due_at.or(base.due_at),
        statutory_due_at: later.statutory_due_at.or(base.statutory_due_at),
        assignee_id: later.assignee_id.or(base.assignee_id),
        handling_agency_code: later.handling_agency_code.or(base.handling_agency_code),
        paused_at: later.paused_at.or(base.paused_at),
        supplement_requests: later.supplement_requests.or(base.supplement_requests),
        supplement_seconds: later.supplement_seconds.or(base.supplement_seconds),
        apologies: later.apologies.or(base.apologies),
        finished_at: later.finished_at.or(base.finished_at),
        resolved_at: later.resolved_at.or(base.resolved_at),
        returned_at: later.returned_at.or(base.returned_at),
        decision: later.decision.or(base.decision),
        fee_total: later.fee_total.or(base.fee_total),
        payment_method: later.payment_method.or(base.payment_method),
        paid_at: later.paid_at.or(base.paid_at),
        return_method: later.return_method.or(base.return_method),
        rating: later.rating.or(base.rating),
        rating_comment: later.rating_comment.or(base.rating_comment),
        rated_at: later.rated_at.or(base.rated_at),
    }
}

/// An appended audit event.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub seq: i32,
    pub action: String,
    pub actor_id: Option<Uuid>,
    pub actor_role: String,
    pub from_state: String,
    pub to_state: String,
    pub note: Option<String>,
    pub data: String,
    pub at: DateTime<Utc>,
    pub prev_hash: String,
    pub hash: String,
}

/// The result of a step.
#[derive(Debug, Clone)]
pub struct Transitioned {
    /// State before.
    pub from: DossierState,
    /// State after.
    pub to: DossierState,
    /// The dossier's new version.
    pub version: i32,
    /// The audit event appended.
    pub event: AuditEvent,
}

/// The hash of one event: SHA-256 over the previous hash and every recorded field, in a fixed
/// order, so changing any stored field or removing an event breaks the chain.
pub fn event_hash(dossier_id: Uuid, e: &AuditEvent) -> String {
    let actor = e.actor_id.map(|a| a.to_string()).unwrap_or_default();
    let material = format!(
        "{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}",
        e.prev_hash,
        dossier_id,
        e.seq,
        e.action,
        actor,
        e.actor_role,
        e.from_state,
        e.to_state,
        e.note.as_deref().unwrap_or_default(),
        e.data,
        e.at.to_rfc3339_opts(SecondsFormat::Micros, true),
    );
    hex::encode(Sha256::digest(material.as_bytes()))
}

/// `t` as both backends store it, so a hash over it recomputes identically after a round trip.
pub fn truncate_to_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

/// Decides where `step` leads from `from` for the first of the caller's capacities the table
/// allows. "Not in this state" outranks "not for you": the state is what the caller must fix.
///
/// # Errors
/// [`WorkflowError::Transition`].
pub fn decide(
    from: DossierState,
    action: Action,
    actors: &[Actor],
    resume_to: Option<DossierState>,
) -> Result<(DossierState, Actor), WorkflowError> {
    let table = TransitionTable::default();
    let mut decision = None;
    for actor in actors {
        match table.decide(from, action, *actor, resume_to) {
            Ok(to) => return Ok((to, *actor)),
            Err(e @ super::domain::TransitionError::NotAllowedInState { .. }) => decision = Some(e),
            Err(e) => {
                if decision.is_none() {
                    decision = Some(e);
                }
            }
        }
    }
    match decision {
        Some(e) => Err(e.into()),
        // No capacity at all (a citizen acting on someone else's dossier never gets this far).
        None => Err(super::domain::TransitionError::NotAllowedInState { action, state: from }.into()),
    }
}

/// Applies one step to a dossier inside `txn`.
///
/// # Errors
/// [`WorkflowError::DossierNotFound`], [`WorkflowError::VersionMismatch`] (stale `If-Match`, or a
/// concurrent change won), [`WorkflowError::Transition`] (not allowed in this state: 409; not for
/// this actor: 403).
pub async fn apply(txn: &impl ConnectionTrait, dossier_id: Uuid, step: Step) -> Result<Transitioned, WorkflowError> {
    let dossier = store::find_dossier_row(txn, dossier_id).await?.ok_or(WorkflowError::DossierNotFound(dossier_id))?;
    let version = dossier.version;
    if let Some(expected) = step.expected_version {
        if expected != version {
            return Err(WorkflowError::VersionMismatch { expected, actual: version });
        }
    }
    let from = DossierState::parse(&dossier.state)
        .ok_or_else(|| anyhow::anyhow!("dossier {dossier_id} has unknown state {}", dossier.state))?;
    let resume_to = dossier.resume_state.as_deref().and_then(DossierState::parse);
    let (to, actor) = decide(from, step.action, &step.actors, resume_to)?;
    // Entering a wait remembers where to come back to; leaving it forgets.
    let resume_state = match to {
        DossierState::AwaitingSupplement | DossierState::AwaitingPayment if to != from => {
            Some(from.as_str().to_owned())
        }
        _ if to == from => dossier.resume_state.clone(),
        _ => None,
    };
    // Micro-second precision: what both backends store, so the hash recomputes identically.
    let now = truncate_to_micros(step.at);
    // A transition never attaches or removes files: one count serves the facts before and after.
    let attachments = crate::metrics::store::has_attachments(txn, dossier_id).await?;
    let before = crate::metrics::store::facts_of(dossier, attachments)?;
    let Some(written) =
        store::update_state(txn, dossier_id, version, to.as_str(), resume_state.as_deref(), now, &step.effects).await?
    else {
        let actual = store::find_dossier_row(txn, dossier_id).await?.map_or(version, |d| d.version);
        return Err(WorkflowError::VersionMismatch { expected: version, actual });
    };
    // The throughput records move with the state, in this transaction (DESIGN.md §8).
    let after = crate::metrics::store::facts_of(written, attachments)?;
    crate::metrics::records::record_transition(txn, &before, &after, step.action, now).await?;
    let last = store::last_event(txn, dossier_id).await?;
    let mut event = AuditEvent {
        seq: last.as_ref().map_or(1, |e| e.seq + 1),
        action: step.action.as_str().to_owned(),
        actor_id: step.actor_id,
        actor_role: actor.as_str().to_owned(),
        from_state: from.as_str().to_owned(),
        to_state: to.as_str().to_owned(),
        note: step.note,
        data: serde_json::to_string(&step.data).map_err(|e| anyhow::anyhow!("serialise event data: {e}"))?,
        at: now,
        prev_hash: last.map_or_else(|| GENESIS_HASH.to_owned(), |e| e.hash),
        hash: String::new(),
    };
    event.hash = event_hash(dossier_id, &event);
    store::insert_event(
        txn,
        entity::dossier_events::Model {
            id: Uuid::now_v7(),
            dossier_id,
            seq: event.seq,
            action: event.action.clone(),
            actor_id: event.actor_id,
            actor_role: event.actor_role.clone(),
            from_state: event.from_state.clone(),
            to_state: event.to_state.clone(),
            note: event.note.clone(),
            data: event.data.clone(),
            at: event.at.fixed_offset(),
            prev_hash: event.prev_hash.clone(),
            hash: event.hash.clone(),
        },
    )
    .await?;
    // Outbound sync (and webhooks) follow the change in this transaction.
    crate::integration::sync::on_transition(txn, dossier_id, from, to, event.seq, now).await?;
    Ok(Transitioned { from, to, version: version + 1, event })
}

/// A dossier's audit events, oldest first.
///
/// # Errors
/// On storage failure.
pub async fn history(db: &impl ConnectionTrait, dossier_id: Uuid) -> Result<Vec<AuditEvent>, WorkflowError> {
    Ok(store::events(db, dossier_id)
        .await?
        .into_iter()
        .map(|e| AuditEvent {
            seq: e.seq,
            action: e.action,
            actor_id: e.actor_id,
            actor_role: e.actor_role,
            from_state: e.from_state,
            to_state: e.to_state,
            note: e.note,
            data: e.data,
            at: e.at.with_timezone(&Utc),
            prev_hash: e.prev_hash,
            hash: e.hash,
        })
        .collect())
}

/// Recomputes a dossier's chain; returns the sequence number of the first broken event, if any.
///
/// # Errors
/// On storage failure.
pub async fn verify_chain(db: &impl ConnectionTrait, dossier_id: Uuid) -> Result<Option<i32>, WorkflowError> {
    let mut previous = GENESIS_HASH.to_owned();
    for (i, event) in history(db, dossier_id).await?.into_iter().enumerate() {
        let expected_seq = i32::try_from(i + 1).unwrap_or(i32::MAX);
        if event.seq != expected_seq || event.prev_hash != previous || event_hash(dossier_id, &event) != event.hash {
            return Ok(Some(event.seq));
        }
        previous = event.hash;
    }
    Ok(None)
}

/// The result of checking every audit chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// Dossiers whose chains were checked.
    pub checked: usize,
    /// Each broken chain: the dossier and the first event that does not verify.
    pub broken: Vec<(Uuid, i32)>,
}

/// Recomputes every dossier's audit chain.
///
/// # Errors
/// On storage failure.
pub async fn verify_all_chains(db: &impl ConnectionTrait) -> Result<ChainReport, WorkflowError> {
    let dossiers = store::dossiers_with_events(db).await?;
    let mut broken = Vec::new();
    for id in &dossiers {
        if let Some(seq) = verify_chain(db, *id).await? {
            broken.push((*id, seq));
        }
    }
    Ok(ChainReport { checked: dossiers.len(), broken })
}

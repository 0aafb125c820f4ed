//! Throughput records (DESIGN.md §8): per-day counters of what dossiers did, keyed by (day,
//! agency, procedure, channel, shard), that the 766 indicators are sums over. The rules are one
//! pure function, [`deltas`], applied to the facts a dossier had before and after each
//! transition; the workflow calls [`record_transition`] inside the transition's transaction, and
//! [`recount`] replays the audit events through the same rules to rebuild everything.

use std::collections::BTreeMap;

use anyhow::Context;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use uuid::Uuid;

use super::store;
use crate::calendar::domain::business_offset;
use crate::workflow::domain::{Action, DossierState};

/// Counter rows per (day, agency, procedure, channel): concurrent transitions rarely meet on one.
pub const SHARDS: u8 = 16;

macro_rules! counters {
    ($($(#[$doc:meta])* $name:ident,)*) => {
        /// The counters of one record, or what one transition adds to them.
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
        pub struct Counters {
            $($(#[$doc])* pub $name: i64,)*
        }

        impl Counters {
            /// Column names, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$(stringify!($name),)*];

            /// The values, in [`Self::NAMES`] order.
            pub fn values(&self) -> Vec<i64> {
                vec![$(self.$name,)*]
            }

            /// The counters from values in [`Self::NAMES`] order (missing ones are 0).
            pub fn from_values(values: &[i64]) -> Self {
                let mut values = values.iter().copied();
                Self { $($name: values.next().unwrap_or_default(),)* }
            }

            /// Adds `other` to `self`.
            pub fn add(&mut self, other: &Self) {
                $(self.$name += other.$name;)*
            }

            /// The counter named `name` (one of [`Self::NAMES`]), `None` for another name.
            pub fn get(&self, name: &str) -> Option<i64> {
                match name {
                    $(stringify!($name) => Some(self.$name),)*
                    _ => None,
                }
            }

            /// Sets the counter named `name`; `false` (and nothing set) for a name not in
            /// [`Self::NAMES`].
            pub fn set(&mut self, name: &str, value: i64) -> bool {
                match name {
                    $(stringify!($name) => self.$name = value,)*
                    _ => return false,
                }
                true
            }
        }
    };
}

counters! {
    /// Accepted at the desk (NgayTiepNhan).
    received,
    /// Of those, submitted online or through the national portal (766 §3.3).
    received_online,
    /// Reached their finish (NgayKetThucXuLy): resolved, refused, stopped or withdrawn.
    finished,
    /// Finished on time: `finished_at ≤ statutory_due_at`, at most one supplement request (766 §2.1).
    finished_on_time,
    /// Finished late, or after more than one supplement request (766 §2.1).
    finished_late,
    /// Result issued (approval or reasoned denial).
    resolved,
    /// Result delivered.
    returned,
    /// Result delivered electronically (766 §4.1).
    returned_electronic,
    /// Processed fully online: online channel, fee (if any) paid online, result returned online.
    fully_online,
    /// Dossiers charged a fee for the first time (766 §3.6 denominator).
    charged,
    /// Dossiers whose first fee payment was online (766 §3.6).
    paid_online,
    /// Dossiers whose first fee payment was in cash.
    paid_cash,
    /// Supplement requests (Mẫu 02).
    supplement_requests,
    /// Apologies (Mẫu 04).
    apologies,
    /// Ratings "satisfied" (766 §5.4).
    rated_satisfied,
    /// Ratings "neutral".
    rated_neutral,
    /// Ratings "unsatisfied".
    rated_unsatisfied,
    /// Withdrawn by the applicant.
    withdrawn,
    /// Refused (Mẫu 03).
    refused,
    /// Stopped (Thông báo dừng giải quyết).
    stopped,
    /// Results delivered for dossiers with files attached to their components (766 §4.2).
    returned_digitised,
    /// Of those, delivered electronically (766 §4.2 where the result is a document).
    returned_digitised_electronic,
    /// Dossiers the national portal accepted after their reception, counted on the day of their
    /// reception (766 §1.4: synchronised dossiers whose NgayTiepNhan is in the period). Kept by
    /// the sync job's success ([`record_national_sync`]), not by a transition.
    synced,
}

impl Counters {
    /// Whether every counter is zero (nothing to write).
    pub fn is_zero(&self) -> bool {
        self.values().iter().all(|v| *v == 0)
    }
}

/// The recorded facts of a dossier the rules read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub id: Uuid,
    pub agency_code: String,
    pub procedure_code: String,
    /// `online`, `national_portal`, `direct` or `postal`.
    pub channel: String,
    pub state: DossierState,
    /// When the desk accepted it (NgayTiepNhan).
    pub received_at: Option<DateTime<Utc>>,
    /// The appointment at reception, moved only by clock pauses: the base of the on-time judgement.
    pub statutory_due_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Since when its clock stands still (awaiting a supplement or a payment).
    pub paused_at: Option<DateTime<Utc>>,
    pub supplement_requests: i32,
    pub fee_total: i64,
    /// `online` or `cash`: how the last fee was paid.
    pub payment_method: Option<String>,
    pub paid_at: Option<DateTime<Utc>>,
    /// `online`, `desk` or `post`.
    pub return_method: Option<String>,
    /// `satisfied`, `neutral` or `unsatisfied`.
    pub rating: Option<String>,
    /// Files are attached to its components (digitised, 766 §4.2).
    pub attachments: bool,
}

impl Facts {
    /// The facts of a dossier nothing has happened to yet.
    pub fn initial(id: Uuid, agency_code: String, procedure_code: String, channel: String) -> Self {
        Self {
            id,
            agency_code,
            procedure_code,
            channel,
            state: DossierState::Draft,
            received_at: None,
            statutory_due_at: None,
            finished_at: None,
            paused_at: None,
            supplement_requests: 0,
            fee_total: 0,
            payment_method: None,
            paid_at: None,
            return_method: None,
            rating: None,
            attachments: false,
        }
    }

    fn online_channel(&self) -> bool {
        matches!(self.channel.as_str(), "online" | "national_portal")
    }
}

/// The key of one record row.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RecordKey {
    /// Business date (Asia/Ho_Chi_Minh), `YYYY-MM-DD`.
    pub day: String,
    pub agency_code: String,
    pub procedure_code: String,
    pub channel: String,
    /// 0–15, from the dossier id.
    pub shard: i16,
}

impl RecordKey {
    /// The row a transition of `dossier` at `at` counts in.
    pub fn of(dossier: &Facts, at: DateTime<Utc>) -> Self {
        Self {
            day: at.with_timezone(&business_offset()).format("%Y-%m-%d").to_string(),
            agency_code: dossier.agency_code.clone(),
            procedure_code: dossier.procedure_code.clone(),
            channel: dossier.channel.clone(),
            shard: shard_of(dossier.id),
        }
    }
}

/// The shard of a dossier: its id's last byte (random in a UUID v7) modulo [`SHARDS`].
pub fn shard_of(id: Uuid) -> i16 {
    i16::from(id.as_bytes()[15] % SHARDS)
}

fn one(b: bool) -> i64 {
    i64::from(b)
}

/// What one transition (`action`, taking the dossier from `before` to `after`) adds to the
/// records.
///
/// # Implementation Notes
/// * On time (766 §2.1): `finished_at ≤ statutory_due_at`; an apology moves only the current
///   appointment, so it never makes a late dossier on time. More than one supplement request
///   makes it late. A dossier without an appointment (no fixed processing time, or refused or
///   withdrawn before reception) is finished but neither on time nor late.
/// * A draft withdrawn before submission is not a finished dossier.
/// * Payment counts a dossier once, by how its first payment was made; "fully online" reads the
///   method of the last one.
pub fn deltas(before: &Facts, after: &Facts, action: Action) -> Counters {
    let mut c = Counters::default();
    // A draft is not yet known to any desk: submitting or abandoning it counts nothing.
    if before.state == DossierState::Draft {
        return c;
    }
    let moved = before.state != after.state;
    if action == Action::Receive && moved {
        c.received = 1;
        c.received_online = one(after.online_channel());
    }
    if before.finished_at.is_none() {
        if let Some(done) = after.finished_at {
            c.finished = 1;
            if let Some(due) = after.statutory_due_at {
                let late = after.supplement_requests > 1 || done > due;
                c.finished_on_time = one(!late);
                c.finished_late = one(late);
            }
        }
    }
    if moved {
        match after.state {
            DossierState::Resolved => c.resolved = 1,
            DossierState::Refused => c.refused = 1,
            DossierState::Stopped => c.stopped = 1,
            DossierState::Withdrawn => c.withdrawn = 1,
            DossierState::Returned => {
                let electronic = after.return_method.as_deref() == Some("online");
                let paid_online = after.fee_total == 0 || after.payment_method.as_deref() == Some("online");
                c.returned = 1;
                c.returned_electronic = one(electronic);
                c.fully_online = one(after.online_channel() && electronic && paid_online);
                c.returned_digitised = one(after.attachments);
                c.returned_digitised_electronic = one(after.attachments && electronic);
            }
            _ => {}
        }
    }
    if before.fee_total == 0 && after.fee_total > 0 {
        c.charged = 1;
    }
    if before.paid_at.is_none() && after.paid_at.is_some() {
        c.paid_online = one(after.payment_method.as_deref() == Some("online"));
        c.paid_cash = one(after.payment_method.as_deref() == Some("cash"));
    }
    c.supplement_requests = one(action == Action::RequestSupplement && moved);
    c.apologies = one(action == Action::Apologize);
    if before.rating.is_none() {
        match after.rating.as_deref() {
            Some("satisfied") => c.rated_satisfied = 1,
            Some("neutral") => c.rated_neutral = 1,
            Some("unsatisfied") => c.rated_unsatisfied = 1,
            _ => {}
        }
    }
    c
}

/// Adds what one transition of a dossier did to its record, and moves it in the snapshot of open
/// dossiers ([`super::open`]), in the transition's transaction.
///
/// # Errors
/// On storage failure.
pub async fn record_transition(
    txn: &impl ConnectionTrait,
    before: &Facts,
    after: &Facts,
    action: Action,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    let counters = deltas(before, after, action);
    if !counters.is_zero() {
        store::add_to_record(txn, &RecordKey::of(after, at), &counters).await?;
    }
    super::open::record_moves(txn, before, after).await
}

/// Counts a dossier the national portal has just accepted for the first time since its reception
/// (766 §1.4), on the business day of that reception, in the sync's transaction. A dossier never
/// received (refused at the desk) is not counted: it is in no period's denominator either.
///
/// # Errors
/// An unknown dossier, or a storage failure.
pub async fn record_national_sync(txn: &impl ConnectionTrait, dossier_id: Uuid) -> anyhow::Result<()> {
    let facts = store::find_facts(txn, dossier_id).await?;
    let Some(received_at) = facts.received_at else {
        return Ok(());
    };
    store::add_to_record(txn, &RecordKey::of(&facts, received_at), &Counters { synced: 1, ..Counters::default() }).await
}

/// One audit event, as replayed by [`recount`].
#[derive(Debug, Clone)]
pub struct ReplayedEvent {
    pub action: String,
    pub to_state: String,
    pub data: serde_json::Value,
    pub at: DateTime<Utc>,
}

/// The facts after `event`, rebuilt from the facts before it. `last` is the dossier as it is
/// now: its appointment is taken from it, since only pauses move it and none come after the
/// finish, which is the only moment the rules read it.
///
/// # Errors
/// An event with an unknown action or state.
pub fn replay_event(before: &Facts, event: &ReplayedEvent, last: &Facts) -> anyhow::Result<(Action, Facts)> {
    let action = Action::parse(&event.action).with_context(|| format!("unknown action {}", event.action))?;
    let to = DossierState::parse(&event.to_state).with_context(|| format!("unknown state {}", event.to_state))?;
    let text = |key: &str| event.data.get(key).and_then(serde_json::Value::as_str).map(str::to_owned);
    let mut after = before.clone();
    after.state = to;
    match action {
        Action::Receive => {
            after.statutory_due_at = last.statutory_due_at;
            after.received_at = Some(event.at);
        }
        Action::RequestSupplement => after.supplement_requests += 1,
        Action::RequestPayment => {
            let amount = |data: Option<&serde_json::Value>| {
                data.and_then(|d| d.get("amount")).and_then(serde_json::Value::as_i64).unwrap_or_default()
            };
            // A repeated request replaces the unpaid one before it (see `workflow::actions`).
            after.fee_total += amount(Some(&event.data)) - amount(event.data.get("replaces"));
        }
        Action::ConfirmPayment => {
            after.payment_method = text("method");
            after.paid_at = Some(event.at);
        }
        Action::ReturnResult => after.return_method = text("method"),
        Action::Rate => after.rating = text("score"),
        _ => {}
    }
    let finishes =
        matches!(to, DossierState::Resolved | DossierState::Refused | DossierState::Stopped | DossierState::Withdrawn);
    if finishes && before.finished_at.is_none() {
        after.finished_at = Some(event.at);
    }
    Ok((action, after))
}

/// Every record one dossier's history adds up to.
///
/// # Errors
/// An event with an unknown action or state.
pub fn replay(last: &Facts, events: &[ReplayedEvent]) -> anyhow::Result<BTreeMap<RecordKey, Counters>> {
    let mut records: BTreeMap<RecordKey, Counters> = BTreeMap::new();
    let mut facts =
        Facts::initial(last.id, last.agency_code.clone(), last.procedure_code.clone(), last.channel.clone());
    // Files are attached before reception or during a supplement, never after the return, the
    // only moment the rules read them.
    facts.attachments = last.attachments;
    for event in events {
        let (action, after) = replay_event(&facts, event, last)?;
        let counters = deltas(&facts, &after, action);
        if !counters.is_zero() {
            records.entry(RecordKey::of(&after, event.at)).or_default().add(&counters);
        }
        facts = after;
    }
    Ok(records)
}

/// What a recount did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecountReport {
    /// Dossiers whose events were replayed.
    pub dossiers: usize,
    /// Record rows written.
    pub records: usize,
    /// Rows of the open-dossier snapshot written.
    pub open_records: usize,
}

/// Rebuilds every record from the dossiers and their audit events, in one transaction: deletes
/// the records, replays each dossier's events through [`deltas`], writes the sums; and the
/// snapshot of open dossiers from the dossiers as they are ([`super::open::rebuild`]).
///
/// # Errors
/// On storage failure or an unreadable event.
pub async fn recount(db: &DatabaseConnection) -> anyhow::Result<RecountReport> {
    let txn = crate::db::begin_write(db).await.context("begin recount")?;
    let (ids, records) = replay_all(&txn).await?;
    store::delete_records(&txn).await?;
    for (key, counters) in &records {
        store::add_to_record(&txn, key, counters).await?;
    }
    let open_records = super::open::rebuild(&txn).await?;
    txn.commit().await.context("commit recount")?;
    compact(db).await?;
    Ok(RecountReport { dossiers: ids.len(), records: records.len(), open_records })
}

/// What every dossier's audit events add up to: the dossiers replayed, and the records.
async fn replay_all(db: &impl ConnectionTrait) -> anyhow::Result<(Vec<uuid::Uuid>, BTreeMap<RecordKey, Counters>)> {
    let ids = store::dossiers_with_events(db).await?;
    let mut records: BTreeMap<RecordKey, Counters> = BTreeMap::new();
    for id in &ids {
        let last = store::find_facts(db, *id).await?;
        let events = store::events_of(db, *id).await?;
        for (key, counters) in replay(&last, &events)? {
            records.entry(key).or_default().add(&counters);
        }
    }
    // The sync's own state says which dossiers the portal accepted since their reception.
    for (facts, received_at) in store::synced_since_reception(db).await? {
        records.entry(RecordKey::of(&facts, received_at)).or_default().synced += 1;
    }
    Ok((ids, records))
}

/// Folds the shards of the records (see [`store::compact_records`]) and of the open-dossier rows
/// ([`store::compact_open_records`]) into shard 0; the worker runs it every hour ([`CompactTask`]).
///
/// # Errors
/// On storage failure.
pub async fn compact(db: &DatabaseConnection) -> anyhow::Result<u64> {
    Ok(store::compact_records(db).await? + store::compact_open_records(db).await?)
}

/// The worker's hourly fold of the shards ([`compact`]).
pub struct CompactTask;

impl crate::jobs::PeriodicTask for CompactTask {
    fn name(&self) -> &'static str {
        "throughput records fold"
    }

    fn run<'a>(&'a self, db: &'a DatabaseConnection) -> futures_util::future::BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let folded = compact(db).await?;
            if folded > 0 {
                tracing::info!(rows = folded, "throughput records folded");
            }
            Ok(())
        })
    }
}

/// The records summed over their shards, which [`compact`] may have folded.
pub fn without_shards(records: impl IntoIterator<Item = (RecordKey, Counters)>) -> BTreeMap<RecordKey, Counters> {
    let mut sums: BTreeMap<RecordKey, Counters> = BTreeMap::new();
    for (key, counters) in records {
        sums.entry(RecordKey { shard: 0, ..key }).or_default().add(&counters);
    }
    sums
}

/// Compares the live records with what the audit events add up to, without changing anything:
/// the keys whose counters differ, shards summed (missing on either side counts as zero).
///
/// # Errors
/// On storage failure or an unreadable event.
pub async fn check(db: &DatabaseConnection) -> anyhow::Result<Vec<RecordKey>> {
    let (_, expected) = replay_all(db).await?;
    let expected = without_shards(expected);
    let live = without_shards(store::all_records(db).await?);
    let keys: std::collections::BTreeSet<&RecordKey> = expected.keys().chain(live.keys()).collect();
    let zero = Counters::default();
    Ok(keys
        .into_iter()
        .filter(|key| expected.get(*key).unwrap_or(&zero) != live.get(*key).unwrap_or(&zero))
        .cloned()
        .collect())
}

/// Every record row, ordered by key.
///
/// # Errors
/// On storage failure.
pub async fn all_records(db: &impl ConnectionTrait) -> anyhow::Result<Vec<(RecordKey, Counters)>> {
    store::all_records(db).await
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};
    use serde_json::json;

    use super::*;

    fn t(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, hour, 0, 0).unwrap()
    }

    fn dossier(channel: &str) -> Facts {
        Facts::initial(Uuid::nil(), "000.00.14.H56".into(), "1.004873".into(), channel.into())
    }

    fn at(facts: &Facts, state: DossierState) -> Facts {
        Facts { state, ..facts.clone() }
    }

    /// A received dossier due at 10:00.
    fn received(channel: &str) -> Facts {
        Facts { state: DossierState::InProgress, statutory_due_at: Some(t(10)), ..dossier(channel) }
    }

    fn finished(before: &Facts, state: DossierState, when: DateTime<Utc>) -> Facts {
        Facts { state, finished_at: Some(when), ..before.clone() }
    }

    #[test]
    fn receiving_counts_received_and_online_channels() {
        for (channel, online) in [("online", 1), ("national_portal", 1), ("direct", 0), ("postal", 0)] {
            let before = at(&dossier(channel), DossierState::Submitted);
            let after = Facts { state: DossierState::Received, statutory_due_at: Some(t(10)), ..before.clone() };
            let c = deltas(&before, &after, Action::Receive);
            assert_eq!(c, Counters { received: 1, received_online: online, ..Counters::default() }, "{channel}");
        }
    }

    #[test]
    fn drafts_submitting_assigning_and_proposing_count_nothing() {
        let d = dossier("online");
        assert!(deltas(&d, &at(&d, DossierState::Submitted), Action::Submit).is_zero());
        let abandoned = finished(&d, DossierState::Withdrawn, t(9));
        assert!(deltas(&d, &abandoned, Action::Withdraw).is_zero(), "a withdrawn draft is not a finished dossier");
        let r = received("online");
        assert!(deltas(&at(&r, DossierState::Received), &r, Action::Assign).is_zero());
        assert!(deltas(&r, &r, Action::Assign).is_zero());
        assert!(deltas(&r, &at(&r, DossierState::PendingApproval), Action::ProposeResult).is_zero());
        assert!(deltas(&at(&r, DossierState::PendingApproval), &r, Action::SendBack).is_zero());
    }

    #[test]
    fn each_finish_counts_once_by_its_kind_and_on_time_against_the_statutory_appointment() {
        let r = received("direct");
        let cases = [
            (Action::Approve, DossierState::Resolved, Counters { resolved: 1, ..Counters::default() }),
            (Action::Resolve, DossierState::Resolved, Counters { resolved: 1, ..Counters::default() }),
            (Action::Refuse, DossierState::Refused, Counters { refused: 1, ..Counters::default() }),
            (Action::Stop, DossierState::Stopped, Counters { stopped: 1, ..Counters::default() }),
            (Action::Withdraw, DossierState::Withdrawn, Counters { withdrawn: 1, ..Counters::default() }),
        ];
        for (action, state, kind) in cases {
            let on_time = deltas(&r, &finished(&r, state, t(10)), action);
            let expected = Counters { finished: 1, finished_on_time: 1, ..kind };
            assert_eq!(on_time, expected, "{action:?} on the appointment is on time");
            let late = deltas(&r, &finished(&r, state, t(10) + Duration::seconds(1)), action);
            assert_eq!(late, Counters { finished: 1, finished_late: 1, ..kind }, "{action:?} after it is late");
        }
    }

    #[test]
    fn a_finish_without_an_appointment_is_neither_on_time_nor_late() {
        // Refused or withdrawn before reception, or a procedure without a fixed processing time.
        let submitted = at(&dossier("online"), DossierState::Submitted);
        let refused = deltas(&submitted, &finished(&submitted, DossierState::Refused, t(9)), Action::Refuse);
        assert_eq!(refused, Counters { finished: 1, refused: 1, ..Counters::default() });
        let withdrawn = deltas(&submitted, &finished(&submitted, DossierState::Withdrawn, t(9)), Action::Withdraw);
        assert_eq!(withdrawn, Counters { finished: 1, withdrawn: 1, ..Counters::default() });
    }

    #[test]
    fn a_second_supplement_request_makes_the_dossier_late_even_before_its_appointment() {
        let once = Facts { supplement_requests: 1, ..received("online") };
        let c = deltas(&once, &finished(&once, DossierState::Resolved, t(8)), Action::Approve);
        assert_eq!((c.finished_on_time, c.finished_late), (1, 0));
        let twice = Facts { supplement_requests: 2, ..received("online") };
        let c = deltas(&twice, &finished(&twice, DossierState::Resolved, t(8)), Action::Approve);
        assert_eq!((c.finished_on_time, c.finished_late), (0, 1));
    }

    #[test]
    fn supplement_requests_are_counted_and_the_return_is_not() {
        let r = received("online");
        let waiting = Facts { state: DossierState::AwaitingSupplement, supplement_requests: 1, ..r.clone() };
        assert_eq!(
            deltas(&r, &waiting, Action::RequestSupplement),
            Counters { supplement_requests: 1, ..Counters::default() }
        );
        assert!(deltas(&waiting, &Facts { state: DossierState::InProgress, ..waiting.clone() }, Action::Supplement)
            .is_zero());
    }

    #[test]
    fn an_apology_is_counted_but_does_not_make_a_late_dossier_on_time() {
        let r = received("online");
        assert_eq!(deltas(&r, &r, Action::Apologize), Counters { apologies: 1, ..Counters::default() });
        // The apology moved only the current appointment; the statutory one stays at 10:00.
        let c = deltas(&r, &finished(&r, DossierState::Resolved, t(12)), Action::Approve);
        assert_eq!((c.finished_on_time, c.finished_late), (0, 1));
    }

    #[test]
    fn a_dossier_finishes_once() {
        let done = finished(&received("online"), DossierState::Resolved, t(9));
        let returned = Facts { state: DossierState::Returned, return_method: Some("desk".into()), ..done.clone() };
        let c = deltas(&done, &returned, Action::ReturnResult);
        assert_eq!(c, Counters { returned: 1, ..Counters::default() });
    }

    #[test]
    fn a_request_replacing_an_expired_one_charges_only_the_new_amount() {
        let before = Facts { state: DossierState::AwaitingPayment, fee_total: 40_000, ..received("online") };
        let again = event(
            "request_payment",
            "awaiting_payment",
            json!({"amount": 50_000, "replaces": {"payment_id": "x", "amount": 40_000}}),
            12,
        );
        let (_, after) = replay_event(&before, &again, &before).unwrap();
        assert_eq!(after.fee_total, 50_000);
        assert!(deltas(&before, &after, Action::RequestPayment).is_zero(), "charged once");
    }

    #[test]
    fn the_first_payment_counts_the_dossier_by_method_and_a_request_counts_it_charged() {
        let r = received("online");
        let charged = Facts { state: DossierState::AwaitingPayment, fee_total: 50_000, ..r.clone() };
        assert_eq!(deltas(&r, &charged, Action::RequestPayment), Counters { charged: 1, ..Counters::default() });
        for (method, expected) in [
            ("online", Counters { paid_online: 1, ..Counters::default() }),
            ("cash", Counters { paid_cash: 1, ..Counters::default() }),
        ] {
            let paid = Facts {
                state: DossierState::InProgress,
                payment_method: Some(method.into()),
                paid_at: Some(t(9)),
                ..charged.clone()
            };
            assert_eq!(deltas(&charged, &paid, Action::ConfirmPayment), expected, "{method}");
            // A second fee and payment count neither again.
            let again = Facts { state: DossierState::AwaitingPayment, fee_total: 80_000, ..paid.clone() };
            assert!(deltas(&paid, &again, Action::RequestPayment).is_zero());
            let paid_again = Facts { state: DossierState::InProgress, paid_at: Some(t(10)), ..again.clone() };
            assert!(deltas(&again, &paid_again, Action::ConfirmPayment).is_zero());
        }
    }

    #[test]
    fn a_return_counts_electronic_results_and_fully_online_processing() {
        let cases = [
            // channel, fee, paid by, returned by, electronic, fully online
            ("online", 0, None, "online", 1, 1),
            ("national_portal", 50_000, Some("online"), "online", 1, 1),
            ("online", 50_000, Some("cash"), "online", 1, 0),
            ("online", 0, None, "desk", 0, 0),
            ("online", 0, None, "post", 0, 0),
            ("direct", 0, None, "online", 1, 0),
            ("postal", 0, None, "online", 1, 0),
        ];
        for (channel, fee, paid, method, electronic, fully) in cases {
            let done = Facts {
                fee_total: fee,
                payment_method: paid.map(str::to_owned),
                paid_at: paid.map(|_| t(8)),
                ..finished(&received(channel), DossierState::Resolved, t(9))
            };
            let returned = Facts { state: DossierState::Returned, return_method: Some(method.into()), ..done.clone() };
            let c = deltas(&done, &returned, Action::ReturnResult);
            let expected =
                Counters { returned: 1, returned_electronic: electronic, fully_online: fully, ..Counters::default() };
            assert_eq!(c, expected, "{channel} {fee} {paid:?} {method}");
        }
    }

    #[test]
    fn a_return_counts_digitised_dossiers_and_those_returned_electronically() {
        for (attachments, method, digitised, electronic) in
            [(true, "online", 1, 1), (true, "desk", 1, 0), (false, "online", 0, 0), (false, "post", 0, 0)]
        {
            let done = Facts { attachments, ..finished(&received("direct"), DossierState::Resolved, t(9)) };
            let returned = Facts { state: DossierState::Returned, return_method: Some(method.into()), ..done.clone() };
            let c = deltas(&done, &returned, Action::ReturnResult);
            assert_eq!(
                (c.returned_digitised, c.returned_digitised_electronic),
                (digitised, electronic),
                "{attachments} {method}"
            );
        }
    }

    #[test]
    fn a_rating_counts_by_score() {
        let returned = Facts { state: DossierState::Returned, ..received("online") };
        for (score, expected) in [
            ("satisfied", Counters { rated_satisfied: 1, ..Counters::default() }),
            ("neutral", Counters { rated_neutral: 1, ..Counters::default() }),
            ("unsatisfied", Counters { rated_unsatisfied: 1, ..Counters::default() }),
        ] {
            let rated = Facts { rating: Some(score.into()), ..returned.clone() };
            assert_eq!(deltas(&returned, &rated, Action::Rate), expected, "{score}");
        }
    }

    #[test]
    fn the_day_is_the_business_date_in_ho_chi_minh_city_and_the_shard_comes_from_the_id() {
        let mut d = dossier("online");
        d.id = Uuid::from_bytes([0xff; 16]);
        // 17:30 UTC is 00:30 the next day in UTC+7.
        let key = RecordKey::of(&d, Utc.with_ymd_and_hms(2026, 12, 1, 17, 30, 0).unwrap());
        assert_eq!(key.day, "2026-12-02");
        assert_eq!(key.shard, 15);
        assert!((0..=255u8).all(|b| (0..16).contains(&shard_of(Uuid::from_bytes([b; 16])))));
    }

    fn event(action: &str, to: &str, data: serde_json::Value, hour: u32) -> ReplayedEvent {
        ReplayedEvent { action: action.into(), to_state: to.into(), data, at: t(hour) }
    }

    #[test]
    fn replaying_a_history_sums_the_same_rules_per_day() {
        let last = Facts {
            state: DossierState::Returned,
            statutory_due_at: Some(t(20)),
            finished_at: Some(t(15)),
            supplement_requests: 1,
            fee_total: 50_000,
            payment_method: Some("online".into()),
            paid_at: Some(t(13)),
            return_method: Some("online".into()),
            rating: Some("satisfied".into()),
            ..dossier("online")
        };
        let events = [
            event("submit", "submitted", json!({"channel": "online"}), 1),
            event("receive", "received", json!({"due_at": t(18)}), 2),
            event("request_supplement", "awaiting_supplement", json!({"request_number": 1}), 3),
            event("supplement", "received", json!({}), 4),
            event("assign", "in_progress", json!({}), 5),
            event("request_payment", "awaiting_payment", json!({"amount": 50_000}), 12),
            event("confirm_payment", "in_progress", json!({"method": "online"}), 13),
            event("resolve", "resolved", json!({"decision": "approved"}), 15),
            event("return_result", "returned", json!({"method": "online"}), 16),
            // 17:30 UTC: the next business day.
            ReplayedEvent {
                action: "rate".into(),
                to_state: "returned".into(),
                data: json!({"score": "satisfied"}),
                at: Utc.with_ymd_and_hms(2026, 12, 1, 17, 30, 0).unwrap(),
            },
        ];
        let records = replay(&last, &events).unwrap();
        let days: Vec<(&str, Counters)> = records.iter().map(|(k, c)| (k.day.as_str(), *c)).collect();
        assert_eq!(
            days,
            [
                (
                    "2026-12-01",
                    Counters {
                        received: 1,
                        received_online: 1,
                        supplement_requests: 1,
                        charged: 1,
                        paid_online: 1,
                        finished: 1,
                        finished_on_time: 1,
                        resolved: 1,
                        returned: 1,
                        returned_electronic: 1,
                        fully_online: 1,
                        ..Counters::default()
                    }
                ),
                ("2026-12-02", Counters { rated_satisfied: 1, ..Counters::default() }),
            ]
        );
    }
}

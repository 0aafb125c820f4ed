//! The dossiers still open, by appointment (766 §2.1): the on-time indicator counts "dossiers
//! finished on time plus dossiers still within their deadline", a dossier without a finish taking
//! the last day of the period as its finish. Finished dossiers are in the throughput records; the
//! open ones are this snapshot, keyed by (reception day, appointment day, agency, procedure,
//! shard). Each transition moves a dossier's count from the slot its facts had before to
//! the one they have after ([`moves`]), in its transaction; [`rebuild`] derives the same snapshot
//! from the dossiers as they are, the appointment moved by pauses being stored on the dossier.

use std::collections::BTreeMap;

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection};

use super::records::{shard_of, Facts};
use super::store;
use crate::calendar::domain::business_offset;

/// The appointment day of a dossier whose clock stands still (awaiting a supplement or a
/// payment) while it is within its deadline: the wait is not counted against it (766: citizen
/// supplement time is subtracted), so it stays within whatever the period.
pub const CLOCK_STOPPED: &str = "9999-12-31";

/// The key of one snapshot row.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OpenKey {
    /// Business date of the reception, `YYYY-MM-DD`.
    pub received_day: String,
    /// Business date of the appointment, or [`CLOCK_STOPPED`].
    pub due_day: String,
    pub agency_code: String,
    pub procedure_code: String,
    pub shard: i16,
}

/// The counts of one snapshot row, or what one transition adds to them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpenCounts {
    /// Open dossiers with at most one supplement request: judged by their appointment.
    pub open_dossiers: i64,
    /// Open dossiers with more than one supplement request: late whatever their appointment.
    pub open_resupplied: i64,
}

impl OpenCounts {
    pub fn is_zero(&self) -> bool {
        self.open_dossiers == 0 && self.open_resupplied == 0
    }

    pub fn add(&mut self, other: &Self) {
        self.open_dossiers += other.open_dossiers;
        self.open_resupplied += other.open_resupplied;
    }

    fn negated(self) -> Self {
        Self { open_dossiers: -self.open_dossiers, open_resupplied: -self.open_resupplied }
    }
}

fn business_day(at: DateTime<Utc>) -> String {
    at.with_timezone(&business_offset()).format("%Y-%m-%d").to_string()
}

/// Where a dossier counts in the snapshot: `None` unless it is received, not finished and has an
/// appointment (a procedure without a fixed processing time is neither on time nor late, as for
/// finished dossiers).
pub fn slot(f: &Facts) -> Option<(OpenKey, OpenCounts)> {
    let received_at = f.received_at?;
    if f.finished_at.is_some() {
        return None;
    }
    let due = f.statutory_due_at?;
    let due_day = match f.paused_at {
        Some(paused) if paused <= due => CLOCK_STOPPED.to_owned(),
        _ => business_day(due),
    };
    let counts = if f.supplement_requests > 1 {
        OpenCounts { open_resupplied: 1, ..OpenCounts::default() }
    } else {
        OpenCounts { open_dossiers: 1, ..OpenCounts::default() }
    };
    let key = OpenKey {
        received_day: business_day(received_at),
        due_day,
        agency_code: f.agency_code.clone(),
        procedure_code: f.procedure_code.clone(),
        shard: shard_of(f.id),
    };
    Some((key, counts))
}

/// What a transition from `before` to `after` changes in the snapshot, by key in key order (so
/// concurrent transactions take the rows' locks in one order), zero changes left out.
pub fn moves(before: &Facts, after: &Facts) -> Vec<(OpenKey, OpenCounts)> {
    let (from, to) = (slot(before), slot(after));
    if from == to {
        return Vec::new();
    }
    let mut changes: BTreeMap<OpenKey, OpenCounts> = BTreeMap::new();
    if let Some((key, counts)) = from {
        changes.entry(key).or_default().add(&counts.negated());
    }
    if let Some((key, counts)) = to {
        changes.entry(key).or_default().add(&counts);
    }
    changes.into_iter().filter(|(_, c)| !c.is_zero()).collect()
}

/// Applies what a transition changes in the snapshot, in the transition's transaction.
///
/// # Errors
/// On storage failure.
pub async fn record_moves(txn: &impl ConnectionTrait, before: &Facts, after: &Facts) -> anyhow::Result<()> {
    for (key, change) in moves(before, after) {
        store::add_to_open_record(txn, &key, &change).await?;
    }
    Ok(())
}

/// The snapshot the dossiers as they are add up to.
///
/// # Errors
/// On storage failure.
pub async fn expected(db: &impl ConnectionTrait) -> anyhow::Result<BTreeMap<OpenKey, OpenCounts>> {
    let mut rows: BTreeMap<OpenKey, OpenCounts> = BTreeMap::new();
    for facts in store::open_dossier_facts(db).await? {
        if let Some((key, counts)) = slot(&facts) {
            rows.entry(key).or_default().add(&counts);
        }
    }
    Ok(rows)
}

/// Replaces the snapshot by what the dossiers add up to, in the caller's transaction.
///
/// # Errors
/// On storage failure.
pub async fn rebuild(txn: &impl ConnectionTrait) -> anyhow::Result<usize> {
    let rows = expected(txn).await?;
    store::delete_open_records(txn).await?;
    for (key, counts) in &rows {
        store::add_to_open_record(txn, key, counts).await?;
    }
    Ok(rows.len())
}

/// The snapshot rows summed over their shards, which the fold may have merged
/// ([`store::compact_open_records`]), zero sums left out.
pub fn without_shards(rows: impl IntoIterator<Item = (OpenKey, OpenCounts)>) -> BTreeMap<OpenKey, OpenCounts> {
    let mut sums: BTreeMap<OpenKey, OpenCounts> = BTreeMap::new();
    for (key, counts) in rows {
        sums.entry(OpenKey { shard: 0, ..key }).or_default().add(&counts);
    }
    sums.retain(|_, counts| !counts.is_zero());
    sums
}

/// The keys where the snapshot differs from what the dossiers add up to, shards summed.
///
/// # Errors
/// On storage failure.
pub async fn check(db: &DatabaseConnection) -> anyhow::Result<Vec<OpenKey>> {
    let expected = without_shards(expected(db).await?);
    let live = without_shards(all_open_records(db).await?);
    let keys: std::collections::BTreeSet<&OpenKey> = expected.keys().chain(live.keys()).collect();
    let zero = OpenCounts::default();
    Ok(keys
        .into_iter()
        .filter(|key| expected.get(*key).unwrap_or(&zero) != live.get(*key).unwrap_or(&zero))
        .cloned()
        .collect())
}

/// Every non-empty snapshot row, by key.
///
/// # Errors
/// On storage failure.
pub async fn all_open_records(db: &impl ConnectionTrait) -> anyhow::Result<Vec<(OpenKey, OpenCounts)>> {
    store::all_open_records(db).await.context("read the open-dossier records")
}

/// The open dossiers of a period's scope at its last day `to`: those received by then, still
/// without a finish, split into within their deadline (appointment on or after `to`, or clock
/// stopped within it) and past it (appointment before `to`, or more than one supplement request).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpenAtEnd {
    pub within: i64,
    pub overdue: i64,
}

/// The open dossiers of one agency with one appointment day, as the snapshot sums them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenDue {
    pub agency_code: String,
    /// `YYYY-MM-DD`, or [`CLOCK_STOPPED`].
    pub due_day: String,
    /// Open with at most one supplement request.
    pub open: i64,
    /// Open with more than one supplement request.
    pub resupplied: i64,
}

impl OpenAtEnd {
    /// Adds another scope's open dossiers.
    pub fn add(&mut self, other: OpenAtEnd) {
        self.within += other.within;
        self.overdue += other.overdue;
    }

    /// Counts the open dossiers of one appointment day at the end of a period whose last day is
    /// `last_day` (`YYYY-MM-DD` strings order as the dates do).
    fn count(&mut self, due_day: &str, open: i64, resupplied: i64, last_day: &str) {
        if due_day >= last_day {
            self.within += open;
        } else {
            self.overdue += open;
        }
        self.overdue += resupplied;
    }
}

/// The open dossiers of each agency at the end of a period whose last day is `to`, from snapshot
/// rows.
pub fn at_end_per_agency<'a>(
    rows: impl IntoIterator<Item = &'a OpenDue>,
    to: NaiveDate,
) -> BTreeMap<String, OpenAtEnd> {
    let rows = rows.into_iter().map(|r| (r.agency_code.as_str(), r.due_day.as_str(), r.open, r.resupplied));
    per_agency_at(rows, to)
}

/// (agency, appointment day, open, resupplied) rows counted per agency at the end of a period
/// whose last day is `to`.
fn per_agency_at<'a>(
    rows: impl Iterator<Item = (&'a str, &'a str, i64, i64)>,
    to: NaiveDate,
) -> BTreeMap<String, OpenAtEnd> {
    let last_day = to.format("%Y-%m-%d").to_string();
    let mut per_agency: BTreeMap<String, OpenAtEnd> = BTreeMap::new();
    for (agency, due_day, open, resupplied) in rows {
        // An agency's key is cloned once, not for each of its rows.
        if !per_agency.contains_key(agency) {
            per_agency.insert(agency.to_owned(), OpenAtEnd::default());
        }
        if let Some(end) = per_agency.get_mut(agency) {
            end.count(due_day, open, resupplied, &last_day);
        }
    }
    per_agency
}

/// [`at_end_per_agency`] at each of `ends` (ascending), from the snapshot rows grouped by month
/// of reception (`YYYY-MM`): at each end, the dossiers received in its month or before. The rows
/// are added up once, month after month, and each end only reads the running totals.
pub fn at_each_end(
    by_reception: BTreeMap<String, Vec<OpenDue>>,
    ends: &[NaiveDate],
) -> Vec<BTreeMap<String, OpenAtEnd>> {
    // Running totals per (agency, appointment day) over the reception months, oldest first.
    let mut open: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
    let mut received = by_reception.into_iter().peekable();
    ends.iter()
        .map(|end| {
            let month = end.format("%Y-%m").to_string();
            while let Some((_, rows)) = received.next_if(|(m, _)| *m <= month) {
                for row in rows {
                    let sums = open.entry((row.agency_code, row.due_day)).or_default();
                    sums.0 += row.open;
                    sums.1 += row.resupplied;
                }
            }
            let rows = open.iter().map(|((agency, due_day), (o, r))| (agency.as_str(), due_day.as_str(), *o, *r));
            per_agency_at(rows, *end)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use uuid::Uuid;

    use super::*;
    use crate::workflow::domain::DossierState;

    fn t(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, day, hour, 0, 0).unwrap()
    }

    /// Received on 1 December at 09:00 (16:00 local), due on the 4th at 09:00.
    fn open() -> Facts {
        Facts {
            state: DossierState::InProgress,
            received_at: Some(t(1, 9)),
            statutory_due_at: Some(t(4, 9)),
            ..Facts::initial(Uuid::nil(), "000.00.14.H56".into(), "1.004873".into(), "online".into())
        }
    }

    fn one() -> OpenCounts {
        OpenCounts { open_dossiers: 1, open_resupplied: 0 }
    }

    #[test]
    fn an_open_dossier_counts_by_its_reception_and_appointment_days() {
        let (key, counts) = slot(&open()).unwrap();
        assert_eq!((key.received_day.as_str(), key.due_day.as_str(), key.shard), ("2026-12-01", "2026-12-04", 0));
        assert_eq!(counts, one());
    }

    #[test]
    fn drafts_finished_dossiers_and_those_without_an_appointment_are_not_open() {
        assert_eq!(slot(&Facts { received_at: None, ..open() }), None);
        assert_eq!(slot(&Facts { finished_at: Some(t(2, 9)), ..open() }), None);
        assert_eq!(slot(&Facts { statutory_due_at: None, ..open() }), None);
    }

    #[test]
    fn a_clock_stopped_within_the_deadline_keeps_the_dossier_within_it_and_one_stopped_after_does_not() {
        let waiting = Facts { state: DossierState::AwaitingSupplement, paused_at: Some(t(3, 9)), ..open() };
        assert_eq!(slot(&waiting).unwrap().0.due_day, CLOCK_STOPPED);
        let late = Facts { paused_at: Some(t(5, 9)), ..waiting };
        assert_eq!(slot(&late).unwrap().0.due_day, "2026-12-04");
    }

    #[test]
    fn a_second_supplement_request_counts_the_dossier_late_whatever_its_appointment() {
        let twice = Facts { supplement_requests: 2, ..open() };
        assert_eq!(slot(&twice).unwrap().1, OpenCounts { open_dossiers: 0, open_resupplied: 1 });
    }

    #[test]
    fn a_transition_moves_the_dossier_between_slots_and_an_unchanged_one_moves_nothing() {
        let before = open();
        assert_eq!(moves(&before, &Facts { state: DossierState::PendingApproval, ..before.clone() }), []);
        let received = moves(&Facts { received_at: None, statutory_due_at: None, ..before.clone() }, &before);
        assert_eq!(received, [(slot(&before).unwrap().0, one())]);
        let finished = moves(&before, &Facts { finished_at: Some(t(2, 9)), ..before.clone() });
        assert_eq!(finished, [(slot(&before).unwrap().0, one().negated())]);
        // Resuming moves the appointment: out of the stopped slot, into the new appointment's.
        let waiting = Facts { paused_at: Some(t(2, 9)), ..before.clone() };
        let resumed = Facts { statutory_due_at: Some(t(6, 9)), supplement_requests: 1, ..before.clone() };
        let changes = moves(&waiting, &resumed);
        let days: Vec<(&str, OpenCounts)> = changes.iter().map(|(k, c)| (k.due_day.as_str(), *c)).collect();
        assert_eq!(days, [("2026-12-06", one()), (CLOCK_STOPPED, one().negated())]);
    }

    #[test]
    fn at_the_end_of_a_period_an_appointment_on_or_after_its_last_day_is_within() {
        let due = |day: &str, open, resupplied| OpenDue {
            agency_code: "000.00.14.H56".into(),
            due_day: day.into(),
            open,
            resupplied,
        };
        let per_due_day =
            [due("2026-12-03", 2, 1), due("2026-12-04", 3, 0), due("2026-12-05", 4, 2), due(CLOCK_STOPPED, 5, 0)];
        let end = at_end_per_agency(&per_due_day, NaiveDate::from_ymd_opt(2026, 12, 4).unwrap());
        assert_eq!(end["000.00.14.H56"], OpenAtEnd { within: 3 + 4 + 5, overdue: 2 + 1 + 2 });
    }

    #[test]
    fn at_the_end_of_each_month_the_dossiers_received_by_then_are_counted_against_that_day() {
        let due = |agency: &str, day: &str, open| OpenDue {
            agency_code: agency.into(),
            due_day: day.into(),
            open,
            resupplied: 0,
        };
        let by_reception = BTreeMap::from([
            ("2026-10".to_owned(), vec![due("A", "2026-11-05", 2), due("B", "2026-10-20", 1)]),
            ("2026-11".to_owned(), vec![due("A", "2026-12-02", 4)]),
        ]);
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        let ends = at_each_end(by_reception, &[day(10, 31), day(11, 30), day(12, 10)]);
        let of = |end: &BTreeMap<String, OpenAtEnd>, agency: &str| end.get(agency).copied().unwrap_or_default();
        assert_eq!(of(&ends[0], "A"), OpenAtEnd { within: 2, overdue: 0 }, "due after 31 October");
        assert_eq!(of(&ends[0], "B"), OpenAtEnd { within: 0, overdue: 1 });
        assert_eq!(of(&ends[1], "A"), OpenAtEnd { within: 4, overdue: 2 }, "November's reception counts too");
        assert_eq!(of(&ends[2], "A"), OpenAtEnd { within: 0, overdue: 6 });
    }
}

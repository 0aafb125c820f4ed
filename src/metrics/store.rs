//! The throughput records' storage: the only file of `metrics` records go through to the database.

use std::collections::BTreeMap;

use anyhow::Context;
use chrono::{Datelike, Days, Months, NaiveDate, Utc};
use entity::{
    accounts, agencies, attachments, dossier_events, dossiers, national_sync_states, procedures, throughput_records,
};
use sea_orm::sea_query::{
    Alias, Cond, Expr, ExprTrait, Func, OnConflict, Query, SelectStatement, SimpleExpr, UnionType,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::domain::{IndicatorFilter, COUNTERS_READ};
use super::open::{OpenCounts, OpenDue, OpenKey};
use super::records::{Counters, Facts, RecordKey, ReplayedEvent};
use super::tracking_book::BookLine;
use crate::calendar::domain::business_today;
use crate::workflow::domain::DossierState;

/// An (agency code, procedure code) pair.
pub type AgencyProcedure = (String, String);

/// The facts of a dossier the record rules read.
///
/// # Errors
/// An unknown dossier or state, or a storage failure.
pub async fn find_facts(db: &impl ConnectionTrait, id: Uuid) -> anyhow::Result<Facts> {
    let attachments = has_attachments(db, id).await?;
    let d = dossiers::Entity::find_by_id(id)
        .one(db)
        .await
        .context("read the dossier's facts")?
        .with_context(|| format!("dossier {id} not found"))?;
    facts_of(d, attachments)
}

/// Whether the dossier has files attached (not deleted): the digitisation fact.
///
/// # Errors
/// On storage failure.
pub async fn has_attachments(db: &impl ConnectionTrait, id: Uuid) -> anyhow::Result<bool> {
    let attachments = attachments::Entity::find()
        .filter(attachments::Column::DossierId.eq(id))
        .filter(attachments::Column::DeletedAt.is_null())
        .count(db)
        .await
        .context("count the dossier's attachments")?;
    Ok(attachments > 0)
}

/// The record rules' facts of a dossier row, given whether it has attachments.
///
/// # Errors
/// When the row's state is unknown.
pub fn facts_of(d: dossiers::Model, attachments: bool) -> anyhow::Result<Facts> {
    let id = d.id;
    let utc = |t: Option<sea_orm::prelude::DateTimeWithTimeZone>| t.map(|t| t.with_timezone(&Utc));
    Ok(Facts {
        id,
        state: DossierState::parse(&d.state).with_context(|| format!("dossier {id} has unknown state {}", d.state))?,
        agency_code: d.agency_code,
        procedure_code: d.procedure_code,
        channel: d.channel,
        received_at: utc(d.received_at),
        statutory_due_at: utc(d.statutory_due_at),
        finished_at: utc(d.finished_at),
        paused_at: utc(d.paused_at),
        supplement_requests: d.supplement_requests,
        fee_total: d.fee_total,
        payment_method: d.payment_method,
        paid_at: utc(d.paid_at),
        return_method: d.return_method,
        rating: d.rating,
        attachments,
    })
}

/// The two grains of the records: per day (`throughput_records`) and per month
/// (`throughput_pair_months`, the same counters summed over the month's days and channels).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grain {
    Day,
    Month,
}

impl Grain {
    fn table(self) -> Alias {
        Alias::new(match self {
            Self::Day => "throughput_records",
            Self::Month => "throughput_pair_months",
        })
    }

    fn period_column(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Month => "month",
        }
    }

    /// The period of a business day `YYYY-MM-DD` at this grain.
    fn period_of(self, day: &str) -> String {
        match self {
            Self::Day => day.to_owned(),
            Self::Month => day.get(..7).unwrap_or(day).to_owned(),
        }
    }
    /// The key of a row after its period. The monthly rows leave out the channel: no indicator
    /// reads a month per channel, and without it a month has a quarter of the rows (migration
    /// 000600, which replaced `throughput_months`); the daily rows keep it for `records::check`
    /// and the recount.
    fn key_columns(self) -> &'static [&'static str] {
        match self {
            Self::Day => &["agency_code", "procedure_code", "channel", "shard"],
            Self::Month => &["agency_code", "procedure_code", "shard"],
        }
    }

    /// The values of [`Self::key_columns`] for `key`.
    fn key_values(self, key: &RecordKey) -> Vec<SimpleExpr> {
        let mut values: Vec<SimpleExpr> = vec![key.agency_code.clone().into(), key.procedure_code.clone().into()];
        if self == Self::Day {
            values.push(key.channel.clone().into());
        }
        values.push(key.shard.into());
        values
    }

    /// `key` as a row of this grain keys it: the monthly rows have no channel.
    fn key_of(self, key: &RecordKey) -> RecordKey {
        match self {
            Self::Day => key.clone(),
            Self::Month => RecordKey { channel: String::new(), ..key.clone() },
        }
    }
}

/// One upsert adding `rows` (each key at most once) to the rows of `grain`: `INSERT … ON
/// CONFLICT (key) DO UPDATE SET c = c + excluded.c`. With `moving_only`, only the counters that
/// are not zero in every row are written, so the row lock is all two writers share.
async fn upsert_counters(
    db: &impl ConnectionTrait,
    grain: Grain,
    rows: &[(String, &RecordKey, &Counters)],
    moving_only: bool,
) -> anyhow::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let table = grain.table();
    let mut columns: Vec<Alias> = vec![Alias::new(grain.period_column())];
    columns.extend(grain.key_columns().iter().map(|c| Alias::new(*c)));
    columns.extend(Counters::NAMES.iter().map(|n| Alias::new(*n)));
    let mut insert = Query::insert().into_table(table.clone()).columns(columns).to_owned();
    let mut moving = vec![!moving_only; Counters::NAMES.len()];
    for (period, key, counters) in rows {
        let values = counters.values();
        for (m, v) in moving.iter_mut().zip(&values) {
            *m |= *v != 0;
        }
        let mut row: Vec<SimpleExpr> = vec![period.clone().into()];
        row.extend(grain.key_values(key));
        row.extend(values.into_iter().map(SimpleExpr::from));
        insert.values(row).context("build the record upsert")?;
    }
    let mut conflict_columns = vec![Alias::new(grain.period_column())];
    conflict_columns.extend(grain.key_columns().iter().map(|c| Alias::new(*c)));
    let mut on_conflict = OnConflict::columns(conflict_columns).to_owned();
    for (name, _) in Counters::NAMES.iter().zip(&moving).filter(|(_, m)| **m) {
        on_conflict.value(
            Alias::new(*name),
            Expr::col((table.clone(), Alias::new(*name))).add(Expr::col((Alias::new("excluded"), Alias::new(*name)))),
        );
    }
    insert.on_conflict(on_conflict);
    let statement = db.get_database_backend().build(&insert);
    db.execute_raw(statement).await.context("add to the throughput records")?;
    Ok(())
}

/// Adds `counters` to the record at `key` and to its month's, creating them if missing.
///
/// # Errors
/// On storage failure.
pub async fn add_to_record(db: &impl ConnectionTrait, key: &RecordKey, counters: &Counters) -> anyhow::Result<()> {
    upsert_counters(db, Grain::Day, &[(key.day.clone(), key, counters)], true).await?;
    upsert_counters(db, Grain::Month, &[(Grain::Month.period_of(&key.day), key, counters)], true).await
}

/// Deletes every record (before a recount).
///
/// # Errors
/// On storage failure.
pub async fn delete_records(db: &impl ConnectionTrait) -> anyhow::Result<()> {
    throughput_records::Entity::delete_many().exec(db).await.context("delete the throughput records")?;
    let months = db.get_database_backend().build(&Query::delete().from_table(Grain::Month.table()).to_owned());
    db.execute_raw(months).await.context("delete the monthly throughput records")?;
    Ok(())
}

/// Every record, ordered by key.
///
/// # Errors
/// On storage failure.
pub async fn all_records(db: &impl ConnectionTrait) -> anyhow::Result<Vec<(RecordKey, Counters)>> {
    use throughput_records::Column as C;
    let rows = throughput_records::Entity::find()
        .order_by_asc(C::Day)
        .order_by_asc(C::AgencyCode)
        .order_by_asc(C::ProcedureCode)
        .order_by_asc(C::Channel)
        .order_by_asc(C::Shard)
        .all(db)
        .await
        .context("read the throughput records")?;
    Ok(rows
        .into_iter()
        .map(|m| {
            let key = RecordKey {
                day: m.day,
                agency_code: m.agency_code,
                procedure_code: m.procedure_code,
                channel: m.channel,
                shard: m.shard,
            };
            let counters = Counters {
                received: m.received,
                received_online: m.received_online,
                finished: m.finished,
                finished_on_time: m.finished_on_time,
                finished_late: m.finished_late,
                resolved: m.resolved,
                returned: m.returned,
                returned_electronic: m.returned_electronic,
                fully_online: m.fully_online,
                charged: m.charged,
                paid_online: m.paid_online,
                paid_cash: m.paid_cash,
                supplement_requests: m.supplement_requests,
                apologies: m.apologies,
                rated_satisfied: m.rated_satisfied,
                rated_neutral: m.rated_neutral,
                rated_unsatisfied: m.rated_unsatisfied,
                withdrawn: m.withdrawn,
                refused: m.refused,
                stopped: m.stopped,
                returned_digitised: m.returned_digitised,
                returned_digitised_electronic: m.returned_digitised_electronic,
                synced: m.synced,
            };
            (key, counters)
        })
        .collect())
}

/// The dossiers received whose record the national portal accepted after their reception
/// (synced with a status other than 1), with their reception time: what [`super::records`]
/// counts as synchronised (766 §1.4).
///
/// # Errors
/// On storage failure.
pub async fn synced_since_reception(db: &impl ConnectionTrait) -> anyhow::Result<Vec<(Facts, chrono::DateTime<Utc>)>> {
    use national_sync_states::Column as S;
    let synced: SelectStatement = Query::select()
        .column(S::DossierId)
        .from(national_sync_states::Entity)
        .and_where(Expr::col(S::SyncedAt).is_not_null())
        .and_where(Expr::col(S::LastStatus).ne(1))
        .to_owned();
    let rows: Vec<(Uuid, String, String, String, sea_orm::prelude::DateTimeWithTimeZone)> = dossiers::Entity::find()
        .select_only()
        .columns([
            dossiers::Column::Id,
            dossiers::Column::AgencyCode,
            dossiers::Column::ProcedureCode,
            dossiers::Column::Channel,
            dossiers::Column::ReceivedAt,
        ])
        .filter(dossiers::Column::ReceivedAt.is_not_null())
        .filter(dossiers::Column::Id.in_subquery(synced))
        .into_tuple()
        .all(db)
        .await
        .context("list the dossiers synchronised since their reception")?;
    Ok(rows
        .into_iter()
        .map(|(id, agency_code, procedure_code, channel, received_at)| {
            (Facts::initial(id, agency_code, procedure_code, channel), received_at.with_timezone(&Utc))
        })
        .collect())
}

/// Ids of every dossier with audit events.
///
/// # Errors
/// On storage failure.
pub async fn dossiers_with_events(db: &impl ConnectionTrait) -> anyhow::Result<Vec<Uuid>> {
    dossier_events::Entity::find()
        .select_only()
        .column(dossier_events::Column::DossierId)
        .distinct()
        .order_by_asc(dossier_events::Column::DossierId)
        .into_tuple::<Uuid>()
        .all(db)
        .await
        .context("list the dossiers with events")
}

/// A dossier's audit events, oldest first.
///
/// # Errors
/// On storage failure or unreadable event data.
pub async fn events_of(db: &impl ConnectionTrait, dossier_id: Uuid) -> anyhow::Result<Vec<ReplayedEvent>> {
    let rows = dossier_events::Entity::find()
        .filter(dossier_events::Column::DossierId.eq(dossier_id))
        .order_by_asc(dossier_events::Column::Seq)
        .all(db)
        .await
        .context("read the dossier's events")?;
    rows.into_iter()
        .map(|e| {
            Ok(ReplayedEvent {
                data: serde_json::from_str(&e.data)
                    .with_context(|| format!("event {} of dossier {dossier_id} has unreadable data", e.seq))?,
                action: e.action,
                to_state: e.to_state,
                at: e.at.with_timezone(&Utc),
            })
        })
        .collect()
}

/// Conditions on `agency_code` and `procedure_code` columns from the filter's agency, level,
/// procedure and field.
fn scope_condition(
    filter: &IndicatorFilter,
    agency_column: impl sea_orm::sea_query::IntoColumnRef + Clone,
    procedure_column: impl sea_orm::sea_query::IntoColumnRef + Clone,
) -> Cond {
    let mut cond = Cond::all();
    if let Some(agency) = &filter.agency_code {
        cond = cond.add(Expr::col(agency_column.clone()).eq(agency.as_str()));
    }
    if let Some(level) = filter.level {
        let of_level: SelectStatement = Query::select()
            .column(agencies::Column::Code)
            .from(agencies::Entity)
            .and_where(Expr::col(agencies::Column::Level).eq(level.as_str()))
            .to_owned();
        cond = cond.add(Expr::col(agency_column).in_subquery(of_level));
    }
    if let Some(procedure) = &filter.procedure_code {
        cond = cond.add(Expr::col(procedure_column.clone()).eq(procedure.as_str()));
    }
    if let Some(field) = &filter.field {
        let of_field: SelectStatement = Query::select()
            .column(procedures::Column::Code)
            .from(procedures::Entity)
            .and_where(Expr::col(procedures::Column::Field).eq(field.as_str()))
            .to_owned();
        cond = cond.add(Expr::col(procedure_column).in_subquery(of_field));
    }
    cond
}

/// An inclusive range of business days `YYYY-MM-DD` within one month, to add to the month's
/// figures or to subtract from them.
#[derive(Debug, Clone, PartialEq, Eq)]
struct DayRange {
    first: String,
    last: String,
    subtract: bool,
}

/// How a period is read from the records: a range of months (inclusive, `YYYY-MM`) from the
/// monthly rows, plus and minus ranges of days from the daily rows.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ReadPlan {
    months: Option<(String, String)>,
    days: Vec<DayRange>,
}

/// The cheapest way to read `[from, to]`, knowing records exist up to `today` only: each whole
/// month from its monthly rows; a month cut by the period (only the first and the last can be)
/// either from the daily rows of its days in the period, or as its monthly rows minus the daily
/// rows of its days outside the period, whichever reads fewer days that can have records. The
/// second is what makes a query "up to today" cheap: the month to date is its monthly rows minus
/// days still to come. A daily row is per channel, so a day of them is about four times as many
/// rows as a month of monthly rows; reading the month counts as one day.
///
/// The months read from the monthly rows always form one range: only the first and last month
/// can be cut, and whole months lie between them.
fn read_plan(from: NaiveDate, to: NaiveDate, today: NaiveDate) -> ReadPlan {
    let day = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let month = |d: NaiveDate| d.format("%Y-%m").to_string();
    // Days of [first, last] up to today: those that can have daily rows.
    let recorded = |first: NaiveDate, last: NaiveDate| Ord::max((Ord::min(last, today) - first).num_days(), -1) + 1;
    let mut months: Vec<NaiveDate> = Vec::new();
    let mut days = Vec::new();
    let mut start = from;
    while start <= to {
        let month_start = start.with_day(1).unwrap_or(start);
        let next_month = month_start.checked_add_months(Months::new(1));
        let month_end = next_month.and_then(|n| n.pred_opt()).unwrap_or(to);
        let end = Ord::min(month_end, to);
        let before = (month_start < start).then(|| (month_start, start - Days::new(1)));
        let after = (end < month_end).then(|| (end + Days::new(1), month_end));
        let outside = [before, after].into_iter().flatten();
        let whole = before.is_none() && after.is_none();
        if whole || 1 + outside.clone().map(|(f, l)| recorded(f, l)).sum::<i64>() < recorded(start, end) {
            months.push(month_start);
            days.extend(outside.map(|(f, l)| DayRange { first: day(f), last: day(l), subtract: true }));
        } else {
            days.push(DayRange { first: day(start), last: day(end), subtract: false });
        }
        match next_month {
            Some(next) => start = next,
            None => break,
        }
    }
    let months = months.first().zip(months.last()).map(|(first, last)| (month(*first), month(*last)));
    ReadPlan { months, days }
}

fn records_between(filter: &IndicatorFilter, grain: Grain, first: &str, last: &str) -> SelectStatement {
    let period = Alias::new(grain.period_column());
    Query::select()
        .from(grain.table())
        .and_where(Expr::col(period.clone()).gte(first))
        .and_where(Expr::col(period).lte(last))
        .cond_where(scope_condition(filter, Alias::new("agency_code"), Alias::new("procedure_code")))
        .to_owned()
}

/// How a segment's rows come back.
#[derive(Debug, Clone, Copy)]
enum Rows<'a> {
    /// Row by row, labelled with their period (a row per pair, period and shard, which the
    /// caller adds up: summing in SQL would give nearly as many groups as rows).
    Each,
    /// Summed per pair under the constant `label`, negated to `subtract`.
    Summed { label: &'a str, subtract: bool },
}

/// The records of `grain` from `first` to `last` (inclusive periods) in the filter's scope, as
/// rows of (label, agency, procedure, the counters the indicators read…).
fn segment_query(
    filter: &IndicatorFilter,
    grain: Grain,
    (first, last): (&str, &str),
    rows: Rows<'_>,
) -> SelectStatement {
    let mut query = records_between(filter, grain, first, last);
    let (period, agency, procedure) =
        (Alias::new(grain.period_column()), Alias::new("agency_code"), Alias::new("procedure_code"));
    match rows {
        Rows::Each => {
            query.expr_as(Expr::col(period), Alias::new("label")).column(agency).column(procedure);
            query.columns(COUNTERS_READ.iter().map(|name| Alias::new(*name)));
        }
        Rows::Summed { label, subtract } => {
            query.expr_as(Expr::val(label), Alias::new("label")).column(agency.clone()).column(procedure.clone());
            // Grouped in the monthly rows' key order (pair first): SQLite streams it.
            query.group_by_col(agency).group_by_col(procedure);
            for name in COUNTERS_READ {
                let sum = Func::sum(Expr::col(Alias::new(*name)));
                let signed = if subtract { Expr::expr(sum).mul(-1) } else { sum.into() };
                // SUM(bigint) is numeric on PostgreSQL: cast back so both backends give an i64.
                query.expr_as(Func::cast_as(signed, Alias::new("BIGINT")), Alias::new(*name));
            }
        }
    }
    query
}

/// The segments that read `plan`, each summed per pair under `label_of` its month (`YYYY-MM`),
/// the monthly rows read as `months`.
fn plan_segments(
    filter: &IndicatorFilter,
    plan: &ReadPlan,
    months: Rows<'_>,
    label_of: impl Fn(&str) -> String,
) -> Vec<SelectStatement> {
    let mut segments = Vec::new();
    if let Some((first, last)) = &plan.months {
        segments.push(segment_query(filter, Grain::Month, (first, last), months));
    }
    for range in &plan.days {
        let label = label_of(range.first.get(..7).unwrap_or_default());
        let rows = Rows::Summed { label: &label, subtract: range.subtract };
        segments.push(segment_query(filter, Grain::Day, (&range.first, &range.last), rows));
    }
    segments
}

/// The rows of all `segments` ([`segment_query`]s) in one statement: one round trip, however
/// many segments a period splits into.
async fn sum_segments(
    db: &impl ConnectionTrait,
    segments: Vec<SelectStatement>,
) -> anyhow::Result<Vec<(String, AgencyProcedure, Counters)>> {
    let mut segments = segments.into_iter();
    let Some(mut query) = segments.next() else {
        return Ok(Vec::new());
    };
    query.unions(segments.map(|segment| (UnionType::All, segment)));
    let statement = db.get_database_backend().build(&query);
    let rows = db.query_all_raw(statement).await.context("sum the throughput records")?;
    // Read by position, in the order selected: by name, every value looked its column up among
    // two dozen names (a tenth of a monthly breakdown's instructions at 10 M dossiers).
    rows.into_iter()
        .map(|row| {
            let text = |i: usize| row.try_get_by_index::<String>(i).with_context(|| format!("read column {i}"));
            let mut counters = Counters::default();
            for (i, name) in COUNTERS_READ.iter().enumerate() {
                let value = row.try_get_by_index::<i64>(3 + i).with_context(|| format!("read {name}"))?;
                counters.set(name, value);
            }
            Ok((text(0)?, (text(1)?, text(2)?), counters))
        })
        .collect()
}

/// The records of the filter's period and scope summed per agency and procedure (every channel,
/// day and shard added up): one row per pair, ordered by pair, read from the aggregates only as
/// [`read_plan`] says (monthly rows, plus and minus daily rows at the period's ends), in one
/// statement.
///
/// # Errors
/// On storage failure.
pub async fn sum_records_by_pair(
    db: &impl ConnectionTrait,
    filter: &IndicatorFilter,
) -> anyhow::Result<Vec<(AgencyProcedure, Counters)>> {
    let plan = read_plan(filter.from, filter.to, business_today());
    let segments = plan_segments(filter, &plan, Rows::Summed { label: "", subtract: false }, |_| String::new());
    let mut sums: BTreeMap<AgencyProcedure, Counters> = BTreeMap::new();
    for (_, pair, counters) in sum_segments(db, segments).await? {
        sums.entry(pair).or_default().add(&counters);
    }
    Ok(sums.into_iter().collect())
}

/// [`sum_records_by_pair`] for each of `months` (calendar months of the filter's period, the
/// first and last possibly cut, as `service::months_of` gives them), in their order. Read as
/// [`read_plan`] says, the monthly rows row by row and added up here: one statement whatever the
/// number of months.
///
/// # Errors
/// On storage failure.
pub async fn sum_records_by_month_and_pair(
    db: &impl ConnectionTrait,
    filter: &IndicatorFilter,
    months: &[(NaiveDate, NaiveDate)],
) -> anyhow::Result<Vec<Vec<(AgencyProcedure, Counters)>>> {
    let month = |d: NaiveDate| d.format("%Y-%m").to_string();
    // The monthly rows row by row, each labelled with its month; the days each under theirs.
    let plan = read_plan(filter.from, filter.to, business_today());
    let segments = plan_segments(filter, &plan, Rows::Each, str::to_owned);
    let mut per_month: BTreeMap<String, BTreeMap<AgencyProcedure, Counters>> = BTreeMap::new();
    for (month, pair, counters) in sum_segments(db, segments).await? {
        per_month.entry(month).or_default().entry(pair).or_default().add(&counters);
    }
    Ok(months
        .iter()
        .map(|(from, _)| per_month.remove(&month(*from)).map(|sums| sums.into_iter().collect()).unwrap_or_default())
        .collect())
}

/// One batch of the tracking book of `agency_code`: dossiers received in `[start, end)`, oldest
/// first, with their procedure's name, applicant and agency name.
///
/// # Errors
/// On storage failure.
pub async fn tracking_book_batch(
    db: &impl ConnectionTrait,
    agency_code: &str,
    start: chrono::DateTime<Utc>,
    end: chrono::DateTime<Utc>,
    offset: u64,
    limit: u64,
) -> anyhow::Result<Vec<BookLine>> {
    use dossiers::Column as C;
    let rows = dossiers::Entity::find()
        .filter(C::AgencyCode.eq(agency_code))
        .filter(C::ReceivedAt.gte(start.fixed_offset()))
        .filter(C::ReceivedAt.lt(end.fixed_offset()))
        .order_by_asc(C::ReceivedAt)
        .order_by_asc(C::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await
        .context("read the tracking book's dossiers")?;
    let applicant_ids: Vec<Uuid> = rows.iter().map(|d| d.applicant_id).collect();
    let applicants: Vec<(Uuid, String, Option<String>)> = accounts::Entity::find()
        .select_only()
        .columns([accounts::Column::Id, accounts::Column::FullName, accounts::Column::Phone])
        .filter(accounts::Column::Id.is_in(applicant_ids))
        .into_tuple()
        .all(db)
        .await
        .context("read the tracking book's applicants")?;
    let codes: Vec<String> = rows.iter().map(|d| d.procedure_code.clone()).collect();
    let names: Vec<(String, String)> = procedures::Entity::find()
        .select_only()
        .columns([procedures::Column::Code, procedures::Column::Name])
        .filter(procedures::Column::Code.is_in(codes))
        .into_tuple()
        .all(db)
        .await
        .context("read the tracking book's procedures")?;
    let agency_name = agencies::Entity::find_by_id(agency_code.to_owned())
        .one(db)
        .await
        .context("read the agency")?
        .map_or_else(|| agency_code.to_owned(), |a| a.name);
    let utc = |t: Option<sea_orm::prelude::DateTimeWithTimeZone>| t.map(|t| t.with_timezone(&Utc));
    Ok(rows
        .into_iter()
        .map(|d| {
            let applicant = applicants.iter().find(|a| a.0 == d.applicant_id);
            BookLine {
                applicant_id: d.applicant_id,
                code: d.code.unwrap_or_default(),
                procedure_name: names
                    .iter()
                    .find(|(code, _)| *code == d.procedure_code)
                    .map_or_else(|| d.procedure_code.clone(), |(_, name)| name.clone()),
                applicant_name: applicant.map(|a| a.1.clone()).unwrap_or_default(),
                applicant_phone: applicant.and_then(|a| a.2.clone()),
                agency_name: agency_name.clone(),
                channel: d.channel,
                state: d.state,
                received_at: utc(d.received_at),
                due_at: utc(d.due_at),
                returned_at: utc(d.returned_at),
                return_method: d.return_method,
            }
        })
        .collect())
}

fn open_table() -> Alias {
    Alias::new("open_dossier_counts")
}

const OPEN_KEY: [&str; 5] = ["received_day", "due_day", "agency_code", "procedure_code", "shard"];
const OPEN_COUNTS: [&str; 2] = ["open_dossiers", "open_resupplied"];

fn open_key_condition(key: &OpenKey) -> Cond {
    Cond::all()
        .add(Expr::col(Alias::new("received_day")).eq(key.received_day.as_str()))
        .add(Expr::col(Alias::new("due_day")).eq(key.due_day.as_str()))
        .add(Expr::col(Alias::new("agency_code")).eq(key.agency_code.as_str()))
        .add(Expr::col(Alias::new("procedure_code")).eq(key.procedure_code.as_str()))
        .add(Expr::col(Alias::new("shard")).eq(key.shard))
}

/// Adds `change` to the open-dossier record at `key` (the upsert of [`add_to_record`]), and
/// deletes the row when it drops to zero, so the snapshot holds only the open dossiers' rows.
///
/// # Errors
/// On storage failure.
pub async fn add_to_open_record(db: &impl ConnectionTrait, key: &OpenKey, change: &OpenCounts) -> anyhow::Result<()> {
    let values = [change.open_dossiers, change.open_resupplied];
    let mut columns: Vec<Alias> = OPEN_KEY.map(Alias::new).into();
    columns.extend(OPEN_COUNTS.map(Alias::new));
    let mut row: Vec<SimpleExpr> = vec![
        key.received_day.clone().into(),
        key.due_day.clone().into(),
        key.agency_code.clone().into(),
        key.procedure_code.clone().into(),
        key.shard.into(),
    ];
    row.extend(values.iter().map(|v| SimpleExpr::from(*v)));
    let mut on_conflict = OnConflict::columns(OPEN_KEY.map(Alias::new)).to_owned();
    for (name, _) in OPEN_COUNTS.iter().zip(&values).filter(|(_, v)| **v != 0) {
        on_conflict.value(
            Alias::new(*name),
            Expr::col((open_table(), Alias::new(*name))).add(Expr::col((Alias::new("excluded"), Alias::new(*name)))),
        );
    }
    let insert = Query::insert()
        .into_table(open_table())
        .columns(columns)
        .values(row)
        .context("build the open-dossier record upsert")?
        .on_conflict(on_conflict)
        .to_owned();
    let backend = db.get_database_backend();
    db.execute_raw(backend.build(&insert)).await.context("add to the open-dossier record")?;
    if values.iter().any(|v| *v < 0) {
        let empty = Query::delete()
            .from_table(open_table())
            .cond_where(open_key_condition(key))
            .and_where(Expr::col(Alias::new("open_dossiers")).eq(0))
            .and_where(Expr::col(Alias::new("open_resupplied")).eq(0))
            .to_owned();
        db.execute_raw(backend.build(&empty)).await.context("delete the empty open-dossier record")?;
    }
    Ok(())
}

/// Deletes the whole open-dossier snapshot (before a rebuild).
///
/// # Errors
/// On storage failure.
pub async fn delete_open_records(db: &impl ConnectionTrait) -> anyhow::Result<()> {
    let statement = db.get_database_backend().build(&Query::delete().from_table(open_table()).to_owned());
    db.execute_raw(statement).await.context("delete the open-dossier records")?;
    Ok(())
}

/// Every non-empty open-dossier record, ordered by key.
///
/// # Errors
/// On storage failure.
pub async fn all_open_records(db: &impl ConnectionTrait) -> anyhow::Result<Vec<(OpenKey, OpenCounts)>> {
    let mut query = Query::select().from(open_table()).to_owned();
    for name in OPEN_KEY.iter().chain(&OPEN_COUNTS) {
        query.column(Alias::new(*name));
    }
    for name in OPEN_KEY {
        query.order_by(Alias::new(name), sea_orm::Order::Asc);
    }
    let rows = db.query_all_raw(db.get_database_backend().build(&query)).await.context("read the open records")?;
    let mut records = Vec::with_capacity(rows.len());
    for row in &rows {
        let (key, counts) = open_record(row)?;
        if !counts.is_zero() {
            records.push((key, counts));
        }
    }
    Ok(records)
}

/// One open-dossier row as its key and counts.
fn open_record(row: &sea_orm::QueryResult) -> anyhow::Result<(OpenKey, OpenCounts)> {
    let text = |name: &str| row.try_get::<String>("", name).with_context(|| format!("read {name}"));
    let count = |name: &str| row.try_get::<i64>("", name).with_context(|| format!("read {name}"));
    let key = OpenKey {
        received_day: text("received_day")?,
        due_day: text("due_day")?,
        agency_code: text("agency_code")?,
        procedure_code: text("procedure_code")?,
        shard: row.try_get::<i16>("", "shard").context("read shard")?,
    };
    Ok((key, OpenCounts { open_dossiers: count("open_dossiers")?, open_resupplied: count("open_resupplied")? }))
}

/// The facts of every dossier received, unfinished and with an appointment (one query).
///
/// # Errors
/// On storage failure or an unknown stored state.
pub async fn open_dossier_facts(db: &impl ConnectionTrait) -> anyhow::Result<Vec<Facts>> {
    let rows = dossiers::Entity::find()
        .filter(dossiers::Column::ReceivedAt.is_not_null())
        .filter(dossiers::Column::FinishedAt.is_null())
        .filter(dossiers::Column::StatutoryDueAt.is_not_null())
        .all(db)
        .await
        .context("read the open dossiers")?;
    let utc = |t: Option<sea_orm::prelude::DateTimeWithTimeZone>| t.map(|t| t.with_timezone(&Utc));
    rows.into_iter()
        .map(|d| {
            Ok(Facts {
                id: d.id,
                state: DossierState::parse(&d.state)
                    .with_context(|| format!("dossier {} has unknown state {}", d.id, d.state))?,
                agency_code: d.agency_code,
                procedure_code: d.procedure_code,
                channel: d.channel,
                received_at: utc(d.received_at),
                statutory_due_at: utc(d.statutory_due_at),
                finished_at: utc(d.finished_at),
                paused_at: utc(d.paused_at),
                supplement_requests: d.supplement_requests,
                fee_total: d.fee_total,
                payment_method: d.payment_method,
                paid_at: utc(d.paid_at),
                return_method: d.return_method,
                rating: d.rating,
                attachments: false,
            })
        })
        .collect()
}

/// The open dossiers of the filter's scope received by its last day, summed per agency and
/// appointment day.
///
/// # Errors
/// On storage failure.
pub async fn open_per_due_day(db: &impl ConnectionTrait, filter: &IndicatorFilter) -> anyhow::Result<Vec<OpenDue>> {
    let (agency, due_day) = (Alias::new("agency_code"), Alias::new("due_day"));
    let mut query = Query::select()
        .from(open_table())
        .column(agency.clone())
        .column(due_day.clone())
        .and_where(Expr::col(Alias::new("received_day")).lte(filter.to.format("%Y-%m-%d").to_string()))
        .cond_where(scope_condition(filter, Alias::new("agency_code"), Alias::new("procedure_code")))
        .group_by_col(agency)
        .group_by_col(due_day)
        .to_owned();
    for name in OPEN_COUNTS {
        query.expr_as(Func::cast_as(Func::sum(Expr::col(Alias::new(name))), Alias::new("BIGINT")), Alias::new(name));
    }
    let rows = db.query_all_raw(db.get_database_backend().build(&query)).await.context("sum the open records")?;
    rows.into_iter()
        .map(|row| {
            Ok(OpenDue {
                agency_code: row.try_get::<String>("", "agency_code").context("read agency_code")?,
                due_day: row.try_get::<String>("", "due_day").context("read due_day")?,
                open: row.try_get::<i64>("", "open_dossiers").context("read open_dossiers")?,
                resupplied: row.try_get::<i64>("", "open_resupplied").context("read open_resupplied")?,
            })
        })
        .collect()
}

/// [`open_per_due_day`] grouped by month of reception (`YYYY-MM`) too, for the open dossiers at
/// the end of each month of a period (`open::at_each_end`): one statement.
///
/// # Errors
/// On storage failure.
pub async fn open_per_due_day_by_reception_month(
    db: &impl ConnectionTrait,
    filter: &IndicatorFilter,
) -> anyhow::Result<BTreeMap<String, Vec<OpenDue>>> {
    let received_month = Expr::cust("SUBSTR(received_day, 1, 7)");
    let (agency, due_day) = (Alias::new("agency_code"), Alias::new("due_day"));
    let mut query = Query::select()
        .from(open_table())
        .expr_as(received_month.clone(), Alias::new("received_month"))
        .column(agency.clone())
        .column(due_day.clone())
        .and_where(Expr::col(Alias::new("received_day")).lte(filter.to.format("%Y-%m-%d").to_string()))
        .cond_where(scope_condition(filter, Alias::new("agency_code"), Alias::new("procedure_code")))
        // In the order of the index on (agency, appointment day, reception day).
        .add_group_by([Expr::col(agency), Expr::col(due_day), received_month])
        .to_owned();
    for name in OPEN_COUNTS {
        query.expr_as(Func::cast_as(Func::sum(Expr::col(Alias::new(name))), Alias::new("BIGINT")), Alias::new(name));
    }
    let rows = db.query_all_raw(db.get_database_backend().build(&query)).await.context("sum the open records")?;
    let mut by_reception: BTreeMap<String, Vec<OpenDue>> = BTreeMap::new();
    for row in rows {
        let text = |name: &str| row.try_get::<String>("", name).with_context(|| format!("read {name}"));
        let count = |name: &str| row.try_get::<i64>("", name).with_context(|| format!("read {name}"));
        by_reception.entry(text("received_month")?).or_default().push(OpenDue {
            agency_code: text("agency_code")?,
            due_day: text("due_day")?,
            open: count("open_dossiers")?,
            resupplied: count("open_resupplied")?,
        });
    }
    Ok(by_reception)
}

/// Adds many records at once, and to their months: multi-row upserts of [`add_to_record`]'s
/// shape, each key at most once (the caller sums per key first).
///
/// # Errors
/// On storage failure.
pub async fn add_to_records(db: &impl ConnectionTrait, rows: &[(RecordKey, Counters)]) -> anyhow::Result<()> {
    let days: Vec<(String, &RecordKey, &Counters)> = rows.iter().map(|(k, c)| (k.day.clone(), k, c)).collect();
    for chunk in days.chunks(200) {
        upsert_counters(db, Grain::Day, chunk, false).await?;
    }
    let mut months: BTreeMap<(String, RecordKey), Counters> = BTreeMap::new();
    for (key, counters) in rows {
        let month = Grain::Month.period_of(&key.day);
        let at_month = RecordKey { day: String::new(), ..Grain::Month.key_of(key) };
        months.entry((month, at_month)).or_default().add(counters);
    }
    let months: Vec<(String, &RecordKey, &Counters)> = months.iter().map(|((m, k), c)| (m.clone(), k, c)).collect();
    for chunk in months.chunks(200) {
        upsert_counters(db, Grain::Month, chunk, false).await?;
    }
    Ok(())
}

/// The periods (values of `period_column`) that have rows outside shard 0 in `table`.
async fn sharded_periods(db: &impl ConnectionTrait, table: Alias, period_column: &str) -> anyhow::Result<Vec<String>> {
    let period = Alias::new(period_column);
    let sharded = Query::select()
        .distinct()
        .column(period)
        .from(table)
        .and_where(Expr::col(Alias::new("shard")).ne(0))
        .to_owned();
    let rows = db.query_all_raw(db.get_database_backend().build(&sharded)).await.context("list the periods to fold")?;
    rows.iter().map(|row| row.try_get::<String>("", period_column).context("read the period")).collect()
}

/// Deletes the rows of `period` outside shard 0 from `table` and returns them (`DELETE …
/// RETURNING`), for the caller to add to shard 0 in the same transaction.
async fn take_shards(
    txn: &impl ConnectionTrait,
    table: Alias,
    period_column: &str,
    period: &str,
) -> anyhow::Result<Vec<sea_orm::QueryResult>> {
    let delete = Query::delete()
        .from_table(table)
        .and_where(Expr::col(Alias::new(period_column)).eq(period))
        .and_where(Expr::col(Alias::new("shard")).ne(0))
        .returning_all()
        .to_owned();
    txn.query_all_raw(txn.get_database_backend().build(&delete)).await.context("take the shards to fold")
}

/// Folds the shards of the records of every day and month into shard 0: the sums stay, a query
/// reads a sixteenth of the rows. Shards spread concurrent writers over rows so they do not
/// queue on one row's lock; after a fold the writers of the current day and month recreate the
/// shard rows they touch, until the next fold (hourly: [`super::records::CompactTask`]). One
/// transaction per period; the rows are taken by `DELETE … RETURNING`, so a write that lands
/// meanwhile is either in what was deleted or in a row left for the next fold.
///
/// # Errors
/// On storage failure.
pub async fn compact_records(db: &sea_orm::DatabaseConnection) -> anyhow::Result<u64> {
    let mut folded = 0;
    for grain in [Grain::Day, Grain::Month] {
        for p in sharded_periods(db, grain.table(), grain.period_column()).await? {
            let txn = crate::db::begin_write(db).await.context("begin folding records")?;
            let rows = take_shards(&txn, grain.table(), grain.period_column(), &p).await?;
            let mut sums: BTreeMap<RecordKey, Counters> = BTreeMap::new();
            for row in &rows {
                let text = |name: &str| row.try_get::<String>("", name).with_context(|| format!("read {name}"));
                let key = RecordKey {
                    day: p.clone(),
                    agency_code: text("agency_code")?,
                    procedure_code: text("procedure_code")?,
                    channel: if grain == Grain::Day { text("channel")? } else { String::new() },
                    shard: 0,
                };
                let values = Counters::NAMES
                    .iter()
                    .map(|name| row.try_get::<i64>("", name).with_context(|| format!("read {name}")))
                    .collect::<anyhow::Result<Vec<i64>>>()?;
                sums.entry(key).or_default().add(&Counters::from_values(&values));
            }
            folded += rows.len() as u64;
            let list: Vec<(String, &RecordKey, &Counters)> = sums.iter().map(|(k, c)| (p.clone(), k, c)).collect();
            for chunk in list.chunks(200) {
                upsert_counters(&txn, grain, chunk, false).await?;
            }
            txn.commit().await.context("commit folded records")?;
        }
    }
    Ok(folded)
}

/// Folds the open-dossier rows of every reception day into shard 0, as [`compact_records`] does
/// for the records: the on-time indicator reads every open row of its scope. A dossier of a
/// folded row that moves later subtracts from its own shard's row, which then holds a negative
/// count until the next fold; sums over the shards stay right throughout. Returns the rows folded.
///
/// # Errors
/// On storage failure.
pub async fn compact_open_records(db: &sea_orm::DatabaseConnection) -> anyhow::Result<u64> {
    let mut folded = 0;
    for day in sharded_periods(db, open_table(), "received_day").await? {
        let txn = crate::db::begin_write(db).await.context("begin folding open records")?;
        let rows = take_shards(&txn, open_table(), "received_day", &day).await?;
        let mut sums: BTreeMap<OpenKey, OpenCounts> = BTreeMap::new();
        for row in &rows {
            let (key, counts) = open_record(row)?;
            sums.entry(OpenKey { shard: 0, ..key }).or_default().add(&counts);
        }
        folded += rows.len() as u64;
        for (key, counts) in sums.iter().filter(|(_, c)| !c.is_zero()) {
            add_to_open_record(&txn, key, counts).await?;
        }
        txn.commit().await.context("commit folded open records")?;
    }
    Ok(folded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// The plan of `[from, to]` read on a day after both.
    fn plan(from: &str, to: &str) -> ReadPlan {
        read_plan(d(from), d(to), d("2030-01-01"))
    }

    fn months(first: &str, last: &str) -> Option<(String, String)> {
        Some((first.to_owned(), last.to_owned()))
    }

    fn add(first: &str, last: &str) -> DayRange {
        DayRange { first: first.to_owned(), last: last.to_owned(), subtract: false }
    }

    fn subtract(first: &str, last: &str) -> DayRange {
        DayRange { first: first.to_owned(), last: last.to_owned(), subtract: true }
    }

    #[test]
    fn whole_months_are_read_from_the_monthly_rows_and_the_days_around_them_from_the_daily_ones() {
        assert_eq!(
            plan("2026-01-25", "2026-11-05"),
            ReadPlan {
                months: months("2026-02", "2026-10"),
                days: vec![add("2026-01-25", "2026-01-31"), add("2026-11-01", "2026-11-05")]
            }
        );
        assert_eq!(plan("2026-01-01", "2026-12-31"), ReadPlan { months: months("2026-01", "2026-12"), days: vec![] });
        assert_eq!(plan("2025-12-01", "2026-02-28"), ReadPlan { months: months("2025-12", "2026-02"), days: vec![] });
    }

    #[test]
    fn a_month_mostly_in_the_period_is_its_monthly_rows_minus_the_days_outside() {
        assert_eq!(
            plan("2026-01-05", "2026-03-30"),
            ReadPlan {
                months: months("2026-01", "2026-03"),
                days: vec![subtract("2026-01-01", "2026-01-04"), subtract("2026-03-31", "2026-03-31")]
            }
        );
        assert_eq!(
            plan("2026-03-02", "2026-03-30"),
            ReadPlan {
                months: months("2026-03", "2026-03"),
                days: vec![subtract("2026-03-01", "2026-03-01"), subtract("2026-03-31", "2026-03-31")]
            }
        );
    }

    #[test]
    fn days_still_to_come_cost_nothing_so_the_month_to_date_is_the_month_minus_them() {
        let today = d("2026-11-10");
        assert_eq!(
            read_plan(d("2026-11-01"), today, today),
            ReadPlan { months: months("2026-11", "2026-11"), days: vec![subtract("2026-11-11", "2026-11-30")] }
        );
        // A year up to today: the first day alone from the daily rows, this month as above.
        assert_eq!(
            read_plan(d("2025-11-10"), today, today),
            ReadPlan {
                months: months("2025-11", "2026-11"),
                days: vec![subtract("2025-11-01", "2025-11-09"), subtract("2026-11-11", "2026-11-30")]
            }
        );
        assert_eq!(
            read_plan(d("2025-11-25"), today, today),
            ReadPlan {
                months: months("2025-12", "2026-11"),
                days: vec![add("2025-11-25", "2025-11-30"), subtract("2026-11-11", "2026-11-30")]
            }
        );
    }

    #[test]
    fn a_few_days_are_read_from_the_daily_rows() {
        assert_eq!(
            plan("2026-03-10", "2026-03-20"),
            ReadPlan { months: None, days: vec![add("2026-03-10", "2026-03-20")] }
        );
        assert_eq!(
            plan("2026-03-25", "2026-04-05"),
            ReadPlan { months: None, days: vec![add("2026-03-25", "2026-03-31"), add("2026-04-01", "2026-04-05")] }
        );
        assert_eq!(
            plan("2026-11-30", "2026-11-30"),
            ReadPlan { months: None, days: vec![add("2026-11-30", "2026-11-30")] }
        );
    }
}

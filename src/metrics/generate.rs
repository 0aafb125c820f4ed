//! `motcua generate-dossiers`: fills a database with many realistic dossiers and their
//! throughput records, for benchmarks of the indicators (BENCHMARKS.md). Each dossier gets a
//! timeline (submission, reception, supplements, payment, finish, return, rating) drawn from a
//! seeded generator, cut at the present, so recent dossiers are still open; its row is what the
//! workflow would have left, and its records are what [`records::replay`] makes of the timeline —
//! the rules of the live records, not a copy of them. Rows go in as multi-row INSERTs in large
//! transactions, day after day, the records of a day written once no later dossier can touch it.
//!
//! What it does not write: audit events, attachments, payments, results and national sync
//! states (they would multiply the rows by ten and the indicators read none of them). So
//! `motcua recount` on a generated database would find no events to replay: it is for benchmarks.

use std::collections::{BTreeMap, HashMap};

use anyhow::Context;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use entity::{accounts, dossiers, procedure_agencies, procedures};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, QueryOrder, Set};
use serde_json::json;
use uuid::Uuid;

use super::open::{self, OpenCounts, OpenKey};
use super::records::{self, Counters, Facts, RecordKey, ReplayedEvent};
use super::store;
use crate::calendar::domain::business_offset;
use crate::workflow::domain::DossierState;

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub count: u64,
    pub seed: u64,
    /// Days back from today over which the submissions spread.
    pub days: u32,
}

/// What was generated.
#[derive(Debug, Clone, Copy, Default)]
pub struct Generated {
    pub dossiers: u64,
    pub records: u64,
    pub open_records: u64,
}

/// Rows per INSERT statement: well under SQLite's 32 766 bound variables at ~40 columns.
const ROWS_PER_STATEMENT: usize = 400;
/// Dossiers per transaction.
const ROWS_PER_TRANSACTION: usize = 40_000;
/// Generated applicant accounts the dossiers are spread over.
const APPLICANTS: u64 = 1000;

struct Pair {
    agency_code: String,
    procedure_code: String,
    /// Calendar days from reception to the appointment.
    processing_days: i64,
    fee: i64,
}

/// Fills the database with `plan.count` dossiers and their records.
///
/// # Errors
/// No (agency, procedure) pair in the catalogue, or a storage failure.
pub async fn generate(db: &DatabaseConnection, plan: Plan) -> anyhow::Result<Generated> {
    let pairs = pairs(db).await?;
    anyhow::ensure!(
        !pairs.is_empty(),
        "the catalogue assigns no procedure to any agency: load one first (motcua seed-demo, motcua import-procedures)"
    );
    let applicants = applicants(db, plan.seed).await?;
    let mut rng = StdRng::seed_from_u64(plan.seed);
    let now = Utc::now();
    let today = now.with_timezone(&business_offset()).date_naive();
    let today_key = today.format("%Y-%m-%d").to_string();
    let days = i64::from(plan.days.max(1));
    let mut generated = Generated::default();
    let mut pending_records: BTreeMap<RecordKey, Counters> = BTreeMap::new();
    let mut open_rows: BTreeMap<OpenKey, OpenCounts> = BTreeMap::new();
    let mut rows: Vec<dossiers::ActiveModel> = Vec::with_capacity(ROWS_PER_TRANSACTION);
    let mut txn = crate::db::begin_write(db).await.context("begin generating")?;
    let mut codes: HashMap<(String, NaiveDate), u64> = HashMap::new();
    for offset in (0..days).rev() {
        let day = today - Duration::days(offset);
        let index = u64::try_from(days - 1 - offset).unwrap_or_default();
        // The count spread evenly over the days, the remainder on the first ones.
        let share = plan.count / days.unsigned_abs() + u64::from(index < plan.count % days.unsigned_abs());
        for _ in 0..share {
            let pair = &pairs[rng.random_range(0..pairs.len())];
            let applicant = applicants[rng.random_range(0..applicants.len())];
            let counter = codes.entry((pair.agency_code.clone(), day)).or_default();
            *counter += 1;
            let code = format!("{}-{}-G{}", pair.agency_code, day.format("%y%m%d"), counter);
            let dossier = one_dossier(&mut rng, pair, day, now, applicant, code)?;
            for (key, counters) in dossier.records {
                pending_records.entry(key).or_default().add(&counters);
            }
            if let Some((key, counts)) = dossier.open {
                // Rows of days before today folded, today's left sharded (see `write_records`).
                let shard = if key.received_day < today_key { 0 } else { key.shard };
                open_rows.entry(OpenKey { shard, ..key }).or_default().add(&counts);
            }
            rows.push(dossier.row);
            generated.dossiers += 1;
            if rows.len() >= ROWS_PER_TRANSACTION {
                insert_dossiers(&txn, std::mem::take(&mut rows)).await?;
                txn.commit().await.context("commit generated dossiers")?;
                txn = crate::db::begin_write(db).await.context("begin generating")?;
                if generated.dossiers % 1_000_000 < ROWS_PER_TRANSACTION as u64 {
                    tracing::info!(dossiers = generated.dossiers, "generating");
                }
            }
        }
        // Every later dossier is submitted after this day: its records are complete.
        let last = day.format("%Y-%m-%d").to_string();
        let later = pending_records.split_off(&RecordKey {
            day: format!("{last}~"),
            agency_code: String::new(),
            procedure_code: String::new(),
            channel: String::new(),
            shard: 0,
        });
        let done = std::mem::replace(&mut pending_records, later);
        generated.records += write_records(&txn, &done, today).await?;
    }
    insert_dossiers(&txn, rows).await?;
    generated.records += write_records(&txn, &pending_records, today).await?;
    for (key, counts) in &open_rows {
        store::add_to_open_record(&txn, key, counts).await?;
    }
    generated.open_records = open_rows.len() as u64;
    txn.commit().await.context("commit generated dossiers")?;
    Ok(generated)
}

async fn pairs(db: &DatabaseConnection) -> anyhow::Result<Vec<Pair>> {
    let procedures: HashMap<String, procedures::Model> = procedures::Entity::find()
        .all(db)
        .await
        .context("read the procedures")?
        .into_iter()
        .map(|p| (p.code.clone(), p))
        .collect();
    let assigned = procedure_agencies::Entity::find()
        .order_by_asc(procedure_agencies::Column::AgencyCode)
        .order_by_asc(procedure_agencies::Column::ProcedureCode)
        .all(db)
        .await
        .context("read the procedures' agencies")?;
    Ok(assigned
        .into_iter()
        .filter_map(|a| {
            let p = procedures.get(&a.procedure_code)?;
            // Working days to calendar days: five of seven.
            let working = i64::from(p.processing_value.unwrap_or(5).max(1));
            let fee = serde_json::from_str::<serde_json::Value>(&p.fees)
                .ok()
                .and_then(|fees| {
                    fees.as_array().map(|fees| {
                        fees.iter()
                            .filter_map(|f| f.get("amount_vnd").or_else(|| f.get("amount")).and_then(|a| a.as_i64()))
                            .sum()
                    })
                })
                .unwrap_or(0);
            Some(Pair {
                agency_code: a.agency_code,
                procedure_code: a.procedure_code,
                processing_days: (working * 7 + 4) / 5,
                fee,
            })
        })
        .collect())
}

/// The generated applicants (created once per seed; they cannot sign in).
async fn applicants(db: &DatabaseConnection, seed: u64) -> anyhow::Result<Vec<Uuid>> {
    let now = Utc::now().fixed_offset();
    let ids: Vec<Uuid> =
        (0..APPLICANTS).map(|i| Uuid::from_u128((u128::from(seed) << 64) | u128::from(i) | (0xA5 << 56))).collect();
    for (chunk_index, chunk) in ids.chunks(ROWS_PER_STATEMENT).enumerate() {
        let models = chunk.iter().enumerate().map(|(i, id)| accounts::ActiveModel {
            id: Set(*id),
            kind: Set("citizen".to_owned()),
            email: Set(format!("cong.dan.{seed}.{}@generated.motcua.invalid", chunk_index * ROWS_PER_STATEMENT + i)),
            national_id: Set(None),
            full_name: Set(format!("Công dân thử {}", chunk_index * ROWS_PER_STATEMENT + i)),
            phone: Set(None),
            password_hash: Set("!".to_owned()),
            email_verified_at: Set(Some(now)),
            agency_code: Set(None),
            roles: Set(String::new()),
            active: Set(true),
            privacy_notice_version: Set(None),
            privacy_consent_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        });
        accounts::Entity::insert_many(models)
            .on_conflict(OnConflict::column(accounts::Column::Id).do_nothing().to_owned())
            .exec_without_returning(db)
            .await
            .context("create the generated applicants")?;
    }
    Ok(ids)
}

async fn insert_dossiers(db: &impl ConnectionTrait, rows: Vec<dossiers::ActiveModel>) -> anyhow::Result<()> {
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<dossiers::ActiveModel> = rows.by_ref().take(ROWS_PER_STATEMENT).collect();
        dossiers::Entity::insert_many(chunk).exec_without_returning(db).await.context("insert generated dossiers")?;
    }
    Ok(())
}

/// Writes records, those of the days before `today` folded into shard 0 as [`records::compact`]
/// leaves them, today's left in their shards as if written since the last fold (the most rows an
/// indicator query then reads).
async fn write_records(
    db: &impl ConnectionTrait,
    records: &BTreeMap<RecordKey, Counters>,
    today: NaiveDate,
) -> anyhow::Result<u64> {
    let today = today.format("%Y-%m-%d").to_string();
    let mut folded: BTreeMap<RecordKey, Counters> = BTreeMap::new();
    for (key, counters) in records {
        let shard = if key.day < today { 0 } else { key.shard };
        folded.entry(RecordKey { shard, ..key.clone() }).or_default().add(counters);
    }
    let rows: Vec<(RecordKey, Counters)> = folded.into_iter().collect();
    store::add_to_records(db, &rows).await?;
    Ok(rows.len() as u64)
}

/// One generated dossier.
struct Dossier {
    row: dossiers::ActiveModel,
    records: BTreeMap<RecordKey, Counters>,
    open: Option<(OpenKey, OpenCounts)>,
}

/// One step of a timeline, with the statutory appointment after it.
struct Step {
    event: ReplayedEvent,
    statutory_due_at: Option<DateTime<Utc>>,
}

/// A UUID v7 of `at` whose random bits come from `rng` (ids in time order, as the app's).
fn id_at(rng: &mut StdRng, at: DateTime<Utc>) -> Uuid {
    let millis = u128::from(u64::try_from(at.timestamp_millis()).unwrap_or_default());
    let random: u128 = rng.random();
    let mut value = (millis << 80) | (random & ((1u128 << 80) - 1));
    value = (value & !(0xF_u128 << 76)) | (0x7_u128 << 76);
    value = (value & !(0x3_u128 << 62)) | (0x2_u128 << 62);
    Uuid::from_u128(value)
}

fn minutes(rng: &mut StdRng, low: i64, high: i64) -> Duration {
    Duration::minutes(rng.random_range(low..=high))
}

fn pick<'a>(rng: &mut StdRng, weighted: &[(&'a str, u32)]) -> &'a str {
    let total: u32 = weighted.iter().map(|(_, w)| w).sum();
    let mut draw = rng.random_range(0..total);
    for (value, weight) in weighted {
        if draw < *weight {
            return value;
        }
        draw -= weight;
    }
    weighted[0].0
}

/// The timeline of one dossier submitted on `day`, cut at `now`.
#[allow(clippy::too_many_lines)]
fn one_dossier(
    rng: &mut StdRng,
    pair: &Pair,
    day: NaiveDate,
    now: DateTime<Utc>,
    applicant: Uuid,
    code: String,
) -> anyhow::Result<Dossier> {
    let offset = business_offset();
    // Office hours, 07:30 to 16:30 local time.
    let start = offset
        .from_local_datetime(&day.and_hms_opt(7, 30, 0).context("a valid time")?)
        .single()
        .context("a fixed offset has one local time")?
        .with_timezone(&Utc)
        + Duration::seconds(rng.random_range(0..9 * 3600));
    // Today's dossiers were all submitted by now.
    let start = start.min(now - Duration::minutes(1));
    let id = id_at(rng, start);
    let channel = pick(rng, &[("online", 45), ("national_portal", 10), ("direct", 40), ("postal", 5)]);
    let online = matches!(channel, "online" | "national_portal");
    let mut steps: Vec<Step> = Vec::new();
    let mut t = start;
    let push = |steps: &mut Vec<Step>, action: &str, to: &str, data: serde_json::Value, at, due| {
        steps.push(Step {
            event: ReplayedEvent { action: action.to_owned(), to_state: to.to_owned(), data, at },
            statutory_due_at: due,
        });
    };
    push(&mut steps, "submit", "submitted", json!({ "channel": channel }), t, None);
    let draw: f64 = rng.random();
    if draw < 0.03 {
        t += minutes(rng, 20, 600);
        push(&mut steps, "refuse", "refused", json!({"reason": "Không thuộc thẩm quyền"}), t, None);
    } else {
        t += if online { minutes(rng, 5, 240) } else { Duration::seconds(1) };
        let appointment = t + Duration::days(pair.processing_days);
        let mut due = Some(appointment);
        push(&mut steps, "receive", "received", json!({ "due_at": appointment }), t, due);
        t += minutes(rng, 5, 180);
        push(&mut steps, "assign", "in_progress", json!({}), t, due);
        let supplements = match rng.random_range(0..100) {
            0..=1 => 2,
            2..=11 => 1,
            _ => 0,
        };
        for n in 1..=supplements {
            t += minutes(rng, 60, 2880);
            let paused = t;
            push(&mut steps, "request_supplement", "awaiting_supplement", json!({"request_number": n}), t, due);
            t += minutes(rng, 240, 4320);
            // The clock stands still while the citizen supplements: the appointment moves on.
            due = due.map(|d| d + (t - paused));
            push(&mut steps, "supplement", "in_progress", json!({}), t, due);
        }
        if pair.fee > 0 {
            t += minutes(rng, 30, 1440);
            let paused = t;
            push(&mut steps, "request_payment", "awaiting_payment", json!({"amount": pair.fee}), t, due);
            t += minutes(rng, 5, 2880);
            due = due.map(|d| d + (t - paused));
            let method = pick(rng, &[("online", 55), ("cash", 45)]);
            push(&mut steps, "confirm_payment", "in_progress", json!({ "method": method }), t, due);
        }
        let appointment = due.unwrap_or(t);
        let finish = if rng.random_range(0..100) < 10 {
            appointment + minutes(rng, 60, 7200)
        } else if appointment > t {
            let room = (appointment - t).num_seconds().max(60);
            t + Duration::seconds(rng.random_range(60..=room))
        } else {
            t + Duration::hours(1)
        };
        t = finish;
        let (action, to, data) = match rng.random_range(0..100) {
            0..=1 => ("withdraw", "withdrawn", json!({})),
            2 => ("stop", "stopped", json!({"reason": "Có tranh chấp"})),
            3..=5 => ("refuse", "refused", json!({"reason": "Không đủ điều kiện"})),
            _ => ("resolve", "resolved", json!({"decision": "approved"})),
        };
        push(&mut steps, action, to, data, t, due);
        if to == "resolved" {
            t += minutes(rng, 30, 4320);
            let method = pick(rng, &[("online", 45), ("desk", 45), ("post", 10)]);
            push(&mut steps, "return_result", "returned", json!({ "method": method }), t, due);
            if rng.random_range(0..100) < 30 {
                t += minutes(rng, 10, 7200);
                let score = pick(rng, &[("satisfied", 80), ("neutral", 12), ("unsatisfied", 8)]);
                push(&mut steps, "rate", "returned", json!({ "score": score }), t, due);
            }
        }
    }
    // What has not happened yet does not exist: recent dossiers stay open.
    steps.retain(|s| s.event.at <= now);
    let attachments = rng.random_range(0..100) < 70;
    let (row, last) = dossier_row(id, pair, channel, applicant, code, &steps, start, attachments)?;
    let events: Vec<ReplayedEvent> = steps.into_iter().map(|s| s.event).collect();
    let records = records::replay(&last, &events)?;
    Ok(Dossier { open: open::slot(&last), row, records })
}

/// The dossier row the workflow would have left after `steps`, and its facts as the record rules
/// read them.
#[allow(clippy::too_many_arguments)]
fn dossier_row(
    id: Uuid,
    pair: &Pair,
    channel: &str,
    applicant: Uuid,
    code: String,
    steps: &[Step],
    created: DateTime<Utc>,
    attachments: bool,
) -> anyhow::Result<(dossiers::ActiveModel, Facts)> {
    let at = |action: &str| steps.iter().find(|s| s.event.action == action).map(|s| s.event.at.fixed_offset());
    let text = |action: &str, key: &str| {
        steps
            .iter()
            .find(|s| s.event.action == action)
            .and_then(|s| s.event.data.get(key).and_then(|v| v.as_str()).map(str::to_owned))
    };
    let last = steps.last().context("a timeline starts with its submission")?;
    let state = DossierState::parse(&last.event.to_state).context("a known state")?;
    let paused = matches!(state, DossierState::AwaitingSupplement | DossierState::AwaitingPayment);
    let finished_at = steps
        .iter()
        .find(|s| matches!(s.event.to_state.as_str(), "resolved" | "refused" | "stopped" | "withdrawn"))
        .map(|s| s.event.at.fixed_offset());
    let supplement_seconds: i64 = steps
        .windows(2)
        .filter(|w| w[0].event.action == "request_supplement" && w[1].event.action == "supplement")
        .map(|w| (w[1].event.at - w[0].event.at).num_seconds())
        .sum();
    let due = last.statutory_due_at.map(|d| d.fixed_offset());
    let utc = |t: Option<sea_orm::prelude::DateTimeWithTimeZone>| t.map(|t| t.with_timezone(&Utc));
    let supplement_requests =
        i32::try_from(steps.iter().filter(|s| s.event.action == "request_supplement").count()).unwrap_or(0);
    let fee_total = if at("request_payment").is_some() { pair.fee } else { 0 };
    let paused_at = paused.then(|| last.event.at.fixed_offset());
    let facts = Facts {
        id,
        agency_code: pair.agency_code.clone(),
        procedure_code: pair.procedure_code.clone(),
        channel: channel.to_owned(),
        state,
        received_at: utc(at("receive")),
        statutory_due_at: last.statutory_due_at,
        finished_at: utc(finished_at),
        paused_at: utc(paused_at),
        supplement_requests,
        fee_total,
        payment_method: text("confirm_payment", "method"),
        paid_at: utc(at("confirm_payment")),
        return_method: text("return_result", "method"),
        rating: text("rate", "score"),
        attachments,
    };
    let row = dossiers::ActiveModel {
        id: Set(id),
        code: Set(at("receive").map(|_| code)),
        lookup_secret: Set(None),
        procedure_code: Set(pair.procedure_code.clone()),
        agency_code: Set(pair.agency_code.clone()),
        applicant_id: Set(applicant),
        state: Set(state.as_str().to_owned()),
        resume_state: Set(paused.then(|| "in_progress".to_owned())),
        channel: Set(channel.to_owned()),
        form_data: Set("{}".to_owned()),
        version: Set(i32::try_from(steps.len()).unwrap_or(i32::MAX)),
        submitted_at: Set(at("submit")),
        received_at: Set(at("receive")),
        due_at: Set(due),
        resolved_at: Set(at("resolve")),
        returned_at: Set(at("return_result")),
        created_at: Set(created.fixed_offset()),
        updated_at: Set(last.event.at.fixed_offset()),
        assignee_id: Set(None),
        statutory_due_at: Set(due),
        paused_at: Set(paused_at),
        supplement_requests: Set(supplement_requests),
        supplement_seconds: Set(supplement_seconds),
        apologies: Set(0),
        finished_at: Set(finished_at),
        decision: Set(at("resolve").map(|_| "approved".to_owned())),
        fee_total: Set(fee_total),
        payment_method: Set(text("confirm_payment", "method")),
        paid_at: Set(at("confirm_payment")),
        return_method: Set(text("return_result", "method")),
        rating: Set(text("rate", "score")),
        rating_comment: Set(None),
        rated_at: Set(at("rate")),
        external_id: Set(None),
        vneid_authenticated: Set(false),
        handling_agency_code: Set(None),
    };
    Ok((row, facts))
}

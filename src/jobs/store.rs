//! The only place the outbox touches the database: the `outbox_jobs` table.
//!
//! # Implementation Notes
//! Every time is stored in UTC, so on SQLite (where times are RFC 3339 text) comparing the text
//! compares the instants.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use entity::outbox_jobs::{self, Column, Entity};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, LockBehavior, LockType, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, TryInsertResult,
};
use uuid::Uuid;

use super::domain::{Job, JobState, NewJob};
use super::error::JobError;
use crate::http::pagination::Page;

fn utc(t: DateTime<chrono::FixedOffset>) -> DateTime<Utc> {
    t.with_timezone(&Utc)
}

impl TryFrom<outbox_jobs::Model> for Job {
    type Error = JobError;

    fn try_from(m: outbox_jobs::Model) -> Result<Self, JobError> {
        let state = JobState::parse(&m.state).ok_or_else(|| anyhow::anyhow!("job {} has unknown state", m.id))?;
        let payload = serde_json::from_str(&m.payload).map_err(|e| anyhow::anyhow!("job {} payload: {e}", m.id))?;
        Ok(Self {
            id: m.id,
            kind: m.kind,
            ordering_key: m.ordering_key,
            dedupe_key: m.dedupe_key,
            payload,
            state,
            attempts: u32::try_from(m.attempts).unwrap_or(0),
            run_at: utc(m.run_at),
            locked_until: m.locked_until.map(utc),
            last_error: m.last_error,
            created_at: utc(m.created_at),
            finished_at: m.finished_at.map(utc),
        })
    }
}

/// Inserts a job; `false` when its dedupe key already exists (nothing inserted).
pub(super) async fn insert_job(db: &impl ConnectionTrait, job: NewJob, now: DateTime<Utc>) -> Result<bool, JobError> {
    let payload = serde_json::to_string(&job.payload).map_err(|e| anyhow::anyhow!("serialise the payload: {e}"))?;
    let row = outbox_jobs::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(job.kind.to_owned()),
        ordering_key: Set(job.ordering_key),
        dedupe_key: Set(job.dedupe_key),
        payload: Set(payload),
        state: Set(JobState::Pending.as_str().to_owned()),
        attempts: Set(0),
        run_at: Set(job.run_at.unwrap_or(now).fixed_offset()),
        locked_until: Set(None),
        last_error: Set(None),
        created_at: Set(now.fixed_offset()),
        finished_at: Set(None),
    };
    let result = Entity::insert(row).on_conflict_do_nothing_on([Column::DedupeKey]).exec_without_returning(db).await?;
    Ok(matches!(result, TryInsertResult::Inserted(n) if n > 0))
}

/// Pending, due, not leased, of a kind this worker runs, and not behind an earlier pending job
/// with the same ordering key.
fn claimable(kinds: &[&'static str], now: DateTime<Utc>) -> Condition {
    let now = now.fixed_offset();
    let earlier = Alias::new("earlier");
    let ahead = Query::select()
        .expr(Expr::val(1))
        .from_as(Entity, earlier.clone())
        .and_where(Expr::col((earlier.clone(), Column::OrderingKey)).equals((Entity, Column::OrderingKey)))
        .and_where(Expr::col((earlier.clone(), Column::State)).eq(JobState::Pending.as_str()))
        .and_where(
            Expr::col((earlier.clone(), Column::CreatedAt)).lt(Expr::col((Entity, Column::CreatedAt))).or(Expr::col((
                earlier.clone(),
                Column::CreatedAt,
            ))
            .eq(Expr::col((Entity, Column::CreatedAt)))
            .and(Expr::col((earlier, Column::Id)).lt(Expr::col((Entity, Column::Id))))),
        )
        .to_owned();
    Condition::all()
        .add(Column::State.eq(JobState::Pending.as_str()))
        .add(Column::Kind.is_in(kinds.iter().copied()))
        .add(Column::RunAt.lte(now))
        .add(Condition::any().add(Column::LockedUntil.is_null()).add(Column::LockedUntil.lte(now)))
        .add(Condition::any().add(Column::OrderingKey.is_null()).add(Expr::exists(ahead).not()))
}

/// Up to `limit` claimable jobs, oldest due first. On PostgreSQL the rows are locked `FOR UPDATE
/// SKIP LOCKED`, so concurrent workers pass over them instead of waiting; SQLite has no row locks
/// (its write transaction already serialises claims) and ignores the clause. Never two jobs with
/// one ordering key: the later one is behind the earlier, still pending one.
///
/// # Implementation Notes
/// One query per kind, merged here: with the kind fixed, the claim index `(kind, state, run_at,
/// id)` yields the jobs in the claim's order and the query stops after `limit` rows; with `kind
/// IN (…)` SQLite sorts every due job of those kinds first (5.6 ms under 5,000 waiting mails,
/// 0.2 ms per kind), holding the write lock meanwhile, and without the id in the index
/// PostgreSQL sorted every pending job of the kind (51 ms under 6,700 waiting mails).
pub(super) async fn find_claimable(
    db: &impl ConnectionTrait,
    kinds: &[&'static str],
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<Job>, JobError> {
    let mut jobs = Vec::new();
    for kind in kinds {
        let mut query = Entity::find()
            .filter(claimable(&[*kind], now))
            .order_by_asc(Column::RunAt)
            .order_by_asc(Column::Id)
            .limit(limit);
        if db.get_database_backend() == DbBackend::Postgres {
            query = query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        for row in query.all(db).await? {
            jobs.push(Job::try_from(row)?);
        }
    }
    jobs.sort_by_key(|j| (j.run_at, j.id));
    jobs.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok(jobs)
}

/// Takes the lease of the jobs `ids` and counts an attempt of each, in one statement.
pub(super) async fn lease(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    locked_until: DateTime<Utc>,
) -> Result<(), JobError> {
    Entity::update_many()
        .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
        .col_expr(Column::LockedUntil, Expr::value(Some(locked_until.fixed_offset())))
        .filter(Column::Id.is_in(ids.iter().copied()))
        .exec(db)
        .await?;
    Ok(())
}

/// How a run ended, to record.
pub(super) enum Finish<'a> {
    Done,
    Retry {
        run_at: DateTime<Utc>,
        error: &'a str,
    },
    Dead {
        error: &'a str,
    },
    /// Not run (the worker is stopping): the lease is given back and the attempt not counted.
    Released,
}

/// Records the end of attempt `attempts`. The update applies only while the job is still pending
/// at that attempt: if the lease ran out and another worker claimed the job again, the later
/// attempt owns the row. `false` when it did not apply.
pub(super) async fn finish(
    db: &impl ConnectionTrait,
    id: Uuid,
    attempts: u32,
    finish: Finish<'_>,
    now: DateTime<Utc>,
) -> Result<bool, JobError> {
    let now = now.fixed_offset();
    let mut update =
        Entity::update_many().col_expr(Column::LockedUntil, Expr::value(Option::<DateTime<chrono::FixedOffset>>::None));
    update = match finish {
        Finish::Done => update
            .col_expr(Column::State, Expr::value(JobState::Done.as_str()))
            .col_expr(Column::FinishedAt, Expr::value(Some(now))),
        Finish::Retry { run_at, error } => update
            .col_expr(Column::RunAt, Expr::value(run_at.fixed_offset()))
            .col_expr(Column::LastError, Expr::value(Some(error.to_owned()))),
        Finish::Dead { error } => update
            .col_expr(Column::State, Expr::value(JobState::Dead.as_str()))
            .col_expr(Column::FinishedAt, Expr::value(Some(now)))
            .col_expr(Column::LastError, Expr::value(Some(error.to_owned()))),
        Finish::Released => update
            .col_expr(Column::Attempts, Expr::value(i32::try_from(attempts.saturating_sub(1)).unwrap_or(i32::MAX))),
    };
    let result = update
        .filter(Column::Id.eq(id))
        .filter(Column::State.eq(JobState::Pending.as_str()))
        .filter(Column::Attempts.eq(i32::try_from(attempts).unwrap_or(i32::MAX)))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

pub(super) async fn find_job(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<Job>, JobError> {
    Entity::find_by_id(id).one(db).await?.map(Job::try_from).transpose()
}

pub(super) async fn list_jobs(
    db: &impl ConnectionTrait,
    state: Option<JobState>,
    kind: Option<&str>,
    page: Page,
) -> Result<(Vec<Job>, u64), JobError> {
    let mut query = Entity::find();
    if let Some(state) = state {
        query = query.filter(Column::State.eq(state.as_str()));
    }
    if let Some(kind) = kind {
        query = query.filter(Column::Kind.eq(kind));
    }
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_desc(Column::CreatedAt)
        .order_by_desc(Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(db)
        .await?;
    Ok((rows.into_iter().map(Job::try_from).collect::<Result<_, _>>()?, total))
}

/// Puts a dead job back in the queue with a fresh count of attempts; `false` if it is not dead.
pub(super) async fn redrive(db: &impl ConnectionTrait, id: Uuid, now: DateTime<Utc>) -> Result<bool, JobError> {
    let result = Entity::update_many()
        .col_expr(Column::State, Expr::value(JobState::Pending.as_str()))
        .col_expr(Column::Attempts, Expr::value(0))
        .col_expr(Column::RunAt, Expr::value(now.fixed_offset()))
        .col_expr(Column::LockedUntil, Expr::value(Option::<DateTime<chrono::FixedOffset>>::None))
        .col_expr(Column::FinishedAt, Expr::value(Option::<DateTime<chrono::FixedOffset>>::None))
        .filter(Column::Id.eq(id))
        .filter(Column::State.eq(JobState::Dead.as_str()))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Which of `keys` are already used by a job.
pub(super) async fn existing_dedupe_keys(
    db: &impl ConnectionTrait,
    keys: &[String],
) -> Result<HashSet<String>, JobError> {
    let mut found = HashSet::new();
    // Bounded IN lists: SQLite allows 32766 parameters, PostgreSQL 65535; stay far below both.
    for chunk in keys.chunks(500) {
        let rows: Vec<Option<String>> = Entity::find()
            .select_only()
            .column(Column::DedupeKey)
            .filter(Column::DedupeKey.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(db)
            .await?;
        found.extend(rows.into_iter().flatten());
    }
    Ok(found)
}

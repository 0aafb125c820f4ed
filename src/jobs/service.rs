//! Outbox use cases: enqueue inside the caller's transaction, claim and record runs (for the
//! worker), and the admin's list and re-drive.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use anyhow::Context;
use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend};
use tokio::sync::Notify;
use uuid::Uuid;

use super::domain::{after_failure, AfterFailure, Job, JobFailure, NewJob};
use super::error::JobError;
use super::store::{self, Finish};
use crate::db::begin_write;
use crate::http::pagination::Page;

/// The workers of this process, woken when it enqueues. Weak, so a stopped worker drops out.
static WAKERS: Mutex<Vec<Weak<Notify>>> = Mutex::new(Vec::new());

/// Lets `enqueue` in this process wake `notify`.
pub(super) fn register_waker(notify: &Arc<Notify>) {
    if let Ok(mut wakers) = WAKERS.lock() {
        wakers.retain(|w| w.strong_count() > 0);
        wakers.push(Arc::downgrade(notify));
    }
}

/// Wakes every worker of this process (a stored permit, so a busy worker looks again when done).
fn wake_workers() {
    if let Ok(wakers) = WAKERS.lock() {
        for notify in wakers.iter().filter_map(Weak::upgrade) {
            notify.notify_one();
        }
    }
}

/// Enqueues a job inside the caller's transaction: it becomes visible to the workers when that
/// transaction commits, and never if it rolls back. A job whose `dedupe_key` already exists is
/// not enqueued again (in any state), and that is not an error.
///
/// # Errors
/// [`JobError::Unexpected`] when the job is malformed (a kind or key too long) or on storage failure.
#[tracing::instrument(skip_all, fields(job.kind = job.kind))]
pub async fn enqueue(db: &impl ConnectionTrait, job: NewJob) -> Result<(), JobError> {
    job.check().map_err(|message| anyhow::anyhow!(message))?;
    let inserted = store::insert_job(db, job, Utc::now()).await?;
    if inserted {
        // The worker may look before the caller commits; it then looks again shortly (see
        // `worker`), so waking now still shortens the wait from a poll interval to milliseconds.
        wake_workers();
    } else {
        tracing::debug!("job with this dedupe key exists; not enqueued again");
    }
    Ok(())
}

/// Which of `keys` are already taken by a job, so a periodic task can skip building jobs that
/// `enqueue` would drop anyway.
///
/// # Errors
/// On storage failure.
pub async fn dedupe_keys_taken(db: &impl ConnectionTrait, keys: &[String]) -> Result<HashSet<String>, JobError> {
    store::existing_dedupe_keys(db, keys).await
}

/// Jobs for the admin view, newest first.
///
/// # Errors
/// On storage failure.
pub async fn list_jobs(
    db: &DatabaseConnection,
    state: Option<super::domain::JobState>,
    kind: Option<&str>,
    page: Page,
) -> Result<(Vec<Job>, u64), JobError> {
    store::list_jobs(db, state, kind, page).await
}

/// Puts a dead job back in the queue with its attempts reset.
///
/// # Errors
/// [`JobError::NotFound`], [`JobError::NotDead`].
#[tracing::instrument(skip_all, fields(job.id = %id))]
pub async fn redrive(db: &DatabaseConnection, id: Uuid) -> Result<Job, JobError> {
    let txn = begin_write(db).await.context("begin redrive")?;
    let job = store::find_job(&txn, id).await?.ok_or(JobError::NotFound(id))?;
    if !store::redrive(&txn, id, Utc::now()).await? {
        return Err(JobError::not_dead(id, job.state));
    }
    let job = store::find_job(&txn, id).await?.ok_or(JobError::NotFound(id))?;
    txn.commit().await.context("commit redrive")?;
    tracing::info!(job.kind = %job.kind, "dead job re-driven");
    wake_workers();
    Ok(job)
}

/// Claims up to `max` due jobs of `kinds`: takes a lease until `now + lease` and counts an
/// attempt of each, in one short transaction.
///
/// # Implementation Notes
/// PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED`, so any number of workers claim different jobs
/// without waiting on each other. SQLite: the transaction is IMMEDIATE ([`begin_write`]), so
/// claims serialise on the write lock; a plain read first keeps an idle worker from taking that
/// lock on every poll. Claiming (and recording, [`record_all`]) a batch rather than one job
/// costs one commit per batch: on SQLite every commit holds the one write lock, which the
/// requests queue for, and under a burst of submissions there is one mail per submission.
pub(super) async fn claim(
    db: &DatabaseConnection,
    kinds: &[&'static str],
    lease: Duration,
    max: u64,
) -> Result<Vec<Job>, JobError> {
    if kinds.is_empty() {
        return Ok(Vec::new());
    }
    if db.get_database_backend() == DbBackend::Sqlite
        && store::find_claimable(db, kinds, Utc::now(), 1).await?.is_empty()
    {
        return Ok(Vec::new());
    }
    let txn = begin_write(db).await.context("begin claim")?;
    let now = Utc::now();
    let mut jobs = store::find_claimable(&txn, kinds, now, max).await?;
    if jobs.is_empty() {
        return Ok(jobs);
    }
    let locked_until = now + chrono::Duration::from_std(lease).context("lease duration")?;
    let ids: Vec<Uuid> = jobs.iter().map(|j| j.id).collect();
    store::lease(&txn, &ids, locked_until).await?;
    txn.commit().await.context("commit claim")?;
    for job in &mut jobs {
        job.attempts += 1;
        job.locked_until = Some(locked_until);
    }
    Ok(jobs)
}

/// Retry and give-up rules of one worker.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts before a job goes dead.
    pub max_attempts: u32,
    /// First retry delay; doubles each attempt.
    pub backoff: Duration,
}

/// Records how the attempts `job.attempts` of claimed jobs ended, in one transaction: done, a
/// retry later, or dead; `None` gives back a job that was not run (the worker is stopping).
pub(super) async fn record_all(
    db: &DatabaseConnection,
    outcomes: &[(Job, Option<Result<(), JobFailure>>)],
    policy: RetryPolicy,
) -> Result<(), JobError> {
    if outcomes.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let mut finishes = Vec::with_capacity(outcomes.len());
    for (job, outcome) in outcomes {
        let finish = match outcome {
            None => Finish::Released,
            Some(Ok(())) => Finish::Done,
            Some(Err(failure)) => {
                let jitter = rand::random_range(-1.0..=1.0);
                match after_failure(failure, job.attempts, policy.max_attempts, policy.backoff, jitter) {
                    AfterFailure::RetryIn(delay) => Finish::Retry {
                        run_at: now + chrono::Duration::from_std(delay).context("retry delay")?,
                        error: &failure.message,
                    },
                    AfterFailure::Dead => Finish::Dead { error: &failure.message },
                }
            }
        };
        finishes.push((job, finish));
    }
    let txn = begin_write(db).await.context("begin recording jobs")?;
    let mut lost = Vec::new();
    for (job, finish) in finishes {
        if !store::finish(&txn, job.id, job.attempts, finish, now).await? {
            lost.push(job);
        }
    }
    txn.commit().await.context("commit recording jobs")?;
    for job in lost {
        // The lease ran out and another worker claimed the job again; its attempt owns the row.
        tracing::warn!(job.id = %job.id, job.kind = %job.kind, "job outcome not recorded: the lease was lost");
    }
    Ok(())
}

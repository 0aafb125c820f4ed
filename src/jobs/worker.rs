//! The worker loop: claims due jobs and runs them with the handler registered for their kind,
//! runs periodic tasks, and stops cleanly when told to.
//!
//! # Implementation Notes
//! `enqueue` wakes the loop at once, but usually before the enqueuing transaction has committed,
//! so the first look can find nothing. After a wake the loop therefore looks again after 20, 100
//! and 500 ms before falling back to the poll interval: a job enqueued by this process starts
//! within milliseconds, one enqueued by another replica within a poll interval.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use sea_orm::DatabaseConnection;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::domain::{Job, JobFailure};
use super::error::JobError;
use super::service::{self, RetryPolicy};

/// Runs the jobs of one kind.
pub trait JobHandler: Send + Sync + 'static {
    /// The `kind` of the jobs it runs.
    fn kind(&self) -> &'static str;
    /// Runs one job. It may run more than once for the same job (a worker that dies after the
    /// work but before recording it), so a handler must tolerate repeats.
    fn run(&self, payload: serde_json::Value) -> BoxFuture<'_, Result<(), JobFailure>>;
}

/// Work the loop does every so often (e.g. looking for overdue dossiers). Every replica runs it,
/// so it must be safe to run concurrently: enqueue with a `dedupe_key`.
pub trait PeriodicTask: Send + Sync + 'static {
    /// For the logs.
    fn name(&self) -> &'static str;
    /// Runs once.
    fn run<'a>(&'a self, db: &'a DatabaseConnection) -> BoxFuture<'a, anyhow::Result<()>>;
}

/// How long a claim holds a job. A worker that dies mid-job loses it after this long.
pub const LEASE: Duration = Duration::from_secs(600);
/// Longest run of one job; well inside the lease, so a slow job cannot outlive its claim.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(300);
/// How long a job already running may take to finish once a stop is requested.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// Jobs claimed (and recorded) together: one commit each for a whole batch (see `service::claim`).
const CLAIM_BATCH: u64 = 32;
/// Extra looks after a wake (see the module notes).
const FOLLOW_UPS: [Duration; 3] = [Duration::from_millis(20), Duration::from_millis(100), Duration::from_millis(500)];

/// How the loop runs.
#[derive(Debug, Clone, Copy)]
pub struct WorkerConfig {
    /// Time between two looks for due jobs when nothing wakes the loop.
    pub poll_interval: Duration,
    /// Retries and giving up.
    pub retry: RetryPolicy,
}

/// A worker: the handlers by kind and the periodic tasks, over one database.
pub struct Worker {
    db: DatabaseConnection,
    config: WorkerConfig,
    handlers: HashMap<&'static str, Arc<dyn JobHandler>>,
    periodic: Vec<(Duration, Arc<dyn PeriodicTask>)>,
}

impl Worker {
    /// A worker with no handlers yet.
    pub fn new(db: DatabaseConnection, config: WorkerConfig) -> Self {
        Self { db, config, handlers: HashMap::new(), periodic: Vec::new() }
    }

    /// Registers the handler of one kind (a later one for the same kind replaces it). The worker
    /// claims only jobs of registered kinds, so a replica running older code leaves a new kind
    /// to the replicas that know it.
    #[must_use]
    pub fn handler(mut self, handler: impl JobHandler) -> Self {
        self.handlers.insert(handler.kind(), Arc::new(handler));
        self
    }

    /// Runs `task` when the loop starts and then every `interval`.
    #[must_use]
    pub fn every(mut self, interval: Duration, task: impl PeriodicTask) -> Self {
        self.periodic.push((interval, Arc::new(task)));
        self
    }

    /// Starts the loop on the runtime; it returns once `stop` is cancelled (a job already
    /// running gets [`SHUTDOWN_GRACE`] to finish).
    pub fn spawn(self, stop: CancellationToken) -> JoinHandle<()> {
        tokio::spawn(self.run(stop))
    }

    /// Runs every job that is due now, one after another; the number run.
    ///
    /// # Errors
    /// On storage failure.
    pub async fn run_due(&self, stop: &CancellationToken) -> Result<usize, JobError> {
        let kinds: Vec<&'static str> = self.handlers.keys().copied().collect();
        let mut ran = 0;
        while !stop.is_cancelled() {
            let batch = self.run_batch(&kinds, stop).await?;
            if batch == 0 {
                break;
            }
            ran += batch;
        }
        Ok(ran)
    }

    async fn run(self, stop: CancellationToken) {
        let wake = Arc::new(Notify::new());
        service::register_waker(&wake);
        let mut next_runs: Vec<Instant> = self.periodic.iter().map(|_| Instant::now()).collect();
        let mut follow_ups = FOLLOW_UPS.len();
        tracing::info!(kinds = ?self.handlers.keys().collect::<Vec<_>>(), "job worker started");
        while !stop.is_cancelled() {
            for ((interval, task), next) in self.periodic.iter().zip(next_runs.iter_mut()) {
                if Instant::now() >= *next {
                    if let Err(e) = task.run(&self.db).await {
                        tracing::warn!(task = task.name(), error = ?e, "periodic task failed");
                    }
                    *next = Instant::now() + *interval;
                }
            }
            if let Err(e) = self.run_due(&stop).await {
                tracing::warn!(error = ?e, "could not claim or record jobs");
            }
            let mut wait = self.config.poll_interval;
            if let Some(follow_up) = FOLLOW_UPS.get(follow_ups) {
                wait = wait.min(*follow_up);
                follow_ups += 1;
            }
            let until = next_runs.iter().min().map_or(Instant::now() + wait, |next| (*next).min(Instant::now() + wait));
            tokio::select! {
                () = stop.cancelled() => break,
                () = wake.notified() => follow_ups = 0,
                () = tokio::time::sleep_until(until) => {}
            }
        }
        tracing::info!("job worker stopped");
    }

    /// Claims up to [`CLAIM_BATCH`] due jobs, runs them one after another and records how each
    /// ended; the number run (0 when none was due). Jobs not yet run when a stop is requested,
    /// or when one more run could outlast the batch's lease (another worker may then claim the
    /// job again), are given back.
    async fn run_batch(&self, kinds: &[&'static str], stop: &CancellationToken) -> Result<usize, JobError> {
        let jobs = service::claim(&self.db, kinds, LEASE, CLAIM_BATCH).await?;
        let claimed_at = std::time::Instant::now();
        let mut outcomes = Vec::with_capacity(jobs.len());
        let mut ran = 0;
        for job in jobs {
            if stop.is_cancelled() || claimed_at.elapsed() + RUN_TIMEOUT >= LEASE {
                outcomes.push((job, None));
                continue;
            }
            let outcome = self.execute(&job, stop).await;
            match &outcome {
                Ok(()) => tracing::info!(job.id = %job.id, job.kind = %job.kind, attempt = job.attempts, "job done"),
                Err(failure) => tracing::warn!(job.id = %job.id, job.kind = %job.kind, attempt = job.attempts,
                    error = %failure, permanent = failure.permanent, "job failed"),
            }
            ran += 1;
            outcomes.push((job, Some(outcome)));
        }
        service::record_all(&self.db, &outcomes, self.config.retry).await?;
        Ok(ran)
    }

    async fn execute(&self, job: &Job, stop: &CancellationToken) -> Result<(), JobFailure> {
        if job.attempts > self.config.retry.max_attempts {
            // Earlier attempts lost their lease (the worker died or hung) until none was left.
            return Err(JobFailure::permanent(format!(
                "gave up: attempt {} of at most {} (earlier attempts did not finish within their lease)",
                job.attempts, self.config.retry.max_attempts
            )));
        }
        let Some(handler) = self.handlers.get(job.kind.as_str()) else {
            return Err(JobFailure::retry(format!("no handler for job kind {:?}", job.kind)));
        };
        let run = AssertUnwindSafe(handler.run(job.payload.clone())).catch_unwind();
        let interrupted = async {
            stop.cancelled().await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        };
        tokio::select! {
            result = tokio::time::timeout(RUN_TIMEOUT, run) => match result {
                Ok(Ok(outcome)) => outcome,
                Ok(Err(_panic)) => Err(JobFailure::retry("the job handler panicked")),
                Err(_elapsed) => Err(JobFailure::retry(format!("timed out after {} s", RUN_TIMEOUT.as_secs()))),
            },
            () = interrupted => Err(JobFailure::retry("interrupted by shutdown")),
        }
    }
}

//! Jobs as data: their states, what enqueueing takes, how a failure is retried. No I/O.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting to run, running under a lease, or waiting for its next retry.
    Pending,
    /// Ran successfully.
    Done,
    /// Failed `max_attempts` times (or failed permanently); parked until an admin re-drives it.
    Dead,
}

impl JobState {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Done => "done",
            Self::Dead => "dead",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Done, Self::Dead].into_iter().find(|state| state.as_str() == s)
    }
}

/// A job to enqueue (inside the transaction that causes it).
#[derive(Debug, Clone)]
pub struct NewJob {
    /// Which handler runs it, e.g. `"mail"` (at most 64 characters).
    pub kind: &'static str,
    /// Jobs with the same key run strictly in creation order: one is claimable only when no
    /// earlier job with that key is still pending (e.g. `dossier:<id>`).
    pub ordering_key: Option<String>,
    /// Enqueueing a job whose dedupe key already exists (in any state) does nothing
    /// (e.g. `reminder:overdue:<dossier id>`).
    pub dedupe_key: Option<String>,
    /// The handler's input.
    pub payload: serde_json::Value,
    /// Not before this time; `None`: as soon as possible.
    pub run_at: Option<DateTime<Utc>>,
}

/// Longest `kind`.
pub const MAX_KIND_LEN: usize = 64;
/// Longest ordering or dedupe key.
pub const MAX_KEY_LEN: usize = 255;

impl NewJob {
    /// Checks the lengths the table accepts.
    ///
    /// # Errors
    /// A message naming the field that is too long or empty.
    pub fn check(&self) -> Result<(), String> {
        if self.kind.is_empty() || self.kind.len() > MAX_KIND_LEN {
            return Err(format!("job kind must be 1–{MAX_KIND_LEN} bytes, got {:?}", self.kind));
        }
        for (name, key) in [("ordering_key", &self.ordering_key), ("dedupe_key", &self.dedupe_key)] {
            if key.as_ref().is_some_and(|k| k.is_empty() || k.len() > MAX_KEY_LEN) {
                return Err(format!("job {name} must be 1–{MAX_KEY_LEN} bytes"));
            }
        }
        Ok(())
    }
}

/// A stored job.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: Uuid,
    pub kind: String,
    pub ordering_key: Option<String>,
    pub dedupe_key: Option<String>,
    pub payload: serde_json::Value,
    pub state: JobState,
    /// Attempts started so far (a claim counts one).
    pub attempts: u32,
    pub run_at: DateTime<Utc>,
    /// While set and in the future, a worker holds the job.
    pub locked_until: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// Why a job's run failed, as its handler reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobFailure {
    /// For `last_error` and the logs.
    pub message: String,
    /// Retrying cannot help (a malformed payload, a rejected address): the job goes `dead` at once.
    pub permanent: bool,
}

impl JobFailure {
    /// A failure worth retrying later (a network error, a busy server).
    pub fn retry(message: impl Into<String>) -> Self {
        Self { message: message.into(), permanent: false }
    }

    /// A failure no retry will fix.
    pub fn permanent(message: impl Into<String>) -> Self {
        Self { message: message.into(), permanent: true }
    }
}

impl std::fmt::Display for JobFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Longest wait between two attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(3600);

/// The wait before the next attempt after `attempts` failed ones (from 1): `base · 2^(attempts−1)`,
/// moved by `jitter` (−1…1) times 20% so that jobs failing together do not retry together,
/// capped at [`MAX_BACKOFF`].
pub fn retry_delay(base: Duration, attempts: u32, jitter: f64) -> Duration {
    let exponent = attempts.saturating_sub(1).min(30);
    let nominal = base.saturating_mul(1u32 << exponent).min(MAX_BACKOFF);
    let factor = 1.0 + 0.2 * jitter.clamp(-1.0, 1.0);
    nominal.mul_f64(factor).min(MAX_BACKOFF)
}

/// What becomes of a job after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Try again after this long.
    RetryIn(Duration),
    /// Give up: the job is parked as `dead`.
    Dead,
}

/// Decides between a retry and giving up after attempt number `attempts` failed.
pub fn after_failure(
    failure: &JobFailure,
    attempts: u32,
    max_attempts: u32,
    base: Duration,
    jitter: f64,
) -> AfterFailure {
    if failure.permanent || attempts >= max_attempts {
        AfterFailure::Dead
    } else {
        AfterFailure::RetryIn(retry_delay(base, attempts, jitter))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: Duration = Duration::from_secs(2);

    #[test]
    fn the_delay_doubles_with_every_attempt() {
        let delays: Vec<u64> = (1..=5).map(|a| retry_delay(BASE, a, 0.0).as_secs()).collect();
        assert_eq!(delays, [2, 4, 8, 16, 32]);
    }

    #[test]
    fn jitter_moves_the_delay_by_at_most_a_fifth() {
        assert_eq!(retry_delay(BASE, 3, 1.0), Duration::from_millis(9600));
        assert_eq!(retry_delay(BASE, 3, -1.0), Duration::from_millis(6400));
        assert_eq!(retry_delay(BASE, 3, 7.0), Duration::from_millis(9600), "jitter is clamped");
    }

    #[test]
    fn the_delay_is_capped_even_for_absurd_attempt_counts() {
        assert_eq!(retry_delay(BASE, 40, 0.0), MAX_BACKOFF);
        assert_eq!(retry_delay(BASE, u32::MAX, 1.0), MAX_BACKOFF);
        assert_eq!(retry_delay(BASE, 0, 0.0), BASE, "attempt 0 is treated as the first");
    }

    #[test]
    fn a_job_dies_after_its_last_attempt_or_a_permanent_failure() {
        let transient = JobFailure::retry("451 try later");
        assert_eq!(after_failure(&transient, 1, 3, BASE, 0.0), AfterFailure::RetryIn(BASE));
        assert_eq!(after_failure(&transient, 3, 3, BASE, 0.0), AfterFailure::Dead);
        assert_eq!(after_failure(&JobFailure::permanent("bad payload"), 1, 3, BASE, 0.0), AfterFailure::Dead);
    }

    #[test]
    fn states_round_trip_through_their_names() {
        for state in [JobState::Pending, JobState::Done, JobState::Dead] {
            assert_eq!(JobState::parse(state.as_str()), Some(state));
        }
        assert_eq!(JobState::parse("running"), None);
    }

    #[test]
    fn keys_and_kinds_have_bounded_lengths() {
        let job = |kind: &'static str, key: Option<String>| NewJob {
            kind,
            ordering_key: None,
            dedupe_key: key,
            payload: serde_json::Value::Null,
            run_at: None,
        };
        assert!(job("mail", Some("reminder:overdue:x".into())).check().is_ok());
        assert!(job("", None).check().is_err());
        assert!(job("mail", Some(String::new())).check().is_err());
        assert!(job("mail", Some("k".repeat(256))).check().is_err());
    }
}

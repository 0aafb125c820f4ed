//! Password hashing with argon2id (OWASP: m = 19 MiB, t = 2, p = 1), off the async runtime and
//! with a bound on concurrent hashes, so a sign-in flood cannot take every core from other requests.
//!
//! # Implementation Notes
//! Hashes run on a few dedicated threads, not on tokio's blocking pool: each argon2 call
//! allocates 19 MiB, and glibc keeps that memory in a per-thread arena, so rotating through the
//! blocking pool's many threads grew the process to ~450 MB under a sign-in flood.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::{oneshot, Semaphore};

use super::error::IdentityError;

/// How long a request may wait for a hashing slot before it is told to retry (503).
const QUEUE_TIMEOUT: Duration = Duration::from_secs(5);

/// Hashes and verifies passwords on the blocking pool, at most `permits` at a time.
#[derive(Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    // Dropping the last hasher closes the channel and ends the threads.
    jobs: mpsc::Sender<Job>,
    // Verified against when the account does not exist, so an unknown user name costs the same
    // time as a wrong password (no user enumeration by timing).
    dummy_hash: Arc<str>,
}

fn argon2() -> anyhow::Result<Argon2<'static>> {
    let params = Params::new(19 * 1024, 2, 1, None).map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn hash_now(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    let hash =
        argon2()?.hash_password(password.as_bytes(), &salt).map_err(|e| anyhow::anyhow!("hash password: {e}"))?;
    Ok(hash.to_string())
}

fn verify_now(password: &str, stored: &str) -> anyhow::Result<bool> {
    let parsed = PasswordHash::new(stored).map_err(|e| anyhow::anyhow!("parse stored hash: {e}"))?;
    Ok(argon2()?.verify_password(password.as_bytes(), &parsed).is_ok())
}

type Job = Box<dyn FnOnce() + Send>;

/// Runs the calling thread at the lowest scheduling priority (nice 19), so that under a sign-in
/// flood the request workers get the CPU first and hashing takes what is left.
#[cfg(target_os = "linux")]
fn lower_priority() {
    // SAFETY: `gettid` has no preconditions; `setpriority` on our own thread id only changes
    // this thread's nice value (Linux schedules threads individually).
    let result = unsafe { libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, 19) };
    if result != 0 {
        tracing::warn!("could not lower the priority of the password hashing thread");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}

fn start_threads(count: usize) -> anyhow::Result<mpsc::Sender<Job>> {
    let (sender, receiver) = mpsc::channel::<Job>();
    let receiver = Arc::new(Mutex::new(receiver));
    for i in 0..count {
        let receiver = Arc::clone(&receiver);
        std::thread::Builder::new()
            .name(format!("argon2-{i}"))
            .spawn(move || {
                lower_priority();
                loop {
                    let job = match receiver.lock() {
                        Ok(guard) => guard.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                }
            })
            .context("start a password hashing thread")?;
    }
    Ok(sender)
}

impl PasswordHasher {
    /// A hasher with one thread per core but one, so at least one core stays free for other work.
    ///
    /// # Errors
    /// When the dummy hash cannot be computed (broken parameters) or a thread cannot start.
    pub fn new() -> anyhow::Result<Self> {
        let cores = std::thread::available_parallelism().map(usize::from).unwrap_or(1);
        let threads = cores.saturating_sub(1).max(1);
        let dummy = hash_now("motcua-dummy-password-for-timing")?;
        Ok(Self { permits: Arc::new(Semaphore::new(threads)), jobs: start_threads(threads)?, dummy_hash: dummy.into() })
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
    ) -> Result<T, IdentityError> {
        // The permit bounds the work in flight to the number of threads; waiting too long for one
        // means the service is saturated, and the client is told to retry (503).
        let _permit = tokio::time::timeout(QUEUE_TIMEOUT, self.permits.acquire())
            .await
            .map_err(|_| IdentityError::Busy)?
            .context("password hashing semaphore closed")?;
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move || {
            // The receiver is gone only if the request was cancelled; nothing to report then.
            let _ = done.send(work());
        });
        self.jobs.send(job).map_err(|_| anyhow::anyhow!("password hashing threads stopped"))?;
        Ok(result.await.context("password hashing thread dropped the job")??)
    }

    /// Hashes a new password.
    ///
    /// # Errors
    /// [`IdentityError::Busy`] when the queue is full for too long.
    pub async fn hash(&self, password: String) -> Result<String, IdentityError> {
        self.run(move || hash_now(&password)).await
    }

    /// Verifies `password` against `stored`, or against a dummy hash when there is no account.
    ///
    /// # Errors
    /// [`IdentityError::Busy`] when the queue is full for too long.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, IdentityError> {
        let exists = stored.is_some();
        let stored = stored.unwrap_or_else(|| self.dummy_hash.to_string());
        let matches = self.run(move || verify_now(&password, &stored)).await?;
        Ok(exists && matches)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let hasher = PasswordHasher::new().unwrap();
        let stored = hasher.hash("đúng mật khẩu 2026".to_owned()).await.unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(hasher.verify("đúng mật khẩu 2026".to_owned(), Some(stored.clone())).await.unwrap());
        assert!(!hasher.verify("sai mật khẩu".to_owned(), Some(stored)).await.unwrap());
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies_even_with_the_dummy_password() {
        let hasher = PasswordHasher::new().unwrap();
        assert!(!hasher.verify("motcua-dummy-password-for-timing".to_owned(), None).await.unwrap());
    }
}

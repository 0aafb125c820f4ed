//! The transactional outbox (DESIGN.md §2, §6): work that must follow a change — e-mail, the
//! national-portal sync, webhooks — is enqueued as a row in the transaction that makes the change
//! ([`enqueue`]), so it happens if and only if the change commits. A worker loop
//! ([`worker::Worker`]) claims due jobs under a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL, the
//! write lock on SQLite), runs the handler registered for their kind, retries failures with
//! exponential backoff and parks jobs that keep failing as `dead` for an admin to re-drive.

pub mod domain;
pub mod error;
pub mod http;
pub mod service;
mod store;
pub mod worker;

pub use domain::{JobFailure, JobState, NewJob};
pub use error::JobError;
pub use http::routes;
pub use service::enqueue;
pub use worker::{JobHandler, PeriodicTask, Worker, WorkerConfig};

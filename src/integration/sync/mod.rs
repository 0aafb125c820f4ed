//! Outbound sync with the national public-service portal (Cổng DVCQG, DOMAIN.md §5): every state
//! change of a dossier queues a `national_sync` job in the workflow's transaction
//! ([`service::on_transition`]); the job builds the national record from the dossier's current
//! facts ([`domain`]) and pushes it through the adapter's session API ([`adapter`]), retried by the
//! outbox. The per-dossier outcome is kept in `national_sync_states` and shown at
//! `GET /integration/sync`; [`service::synced_dossier_count`] feeds the 766 sync indicator.
//! The same transition queues signed [`webhooks`] for subscribing systems.

pub mod adapter;
pub mod domain;
pub mod http;
pub mod service;
mod store;
pub mod webhooks;

pub use http::routes;
pub use service::{on_transition, synced_dossier_count, SyncHandler};
pub use webhooks::WebhookHandler;

//! What the database announces, on PostgreSQL, to every process sharing it, and which of this
//! process's caches forgets what: the public lookup cache forgets a dossier another process
//! changed, the indicators' catalogue snapshot is dropped when another process writes the
//! catalogue (issue 9: "invalidate on every transition, also across replicas").
//!
//! Triggers announce each change when its transaction commits (migrations
//! `m20261201_000700_announce_dossier_changes`, `m20261201_000701_announce_catalogue_changes`).
//! This process listens on one connection of its pool. Whenever it cannot be sure it heard
//! everything — not yet listening, the connection lost — both caches are deaf: they forget what
//! they had and keep nothing until listening again ([`LookupCache::set_deaf`],
//! [`CatalogueCache::set_deaf`]). SQLite has no such announcements: there each cache's time to
//! live is the only bound for another process's writes.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::sqlx::postgres::{PgListener, PgPool};
use sea_orm::{DatabaseConnection, DbBackend};
use tokio::task::JoinHandle;

use crate::dossiers::lookup_cache::LookupCache;
use crate::metrics::catalogue::CatalogueCache;

/// A coded dossier changed what its public lookup shows; the payload is its code.
pub const DOSSIER_CHANGED: &str = "motcua_dossier_changed";
/// A catalogue table (agencies, procedures and their agencies, targets) was written.
pub const CATALOGUE_CHANGED: &str = "motcua_catalogue_changed";

/// How long to wait before listening again after the connection failed, at first and at most.
const RETRY_FIRST: Duration = Duration::from_millis(200);
const RETRY_MAX: Duration = Duration::from_secs(30);

/// The caches told about changes made by other processes.
pub struct Hearers {
    pub lookups: Arc<LookupCache>,
    pub catalogue: Arc<CatalogueCache>,
}

impl Hearers {
    fn set_deaf(&self, deaf: bool) {
        self.lookups.set_deaf(deaf);
        self.catalogue.set_deaf(deaf);
    }

    fn hear(&self, channel: &str, payload: &str) {
        match channel {
            DOSSIER_CHANGED => self.lookups.invalidate(payload),
            CATALOGUE_CHANGED => self.catalogue.invalidate(),
            other => tracing::warn!(channel = other, "announcement on a channel nobody listens to"),
        }
    }
}

/// On PostgreSQL, makes the caches deaf and starts a task that listens for changes and tells
/// them; they hear again as soon as the task listens. Elsewhere, or with both caches off,
/// nothing to do. Abort the task to stop listening.
pub fn listen(db: &DatabaseConnection, hearers: Hearers) -> Option<JoinHandle<()>> {
    if db.get_database_backend() != DbBackend::Postgres || !(hearers.lookups.is_on() || hearers.catalogue.is_on()) {
        return None;
    }
    hearers.set_deaf(true);
    let pool = db.get_postgres_connection_pool().clone();
    Some(tokio::spawn(keep_listening(pool, hearers)))
}

async fn keep_listening(pool: PgPool, hearers: Hearers) {
    let mut retry = RETRY_FIRST;
    loop {
        match subscribe(&pool).await {
            Ok(mut listener) => {
                hearers.set_deaf(false);
                retry = RETRY_FIRST;
                loop {
                    match listener.try_recv().await {
                        Ok(Some(announcement)) => hearers.hear(announcement.channel(), announcement.payload()),
                        // The connection was lost and is back, listening again: what changed
                        // meanwhile was not heard.
                        Ok(None) => {
                            tracing::warn!("the announcements' connection was lost and re-established; caches cleared");
                            hearers.set_deaf(false);
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "lost the announcements' connection; caches off until it is back");
                            hearers.set_deaf(true);
                            break;
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot listen for announcements; caches off until it can"),
        }
        tokio::time::sleep(retry).await;
        retry = (retry * 2).min(RETRY_MAX);
    }
}

async fn subscribe(pool: &PgPool) -> Result<PgListener, sea_orm::sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen_all([DOSSIER_CHANGED, CATALOGUE_CHANGED]).await?;
    Ok(listener)
}

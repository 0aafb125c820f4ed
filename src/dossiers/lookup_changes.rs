//! Hearing, on PostgreSQL, every change of a coded dossier made by any process sharing the
//! database, so that this process's lookup cache forgets it at once (issue 9: "invalidate on
//! every transition, also across replicas").
//!
//! A trigger announces each change on [`CHANNEL`] with the dossier code as payload when its
//! transaction commits (migration `m20261201_000700_announce_dossier_changes`). This process
//! listens on one connection of its pool. Whenever it cannot be sure it heard everything — not
//! yet listening, the connection lost — the cache is deaf: it forgets what it had and serves
//! nothing until listening again ([`LookupCache::set_deaf`]). SQLite has no such announcements:
//! there the cache's time to live is the only bound for another process's writes.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::sqlx::postgres::PgListener;
use sea_orm::sqlx::postgres::PgPool;
use sea_orm::{DatabaseConnection, DbBackend};
use tokio::task::JoinHandle;

use super::lookup_cache::LookupCache;

/// The channel the trigger announces on; the migration names it too.
pub const CHANNEL: &str = "motcua_dossier_changed";

/// How long to wait before listening again after the connection failed, at first and at most.
const RETRY_FIRST: Duration = Duration::from_millis(200);
const RETRY_MAX: Duration = Duration::from_secs(30);

/// On PostgreSQL, makes `cache` deaf and starts a task that listens for dossier changes and
/// forgets each changed code; the cache hears again as soon as the task listens. Elsewhere, or
/// with the cache off, nothing to do. Abort the task to stop listening.
pub fn listen(db: &DatabaseConnection, cache: &Arc<LookupCache>) -> Option<JoinHandle<()>> {
    if db.get_database_backend() != DbBackend::Postgres || !cache.is_on() {
        return None;
    }
    cache.set_deaf(true);
    let pool = db.get_postgres_connection_pool().clone();
    Some(tokio::spawn(hear(pool, Arc::clone(cache))))
}

async fn hear(pool: PgPool, cache: Arc<LookupCache>) {
    let mut retry = RETRY_FIRST;
    loop {
        match subscribe(&pool).await {
            Ok(mut listener) => {
                cache.set_deaf(false);
                retry = RETRY_FIRST;
                loop {
                    match listener.try_recv().await {
                        Ok(Some(change)) => cache.invalidate(change.payload()),
                        // The connection was lost and is back, listening again: what changed
                        // meanwhile was not heard.
                        Ok(None) => {
                            tracing::warn!(
                                "the dossier-change connection was lost and re-established; lookup cache cleared"
                            );
                            cache.set_deaf(false);
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "lost the dossier-change connection; lookup cache off until it is back");
                            cache.set_deaf(true);
                            break;
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot listen for dossier changes; lookup cache off until it can"),
        }
        tokio::time::sleep(retry).await;
        retry = (retry * 2).min(RETRY_MAX);
    }
}

async fn subscribe(pool: &PgPool) -> Result<PgListener, sea_orm::sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// On PostgreSQL every change of what the public lookup shows of a dossier that has a code
/// (submitted or later) — code, secret, state, agency, reception and due times — and its deletion
/// are announced on the channel `motcua_dossier_changed` with the code as payload, delivered when
/// the transaction commits. Every replica listens (`announcements`) and forgets its
/// cached lookup of that code, so a transition made through one replica, the payment
/// reconciliation or any other writer shows at once in every replica's lookups (issue 9).
/// Triggers rather than a NOTIFY in each write path, so that no writer can forget it; only those
/// columns, because a commit that notifies queues behind every other such commit (PostgreSQL
/// serialises them on the notification queue) and a re-assignment, for one, changes none of
/// them. SQLite has no such channel: there the cache lives one second (`MOTCUA_LOOKUP_CACHE_MS`).
#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = m.get_connection();
        db.execute_unprepared(
            "CREATE FUNCTION motcua_announce_dossier_change() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
                 PERFORM pg_notify('motcua_dossier_changed', OLD.code);
                 RETURN NULL;
             END $$",
        )
        .await?;
        db.execute_unprepared(
            "CREATE TRIGGER dossiers_announce_change AFTER UPDATE ON dossiers FOR EACH ROW
             WHEN (OLD.code IS NOT NULL AND
                   (OLD.code, OLD.lookup_secret, OLD.state, OLD.agency_code, OLD.received_at, OLD.due_at)
                   IS DISTINCT FROM
                   (NEW.code, NEW.lookup_secret, NEW.state, NEW.agency_code, NEW.received_at, NEW.due_at))
             EXECUTE FUNCTION motcua_announce_dossier_change()",
        )
        .await?;
        db.execute_unprepared(
            "CREATE TRIGGER dossiers_announce_removal AFTER DELETE ON dossiers FOR EACH ROW
             WHEN (OLD.code IS NOT NULL) EXECUTE FUNCTION motcua_announce_dossier_change()",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = m.get_connection();
        db.execute_unprepared("DROP TRIGGER IF EXISTS dossiers_announce_change ON dossiers").await?;
        db.execute_unprepared("DROP TRIGGER IF EXISTS dossiers_announce_removal ON dossiers").await?;
        db.execute_unprepared("DROP FUNCTION IF EXISTS motcua_announce_dossier_change()").await?;
        Ok(())
    }
}

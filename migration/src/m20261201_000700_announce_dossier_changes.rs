use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// On PostgreSQL every change of a dossier that has a code (submitted or later) is announced on
/// the channel `motcua_dossier_changed` with the code as payload, delivered when its transaction
/// commits. Every replica listens (`dossiers::lookup_changes`) and forgets its cached public
/// lookup of that code, so a transition made through one replica, the payment reconciliation or
/// any other writer shows at once in every replica's lookups (issue 9). A trigger rather than a
/// NOTIFY in each write path, so that no writer can forget it. SQLite has no such channel: there
/// the cache lives one second (`MOTCUA_LOOKUP_CACHE_MS`).
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
            "CREATE TRIGGER dossiers_announce_change AFTER UPDATE OR DELETE ON dossiers
             FOR EACH ROW WHEN (OLD.code IS NOT NULL) EXECUTE FUNCTION motcua_announce_dossier_change()",
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
        db.execute_unprepared("DROP FUNCTION IF EXISTS motcua_announce_dossier_change()").await?;
        Ok(())
    }
}

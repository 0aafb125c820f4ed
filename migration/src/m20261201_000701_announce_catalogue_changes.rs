use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables the indicators' in-memory catalogue is read from (`metrics::catalogue`).
const CATALOGUE_TABLES: [&str; 4] = ["agencies", "procedures", "procedure_agencies", "targets"];

/// On PostgreSQL every statement that writes a catalogue table is announced on the channel
/// `motcua_catalogue_changed` (the table as payload), delivered when its transaction commits, so
/// that every replica forgets its catalogue snapshot at once (`announcements`) — a catalogue
/// edit through another replica or `motcua import-procedures` shows in the next report instead
/// of within `MOTCUA_CATALOGUE_CACHE_MS`. Statement-level: an import of a hundred procedures is
/// one announcement per statement, not per row. SQLite has no such channel.
#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = m.get_connection();
        db.execute_unprepared(
            "CREATE FUNCTION motcua_announce_catalogue_change() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
                 PERFORM pg_notify('motcua_catalogue_changed', TG_TABLE_NAME);
                 RETURN NULL;
             END $$",
        )
        .await?;
        for table in CATALOGUE_TABLES {
            db.execute_unprepared(&format!(
                "CREATE TRIGGER {table}_announce_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
                 FOR EACH STATEMENT EXECUTE FUNCTION motcua_announce_catalogue_change()"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = m.get_connection();
        for table in CATALOGUE_TABLES {
            db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {table}_announce_change ON {table}")).await?;
        }
        db.execute_unprepared("DROP FUNCTION IF EXISTS motcua_announce_catalogue_change()").await?;
        Ok(())
    }
}

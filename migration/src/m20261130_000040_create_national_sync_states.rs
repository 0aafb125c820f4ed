use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The outbound national-portal sync of each dossier (DOMAIN.md §5): what the adapter last
/// accepted, and the last failure. Written by the `national_sync` job handler; the jobs themselves
/// stay in `outbox_jobs`.
#[derive(DeriveIden)]
enum NationalSyncStates {
    Table,
    DossierId,
    LastStatus,
    LastEventSeq,
    SyncedAt,
    LastError,
    LastErrorAt,
    UpdatedAt,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(NationalSyncStates::Table)
                .col(uuid(NationalSyncStates::DossierId).primary_key())
                .col(integer_null(NationalSyncStates::LastStatus))
                .col(integer_null(NationalSyncStates::LastEventSeq))
                .col(timestamp_with_time_zone_null(NationalSyncStates::SyncedAt))
                .col(text_null(NationalSyncStates::LastError))
                .col(timestamp_with_time_zone_null(NationalSyncStates::LastErrorAt))
                .col(timestamp_with_time_zone(NationalSyncStates::UpdatedAt))
                .to_owned(),
        )
        .await?;
        // The admin list, most recently touched first.
        m.create_index(
            Index::create()
                .name("idx_national_sync_states_updated")
                .table(NationalSyncStates::Table)
                .col(NationalSyncStates::UpdatedAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(NationalSyncStates::Table).to_owned()).await
    }
}

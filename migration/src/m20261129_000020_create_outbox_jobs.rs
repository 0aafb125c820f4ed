use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The transactional outbox: work enqueued in the transaction that causes it (mail, national
/// sync, webhooks) and claimed by the workers afterwards.
#[derive(DeriveIden)]
enum OutboxJobs {
    Table,
    Id,
    Kind,
    OrderingKey,
    DedupeKey,
    Payload,
    State,
    Attempts,
    RunAt,
    LockedUntil,
    LastError,
    CreatedAt,
    FinishedAt,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(OutboxJobs::Table)
                .col(uuid(OutboxJobs::Id).primary_key())
                .col(string_len(OutboxJobs::Kind, 64))
                .col(string_len_null(OutboxJobs::OrderingKey, 255))
                .col(string_len_null(OutboxJobs::DedupeKey, 255).unique_key())
                .col(text(OutboxJobs::Payload))
                .col(string_len(OutboxJobs::State, 16))
                .col(integer(OutboxJobs::Attempts))
                .col(timestamp_with_time_zone(OutboxJobs::RunAt))
                .col(timestamp_with_time_zone_null(OutboxJobs::LockedUntil))
                .col(text_null(OutboxJobs::LastError))
                .col(timestamp_with_time_zone(OutboxJobs::CreatedAt))
                .col(timestamp_with_time_zone_null(OutboxJobs::FinishedAt))
                .to_owned(),
        )
        .await?;
        // The claim: pending jobs that are due, oldest first.
        m.create_index(
            Index::create()
                .name("idx_outbox_jobs_claim")
                .table(OutboxJobs::Table)
                .col(OutboxJobs::State)
                .col(OutboxJobs::RunAt)
                .to_owned(),
        )
        .await?;
        // The ordering check: is an earlier job with the same key still pending?
        m.create_index(
            Index::create()
                .name("idx_outbox_jobs_ordering")
                .table(OutboxJobs::Table)
                .col(OutboxJobs::OrderingKey)
                .col(OutboxJobs::State)
                .col(OutboxJobs::CreatedAt)
                .to_owned(),
        )
        .await?;
        // The admin list, newest first, filtered by state and kind.
        m.create_index(
            Index::create()
                .name("idx_outbox_jobs_kind_created")
                .table(OutboxJobs::Table)
                .col(OutboxJobs::Kind)
                .col(OutboxJobs::CreatedAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(OutboxJobs::Table).to_owned()).await
    }
}

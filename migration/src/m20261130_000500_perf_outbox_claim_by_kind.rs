use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OutboxJobs {
    Table,
    State,
    Kind,
    RunAt,
}

/// The claim's index leads with the kind after the state. A worker claims only the kinds it has
/// handlers for, and jobs of other kinds can wait by the thousand (national-sync jobs without a
/// portal URL, BENCHMARKS.md issue 9): on `(state, run_at)` SQLite walked every one of them on
/// each claim, holding the write lock (5 ms at 13,000 waiting jobs, 0.2 ms on this index, one
/// query per kind: `jobs::store::find_claimable`). Replacing the old index rather than adding one
/// leaves SQLite's planner no worse choice.
#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("idx_outbox_jobs_claim").table(OutboxJobs::Table).to_owned()).await?;
        m.create_index(
            Index::create()
                .name("idx_outbox_jobs_claim_by_kind")
                .table(OutboxJobs::Table)
                .col(OutboxJobs::State)
                .col(OutboxJobs::Kind)
                .col(OutboxJobs::RunAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("idx_outbox_jobs_claim_by_kind").table(OutboxJobs::Table).to_owned()).await?;
        m.create_index(
            Index::create()
                .name("idx_outbox_jobs_claim")
                .table(OutboxJobs::Table)
                .col(OutboxJobs::State)
                .col(OutboxJobs::RunAt)
                .to_owned(),
        )
        .await
    }
}

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OutboxJobs {
    Table,
    Id,
    State,
    Kind,
    RunAt,
}

/// The claim's index is `(kind, state, run_at, id)`: the claim's order (`ORDER BY run_at, id`)
/// comes whole from the index, so the claim stops after its batch. On `(state, kind, run_at)`
/// PostgreSQL read every pending job of the kind and sorted them all before taking 32 (51 ms per
/// claim with 6,700 mails waiting during a burst of submissions; 0.2 ms on this index). It leads
/// with the kind rather than the state so that the claim's ordering-key check (`state = ? AND
/// ordering_key = ?`) cannot take it for `idx_outbox_jobs_ordering`: with an index leading with
/// the state, the planner, whose statistics of this fast-growing table are stale, chose it for
/// the check in generic plans and scanned every pending job for each candidate (125 ms claims).
/// BENCHMARKS.md, issue 9. Replaces the old index.
#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("idx_outbox_jobs_claim_by_kind").table(OutboxJobs::Table).to_owned()).await?;
        m.create_index(
            Index::create()
                .name("idx_outbox_jobs_claim_in_order")
                .table(OutboxJobs::Table)
                .col(OutboxJobs::Kind)
                .col(OutboxJobs::State)
                .col(OutboxJobs::RunAt)
                .col(OutboxJobs::Id)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("idx_outbox_jobs_claim_in_order").table(OutboxJobs::Table).to_owned()).await?;
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
}

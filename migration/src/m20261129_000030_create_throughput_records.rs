use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Per-day aggregate counters of dossier transitions (DESIGN.md §8), kept in the transaction of
/// each transition. `day` is the business date (Asia/Ho_Chi_Minh) as `YYYY-MM-DD`; `shard`
/// (0–15, from the dossier id) spreads concurrent writers over rows; queries sum the shards.
#[derive(DeriveIden)]
enum ThroughputRecords {
    Table,
    Day,
    AgencyCode,
    ProcedureCode,
    Channel,
    Shard,
    Received,
    ReceivedOnline,
    Finished,
    FinishedOnTime,
    FinishedLate,
    Resolved,
    Returned,
    ReturnedElectronic,
    FullyOnline,
    Charged,
    PaidOnline,
    PaidCash,
    SupplementRequests,
    Apologies,
    RatedSatisfied,
    RatedNeutral,
    RatedUnsatisfied,
    Withdrawn,
    Refused,
    Stopped,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use ThroughputRecords as T;
        let mut table = Table::create();
        table
            .table(T::Table)
            .col(string_len(T::Day, 10))
            .col(string_len(T::AgencyCode, 13))
            .col(string_len(T::ProcedureCode, 50))
            .col(string_len(T::Channel, 16))
            .col(small_integer(T::Shard));
        for counter in [
            T::Received,
            T::ReceivedOnline,
            T::Finished,
            T::FinishedOnTime,
            T::FinishedLate,
            T::Resolved,
            T::Returned,
            T::ReturnedElectronic,
            T::FullyOnline,
            T::Charged,
            T::PaidOnline,
            T::PaidCash,
            T::SupplementRequests,
            T::Apologies,
            T::RatedSatisfied,
            T::RatedNeutral,
            T::RatedUnsatisfied,
            T::Withdrawn,
            T::Refused,
            T::Stopped,
        ] {
            table.col(big_integer(counter).default(0));
        }
        table.primary_key(
            Index::create().col(T::Day).col(T::AgencyCode).col(T::ProcedureCode).col(T::Channel).col(T::Shard),
        );
        m.create_table(table.to_owned()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ThroughputRecords::Table).to_owned()).await
    }
}

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The throughput records summed per month (`YYYY-MM`), kept in the same transactions as the
/// per-day rows: an indicator query over whole months reads one row per (month, agency,
/// procedure, channel, shard) instead of thirty. Same counters as `throughput_records`.
#[derive(DeriveIden)]
enum ThroughputMonths {
    Table,
    Month,
    AgencyCode,
    ProcedureCode,
    Channel,
    Shard,
}

/// The counters, as in `throughput_records` (migrations 000030, 000042 and 000300).
pub(crate) const COUNTERS: [&str; 23] = [
    "received",
    "received_online",
    "finished",
    "finished_on_time",
    "finished_late",
    "resolved",
    "returned",
    "returned_electronic",
    "fully_online",
    "charged",
    "paid_online",
    "paid_cash",
    "supplement_requests",
    "apologies",
    "rated_satisfied",
    "rated_neutral",
    "rated_unsatisfied",
    "withdrawn",
    "refused",
    "stopped",
    "returned_digitised",
    "returned_digitised_electronic",
    "synced",
];

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use ThroughputMonths as T;
        let mut table = Table::create();
        table
            .table(T::Table)
            .col(string_len(T::Month, 7))
            .col(string_len(T::AgencyCode, 13))
            .col(string_len(T::ProcedureCode, 50))
            .col(string_len(T::Channel, 16))
            .col(small_integer(T::Shard));
        for counter in COUNTERS {
            table.col(big_integer(Alias::new(counter)).default(0));
        }
        table.primary_key(
            Index::create().col(T::Month).col(T::AgencyCode).col(T::ProcedureCode).col(T::Channel).col(T::Shard),
        );
        m.create_table(table.to_owned()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ThroughputMonths::Table).to_owned()).await
    }
}

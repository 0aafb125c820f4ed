use sea_orm_migration::{prelude::*, schema::*};

// The counters of `throughput_months`, which this migration copies.
use crate::m20261130_000302_create_throughput_months::COUNTERS;
use crate::summed_copy::copy_summed_over_channels;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The monthly throughput records without the channel in their key, `throughput_pair_months`,
/// replace `throughput_months`: no indicator reads a month per channel (the online share comes
/// from `received_online`), and a query over whole months then reads one row per (month,
/// agency, procedure, shard) — a quarter of the rows (BENCHMARKS.md, issue 7). The daily rows
/// keep the channel: `records::check` and a recount compare them per channel. The existing rows
/// are copied summed over their channels. A new table rather than a rebuilt one renamed back:
/// SQLite cannot drop a primary-key column in place, and a rename on another pooled connection
/// than the drop's can still see the dropped table.
#[derive(DeriveIden)]
enum ThroughputMonths {
    Table,
    Month,
    AgencyCode,
    ProcedureCode,
    Channel,
    Shard,
}

#[derive(DeriveIden)]
enum ThroughputPairMonths {
    Table,
}

/// Creates `table` with the monthly key, with or without the channel.
fn create(table: impl IntoIden, with_channel: bool) -> TableCreateStatement {
    use ThroughputMonths as T;
    let mut create = Table::create();
    create
        .table(table)
        .col(string_len(T::Month, 7))
        .col(string_len(T::AgencyCode, 13))
        .col(string_len(T::ProcedureCode, 50));
    if with_channel {
        create.col(string_len(T::Channel, 16));
    }
    create.col(small_integer(T::Shard));
    for counter in COUNTERS {
        create.col(big_integer(Alias::new(counter)).default(0));
    }
    let mut key = Index::create();
    if with_channel {
        key.col(T::Month).col(T::AgencyCode).col(T::ProcedureCode).col(T::Channel).col(T::Shard);
    } else {
        // Pair first: an indicator query sums the months of a period per pair, and with its rows
        // in pair order SQLite streams the GROUP BY instead of sorting every row of the period
        // (2.5 → 1.0 ms for a year at 10 million dossiers), and an agency's rows are one range.
        key.col(T::AgencyCode).col(T::ProcedureCode).col(T::Month).col(T::Shard);
    }
    create.primary_key(&mut key);
    create.to_owned()
}

/// [`copy_summed_over_channels`] of the monthly rows, into `target` keyed with the channel or not.
fn copy_summed(target: impl IntoIden, with_channel: bool, source: impl IntoIden) -> Result<InsertStatement, DbErr> {
    use ThroughputMonths as T;
    let key = [T::Month.into_iden(), T::AgencyCode.into_iden(), T::ProcedureCode.into_iden()];
    let counters: Vec<DynIden> = COUNTERS.iter().map(|c| Alias::new(*c).into_iden()).collect();
    copy_summed_over_channels(target, source, &key, with_channel.then(|| T::Channel.into_iden()), &counters)
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(create(ThroughputPairMonths::Table, false)).await?;
        m.exec_stmt(copy_summed(ThroughputPairMonths::Table, false, ThroughputMonths::Table)?).await?;
        m.drop_table(Table::drop().table(ThroughputMonths::Table).to_owned()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(create(ThroughputMonths::Table, true)).await?;
        m.exec_stmt(copy_summed(ThroughputMonths::Table, true, ThroughputPairMonths::Table)?).await?;
        m.drop_table(Table::drop().table(ThroughputPairMonths::Table).to_owned()).await
    }
}

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The numerator of the 766 synchronisation indicator (§1.4): dossiers the national portal has
/// accepted since their reception, counted on the business day of their reception (NgayTiepNhan),
/// by the sync job's success in its own transaction.
#[derive(DeriveIden)]
enum ThroughputRecords {
    Table,
    Synced,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(ThroughputRecords::Table)
                .add_column(big_integer(ThroughputRecords::Synced).default(0))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(ThroughputRecords::Table).drop_column(ThroughputRecords::Synced).to_owned())
            .await
    }
}

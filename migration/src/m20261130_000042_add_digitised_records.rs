use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Two counters for the 766 digitisation indicator (§4.2): results delivered for dossiers with
/// files attached to their components, and of those the ones delivered electronically.
#[derive(DeriveIden)]
enum ThroughputRecords {
    Table,
    ReturnedDigitised,
    ReturnedDigitisedElectronic,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        for column in [ThroughputRecords::ReturnedDigitised, ThroughputRecords::ReturnedDigitisedElectronic] {
            m.alter_table(
                Table::alter().table(ThroughputRecords::Table).add_column(big_integer(column).default(0)).to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [ThroughputRecords::ReturnedDigitisedElectronic, ThroughputRecords::ReturnedDigitised] {
            m.alter_table(Table::alter().table(ThroughputRecords::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Interagency processing (liên thông): the agency a dossier is handed over to while the lead
/// agency (`agency_code`) waits for its part; `NULL` while the lead agency handles it.
#[derive(DeriveIden)]
enum Dossiers {
    Table,
    HandlingAgencyCode,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Dossiers::Table)
                .add_column(string_len_null(Dossiers::HandlingAgencyCode, 13))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_dossiers_handling_agency")
                .table(Dossiers::Table)
                .col(Dossiers::HandlingAgencyCode)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("idx_dossiers_handling_agency").table(Dossiers::Table).to_owned()).await?;
        m.alter_table(Table::alter().table(Dossiers::Table).drop_column(Dossiers::HandlingAgencyCode).to_owned()).await
    }
}

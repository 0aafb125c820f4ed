use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Local codes as the national portal knows them (issue 10): a procedure's national TTHC code
/// (`document_key` empty) and a required document's `MaThanhPhanHoSo`.
#[derive(DeriveIden)]
enum NationalCodeMappings {
    Table,
    ProcedureCode,
    DocumentKey,
    NationalCode,
    UpdatedAt,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(NationalCodeMappings::Table)
                .col(string_len(NationalCodeMappings::ProcedureCode, 64))
                .col(string_len(NationalCodeMappings::DocumentKey, 64))
                .col(string_len(NationalCodeMappings::NationalCode, 128))
                .col(timestamp_with_time_zone(NationalCodeMappings::UpdatedAt))
                .primary_key(
                    Index::create().col(NationalCodeMappings::ProcedureCode).col(NationalCodeMappings::DocumentKey),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(NationalCodeMappings::Table).to_owned()).await
    }
}

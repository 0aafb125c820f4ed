use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// An agency's own DOCX template of an official form (issue 10): the bytes themselves, since a
/// template is small configuration that every replica must see and that goes with the agency.
#[derive(DeriveIden)]
enum FormTemplates {
    Table,
    AgencyCode,
    Form,
    Content,
    Sha256,
    Size,
    UploadedBy,
    UploadedAt,
}

#[derive(DeriveIden)]
enum Agencies {
    Table,
    Code,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(FormTemplates::Table)
                .col(string_len(FormTemplates::AgencyCode, 13))
                .col(string_len(FormTemplates::Form, 32))
                .col(blob(FormTemplates::Content))
                .col(string_len(FormTemplates::Sha256, 64))
                .col(big_integer(FormTemplates::Size))
                .col(uuid_null(FormTemplates::UploadedBy))
                .col(timestamp_with_time_zone(FormTemplates::UploadedAt))
                .primary_key(Index::create().col(FormTemplates::AgencyCode).col(FormTemplates::Form))
                .foreign_key(
                    ForeignKey::create()
                        .from(FormTemplates::Table, FormTemplates::AgencyCode)
                        .to(Agencies::Table, Agencies::Code)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(FormTemplates::Table).to_owned()).await
    }
}

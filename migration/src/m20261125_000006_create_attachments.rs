use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Files attached to a dossier, one current row per required document; the bytes live in the
/// object store under `storage_key` (content addressed by SHA-256). A replaced or deleted file
/// keeps its row with `deleted_at` set.
#[derive(DeriveIden)]
enum Attachments {
    Table,
    Id,
    DossierId,
    DocumentKey,
    FileName,
    ContentType,
    Size,
    Sha256,
    StorageKey,
    CreatedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum Dossiers {
    Table,
    Id,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Attachments::Table)
                .col(uuid(Attachments::Id).primary_key())
                .col(uuid(Attachments::DossierId))
                .col(string_len(Attachments::DocumentKey, 64))
                .col(string_len(Attachments::FileName, 255))
                .col(string_len(Attachments::ContentType, 127))
                .col(big_integer(Attachments::Size))
                .col(char_len(Attachments::Sha256, 64))
                .col(string_len(Attachments::StorageKey, 255))
                .col(timestamp_with_time_zone(Attachments::CreatedAt))
                .col(timestamp_with_time_zone_null(Attachments::DeletedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Attachments::Table, Attachments::DossierId)
                        .to(Dossiers::Table, Dossiers::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_attachments_dossier_document")
                .table(Attachments::Table)
                .col(Attachments::DossierId)
                .col(Attachments::DocumentKey)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Attachments::Table).to_owned()).await
    }
}

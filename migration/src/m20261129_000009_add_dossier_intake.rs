use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// What a dossier filed on the national portal brings along.
#[derive(DeriveIden)]
enum Dossiers {
    Table,
    /// The national portal's id of the dossier: intake is idempotent on it.
    ExternalId,
    /// The applicant signed in with a VNeID account (`TaiKhoanDuocXacThucVoiVNeID`).
    VneidAuthenticated,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter().table(Dossiers::Table).add_column(string_len_null(Dossiers::ExternalId, 128)).to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Dossiers::Table)
                .add_column(boolean(Dossiers::VneidAuthenticated).default(false))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_dossiers_external_id")
                .table(Dossiers::Table)
                .col(Dossiers::ExternalId)
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("idx_dossiers_external_id").table(Dossiers::Table).to_owned()).await?;
        for col in [Dossiers::VneidAuthenticated, Dossiers::ExternalId] {
            m.alter_table(Table::alter().table(Dossiers::Table).drop_column(col).to_owned()).await?;
        }
        Ok(())
    }
}

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Keys that sign access tokens. The newest active one signs; older ones still verify until
/// their `retire_at`, so a rotation never logs anyone out early.
#[derive(DeriveIden)]
enum SigningKeys {
    Table,
    Kid,
    Secret,
    CreatedAt,
    RetireAt,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(SigningKeys::Table)
                .col(string_len(SigningKeys::Kid, 64).primary_key())
                .col(string(SigningKeys::Secret))
                .col(timestamp_with_time_zone(SigningKeys::CreatedAt))
                .col(timestamp_with_time_zone_null(SigningKeys::RetireAt))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(SigningKeys::Table).to_owned()).await
    }
}

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Systems told about dossier state changes by signed webhooks, through the outbox.
#[derive(DeriveIden)]
enum WebhookSubscriptions {
    Table,
    Id,
    Url,
    Secret,
    Events,
    CreatedBy,
    CreatedAt,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(WebhookSubscriptions::Table)
                .col(uuid(WebhookSubscriptions::Id).primary_key())
                .col(text(WebhookSubscriptions::Url))
                // The HMAC key must be read back to sign, so it cannot be stored hashed.
                .col(text(WebhookSubscriptions::Secret))
                .col(text(WebhookSubscriptions::Events))
                .col(uuid_null(WebhookSubscriptions::CreatedBy))
                .col(timestamp_with_time_zone(WebhookSubscriptions::CreatedAt))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(WebhookSubscriptions::Table).to_owned()).await
    }
}

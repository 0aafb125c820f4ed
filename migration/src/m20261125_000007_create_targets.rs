use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Targets the provincial resolutions set for an indicator, per administrative level and year
/// (DOMAIN.md §9): data, editable by an administrator.
#[derive(DeriveIden)]
enum Targets {
    Table,
    Indicator,
    Level,
    Year,
    Target,
    Source,
    UpdatedAt,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Targets::Table)
                .col(string_len(Targets::Indicator, 64))
                .col(string_len(Targets::Level, 16))
                .col(integer(Targets::Year))
                .col(double(Targets::Target))
                .col(text(Targets::Source))
                .col(timestamp_with_time_zone(Targets::UpdatedAt))
                .primary_key(Index::create().col(Targets::Indicator).col(Targets::Level).col(Targets::Year))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Targets::Table).to_owned()).await
    }
}

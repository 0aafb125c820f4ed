use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// One row per year of the civil-service calendar: days off and make-up working days (JSON
/// arrays of dates), editable by an administrator (DOMAIN.md §6).
#[derive(DeriveIden)]
enum CalendarYears {
    Table,
    Year,
    Holidays,
    MakeupWorkingDays,
    Source,
    UpdatedAt,
}

/// Office hours are per agency; NULL means the default commune schedule.
#[derive(DeriveIden)]
enum Agencies {
    Table,
    OfficeHours,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(CalendarYears::Table)
                .col(integer(CalendarYears::Year).primary_key())
                .col(text(CalendarYears::Holidays))
                .col(text(CalendarYears::MakeupWorkingDays))
                .col(text_null(CalendarYears::Source))
                .col(timestamp_with_time_zone(CalendarYears::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.alter_table(Table::alter().table(Agencies::Table).add_column(text_null(Agencies::OfficeHours)).to_owned())
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(Agencies::Table).drop_column(Agencies::OfficeHours).to_owned()).await?;
        m.drop_table(Table::drop().table(CalendarYears::Table).to_owned()).await
    }
}

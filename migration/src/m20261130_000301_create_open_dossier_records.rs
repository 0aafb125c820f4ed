use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The dossiers still open (received, not finished) by reception day and appointment day, for
/// the 766 on-time indicator (§2.1), which counts the open ones within their deadline as on time
/// and the others as late. A snapshot kept by each transition in its transaction (a row that
/// drops to zero is deleted), rebuilt by `recount` from the dossiers as they are. `due_day` is the
/// business date of the appointment, or `9999-12-31` while the clock stands still within it.
#[derive(DeriveIden)]
enum OpenDossierRecords {
    Table,
    ReceivedDay,
    DueDay,
    AgencyCode,
    ProcedureCode,
    Channel,
    Shard,
    OpenDossiers,
    OpenResupplied,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use OpenDossierRecords as T;
        m.create_table(
            Table::create()
                .table(T::Table)
                .col(string_len(T::ReceivedDay, 10))
                .col(string_len(T::DueDay, 10))
                .col(string_len(T::AgencyCode, 13))
                .col(string_len(T::ProcedureCode, 50))
                .col(string_len(T::Channel, 16))
                .col(small_integer(T::Shard))
                .col(big_integer(T::OpenDossiers).default(0))
                .col(big_integer(T::OpenResupplied).default(0))
                .primary_key(
                    Index::create()
                        .col(T::ReceivedDay)
                        .col(T::DueDay)
                        .col(T::AgencyCode)
                        .col(T::ProcedureCode)
                        .col(T::Channel)
                        .col(T::Shard),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(OpenDossierRecords::Table).to_owned()).await
    }
}

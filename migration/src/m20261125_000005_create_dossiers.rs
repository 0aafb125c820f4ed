use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Dossiers (hồ sơ). `state` changes only through the workflow layer; `version` is the ETag.
#[derive(DeriveIden)]
enum Dossiers {
    Table,
    Id,
    Code,
    LookupSecret,
    ProcedureCode,
    AgencyCode,
    ApplicantId,
    State,
    ResumeState,
    Channel,
    FormData,
    Version,
    SubmittedAt,
    ReceivedAt,
    DueAt,
    ResolvedAt,
    ReturnedAt,
    CreatedAt,
    UpdatedAt,
}

/// The running number of dossier codes per agency and reception day (serial by law).
#[derive(DeriveIden)]
enum DossierSequences {
    Table,
    AgencyCode,
    Day,
    LastNumber,
}

/// The audit trail: one row per action, each hash covering the previous one of its dossier.
#[derive(DeriveIden)]
enum DossierEvents {
    Table,
    Id,
    DossierId,
    Seq,
    Action,
    ActorId,
    ActorRole,
    FromState,
    ToState,
    Note,
    Data,
    At,
    PrevHash,
    Hash,
}

/// Stored responses of requests sent with an `Idempotency-Key`.
#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    AccountId,
    Key,
    RequestHash,
    Status,
    Body,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Procedures {
    Table,
    Code,
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
                .table(Dossiers::Table)
                .col(uuid(Dossiers::Id).primary_key())
                .col(string_len_null(Dossiers::Code, 64).unique_key())
                .col(string_len_null(Dossiers::LookupSecret, 8))
                .col(string_len(Dossiers::ProcedureCode, 50))
                .col(string_len(Dossiers::AgencyCode, 13))
                .col(uuid(Dossiers::ApplicantId))
                .col(string_len(Dossiers::State, 32))
                .col(string_len_null(Dossiers::ResumeState, 32))
                .col(string_len(Dossiers::Channel, 32))
                .col(text(Dossiers::FormData))
                .col(integer(Dossiers::Version))
                .col(timestamp_with_time_zone_null(Dossiers::SubmittedAt))
                .col(timestamp_with_time_zone_null(Dossiers::ReceivedAt))
                .col(timestamp_with_time_zone_null(Dossiers::DueAt))
                .col(timestamp_with_time_zone_null(Dossiers::ResolvedAt))
                .col(timestamp_with_time_zone_null(Dossiers::ReturnedAt))
                .col(timestamp_with_time_zone(Dossiers::CreatedAt))
                .col(timestamp_with_time_zone(Dossiers::UpdatedAt))
                .foreign_key(
                    ForeignKey::create().from(Dossiers::Table, Dossiers::ApplicantId).to(Accounts::Table, Accounts::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Dossiers::Table, Dossiers::ProcedureCode)
                        .to(Procedures::Table, Procedures::Code),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Dossiers::Table, Dossiers::AgencyCode)
                        .to(Agencies::Table, Agencies::Code),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_dossiers_applicant")
                .table(Dossiers::Table)
                .col(Dossiers::ApplicantId)
                .col(Dossiers::CreatedAt)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_dossiers_agency_state")
                .table(Dossiers::Table)
                .col(Dossiers::AgencyCode)
                .col(Dossiers::State)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(DossierSequences::Table)
                .col(string_len(DossierSequences::AgencyCode, 13))
                .col(string_len(DossierSequences::Day, 6))
                .col(integer(DossierSequences::LastNumber))
                .primary_key(Index::create().col(DossierSequences::AgencyCode).col(DossierSequences::Day))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(DossierEvents::Table)
                .col(uuid(DossierEvents::Id).primary_key())
                .col(uuid(DossierEvents::DossierId))
                .col(integer(DossierEvents::Seq))
                .col(string_len(DossierEvents::Action, 32))
                .col(uuid_null(DossierEvents::ActorId))
                .col(string_len(DossierEvents::ActorRole, 32))
                .col(string_len(DossierEvents::FromState, 32))
                .col(string_len(DossierEvents::ToState, 32))
                .col(text_null(DossierEvents::Note))
                .col(text(DossierEvents::Data))
                .col(timestamp_with_time_zone(DossierEvents::At))
                .col(string_len(DossierEvents::PrevHash, 64))
                .col(string_len(DossierEvents::Hash, 64))
                .foreign_key(
                    ForeignKey::create()
                        .from(DossierEvents::Table, DossierEvents::DossierId)
                        .to(Dossiers::Table, Dossiers::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_dossier_events_seq")
                .table(DossierEvents::Table)
                .col(DossierEvents::DossierId)
                .col(DossierEvents::Seq)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(IdempotencyKeys::Table)
                .col(uuid(IdempotencyKeys::AccountId))
                .col(string_len(IdempotencyKeys::Key, 255))
                .col(string_len(IdempotencyKeys::RequestHash, 64))
                .col(integer(IdempotencyKeys::Status))
                .col(text(IdempotencyKeys::Body))
                .col(timestamp_with_time_zone(IdempotencyKeys::CreatedAt))
                .primary_key(Index::create().col(IdempotencyKeys::AccountId).col(IdempotencyKeys::Key))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            IdempotencyKeys::Table.into_iden(),
            DossierEvents::Table.into_iden(),
            DossierSequences::Table.into_iden(),
            Dossiers::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

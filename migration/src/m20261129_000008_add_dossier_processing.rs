use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The facts the one-stop desk records while handling a dossier (DESIGN.md §6, §8). They live on
/// the dossier row so that one UPDATE in the workflow's transaction keeps them with the state.
#[derive(DeriveIden)]
enum Dossiers {
    Table,
    Id,
    AgencyCode,
    DueAt,
    /// The specialist handling it.
    AssigneeId,
    /// The appointment at reception, moved only by clock pauses (never by an apology): what the
    /// 766 on-time rule compares the finish with.
    StatutoryDueAt,
    /// Since when the deadline clock stands still (waiting for a supplement or a payment).
    PausedAt,
    /// Supplement requests made (more than one makes the dossier late under the 766 rules).
    SupplementRequests,
    /// Seconds the citizen spent supplementing, subtracted from processing time (766 §2.1).
    SupplementSeconds,
    /// Apologies (Mẫu 04) issued.
    Apologies,
    /// `NgayKetThucXuLy`: resolved, refused, stopped or withdrawn.
    FinishedAt,
    /// `approved` or `denied`, once resolved.
    Decision,
    /// Fees requested, in đồng.
    FeeTotal,
    /// `online` or `cash`, once paid.
    PaymentMethod,
    PaidAt,
    /// `online`, `desk` or `post`, once returned.
    ReturnMethod,
    /// `satisfied`, `neutral` or `unsatisfied`.
    Rating,
    RatingComment,
    RatedAt,
}

/// Whether a specialist's result needs a leader's approval (most do).
#[derive(DeriveIden)]
enum Procedures {
    Table,
    ApprovalRequired,
}

/// Result documents: drafted by a specialist, issued (stored, hashed, signed) on approval.
#[derive(DeriveIden)]
enum DossierResults {
    Table,
    Id,
    DossierId,
    /// `draft`, `issued` or `discarded` (sent back).
    Status,
    Decision,
    Summary,
    ProposedBy,
    FileName,
    ContentType,
    Size,
    Sha256,
    StorageKey,
    /// Ed25519 signature (base64) over the signed statement.
    Signature,
    KeyId,
    IssuedBy,
    IssuedAt,
    CreatedAt,
}

/// Fee payments requested from the citizen; settled at the desk or through a payment provider.
#[derive(DeriveIden)]
enum Payments {
    Table,
    Id,
    DossierId,
    /// JSON: `[{name, amount}]`.
    Fees,
    Amount,
    /// `pending`, `settled`, `expired` or `cancelled`.
    Status,
    Method,
    Provider,
    Reference,
    CreatedAt,
    ExpiresAt,
    SettledAt,
}

/// Ed25519 keys the service signs results with; the newest is used, older ones still verify.
#[derive(DeriveIden)]
enum ResultSigningKeys {
    Table,
    Id,
    PublicKey,
    SecretKey,
    CreatedAt,
}

fn add(col: ColumnDef) -> TableAlterStatement {
    // One column per statement: SQLite's ALTER TABLE takes one change at a time.
    Table::alter().table(Dossiers::Table).add_column(col).to_owned()
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            uuid_null(Dossiers::AssigneeId),
            timestamp_with_time_zone_null(Dossiers::StatutoryDueAt),
            timestamp_with_time_zone_null(Dossiers::PausedAt),
            integer(Dossiers::SupplementRequests).default(0).to_owned(),
            big_integer(Dossiers::SupplementSeconds).default(0).to_owned(),
            integer(Dossiers::Apologies).default(0).to_owned(),
            timestamp_with_time_zone_null(Dossiers::FinishedAt),
            string_len_null(Dossiers::Decision, 16),
            big_integer(Dossiers::FeeTotal).default(0).to_owned(),
            string_len_null(Dossiers::PaymentMethod, 16),
            timestamp_with_time_zone_null(Dossiers::PaidAt),
            string_len_null(Dossiers::ReturnMethod, 16),
            string_len_null(Dossiers::Rating, 16),
            text_null(Dossiers::RatingComment),
            timestamp_with_time_zone_null(Dossiers::RatedAt),
        ] {
            m.alter_table(add(col)).await?;
        }
        m.create_index(
            Index::create()
                .name("idx_dossiers_agency_due")
                .table(Dossiers::Table)
                .col(Dossiers::AgencyCode)
                .col(Dossiers::DueAt)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Procedures::Table)
                .add_column(boolean(Procedures::ApprovalRequired).default(true))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(DossierResults::Table)
                .col(uuid(DossierResults::Id).primary_key())
                .col(uuid(DossierResults::DossierId))
                .col(string_len(DossierResults::Status, 16))
                .col(string_len(DossierResults::Decision, 16))
                .col(text(DossierResults::Summary))
                .col(uuid_null(DossierResults::ProposedBy))
                .col(string_len_null(DossierResults::FileName, 255))
                .col(string_len_null(DossierResults::ContentType, 127))
                .col(big_integer_null(DossierResults::Size))
                .col(char_len_null(DossierResults::Sha256, 64))
                .col(string_len_null(DossierResults::StorageKey, 255))
                .col(text_null(DossierResults::Signature))
                .col(string_len_null(DossierResults::KeyId, 64))
                .col(uuid_null(DossierResults::IssuedBy))
                .col(timestamp_with_time_zone_null(DossierResults::IssuedAt))
                .col(timestamp_with_time_zone(DossierResults::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(DossierResults::Table, DossierResults::DossierId)
                        .to(Dossiers::Table, Dossiers::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_dossier_results_dossier")
                .table(DossierResults::Table)
                .col(DossierResults::DossierId)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_dossier_results_sha256")
                .table(DossierResults::Table)
                .col(DossierResults::Sha256)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Payments::Table)
                .col(uuid(Payments::Id).primary_key())
                .col(uuid(Payments::DossierId))
                .col(text(Payments::Fees))
                .col(big_integer(Payments::Amount))
                .col(string_len(Payments::Status, 16))
                .col(string_len_null(Payments::Method, 16))
                .col(string_len_null(Payments::Provider, 64))
                .col(string_len_null(Payments::Reference, 128))
                .col(timestamp_with_time_zone(Payments::CreatedAt))
                .col(timestamp_with_time_zone_null(Payments::ExpiresAt))
                .col(timestamp_with_time_zone_null(Payments::SettledAt))
                .foreign_key(
                    ForeignKey::create().from(Payments::Table, Payments::DossierId).to(Dossiers::Table, Dossiers::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("idx_payments_dossier").table(Payments::Table).col(Payments::DossierId).to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ResultSigningKeys::Table)
                .col(string_len(ResultSigningKeys::Id, 64).primary_key())
                .col(text(ResultSigningKeys::PublicKey))
                .col(text(ResultSigningKeys::SecretKey))
                .col(timestamp_with_time_zone(ResultSigningKeys::CreatedAt))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in
            [ResultSigningKeys::Table.into_iden(), Payments::Table.into_iden(), DossierResults::Table.into_iden()]
        {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        m.alter_table(Table::alter().table(Procedures::Table).drop_column(Procedures::ApprovalRequired).to_owned())
            .await?;
        m.drop_index(Index::drop().name("idx_dossiers_agency_due").table(Dossiers::Table).to_owned()).await?;
        for col in [
            Dossiers::RatedAt,
            Dossiers::RatingComment,
            Dossiers::Rating,
            Dossiers::ReturnMethod,
            Dossiers::PaidAt,
            Dossiers::PaymentMethod,
            Dossiers::FeeTotal,
            Dossiers::Decision,
            Dossiers::FinishedAt,
            Dossiers::Apologies,
            Dossiers::SupplementSeconds,
            Dossiers::SupplementRequests,
            Dossiers::PausedAt,
            Dossiers::StatutoryDueAt,
            Dossiers::AssigneeId,
        ] {
            m.alter_table(Table::alter().table(Dossiers::Table).drop_column(col).to_owned()).await?;
        }
        Ok(())
    }
}

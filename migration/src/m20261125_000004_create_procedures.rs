use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Administrative procedures (thủ tục hành chính, TTHC), keyed by their national code (DOMAIN.md
/// §5.4: an opaque string, VARCHAR(50)). Fees, documents, the form schema and the legal basis are
/// JSON text, so both backends store them alike.
#[derive(DeriveIden)]
enum Procedures {
    Table,
    Code,
    Name,
    /// Lower-case, diacritics removed, đ→d: what `q` searches with LIKE on both backends.
    NameSearch,
    Field,
    OnlineLevel,
    EligibleFullOnline,
    /// Both NULL: the procedure has no fixed deadline.
    ProcessingValue,
    ProcessingUnit,
    Fees,
    Documents,
    ResultIsDocument,
    ResultName,
    FormSchema,
    LegalBasis,
    ValidFrom,
    ValidTo,
    CreatedAt,
    UpdatedAt,
}

/// Which agencies perform a procedure.
#[derive(DeriveIden)]
enum ProcedureAgencies {
    Table,
    ProcedureCode,
    AgencyCode,
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
                .table(Procedures::Table)
                .col(string_len(Procedures::Code, 50).primary_key())
                .col(text(Procedures::Name))
                .col(text(Procedures::NameSearch))
                .col(string_len(Procedures::Field, 200))
                .col(string_len(Procedures::OnlineLevel, 16))
                .col(boolean(Procedures::EligibleFullOnline))
                .col(integer_null(Procedures::ProcessingValue))
                .col(string_len_null(Procedures::ProcessingUnit, 32))
                .col(text(Procedures::Fees))
                .col(text(Procedures::Documents))
                .col(boolean(Procedures::ResultIsDocument))
                .col(text_null(Procedures::ResultName))
                .col(text(Procedures::FormSchema))
                .col(text(Procedures::LegalBasis))
                .col(date_null(Procedures::ValidFrom))
                .col(date_null(Procedures::ValidTo))
                .col(timestamp_with_time_zone(Procedures::CreatedAt))
                .col(timestamp_with_time_zone(Procedures::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("idx_procedures_field").table(Procedures::Table).col(Procedures::Field).to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ProcedureAgencies::Table)
                .col(string_len(ProcedureAgencies::ProcedureCode, 50))
                .col(string_len(ProcedureAgencies::AgencyCode, 13))
                .primary_key(Index::create().col(ProcedureAgencies::ProcedureCode).col(ProcedureAgencies::AgencyCode))
                .foreign_key(
                    ForeignKey::create()
                        .from(ProcedureAgencies::Table, ProcedureAgencies::ProcedureCode)
                        .to(Procedures::Table, Procedures::Code)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(ProcedureAgencies::Table, ProcedureAgencies::AgencyCode)
                        .to(Agencies::Table, Agencies::Code),
                )
                .to_owned(),
        )
        .await?;
        // The primary key serves lookups by procedure; the agency filter needs the other direction.
        m.create_index(
            Index::create()
                .name("idx_procedure_agencies_agency")
                .table(ProcedureAgencies::Table)
                .col(ProcedureAgencies::AgencyCode)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ProcedureAgencies::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(Procedures::Table).to_owned()).await
    }
}

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Agencies (cơ quan, QCVN 102 code) — staff belong to one; the catalogue issue extends their use.
#[derive(DeriveIden)]
enum Agencies {
    Table,
    Code,
    Name,
    Level,
    ParentCode,
    ValidFrom,
    ValidTo,
    CreatedAt,
    UpdatedAt,
}

/// Citizens and staff. Citizens sign in with e-mail or national ID; staff belong to an agency.
#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
    Kind,
    Email,
    NationalId,
    FullName,
    Phone,
    PasswordHash,
    EmailVerifiedAt,
    AgencyCode,
    Roles,
    Active,
    PrivacyNoticeVersion,
    PrivacyConsentAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EmailVerifications {
    Table,
    TokenHash,
    AccountId,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

/// Opaque refresh tokens, stored hashed; a family is one sign-in and all its rotations.
#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Id,
    TokenHash,
    AccountId,
    FamilyId,
    ExpiresAt,
    UsedAt,
    RevokedAt,
    CreatedAt,
}

/// Failed-login counters per account name and per client address; stored so a restart does not
/// reset a lockout.
#[derive(DeriveIden)]
enum LoginThrottles {
    Table,
    Key,
    Failures,
    WindowStartedAt,
    LockedUntil,
}

#[derive(DeriveIden)]
enum ApiClients {
    Table,
    Id,
    ClientId,
    SecretHash,
    Name,
    Scopes,
    Active,
    CreatedBy,
    CreatedAt,
}

/// Who read or exported whose personal data, when and why (ND 13/2023; PDP Law 2025).
#[derive(DeriveIden)]
enum PersonalDataAccessLog {
    Table,
    Id,
    ActorId,
    ActorRole,
    SubjectAccountId,
    Action,
    Purpose,
    RequestId,
    At,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Agencies::Table)
                .col(string_len(Agencies::Code, 13).primary_key())
                .col(string(Agencies::Name))
                .col(string_len(Agencies::Level, 16))
                .col(string_len_null(Agencies::ParentCode, 13))
                .col(date_null(Agencies::ValidFrom))
                .col(date_null(Agencies::ValidTo))
                .col(timestamp_with_time_zone(Agencies::CreatedAt))
                .col(timestamp_with_time_zone(Agencies::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Agencies::Table, Agencies::ParentCode)
                        .to(Agencies::Table, Agencies::Code),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Accounts::Table)
                .col(uuid(Accounts::Id).primary_key())
                .col(string_len(Accounts::Kind, 16))
                .col(string_len_uniq(Accounts::Email, 254))
                .col(string_len_null(Accounts::NationalId, 12).unique_key())
                .col(string(Accounts::FullName))
                .col(string_len_null(Accounts::Phone, 16))
                .col(string(Accounts::PasswordHash))
                .col(timestamp_with_time_zone_null(Accounts::EmailVerifiedAt))
                .col(string_len_null(Accounts::AgencyCode, 13))
                .col(string_len(Accounts::Roles, 128).default(""))
                .col(boolean(Accounts::Active).default(true))
                .col(string_len_null(Accounts::PrivacyNoticeVersion, 32))
                .col(timestamp_with_time_zone_null(Accounts::PrivacyConsentAt))
                .col(timestamp_with_time_zone(Accounts::CreatedAt))
                .col(timestamp_with_time_zone(Accounts::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Accounts::Table, Accounts::AgencyCode)
                        .to(Agencies::Table, Agencies::Code),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(EmailVerifications::Table)
                .col(string_len(EmailVerifications::TokenHash, 64).primary_key())
                .col(uuid(EmailVerifications::AccountId))
                .col(timestamp_with_time_zone(EmailVerifications::ExpiresAt))
                .col(timestamp_with_time_zone_null(EmailVerifications::UsedAt))
                .col(timestamp_with_time_zone(EmailVerifications::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(EmailVerifications::Table, EmailVerifications::AccountId)
                        .to(Accounts::Table, Accounts::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(RefreshTokens::Table)
                .col(uuid(RefreshTokens::Id).primary_key())
                .col(string_len_uniq(RefreshTokens::TokenHash, 64))
                .col(uuid(RefreshTokens::AccountId))
                .col(uuid(RefreshTokens::FamilyId))
                .col(timestamp_with_time_zone(RefreshTokens::ExpiresAt))
                .col(timestamp_with_time_zone_null(RefreshTokens::UsedAt))
                .col(timestamp_with_time_zone_null(RefreshTokens::RevokedAt))
                .col(timestamp_with_time_zone(RefreshTokens::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(RefreshTokens::Table, RefreshTokens::AccountId)
                        .to(Accounts::Table, Accounts::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_refresh_tokens_family")
                .table(RefreshTokens::Table)
                .col(RefreshTokens::FamilyId)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_refresh_tokens_account")
                .table(RefreshTokens::Table)
                .col(RefreshTokens::AccountId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(LoginThrottles::Table)
                .col(string_len(LoginThrottles::Key, 300).primary_key())
                .col(integer(LoginThrottles::Failures))
                .col(timestamp_with_time_zone(LoginThrottles::WindowStartedAt))
                .col(timestamp_with_time_zone_null(LoginThrottles::LockedUntil))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ApiClients::Table)
                .col(uuid(ApiClients::Id).primary_key())
                .col(string_len_uniq(ApiClients::ClientId, 64))
                .col(string_len(ApiClients::SecretHash, 64))
                .col(string(ApiClients::Name))
                .col(string_len(ApiClients::Scopes, 512))
                .col(boolean(ApiClients::Active).default(true))
                .col(uuid_null(ApiClients::CreatedBy))
                .col(timestamp_with_time_zone(ApiClients::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(PersonalDataAccessLog::Table)
                .col(uuid(PersonalDataAccessLog::Id).primary_key())
                .col(uuid(PersonalDataAccessLog::ActorId))
                .col(string_len(PersonalDataAccessLog::ActorRole, 32))
                .col(uuid(PersonalDataAccessLog::SubjectAccountId))
                .col(string_len(PersonalDataAccessLog::Action, 32))
                .col(string_len(PersonalDataAccessLog::Purpose, 500))
                .col(string_len_null(PersonalDataAccessLog::RequestId, 64))
                .col(timestamp_with_time_zone(PersonalDataAccessLog::At))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_personal_data_access_subject")
                .table(PersonalDataAccessLog::Table)
                .col(PersonalDataAccessLog::SubjectAccountId)
                .col(PersonalDataAccessLog::At)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PersonalDataAccessLog::Table.into_iden(),
            ApiClients::Table.into_iden(),
            LoginThrottles::Table.into_iden(),
            RefreshTokens::Table.into_iden(),
            EmailVerifications::Table.into_iden(),
            Accounts::Table.into_iden(),
            Agencies::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

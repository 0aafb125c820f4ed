//! The only place identity touches the database.

use chrono::{DateTime, Utc};
use entity::{
    accounts, api_clients, email_verifications, login_throttles, personal_data_access_log, refresh_tokens, signing_keys,
};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Set, SqlErr,
};
use uuid::Uuid;

use super::domain::{parse_roles, PrincipalKind, ThrottleState};
use super::error::IdentityError;
use super::tokens::SigningKey;
use crate::domain_types::Role;
use crate::http::pagination::Page;

fn now_fixed(now: DateTime<Utc>) -> chrono::DateTime<chrono::FixedOffset> {
    now.fixed_offset()
}

/// An account as the rest of identity sees it.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: Uuid,
    pub kind: PrincipalKind,
    pub email: String,
    pub national_id: Option<String>,
    pub full_name: String,
    pub phone: Option<String>,
    pub password_hash: String,
    pub email_verified: bool,
    pub agency_code: Option<String>,
    pub roles: Vec<Role>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<accounts::Model> for Account {
    type Error = IdentityError;

    fn try_from(m: accounts::Model) -> Result<Self, IdentityError> {
        let kind = PrincipalKind::parse(&m.kind).ok_or_else(|| {
            IdentityError::Unexpected(anyhow::anyhow!("account {} has unknown kind {}", m.id, m.kind))
        })?;
        Ok(Self {
            id: m.id,
            kind,
            email: m.email,
            national_id: m.national_id,
            full_name: m.full_name,
            phone: m.phone,
            password_hash: m.password_hash,
            email_verified: m.email_verified_at.is_some(),
            agency_code: m.agency_code,
            roles: parse_roles(&m.roles),
            active: m.active,
            created_at: m.created_at.with_timezone(&Utc),
        })
    }
}

/// Everything needed to insert an account.
pub struct NewAccount {
    pub kind: PrincipalKind,
    pub email: String,
    pub national_id: Option<String>,
    pub full_name: String,
    pub phone: Option<String>,
    pub password_hash: String,
    pub email_verified_at: Option<DateTime<Utc>>,
    pub agency_code: Option<String>,
    pub roles: String,
    pub privacy_notice_version: Option<String>,
    pub privacy_consent_at: Option<DateTime<Utc>>,
}

pub(super) async fn insert_account(
    db: &impl ConnectionTrait,
    new: NewAccount,
    now: DateTime<Utc>,
) -> Result<Account, IdentityError> {
    let model = accounts::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(new.kind.as_str().to_owned()),
        email: Set(new.email),
        national_id: Set(new.national_id),
        full_name: Set(new.full_name),
        phone: Set(new.phone),
        password_hash: Set(new.password_hash),
        email_verified_at: Set(new.email_verified_at.map(now_fixed)),
        agency_code: Set(new.agency_code),
        roles: Set(new.roles),
        active: Set(true),
        privacy_notice_version: Set(new.privacy_notice_version),
        privacy_consent_at: Set(new.privacy_consent_at.map(now_fixed)),
        created_at: Set(now_fixed(now)),
        updated_at: Set(now_fixed(now)),
    };
    let row = model.insert(db).await.map_err(|e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => IdentityError::AccountExists,
        _ => IdentityError::from(e),
    })?;
    Account::try_from(row)
}

pub(super) async fn find_account_by_id(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<Account>, IdentityError> {
    accounts::Entity::find_by_id(id).one(db).await?.map(Account::try_from).transpose()
}

/// What checking a bearer token needs of its account, read on every authenticated request.
#[derive(Debug, Clone)]
pub struct AccountStanding {
    pub kind: PrincipalKind,
    pub agency_code: Option<String>,
    pub roles: Vec<Role>,
    pub active: bool,
}

/// The standing of an account: four columns instead of the whole row (its password hash, names
/// and dates are not needed to authorise a request).
pub(super) async fn find_account_standing(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<AccountStanding>, IdentityError> {
    use accounts::Column as C;
    let row = accounts::Entity::find_by_id(id)
        .select_only()
        .columns([C::Kind, C::AgencyCode, C::Roles, C::Active])
        .into_tuple::<(String, Option<String>, String, bool)>()
        .one(db)
        .await?;
    row.map(|(kind, agency_code, roles, active)| {
        let kind = PrincipalKind::parse(&kind)
            .ok_or_else(|| IdentityError::Unexpected(anyhow::anyhow!("account {id} has unknown kind {kind}")))?;
        Ok(AccountStanding { kind, agency_code, roles: parse_roles(&roles), active })
    })
    .transpose()
}

/// Only the e-mail address and full name of an account (where a notice goes, and to whom).
pub(super) async fn find_account_contact(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<(String, String)>, IdentityError> {
    use accounts::Column as C;
    Ok(accounts::Entity::find_by_id(id)
        .select_only()
        .columns([C::Email, C::FullName])
        .into_tuple::<(String, String)>()
        .one(db)
        .await?)
}

/// By e-mail (lower-cased) or, for 12 digits, by national ID number.
pub(super) async fn find_account_by_username(
    db: &impl ConnectionTrait,
    username: &str,
) -> Result<Option<Account>, IdentityError> {
    let condition = if username.len() == 12 && username.bytes().all(|b| b.is_ascii_digit()) {
        accounts::Column::NationalId.eq(username)
    } else {
        accounts::Column::Email.eq(username.to_lowercase())
    };
    accounts::Entity::find().filter(condition).one(db).await?.map(Account::try_from).transpose()
}

pub(super) async fn account_exists(
    db: &impl ConnectionTrait,
    email: &str,
    national_id: Option<&str>,
) -> Result<bool, IdentityError> {
    let mut condition = sea_orm::Condition::any().add(accounts::Column::Email.eq(email));
    if let Some(id) = national_id {
        condition = condition.add(accounts::Column::NationalId.eq(id));
    }
    Ok(accounts::Entity::find().filter(condition).count(db).await? > 0)
}

pub(super) async fn set_email_verified(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), IdentityError> {
    accounts::Entity::update_many()
        .col_expr(accounts::Column::EmailVerifiedAt, Expr::value(now_fixed(now)))
        .col_expr(accounts::Column::UpdatedAt, Expr::value(now_fixed(now)))
        .filter(accounts::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

pub(super) async fn update_staff(
    db: &impl ConnectionTrait,
    id: Uuid,
    active: Option<bool>,
    roles: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), IdentityError> {
    let mut update = accounts::Entity::update_many().col_expr(accounts::Column::UpdatedAt, Expr::value(now_fixed(now)));
    if let Some(active) = active {
        update = update.col_expr(accounts::Column::Active, Expr::value(active));
    }
    if let Some(roles) = roles {
        update = update.col_expr(accounts::Column::Roles, Expr::value(roles));
    }
    update.filter(accounts::Column::Id.eq(id)).exec(db).await?;
    Ok(())
}

pub(super) async fn list_staff(
    db: &impl ConnectionTrait,
    agency_code: Option<&str>,
    page: Page,
) -> Result<(Vec<Account>, u64), IdentityError> {
    let mut query = accounts::Entity::find().filter(accounts::Column::Kind.eq(PrincipalKind::Staff.as_str()));
    if let Some(code) = agency_code {
        query = query.filter(accounts::Column::AgencyCode.eq(code));
    }
    let total = query.clone().count(db).await?;
    let rows = query.order_by_asc(accounts::Column::Email).offset(page.offset()).limit(page.per_page).all(db).await?;
    let items = rows.into_iter().map(Account::try_from).collect::<Result<_, _>>()?;
    Ok((items, total))
}

// --- e-mail verification -------------------------------------------------------------------

pub(super) async fn insert_verification(
    db: &impl ConnectionTrait,
    token_hash: String,
    account_id: Uuid,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), IdentityError> {
    email_verifications::ActiveModel {
        token_hash: Set(token_hash),
        account_id: Set(account_id),
        expires_at: Set(now_fixed(expires_at)),
        used_at: Set(None),
        created_at: Set(now_fixed(now)),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Marks an unused verification as used; returns its account and expiry, or `None` when the
/// token is unknown or was already used (one UPDATE, so two clicks cannot both succeed).
pub(super) async fn use_verification(
    db: &impl ConnectionTrait,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<(Uuid, DateTime<Utc>)>, IdentityError> {
    let Some(row) = email_verifications::Entity::find_by_id(token_hash.to_owned()).one(db).await? else {
        return Ok(None);
    };
    let updated = email_verifications::Entity::update_many()
        .col_expr(email_verifications::Column::UsedAt, Expr::value(now_fixed(now)))
        .filter(email_verifications::Column::TokenHash.eq(token_hash))
        .filter(email_verifications::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok((updated.rows_affected == 1).then(|| (row.account_id, row.expires_at.with_timezone(&Utc))))
}

// --- refresh tokens ------------------------------------------------------------------------

pub(super) async fn insert_refresh_token(
    db: &impl ConnectionTrait,
    token_hash: String,
    account_id: Uuid,
    family_id: Uuid,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), IdentityError> {
    refresh_tokens::ActiveModel {
        id: Set(Uuid::now_v7()),
        token_hash: Set(token_hash),
        account_id: Set(account_id),
        family_id: Set(family_id),
        expires_at: Set(now_fixed(expires_at)),
        used_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(now_fixed(now)),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// A stored refresh token.
pub struct RefreshRecord {
    pub id: Uuid,
    pub account_id: Uuid,
    pub family_id: Uuid,
    pub expires_at: DateTime<Utc>,
    pub revoked: bool,
}

pub(super) async fn find_refresh_token(
    db: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<RefreshRecord>, IdentityError> {
    let row = refresh_tokens::Entity::find().filter(refresh_tokens::Column::TokenHash.eq(token_hash)).one(db).await?;
    Ok(row.map(|r| RefreshRecord {
        id: r.id,
        account_id: r.account_id,
        family_id: r.family_id,
        expires_at: r.expires_at.with_timezone(&Utc),
        revoked: r.revoked_at.is_some(),
    }))
}

/// Marks a refresh token used if nobody used it before; `false` means it was reused.
pub(super) async fn consume_refresh_token(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, IdentityError> {
    let result = refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::UsedAt, Expr::value(now_fixed(now)))
        .filter(refresh_tokens::Column::Id.eq(id))
        .filter(refresh_tokens::Column::UsedAt.is_null())
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

pub(super) async fn revoke_family(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), IdentityError> {
    refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(now_fixed(now)))
        .filter(refresh_tokens::Column::FamilyId.eq(family_id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

pub(super) async fn revoke_all_for_account(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), IdentityError> {
    refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(now_fixed(now)))
        .filter(refresh_tokens::Column::AccountId.eq(account_id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

// --- login throttles -----------------------------------------------------------------------

pub(super) async fn find_throttle(
    db: &impl ConnectionTrait,
    key: &str,
) -> Result<Option<ThrottleState>, IdentityError> {
    let row = login_throttles::Entity::find_by_id(key.to_owned()).one(db).await?;
    Ok(row.map(|r| ThrottleState {
        failures: r.failures,
        window_started_at: r.window_started_at.with_timezone(&Utc),
        locked_until: r.locked_until.map(|t| t.with_timezone(&Utc)),
    }))
}

pub(super) async fn save_throttle(
    db: &impl ConnectionTrait,
    key: &str,
    state: ThrottleState,
) -> Result<(), IdentityError> {
    let model = login_throttles::ActiveModel {
        key: Set(key.to_owned()),
        failures: Set(state.failures),
        window_started_at: Set(now_fixed(state.window_started_at)),
        locked_until: Set(state.locked_until.map(now_fixed)),
    };
    login_throttles::Entity::insert(model)
        .on_conflict(
            OnConflict::column(login_throttles::Column::Key)
                .update_columns([
                    login_throttles::Column::Failures,
                    login_throttles::Column::WindowStartedAt,
                    login_throttles::Column::LockedUntil,
                ])
                .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(())
}

pub(super) async fn clear_throttle(db: &impl ConnectionTrait, key: &str) -> Result<(), IdentityError> {
    login_throttles::Entity::delete_by_id(key.to_owned()).exec(db).await?;
    Ok(())
}

// --- API clients ---------------------------------------------------------------------------

/// An API client as identity sees it.
#[derive(Debug, Clone)]
pub struct ApiClient {
    pub id: Uuid,
    pub client_id: String,
    pub secret_hash: String,
    pub name: String,
    pub scopes: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

impl From<api_clients::Model> for ApiClient {
    fn from(m: api_clients::Model) -> Self {
        Self {
            id: m.id,
            client_id: m.client_id,
            secret_hash: m.secret_hash,
            name: m.name,
            scopes: m.scopes,
            active: m.active,
            created_at: m.created_at.with_timezone(&Utc),
        }
    }
}

pub(super) async fn insert_api_client(
    db: &impl ConnectionTrait,
    client: &ApiClient,
    created_by: Uuid,
) -> Result<(), IdentityError> {
    api_clients::ActiveModel {
        id: Set(client.id),
        client_id: Set(client.client_id.clone()),
        secret_hash: Set(client.secret_hash.clone()),
        name: Set(client.name.clone()),
        scopes: Set(client.scopes.clone()),
        active: Set(client.active),
        created_by: Set(Some(created_by)),
        created_at: Set(now_fixed(client.created_at)),
    }
    .insert(db)
    .await?;
    Ok(())
}

pub(super) async fn find_api_client_by_client_id(
    db: &impl ConnectionTrait,
    client_id: &str,
) -> Result<Option<ApiClient>, IdentityError> {
    Ok(api_clients::Entity::find()
        .filter(api_clients::Column::ClientId.eq(client_id))
        .one(db)
        .await?
        .map(ApiClient::from))
}

pub(super) async fn find_api_client_by_id(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<ApiClient>, IdentityError> {
    Ok(api_clients::Entity::find_by_id(id).one(db).await?.map(ApiClient::from))
}

pub(super) async fn list_api_clients(
    db: &impl ConnectionTrait,
    page: Page,
) -> Result<(Vec<ApiClient>, u64), IdentityError> {
    let total = api_clients::Entity::find().count(db).await?;
    let rows = api_clients::Entity::find()
        .order_by_asc(api_clients::Column::CreatedAt)
        .offset(page.offset())
        .limit(page.per_page)
        .all(db)
        .await?;
    Ok((rows.into_iter().map(ApiClient::from).collect(), total))
}

pub(super) async fn set_api_client_active(
    db: &impl ConnectionTrait,
    id: Uuid,
    active: bool,
) -> Result<(), IdentityError> {
    api_clients::Entity::update_many()
        .col_expr(api_clients::Column::Active, Expr::value(active))
        .filter(api_clients::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

// --- signing keys --------------------------------------------------------------------------

pub(super) async fn list_signing_keys(db: &impl ConnectionTrait) -> Result<Vec<SigningKey>, IdentityError> {
    let rows = signing_keys::Entity::find().order_by_asc(signing_keys::Column::CreatedAt).all(db).await?;
    Ok(rows
        .into_iter()
        .map(|r| SigningKey {
            kid: r.kid,
            secret: r.secret.into_bytes(),
            retire_at: r.retire_at.map(|t| t.with_timezone(&Utc)),
        })
        .collect())
}

pub(super) async fn insert_signing_key(
    db: &impl ConnectionTrait,
    kid: &str,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<(), IdentityError> {
    signing_keys::ActiveModel {
        kid: Set(kid.to_owned()),
        secret: Set(secret.to_owned()),
        created_at: Set(now_fixed(now)),
        retire_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Sets `retire_at` on every active key except `keep`.
pub(super) async fn retire_signing_keys_except(
    db: &impl ConnectionTrait,
    keep: &str,
    retire_at: DateTime<Utc>,
) -> Result<(), IdentityError> {
    signing_keys::Entity::update_many()
        .col_expr(signing_keys::Column::RetireAt, Expr::value(now_fixed(retire_at)))
        .filter(signing_keys::Column::RetireAt.is_null())
        .filter(signing_keys::Column::Kid.ne(keep))
        .exec(db)
        .await?;
    Ok(())
}

// --- personal-data access log --------------------------------------------------------------

/// One entry of the personal-data access log.
#[derive(Debug, Clone)]
pub struct AccessLogEntry {
    pub id: Uuid,
    pub actor_id: Uuid,
    pub actor_role: String,
    pub subject_account_id: Uuid,
    pub action: String,
    pub purpose: String,
    pub request_id: Option<String>,
    pub at: DateTime<Utc>,
}

pub(super) async fn insert_access_log(db: &impl ConnectionTrait, entry: &AccessLogEntry) -> Result<(), IdentityError> {
    personal_data_access_log::ActiveModel {
        id: Set(entry.id),
        actor_id: Set(entry.actor_id),
        actor_role: Set(entry.actor_role.clone()),
        subject_account_id: Set(entry.subject_account_id),
        action: Set(entry.action.clone()),
        purpose: Set(entry.purpose.clone()),
        request_id: Set(entry.request_id.clone()),
        at: Set(now_fixed(entry.at)),
    }
    .insert(db)
    .await?;
    Ok(())
}

pub(super) async fn list_access_log(
    db: &impl ConnectionTrait,
    subject: Option<Uuid>,
    page: Page,
) -> Result<(Vec<AccessLogEntry>, u64), IdentityError> {
    let mut query = personal_data_access_log::Entity::find();
    if let Some(subject) = subject {
        query = query.filter(personal_data_access_log::Column::SubjectAccountId.eq(subject));
    }
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_desc(personal_data_access_log::Column::At)
        .offset(page.offset())
        .limit(page.per_page)
        .all(db)
        .await?;
    Ok((
        rows.into_iter()
            .map(|r| AccessLogEntry {
                id: r.id,
                actor_id: r.actor_id,
                actor_role: r.actor_role,
                subject_account_id: r.subject_account_id,
                action: r.action,
                purpose: r.purpose,
                request_id: r.request_id,
                at: r.at.with_timezone(&Utc),
            })
            .collect(),
        total,
    ))
}

//! Identity use cases: registration, e-mail verification, sign-in with throttling, token
//! rotation, client credentials, staff and API-client administration, the personal-data log.

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;
use uuid::Uuid;

use super::domain::{
    record_failure, retry_after, store_roles, PrincipalKind, Scopes, ACCESS_TOKEN_TTL, ACCOUNT_FAILURE_LIMIT,
    ADDRESS_FAILURE_LIMIT, PRIVACY_NOTICE_VERSION, REFRESH_TOKEN_TTL, VERIFICATION_TTL,
};
use super::error::IdentityError;
use super::password::PasswordHasher;
use super::store::{self, NewAccount};
pub use super::store::{AccessLogEntry, Account, ApiClient};
use super::tokens::{kid_for, random_secret, secret_hash, KeyRing};
use crate::catalog;
use crate::config::Settings;
use crate::db::begin_write;
use crate::domain_types::{AgencyCode, Email, FullName, NationalId, Password, Phone, Role};
use crate::http::pagination::Page;
use crate::notify::{Mail, Mailer};

/// How often a replica re-reads the signing keys, so a rotation made elsewhere reaches it.
const KEY_RELOAD_INTERVAL: Duration = Duration::seconds(60);

/// Identity's long-lived parts, shared by every request.
pub struct Identity {
    /// Signing and verification keys.
    pub keys: KeyRing,
    /// Bounded argon2id hashing.
    pub hasher: PasswordHasher,
    /// Outgoing mail.
    pub mailer: Mailer,
    /// Base of links in e-mail.
    pub public_url: String,
}

/// Who is calling, as every handler sees it.
#[derive(Debug, Clone)]
pub struct Principal {
    /// Account id, or API client row id.
    pub id: Uuid,
    /// Citizen, staff or API client.
    pub kind: PrincipalKind,
    /// Staff: their agency (admins may have none: province-wide).
    pub agency_code: Option<String>,
    /// Staff roles.
    pub roles: Vec<Role>,
    /// API client scopes granted to this token.
    pub scopes: Scopes,
}

impl Principal {
    /// Whether the caller is staff holding `role`.
    pub fn has_role(&self, role: Role) -> bool {
        self.kind == PrincipalKind::Staff && self.roles.contains(&role)
    }

    /// The role name for logs: the first staff role, or the kind.
    pub fn role_label(&self) -> String {
        self.roles.first().map(|r| r.as_str().to_owned()).unwrap_or_else(|| self.kind.as_str().to_owned())
    }
}

/// A freshly issued pair.
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: i64,
}

/// Prepares identity at start: makes sure a signing key exists (the configured one, or a
/// generated one kept in the database) and loads the key ring.
///
/// # Errors
/// On storage failure or an invalid mail configuration.
pub async fn bootstrap(db: &DatabaseConnection, settings: &Settings) -> Result<Identity, IdentityError> {
    let now = Utc::now();
    let keys = store::list_signing_keys(db).await?;
    match &settings.jwt_secret {
        Some(secret) => {
            let kid = kid_for(secret.expose_secret().as_bytes());
            if !keys.iter().any(|k| k.kid == kid) {
                let txn = begin_write(db).await?;
                store::insert_signing_key(&txn, &kid, secret.expose_secret(), now).await?;
                // The previous key keeps verifying the tokens it signed until they expire.
                store::retire_signing_keys_except(&txn, &kid, now + ACCESS_TOKEN_TTL).await?;
                txn.commit().await?;
            }
        }
        None if !keys.iter().any(|k| k.retire_at.is_none()) => {
            let secret = random_secret();
            store::insert_signing_key(db, &kid_for(secret.as_bytes()), &secret, now).await?;
        }
        None => {}
    }
    let keys = KeyRing::new(store::list_signing_keys(db).await?, now)?;
    Ok(Identity {
        keys,
        hasher: PasswordHasher::new()?,
        mailer: Mailer::from_settings(settings)?,
        public_url: settings.public_url.clone(),
    })
}

async fn reload_keys(db: &DatabaseConnection, identity: &Identity) -> Result<(), IdentityError> {
    identity.keys.replace(store::list_signing_keys(db).await?, Utc::now())?;
    Ok(())
}

async fn issue_access(
    db: &DatabaseConnection,
    identity: &Identity,
    sub: Uuid,
    kind: PrincipalKind,
    scopes: Option<&Scopes>,
) -> Result<String, IdentityError> {
    let now = Utc::now();
    if identity.keys.loaded_at().is_none_or(|at| now - at > KEY_RELOAD_INTERVAL) {
        reload_keys(db, identity).await?;
    }
    Ok(identity.keys.issue(sub, kind, scopes, now)?)
}

/// Generates a new signing key; the others keep verifying for one access-token lifetime.
///
/// # Errors
/// On storage failure.
pub async fn rotate_signing_key(db: &DatabaseConnection, identity: &Identity) -> Result<String, IdentityError> {
    let now = Utc::now();
    let secret = random_secret();
    let kid = kid_for(secret.as_bytes());
    let txn = begin_write(db).await?;
    store::insert_signing_key(&txn, &kid, &secret, now).await?;
    store::retire_signing_keys_except(&txn, &kid, now + ACCESS_TOKEN_TTL).await?;
    txn.commit().await?;
    reload_keys(db, identity).await?;
    Ok(kid)
}

/// A citizen's registration.
pub struct Registration {
    pub national_id: NationalId,
    pub full_name: FullName,
    pub email: Email,
    pub phone: Option<Phone>,
    pub password: Password,
    pub privacy_consent: bool,
}

/// Registers a citizen, records their consent and sends the verification e-mail.
///
/// # Errors
/// [`IdentityError::Invalid`] (no consent, weak password), [`IdentityError::AccountExists`].
pub async fn register_citizen(
    db: &DatabaseConnection,
    identity: &Identity,
    reg: Registration,
) -> Result<Account, IdentityError> {
    // Silence is not consent (ND 13/2023 Điều 11): it must be an explicit `true`.
    if !reg.privacy_consent {
        return Err(crate::domain_types::Invalid::new(
            "privacy_consent",
            "consent to the privacy notice is required to register",
        )
        .into());
    }
    reg.password.check_against(&reg.email, Some(&reg.national_id))?;
    if store::account_exists(db, reg.email.as_str(), Some(reg.national_id.as_str())).await? {
        return Err(IdentityError::AccountExists);
    }
    let password_hash = identity.hasher.hash(reg.password.expose().to_owned()).await?;
    let now = Utc::now();
    let token = random_secret();
    let txn = begin_write(db).await?;
    let account = store::insert_account(
        &txn,
        NewAccount {
            kind: PrincipalKind::Citizen,
            email: reg.email.as_str().to_owned(),
            national_id: Some(reg.national_id.as_str().to_owned()),
            full_name: reg.full_name.as_str().to_owned(),
            phone: reg.phone.map(|p| p.as_str().to_owned()),
            password_hash,
            email_verified_at: None,
            agency_code: None,
            roles: String::new(),
            privacy_notice_version: Some(PRIVACY_NOTICE_VERSION.to_owned()),
            privacy_consent_at: Some(now),
        },
        now,
    )
    .await?;
    store::insert_verification(&txn, secret_hash(&token), account.id, now + VERIFICATION_TTL, now).await?;
    txn.commit().await.context("commit registration")?;
    send_verification(identity, &account, &token).await;
    tracing::info!(account.id = %account.id, national_id = %reg.national_id, "citizen registered");
    Ok(account)
}

async fn send_verification(identity: &Identity, account: &Account, token: &str) {
    let link = format!("{}/verify-email?token={token}", identity.public_url);
    let mail = Mail {
        to: &account.email,
        subject: "Xác nhận địa chỉ e-mail — Cổng dịch vụ công".to_owned(),
        body: format!(
            "Kính gửi {},\n\nĐể hoàn tất đăng ký tài khoản, vui lòng mở liên kết sau trong vòng 24 giờ:\n{link}\n\n\
             To finish registering, open the link above within 24 hours.\n",
            account.full_name
        ),
    };
    // The account exists either way; a failed send is logged and the citizen can ask again.
    if let Err(e) = identity.mailer.send(mail).await {
        tracing::error!(account.id = %account.id, error = ?e, "could not send the verification e-mail");
    }
}

/// Sends a new verification link if the address belongs to an unverified account. Says nothing
/// about whether it does (no enumeration).
///
/// # Errors
/// On storage failure.
pub async fn resend_verification(
    db: &DatabaseConnection,
    identity: &Identity,
    email: &Email,
) -> Result<(), IdentityError> {
    let Some(account) = store::find_account_by_username(db, email.as_str()).await? else { return Ok(()) };
    if account.email_verified || !account.active {
        return Ok(());
    }
    let now = Utc::now();
    let token = random_secret();
    store::insert_verification(db, secret_hash(&token), account.id, now + VERIFICATION_TTL, now).await?;
    send_verification(identity, &account, &token).await;
    Ok(())
}

/// Consumes a verification token and marks the e-mail verified.
///
/// # Errors
/// [`IdentityError::VerificationTokenInvalid`], [`IdentityError::VerificationTokenExpired`].
pub async fn verify_email(db: &DatabaseConnection, token: &str) -> Result<(), IdentityError> {
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let Some((account_id, expires_at)) = store::use_verification(&txn, &secret_hash(token), now).await? else {
        return Err(IdentityError::VerificationTokenInvalid);
    };
    if expires_at <= now {
        return Err(IdentityError::VerificationTokenExpired);
    }
    store::set_email_verified(&txn, account_id, now).await?;
    txn.commit().await.context("commit e-mail verification")?;
    Ok(())
}

fn normalise_username(username: &str) -> String {
    username.trim().to_lowercase()
}

async fn check_throttle(db: &DatabaseConnection, key: &str, now: DateTime<Utc>) -> Result<(), IdentityError> {
    if let Some(state) = store::find_throttle(db, key).await? {
        if let Some(retry_after_secs) = retry_after(state.locked_until, now) {
            return Err(IdentityError::TooManyAttempts { retry_after_secs });
        }
    }
    Ok(())
}

async fn count_failure(
    db: &DatabaseConnection,
    key: &str,
    limit: i32,
    now: DateTime<Utc>,
) -> Result<(), IdentityError> {
    let txn = begin_write(db).await?;
    let previous = store::find_throttle(&txn, key).await?;
    store::save_throttle(&txn, key, record_failure(previous, limit, now)).await?;
    txn.commit().await?;
    Ok(())
}

/// Signs a citizen or staff member in.
///
/// # Errors
/// [`IdentityError::TooManyAttempts`] while locked; [`IdentityError::InvalidCredentials`] for an
/// unknown name, a wrong password or a deactivated account (the same answer, in similar time);
/// [`IdentityError::EmailNotVerified`] for a citizen who has not verified yet.
pub async fn login(
    db: &DatabaseConnection,
    identity: &Identity,
    username: &str,
    password: SecretString,
    client_address: Option<&str>,
) -> Result<TokenPair, IdentityError> {
    let now = Utc::now();
    let username = normalise_username(username);
    let account_key = format!("user:{username}");
    let address_key = client_address.map(|a| format!("ip:{a}"));
    check_throttle(db, &account_key, now).await?;
    if let Some(key) = &address_key {
        check_throttle(db, key, now).await?;
    }
    let account = store::find_account_by_username(db, &username).await?;
    let stored_hash = account.as_ref().map(|a| a.password_hash.clone());
    let matches = identity.hasher.verify(password.expose_secret().to_owned(), stored_hash).await?;
    let account = match account {
        Some(account) if matches && account.active => account,
        _ => {
            count_failure(db, &account_key, ACCOUNT_FAILURE_LIMIT, now).await?;
            if let Some(key) = &address_key {
                count_failure(db, key, ADDRESS_FAILURE_LIMIT, now).await?;
            }
            return Err(IdentityError::InvalidCredentials);
        }
    };
    if account.kind == PrincipalKind::Citizen && !account.email_verified {
        return Err(IdentityError::EmailNotVerified);
    }
    store::clear_throttle(db, &account_key).await?;
    new_session(db, identity, &account, Uuid::now_v7()).await
}

async fn new_session(
    db: &DatabaseConnection,
    identity: &Identity,
    account: &Account,
    family_id: Uuid,
) -> Result<TokenPair, IdentityError> {
    let now = Utc::now();
    let refresh_token = random_secret();
    store::insert_refresh_token(db, secret_hash(&refresh_token), account.id, family_id, now + REFRESH_TOKEN_TTL, now)
        .await?;
    let access_token = issue_access(db, identity, account.id, account.kind, None).await?;
    Ok(TokenPair { access_token, refresh_token, expires_in: ACCESS_TOKEN_TTL.num_seconds() })
}

/// Exchanges a refresh token for a new pair; the old one is spent. Presenting a spent token
/// again revokes the whole family (RFC 9700 §4.14.2: refresh token rotation).
///
/// # Errors
/// [`IdentityError::RefreshTokenInvalid`], [`IdentityError::RefreshTokenReused`].
pub async fn refresh(
    db: &DatabaseConnection,
    identity: &Identity,
    refresh_token: &str,
) -> Result<TokenPair, IdentityError> {
    let now = Utc::now();
    let Some(record) = store::find_refresh_token(db, &secret_hash(refresh_token)).await? else {
        return Err(IdentityError::RefreshTokenInvalid);
    };
    if record.revoked || record.expires_at <= now {
        return Err(IdentityError::RefreshTokenInvalid);
    }
    if !store::consume_refresh_token(db, record.id, now).await? {
        store::revoke_family(db, record.family_id, now).await?;
        tracing::warn!(account.id = %record.account_id, "refresh token reused; family revoked");
        return Err(IdentityError::RefreshTokenReused);
    }
    let account = store::find_account_by_id(db, record.account_id).await?.filter(|a| a.active);
    let Some(account) = account else {
        return Err(IdentityError::RefreshTokenInvalid);
    };
    new_session(db, identity, &account, record.family_id).await
}

/// Ends the sign-in the refresh token belongs to. Unknown tokens are ignored (idempotent).
///
/// # Errors
/// On storage failure.
pub async fn logout(db: &DatabaseConnection, refresh_token: &str) -> Result<(), IdentityError> {
    if let Some(record) = store::find_refresh_token(db, &secret_hash(refresh_token)).await? {
        store::revoke_family(db, record.family_id, Utc::now()).await?;
    }
    Ok(())
}

/// The OAuth 2.0 client-credentials grant (RFC 6749 §4.4).
///
/// # Errors
/// [`IdentityError::InvalidClient`], [`IdentityError::InvalidScope`].
pub async fn client_credentials(
    db: &DatabaseConnection,
    identity: &Identity,
    client_id: &str,
    client_secret: &str,
    requested: Option<&str>,
) -> Result<(String, Scopes), IdentityError> {
    // No client id holds a NUL, and PostgreSQL cannot even compare one (a form body or Basic
    // credentials can carry it past the NUL checks of paths, query strings and JSON).
    if client_id.contains('\0') {
        return Err(IdentityError::InvalidClient);
    }
    let client = store::find_api_client_by_client_id(db, client_id).await?;
    let presented = secret_hash(client_secret);
    let client = match client {
        Some(c) if c.active && bool::from(c.secret_hash.as_bytes().ct_eq(presented.as_bytes())) => c,
        _ => return Err(IdentityError::InvalidClient),
    };
    let granted = Scopes::from_stored(&client.scopes);
    let scopes = match requested {
        Some(asked) => {
            let asked = Scopes::parse("scope", asked.split_whitespace()).map_err(|_| IdentityError::InvalidScope)?;
            if !asked.is_subset(&granted) {
                return Err(IdentityError::InvalidScope);
            }
            if asked.is_empty() {
                granted
            } else {
                asked
            }
        }
        None => granted,
    };
    let token = issue_access(db, identity, client.id, PrincipalKind::Client, Some(&scopes)).await?;
    Ok((token, scopes))
}

/// Resolves a bearer token to the caller, reading roles, agency and the active flag fresh.
///
/// # Errors
/// [`IdentityError::TokenInvalid`] for a bad token or a deactivated principal.
pub async fn authenticate(
    db: &DatabaseConnection,
    identity: &Identity,
    bearer: &str,
) -> Result<Principal, IdentityError> {
    let now = Utc::now();
    let claims = match identity.keys.verify(bearer, now) {
        Ok(claims) => claims,
        Err(first) => {
            // A key rotated on another replica: reload once, then decide.
            let kid = jsonwebtoken::decode_header(bearer).ok().and_then(|h| h.kid);
            match kid {
                Some(kid) if !identity.keys.knows(&kid) => {
                    reload_keys(db, identity).await?;
                    identity.keys.verify(bearer, now)?
                }
                _ => return Err(first),
            }
        }
    };
    let deactivated = || IdentityError::TokenInvalid("the account or client is no longer active".to_owned());
    match claims.kind {
        PrincipalKind::Client => {
            let client =
                store::find_api_client_by_id(db, claims.sub).await?.filter(|c| c.active).ok_or_else(deactivated)?;
            let granted = Scopes::from_stored(&client.scopes);
            let token_scopes = Scopes::from_stored(claims.scope.as_deref().unwrap_or_default());
            // Scopes removed from the client since the token was issued no longer apply.
            let scopes = Scopes::from_stored(
                &token_scopes.names().into_iter().filter(|s| granted.contains(s)).collect::<Vec<_>>().join(" "),
            );
            Ok(Principal { id: client.id, kind: PrincipalKind::Client, agency_code: None, roles: Vec::new(), scopes })
        }
        kind => {
            let account =
                store::find_account_standing(db, claims.sub).await?.filter(|a| a.active).ok_or_else(deactivated)?;
            if account.kind != kind {
                return Err(IdentityError::TokenInvalid("token kind does not match the account".to_owned()));
            }
            Ok(Principal {
                id: claims.sub,
                kind: account.kind,
                agency_code: account.agency_code,
                roles: account.roles,
                scopes: Scopes::default(),
            })
        }
    }
}

/// The caller's own account.
///
/// # Errors
/// [`IdentityError::AccountNotFound`].
pub async fn find_account(db: &DatabaseConnection, id: Uuid) -> Result<Account, IdentityError> {
    store::find_account_by_id(db, id).await?.ok_or(IdentityError::AccountNotFound(id))
}

/// How to address an account holder in e-mail.
#[derive(Debug, Clone)]
pub struct Contact {
    /// The account's e-mail address.
    pub email: String,
    /// Full name, for the salutation.
    pub full_name: String,
}

/// The e-mail address and full name of an account (for notices); `None` if there is no such
/// account. Works inside the caller's transaction.
///
/// # Errors
/// On storage failure.
pub async fn contact(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<Contact>, IdentityError> {
    Ok(store::find_account_contact(db, id).await?.map(|(email, full_name)| Contact { email, full_name }))
}

/// A new staff account.
pub struct NewStaff {
    pub email: Email,
    pub full_name: FullName,
    pub password: Password,
    pub agency_code: AgencyCode,
    pub roles: Vec<Role>,
}

/// Whether `admin` may manage staff of `agency_code`: a province-wide admin (no agency) may
/// manage every agency; an agency admin only their own.
fn admin_scope_allows(admin: &Principal, agency_code: Option<&str>) -> bool {
    match &admin.agency_code {
        None => true,
        Some(own) => agency_code == Some(own.as_str()),
    }
}

/// Creates a staff account in an agency, on behalf of an admin.
///
/// # Errors
/// [`IdentityError::AgencyNotFound`] (also for an agency outside the admin's scope),
/// [`IdentityError::AccountExists`], [`IdentityError::Invalid`] for no roles or a weak password.
pub async fn create_staff(
    db: &DatabaseConnection,
    identity: &Identity,
    admin: &Principal,
    new: NewStaff,
) -> Result<Account, IdentityError> {
    if !admin_scope_allows(admin, Some(new.agency_code.as_str())) {
        return Err(IdentityError::AgencyNotFound(new.agency_code.as_str().to_owned()));
    }
    let account = create_staff_account(
        db,
        &identity.hasher,
        new.email,
        new.full_name,
        new.password,
        Some(new.agency_code),
        &new.roles,
    )
    .await?;
    tracing::info!(account.id = %account.id, admin.id = %admin.id, "staff account created");
    Ok(account)
}

/// Creates a staff account without an acting admin: the command line (`create-admin`) and the
/// demo data. `agency_code` `None` is only meaningful for a province-wide admin.
///
/// # Errors
/// [`IdentityError::AccountExists`], [`IdentityError::AgencyNotFound`], [`IdentityError::Invalid`].
pub async fn create_staff_account(
    db: &DatabaseConnection,
    hasher: &PasswordHasher,
    email: Email,
    full_name: FullName,
    password: Password,
    agency_code: Option<AgencyCode>,
    roles: &[Role],
) -> Result<Account, IdentityError> {
    if roles.is_empty() {
        return Err(crate::domain_types::Invalid::new("roles", "at least one role is required").into());
    }
    if agency_code.is_none() && roles != [Role::Admin] {
        return Err(crate::domain_types::Invalid::new(
            "agency_code",
            "staff other than a province-wide admin belong to an agency",
        )
        .into());
    }
    password.check_against(&email, None)?;
    if let Some(code) = &agency_code {
        if catalog::service::find_agency(db, code.as_str()).await.context("find agency")?.is_none() {
            return Err(IdentityError::AgencyNotFound(code.as_str().to_owned()));
        }
    }
    if store::account_exists(db, email.as_str(), None).await? {
        return Err(IdentityError::AccountExists);
    }
    let password_hash = hasher.hash(password.expose().to_owned()).await?;
    let now = Utc::now();
    store::insert_account(
        db,
        NewAccount {
            kind: PrincipalKind::Staff,
            email: email.as_str().to_owned(),
            national_id: None,
            full_name: full_name.as_str().to_owned(),
            phone: None,
            password_hash,
            // Whoever creates a staff account vouches for its address.
            email_verified_at: Some(now),
            agency_code: agency_code.map(|c| c.as_str().to_owned()),
            roles: store_roles(roles),
            privacy_notice_version: None,
            privacy_consent_at: None,
        },
        now,
    )
    .await
}

/// Changes a staff account's roles or active flag. Deactivation revokes every session at once.
///
/// # Errors
/// [`IdentityError::AccountNotFound`] (also outside the admin's scope), [`IdentityError::Invalid`].
pub async fn update_staff(
    db: &DatabaseConnection,
    admin: &Principal,
    id: Uuid,
    active: Option<bool>,
    roles: Option<Vec<Role>>,
) -> Result<Account, IdentityError> {
    let account = store::find_account_by_id(db, id)
        .await?
        .filter(|a| a.kind == PrincipalKind::Staff && admin_scope_allows(admin, a.agency_code.as_deref()))
        .ok_or(IdentityError::AccountNotFound(id))?;
    if roles.as_ref().is_some_and(Vec::is_empty) {
        return Err(crate::domain_types::Invalid::new("roles", "at least one role is required").into());
    }
    if admin.id == id && active == Some(false) {
        return Err(crate::domain_types::Invalid::new("active", "you cannot deactivate your own account").into());
    }
    let now = Utc::now();
    let txn = begin_write(db).await?;
    store::update_staff(&txn, account.id, active, roles.as_deref().map(store_roles), now).await?;
    if active == Some(false) {
        store::revoke_all_for_account(&txn, account.id, now).await?;
    }
    txn.commit().await.context("commit staff update")?;
    find_account(db, id).await
}

/// A page of staff accounts visible to the admin.
///
/// # Errors
/// On storage failure.
pub async fn list_staff(
    db: &DatabaseConnection,
    admin: &Principal,
    agency: Option<&str>,
    page: Page,
) -> Result<(Vec<Account>, u64), IdentityError> {
    let agency = match (&admin.agency_code, agency) {
        (Some(own), Some(asked)) if own != asked => return Ok((Vec::new(), 0)),
        (Some(own), _) => Some(own.as_str()),
        (None, asked) => asked,
    };
    store::list_staff(db, agency, page).await
}

/// Registers an API client; the secret is returned once and stored only as a hash.
///
/// # Errors
/// [`IdentityError::Forbidden`] for an agency-scoped admin; storage failure.
pub async fn create_api_client(
    db: &DatabaseConnection,
    admin: &Principal,
    name: String,
    scopes: Scopes,
) -> Result<(ApiClient, String), IdentityError> {
    // A client can reach every agency's data: only a province-wide admin may create one.
    if admin.agency_code.is_some() {
        return Err(IdentityError::Forbidden);
    }
    let secret = random_secret();
    let client = ApiClient {
        id: Uuid::now_v7(),
        client_id: format!("mc_{}", Uuid::new_v4().simple()),
        secret_hash: secret_hash(&secret),
        name,
        scopes: scopes.to_space_separated(),
        active: true,
        created_at: Utc::now(),
    };
    store::insert_api_client(db, &client, admin.id).await?;
    Ok((client, secret))
}

/// A page of API clients (province-wide admins only).
///
/// # Errors
/// [`IdentityError::Forbidden`]; storage failure.
pub async fn list_api_clients(
    db: &DatabaseConnection,
    admin: &Principal,
    page: Page,
) -> Result<(Vec<ApiClient>, u64), IdentityError> {
    if admin.agency_code.is_some() {
        return Err(IdentityError::Forbidden);
    }
    store::list_api_clients(db, page).await
}

/// Disables or re-enables an API client; a disabled client's tokens stop working at once.
///
/// # Errors
/// [`IdentityError::ClientNotFound`], [`IdentityError::Forbidden`].
pub async fn set_api_client_active(
    db: &DatabaseConnection,
    admin: &Principal,
    id: Uuid,
    active: bool,
) -> Result<ApiClient, IdentityError> {
    if admin.agency_code.is_some() {
        return Err(IdentityError::Forbidden);
    }
    if store::find_api_client_by_id(db, id).await?.is_none() {
        return Err(IdentityError::ClientNotFound(id));
    }
    store::set_api_client_active(db, id, active).await?;
    store::find_api_client_by_id(db, id).await?.ok_or(IdentityError::ClientNotFound(id))
}

/// Reads an account's personal data (national ID number included) for a stated purpose, and
/// records the access in the personal-data log in the same transaction.
///
/// # Errors
/// [`IdentityError::AccountNotFound`] (also outside the admin's scope), [`IdentityError::Invalid`]
/// for an empty purpose.
pub async fn read_personal_data(
    db: &DatabaseConnection,
    admin: &Principal,
    subject: Uuid,
    purpose: &str,
    request_id: Option<String>,
) -> Result<Account, IdentityError> {
    let purpose = purpose.trim();
    if purpose.chars().count() < 5 || purpose.chars().count() > 500 {
        return Err(
            crate::domain_types::Invalid::new("purpose", "state why you need this data (5–500 characters)").into()
        );
    }
    let account = store::find_account_by_id(db, subject)
        .await?
        .filter(|a| a.kind == PrincipalKind::Citizen || admin_scope_allows(admin, a.agency_code.as_deref()))
        .ok_or(IdentityError::AccountNotFound(subject))?;
    log_personal_data_access(db, admin, subject, "read", purpose, request_id).await?;
    Ok(account)
}

/// Appends one entry to the personal-data access log.
///
/// # Errors
/// On storage failure.
pub async fn log_personal_data_access(
    db: &impl ConnectionTrait,
    actor: &Principal,
    subject: Uuid,
    action: &str,
    purpose: &str,
    request_id: Option<String>,
) -> Result<(), IdentityError> {
    store::insert_access_log(
        db,
        &AccessLogEntry {
            id: Uuid::now_v7(),
            actor_id: actor.id,
            actor_role: actor.role_label(),
            subject_account_id: subject,
            action: action.to_owned(),
            purpose: purpose.to_owned(),
            request_id,
            at: Utc::now(),
        },
    )
    .await
}

/// A page of the personal-data access log, newest first.
///
/// # Errors
/// On storage failure.
pub async fn list_access_log(
    db: &DatabaseConnection,
    subject: Option<Uuid>,
    page: Page,
) -> Result<(Vec<AccessLogEntry>, u64), IdentityError> {
    store::list_access_log(db, subject, page).await
}

/// A citizen identified by a desk officer (walk-in or postal dossier) or by the national portal.
#[derive(Debug, Clone)]
pub struct Applicant {
    pub national_id: NationalId,
    pub full_name: FullName,
    pub email: Email,
    pub phone: Option<Phone>,
}

/// The citizen account of `applicant`: the one with this national ID, or a new one created
/// without a known password.
///
/// # Implementation Notes
/// A created account gets the hash of a random secret nobody holds, so signing in with it fails
/// like any wrong password; the citizen still receives the e-mails about the dossier and can
/// follow it with the receipt's lookup secret. Processing a dossier the citizen filed is a
/// statutory duty, so no consent is recorded (ND 13/2023 Điều 17); the account carries none.
///
/// # Errors
/// [`IdentityError::AccountExists`] when another account already uses the e-mail address.
pub async fn find_or_create_applicant(
    db: &impl ConnectionTrait,
    identity: &Identity,
    applicant: &Applicant,
) -> Result<Uuid, IdentityError> {
    if let Some(account) = store::find_account_by_username(db, applicant.national_id.as_str()).await? {
        if account.kind != PrincipalKind::Citizen {
            return Err(IdentityError::AccountExists);
        }
        return Ok(account.id);
    }
    if store::account_exists(db, applicant.email.as_str(), None).await? {
        return Err(IdentityError::AccountExists);
    }
    let password_hash = identity.hasher.hash(random_secret()).await?;
    let now = Utc::now();
    let account = store::insert_account(
        db,
        NewAccount {
            kind: PrincipalKind::Citizen,
            email: applicant.email.as_str().to_owned(),
            national_id: Some(applicant.national_id.as_str().to_owned()),
            full_name: applicant.full_name.as_str().to_owned(),
            phone: applicant.phone.as_ref().map(|p| p.as_str().to_owned()),
            password_hash,
            email_verified_at: None,
            agency_code: None,
            roles: String::new(),
            privacy_notice_version: None,
            privacy_consent_at: None,
        },
        now,
    )
    .await?;
    tracing::info!(account.id = %account.id, national_id = %applicant.national_id, "applicant account created for a dossier");
    Ok(account.id)
}

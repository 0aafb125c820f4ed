//! Identity endpoints: `/auth/*`, `/me` and the identity parts of `/admin`.

use actix_web::http::header;
use actix_web::Either;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::domain::{PrincipalKind, Scopes};
use super::error::IdentityError;
use super::extract::{AdminCaller, Caller, ProvinceAdminCaller};
use super::service::{self, Account, ApiClient, Registration};
use crate::domain_types::{AgencyCode, Email, FullName, NationalId, Password, Phone, Role};
use crate::error::{ApiError, ProblemDetails};
use crate::http::json::Json;
use crate::http::pagination::{Page, PageQuery, Paginated};
use crate::http::request_id;
use crate::startup::AppState;

/// Registers the identity routes.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(register)
        .service(verify_email)
        .service(resend_verification)
        .service(login)
        .service(refresh)
        .service(logout)
        .service(token)
        .service(me)
        .service(create_staff)
        .service(list_staff)
        .service(update_staff)
        .service(create_api_client)
        .service(list_api_clients)
        .service(update_api_client)
        .service(rotate_signing_key)
        .service(read_account)
        .service(list_personal_data_access);
}

/// Citizen registration.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "national_id": "038095001234", "full_name": "Nguyễn Thị Ánh", "email": "nguyen.thi.anh@example.vn",
    "password": "mot-mat-khau-dai-2026", "privacy_consent": true, "phone": "0912345678"
}))]
pub struct RegisterRequest {
    /// 12-digit personal identification number (số định danh cá nhân).
    pub national_id: NationalId,
    /// Full name as on the ID card.
    pub full_name: FullName,
    /// E-mail address; a verification link is sent there.
    pub email: Email,
    /// 8–128 characters, not a common password, not containing the e-mail name or ID number.
    pub password: Password,
    /// Must be `true`: explicit consent to the privacy notice (ND 13/2023 Điều 11).
    pub privacy_consent: bool,
    /// Optional Vietnamese phone number.
    #[serde(default)]
    pub phone: Option<Phone>,
}

/// A newly registered account.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01a22a2d-3fcd-7184-95b4-6a41b5465fce", "email": "nguyen.thi.anh@example.vn"}))]
pub struct RegisterResponse {
    /// Account id.
    pub id: Uuid,
    /// The e-mail address the verification link was sent to.
    pub email: String,
}

/// Citizen sign-up: records consent and sends the verification e-mail.
#[utoipa::path(tag = "identity", operation_id = "register", security(()), request_body = RegisterRequest,
    responses(
        (status = 201, description = "Registered; verify the e-mail before signing in", body = RegisterResponse),
        (status = 400, description = "Invalid field or no consent", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "E-mail or ID number already registered", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[post("/auth/register")]
async fn register(state: web::Data<AppState>, body: Json<RegisterRequest>) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let registration = Registration {
        national_id: b.national_id,
        full_name: b.full_name,
        email: b.email,
        phone: b.phone,
        password: b.password,
        privacy_consent: b.privacy_consent,
    };
    let account = service::register_citizen(&state.db, &state.identity, registration).await?;
    Ok(HttpResponse::Created().json(RegisterResponse { id: account.id, email: account.email }))
}

/// The token from the verification link.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"token": "q3Zt0S2cX9m1vYbKp7LwR4eH8uJ6nA5dF0gTiQzE1sM"}))]
pub struct VerifyEmailRequest {
    /// The `token` query parameter of the link.
    pub token: String,
}

/// A plain status answer.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "verified"}))]
pub struct StatusResponse {
    /// What happened.
    pub status: &'static str,
}

/// Confirms an e-mail address with the single-use token from the verification link.
#[utoipa::path(tag = "identity", operation_id = "verify_email", security(()), request_body = VerifyEmailRequest,
    responses(
        (status = 200, description = "Verified", body = StatusResponse),
        (status = 400, description = "Unknown, used or expired token", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[post("/auth/verify-email")]
async fn verify_email(state: web::Data<AppState>, body: Json<VerifyEmailRequest>) -> Result<HttpResponse, ApiError> {
    service::verify_email(&state.db, body.token.trim()).await?;
    Ok(HttpResponse::Ok().json(StatusResponse { status: "verified" }))
}

/// Ask for a new verification link.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"email": "nguyen.thi.anh@example.vn"}))]
pub struct ResendVerificationRequest {
    /// The address used at registration.
    pub email: Email,
}

/// Sends a new verification link when the address belongs to an unverified account; always 202.
#[utoipa::path(tag = "identity", operation_id = "resend_verification", security(()), request_body = ResendVerificationRequest,
    responses((status = 202, description = "If the address needs verifying, a new link was sent", body = StatusResponse,
        example = json!({"status": "accepted"}))))]
#[post("/auth/resend-verification")]
async fn resend_verification(
    state: web::Data<AppState>,
    body: Json<ResendVerificationRequest>,
) -> Result<HttpResponse, ApiError> {
    service::resend_verification(&state.db, &state.identity, &body.email).await?;
    Ok(HttpResponse::Accepted().json(StatusResponse { status: "accepted" }))
}

/// Sign-in with e-mail or national ID number.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"username": "038095001234", "password": "mot-mat-khau-dai-2026"}))]
pub struct LoginRequest {
    /// E-mail address or 12-digit national ID number.
    #[schema(example = "038095001234")]
    pub username: String,
    /// Password.
    #[schema(value_type = String, format = Password)]
    pub password: SecretString,
}

/// Tokens for a signed-in user.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "access_token": "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiIsImtpZCI6ImstNTNlMGFhOTEwMjE4M2U1NiJ9.eyJpc3MiOiJtb3RjdWEiLCJhdWQiOiJtb3RjdWEtYXBpIiwic3ViIjoiMDFhMjJhMmQtM2ZjZC03MTg0LTk1YjQtNmE0MWI1NDY1ZmNlIiwiaWF0IjoxNzk2MDAzOTM4LCJuYmYiOjE3OTYwMDM5MzgsImV4cCI6MTc5NjAwNDgzOCwianRpIjoiMDFhMjJhMmQtM2ZmYi03MjU3LTkxMGEtNTBjMGNiYzM4ZWZhIiwia2luZCI6ImNpdGl6ZW4ifQ.pfJ_mVmltYH5eJgiFOtD1JYmncJW-zG5GcFFzvP7jaQ",
    "refresh_token": "NvC1PacMwUh772CDpTtUDuz8fkHXhZJdKoydZIvSrSA", "token_type": "Bearer", "expires_in": 900
}))]
pub struct TokenResponse {
    /// JWT to send as `Authorization: Bearer …`.
    pub access_token: String,
    /// Opaque, single-use token for `/auth/refresh`.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

fn token_response(pair: service::TokenPair) -> HttpResponse {
    // RFC 6749 §5.1: token responses must not be cached.
    HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(TokenResponse {
        access_token: pair.access_token,
        refresh_token: pair.refresh_token,
        token_type: "Bearer",
        expires_in: pair.expires_in,
    })
}

/// Signs in. Failed attempts are throttled per account name and per client address.
#[utoipa::path(tag = "identity", operation_id = "login", security(()), request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, description = "Wrong user name or password", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "E-mail not verified yet", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Too many failures; see Retry-After", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[post("/auth/login")]
async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let address = req.peer_addr().map(|a| a.ip().to_string());
    let LoginRequest { username, password } = body.into_inner();
    let pair = service::login(&state.db, &state.identity, &username, password, address.as_deref()).await?;
    Ok(token_response(pair))
}

/// A refresh token to spend.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"refresh_token": "NvC1PacMwUh772CDpTtUDuz8fkHXhZJdKoydZIvSrSA"}))]
pub struct RefreshRequest {
    /// The refresh token from the last sign-in or refresh.
    pub refresh_token: String,
}

/// Exchanges a refresh token for a new pair (rotation; reuse revokes the sign-in).
#[utoipa::path(tag = "identity", operation_id = "refresh", security(()), request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens", body = TokenResponse),
        (status = 401, description = "Invalid, expired, revoked or reused token", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[post("/auth/refresh")]
async fn refresh(state: web::Data<AppState>, body: Json<RefreshRequest>) -> Result<HttpResponse, ApiError> {
    let pair = service::refresh(&state.db, &state.identity, body.refresh_token.trim()).await?;
    Ok(token_response(pair))
}

/// Signs out: revokes the sign-in the refresh token belongs to.
#[utoipa::path(tag = "identity", operation_id = "logout", security(()), request_body = RefreshRequest,
    responses((status = 204, description = "Signed out (also for an unknown token)")))]
#[post("/auth/logout")]
async fn logout(state: web::Data<AppState>, body: Json<RefreshRequest>) -> Result<HttpResponse, ApiError> {
    service::logout(&state.db, body.refresh_token.trim()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// OAuth 2.0 client-credentials request (RFC 6749 §4.4), as a form or JSON. The client may
/// authenticate with HTTP Basic instead of `client_id`/`client_secret` fields.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({
    "grant_type": "client_credentials", "client_id": "mc_656680ae381742ffaeb977c57a4f4646",
    "client_secret": "w-NkNNxkshvSqU0rr3n8L0ke9RawoQpyIJnZbLSMdxw", "scope": "dossiers:intake"
}))]
pub struct TokenRequest {
    /// Must be `client_credentials`.
    #[schema(example = "client_credentials")]
    pub grant_type: String,
    /// The client id.
    #[serde(default)]
    pub client_id: Option<String>,
    /// The client secret.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Password)]
    pub client_secret: Option<SecretString>,
    /// Space-separated subset of the client's scopes; all of them when omitted.
    #[serde(default)]
    pub scope: Option<String>,
}

/// An access token for an API client.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "access_token": "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiIsImtpZCI6ImstNTNlMGFhOTEwMjE4M2U1NiJ9.eyJpc3MiOiJtb3RjdWEiLCJhdWQiOiJtb3RjdWEtYXBpIiwic3ViIjoiMDFhMjJhMmQtNDEwNS03NTI1LWI0ZWEtNGVlNTAyMGZhMDJiIiwiaWF0IjoxNzk2MDAzOTM4LCJuYmYiOjE3OTYwMDM5MzgsImV4cCI6MTc5NjAwNDgzOCwianRpIjoiMDFhMjJhMmQtNDEwYS03M2MyLTg3MWUtZGNmNGU3NzU1MWMwIiwia2luZCI6ImNsaWVudCIsInNjb3BlIjoiZG9zc2llcnM6aW50YWtlIn0.XeqHiK4uy5XsefSgnA8gZShoyrc98Or7TV6g1NNFFWE",
    "token_type": "Bearer", "expires_in": 900, "scope": "dossiers:intake"
}))]
pub struct ClientTokenResponse {
    /// JWT to send as `Authorization: Bearer …`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until it expires.
    pub expires_in: i64,
    /// Space-separated scopes granted.
    pub scope: String,
}

fn basic_credentials(req: &HttpRequest) -> Option<(String, String)> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// Client-credentials grant for other systems (the national portal…).
#[utoipa::path(tag = "identity", operation_id = "token", security(()),
    request_body(content(
        (TokenRequest = "application/x-www-form-urlencoded"),
        (TokenRequest = "application/json"),
    )),
    responses(
        (status = 200, description = "Access token", body = ClientTokenResponse),
        (status = 400, description = "Unsupported grant or scope", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "Invalid client", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[post("/auth/token")]
async fn token(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Either<web::Form<TokenRequest>, Json<TokenRequest>>,
) -> Result<HttpResponse, ApiError> {
    let body = match body {
        Either::Left(form) => form.into_inner(),
        Either::Right(json) => json.into_inner(),
    };
    if body.grant_type != "client_credentials" {
        return Err(IdentityError::UnsupportedGrantType.into());
    }
    let (client_id, client_secret) = match (basic_credentials(&req), body.client_id, body.client_secret) {
        (Some(basic), _, _) => basic,
        (None, Some(id), Some(secret)) => (id, secrecy::ExposeSecret::expose_secret(&secret).to_owned()),
        _ => return Err(IdentityError::InvalidClient.into()),
    };
    let (access_token, scopes) =
        service::client_credentials(&state.db, &state.identity, &client_id, &client_secret, body.scope.as_deref())
            .await?;
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(ClientTokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: super::domain::ACCESS_TOKEN_TTL.num_seconds(),
        scope: scopes.to_space_separated(),
    }))
}

/// The caller.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01a22a2d-3fcd-7184-95b4-6a41b5465fce", "kind": "citizen", "email": "nguyen.thi.anh@example.vn",
    "full_name": "Nguyễn Thị Ánh", "national_id": "038095001234", "phone": "0912345678",
    "email_verified": true, "roles": [], "scopes": []
}))]
pub struct MeResponse {
    /// Account or API client id.
    pub id: Uuid,
    /// `citizen`, `staff` or `client`.
    pub kind: PrincipalKind,
    /// E-mail (accounts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Full name (accounts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// The caller's own national ID number (citizens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub national_id: Option<String>,
    /// Phone (citizens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Whether the e-mail is verified (accounts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    /// Agency (staff).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agency_code: Option<String>,
    /// Roles (staff).
    pub roles: Vec<Role>,
    /// Scopes (API clients).
    pub scopes: Vec<String>,
}

/// Who am I.
#[utoipa::path(tag = "identity", operation_id = "me", security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = MeResponse),
        (status = 401, description = "Not signed in", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/me")]
async fn me(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let p = caller.0;
    if p.kind == PrincipalKind::Client {
        return Ok(HttpResponse::Ok().json(MeResponse {
            id: p.id,
            kind: p.kind,
            email: None,
            full_name: None,
            national_id: None,
            phone: None,
            email_verified: None,
            agency_code: None,
            roles: Vec::new(),
            scopes: p.scopes.names(),
        }));
    }
    let account = service::find_account(&state.db, p.id).await?;
    Ok(HttpResponse::Ok().json(MeResponse {
        id: account.id,
        kind: account.kind,
        email: Some(account.email),
        full_name: Some(account.full_name),
        national_id: account.national_id,
        phone: account.phone,
        email_verified: Some(account.email_verified),
        agency_code: account.agency_code,
        roles: account.roles,
        scopes: Vec::new(),
    }))
}

/// A staff account to create.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "email": "tiep.nhan@xa.gov.vn", "full_name": "Lê Văn Tiếp", "password": "mat-khau-can-bo-2026",
    "agency_code": "000.17.22.H56", "roles": ["clerk"]
}))]
pub struct CreateStaffRequest {
    /// E-mail, used to sign in.
    pub email: Email,
    /// Full name.
    pub full_name: FullName,
    /// Initial password (the staff member should change it).
    pub password: Password,
    /// The agency the account belongs to.
    pub agency_code: AgencyCode,
    /// One or more of `clerk`, `specialist`, `leader`, `admin`.
    pub roles: Vec<Role>,
}

/// A staff account.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01a22a2d-40f9-724d-9fce-0f1e866de457", "email": "tiep.nhan@xa.gov.vn", "full_name": "Lê Văn Tiếp",
    "agency_code": "000.17.22.H56", "roles": ["clerk"], "active": true,
    "created_at": "2026-11-30T01:58:58.553913738Z"
}))]
pub struct StaffResponse {
    /// Account id.
    pub id: Uuid,
    /// E-mail.
    pub email: String,
    /// Full name.
    pub full_name: String,
    /// Agency.
    pub agency_code: Option<String>,
    /// Roles.
    pub roles: Vec<Role>,
    /// Whether the account may sign in.
    pub active: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

impl From<Account> for StaffResponse {
    fn from(a: Account) -> Self {
        Self {
            id: a.id,
            email: a.email,
            full_name: a.full_name,
            agency_code: a.agency_code,
            roles: a.roles,
            active: a.active,
            created_at: a.created_at,
        }
    }
}

/// Creates a staff account in an agency (an agency admin: only in their own agency).
#[utoipa::path(tag = "admin", operation_id = "create_staff", request_body = CreateStaffRequest, security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = StaffResponse),
        (status = 400, description = "Invalid field or unknown agency", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "E-mail already used", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[post("/admin/staff")]
async fn create_staff(
    state: web::Data<AppState>,
    admin: AdminCaller,
    body: Json<CreateStaffRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let new = service::NewStaff {
        email: b.email,
        full_name: b.full_name,
        password: b.password,
        agency_code: b.agency_code,
        roles: b.roles,
    };
    let account = service::create_staff(&state.db, &state.identity, &admin.0, new).await?;
    Ok(HttpResponse::Created().json(StaffResponse::from(account)))
}

/// Staff list filters.
#[derive(Debug, Deserialize, IntoParams)]
pub struct StaffQuery {
    /// Only this agency.
    pub agency: Option<String>,
    /// Page number, from 1.
    pub page: Option<u64>,
    /// Items per page, 1–100.
    pub per_page: Option<u64>,
}

/// Lists the staff accounts the admin manages.
#[utoipa::path(tag = "admin", operation_id = "list_staff", params(StaffQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of staff", body = Paginated<StaffResponse>),
        (status = 403, description = "Not an admin", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/admin/staff")]
async fn list_staff(
    state: web::Data<AppState>,
    admin: AdminCaller,
    query: web::Query<StaffQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = Page::try_from(PageQuery { page: query.page, per_page: query.per_page })?;
    let (items, total) = service::list_staff(&state.db, &admin.0, query.agency.as_deref(), page).await?;
    Ok(HttpResponse::Ok().json(Paginated::<StaffResponse>::new(items, page, total)))
}

/// Changes to a staff account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"roles": ["clerk", "specialist"]}))]
pub struct UpdateStaffRequest {
    /// `false` deactivates the account and revokes all its sessions at once.
    #[serde(default)]
    pub active: Option<bool>,
    /// Replaces the roles.
    #[serde(default)]
    pub roles: Option<Vec<Role>>,
}

/// Activates, deactivates or changes the roles of a staff account.
#[utoipa::path(tag = "admin", operation_id = "update_staff", request_body = UpdateStaffRequest, security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Account id")),
    responses(
        (status = 200, description = "Updated", body = StaffResponse),
        (status = 404, description = "No such staff account in the admin's scope", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[patch("/admin/staff/{id}")]
async fn update_staff(
    state: web::Data<AppState>,
    admin: AdminCaller,
    id: web::Path<Uuid>,
    body: Json<UpdateStaffRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let account = service::update_staff(&state.db, &admin.0, id.into_inner(), b.active, b.roles).await?;
    Ok(HttpResponse::Ok().json(StaffResponse::from(account)))
}

/// An API client to register.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Cổng DVCQG", "scopes": ["dossiers:intake"]}))]
pub struct CreateApiClientRequest {
    /// Who the client is, e.g. "Cổng DVCQG".
    pub name: String,
    /// Scopes it may request: `dossiers:intake`, `dossiers:read`, `indicators:read`.
    pub scopes: Vec<String>,
}

/// An API client.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01a22a2d-4105-7525-b4ea-4ee5020fa02b", "client_id": "mc_656680ae381742ffaeb977c57a4f4646",
    "name": "Cổng DVCQG", "scopes": ["dossiers:intake"], "active": true,
    "created_at": "2026-11-30T01:58:58.565484566Z"
}))]
pub struct ApiClientResponse {
    /// Row id.
    pub id: Uuid,
    /// `client_id` for the token endpoint.
    pub client_id: String,
    /// Name.
    pub name: String,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// Whether it may obtain tokens.
    pub active: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

impl From<ApiClient> for ApiClientResponse {
    fn from(c: ApiClient) -> Self {
        Self {
            id: c.id,
            client_id: c.client_id,
            name: c.name,
            scopes: Scopes::from_stored(&c.scopes).names(),
            active: c.active,
            created_at: c.created_at,
        }
    }
}

/// A new API client with its secret, shown only once.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01a22a2d-4105-7525-b4ea-4ee5020fa02b", "client_id": "mc_656680ae381742ffaeb977c57a4f4646",
    "name": "Cổng DVCQG", "scopes": ["dossiers:intake"], "active": true,
    "created_at": "2026-11-30T01:58:58.565484566Z",
    "client_secret": "w-NkNNxkshvSqU0rr3n8L0ke9RawoQpyIJnZbLSMdxw"
}))]
pub struct ApiClientCreatedResponse {
    /// The client.
    #[serde(flatten)]
    pub client: ApiClientResponse,
    /// The secret; store it now, it cannot be shown again.
    pub client_secret: String,
}

/// Registers an API client (province-wide admins only).
#[utoipa::path(tag = "admin", operation_id = "create_api_client", request_body = CreateApiClientRequest, security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; the secret is in this response only", body = ApiClientCreatedResponse),
        (status = 400, description = "Unknown scope or empty name", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not a province-wide admin", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[post("/admin/api-clients")]
async fn create_api_client(
    state: web::Data<AppState>,
    admin: AdminCaller,
    body: Json<CreateApiClientRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let name = b.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(IdentityError::Invalid(crate::domain_types::Invalid::new("name", "1–200 characters")).into());
    }
    let scopes = Scopes::parse("scopes", b.scopes.iter().map(String::as_str)).map_err(IdentityError::from)?;
    if scopes.is_empty() {
        return Err(IdentityError::Invalid(crate::domain_types::Invalid::new(
            "scopes",
            "at least one scope is required",
        ))
        .into());
    }
    let (client, secret) = service::create_api_client(&state.db, &admin.0, name, scopes).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(ApiClientCreatedResponse { client: client.into(), client_secret: secret }))
}

/// Lists API clients.
#[utoipa::path(tag = "admin", operation_id = "list_api_clients", params(PageQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of clients", body = Paginated<ApiClientResponse>),
        (status = 403, description = "Not a province-wide admin", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/admin/api-clients")]
async fn list_api_clients(
    state: web::Data<AppState>,
    admin: AdminCaller,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = Page::try_from(query.into_inner())?;
    let (items, total) = service::list_api_clients(&state.db, &admin.0, page).await?;
    Ok(HttpResponse::Ok().json(Paginated::<ApiClientResponse>::new(items, page, total)))
}

/// Enable or disable an API client.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"active": false}))]
pub struct UpdateApiClientRequest {
    /// `false` stops its tokens at once.
    pub active: bool,
}

/// Disables or re-enables an API client.
#[utoipa::path(tag = "admin", operation_id = "update_api_client", request_body = UpdateApiClientRequest, security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Client row id")),
    responses(
        (status = 200, description = "Updated", body = ApiClientResponse),
        (status = 404, description = "No such client", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[patch("/admin/api-clients/{id}")]
async fn update_api_client(
    state: web::Data<AppState>,
    admin: AdminCaller,
    id: web::Path<Uuid>,
    body: Json<UpdateApiClientRequest>,
) -> Result<HttpResponse, ApiError> {
    let client = service::set_api_client_active(&state.db, &admin.0, id.into_inner(), body.active).await?;
    Ok(HttpResponse::Ok().json(ApiClientResponse::from(client)))
}

/// The new signing key.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"kid": "k-dea5e395dfcb2af0"}))]
pub struct RotatedKeyResponse {
    /// Key id of the key that signs from now on.
    pub kid: String,
}

/// Rotates the token signing key; tokens signed with the previous key stay valid until they expire.
#[utoipa::path(tag = "admin", operation_id = "rotate_signing_key", security(("bearer" = [])),
    responses(
        (status = 200, description = "Rotated", body = RotatedKeyResponse),
        (status = 403, description = "Not a province-wide admin", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[post("/admin/signing-keys/rotate")]
async fn rotate_signing_key(state: web::Data<AppState>, _admin: ProvinceAdminCaller) -> Result<HttpResponse, ApiError> {
    let kid = service::rotate_signing_key(&state.db, &state.identity).await?;
    Ok(HttpResponse::Ok().json(RotatedKeyResponse { kid }))
}

/// Why the personal data is read (recorded in the access log).
#[derive(Debug, Deserialize, IntoParams)]
pub struct PurposeQuery {
    /// The reason, 5–500 characters, e.g. "xác minh hồ sơ 000.00.14.H56-261125-0001".
    pub purpose: String,
}

/// An account's personal data.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01a22a2d-3fcd-7184-95b4-6a41b5465fce", "kind": "citizen", "email": "nguyen.thi.anh@example.vn",
    "full_name": "Nguyễn Thị Ánh", "national_id": "038095001234", "phone": "0912345678", "agency_code": null,
    "active": true
}))]
pub struct AccountPersonalDataResponse {
    /// Account id.
    pub id: Uuid,
    /// Kind.
    pub kind: PrincipalKind,
    /// E-mail.
    pub email: String,
    /// Full name.
    pub full_name: String,
    /// National ID number, unmasked (this read is logged).
    pub national_id: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Agency (staff).
    pub agency_code: Option<String>,
    /// Whether the account may sign in.
    pub active: bool,
}

/// Reads one account's personal data for a stated purpose; the read is recorded in the
/// personal-data access log.
#[utoipa::path(tag = "admin", operation_id = "read_account", params(("id" = Uuid, Path, description = "Account id"), PurposeQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The account", body = AccountPersonalDataResponse),
        (status = 400, description = "Missing purpose", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such account in the admin's scope", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/admin/accounts/{id}")]
async fn read_account(
    state: web::Data<AppState>,
    admin: AdminCaller,
    id: web::Path<Uuid>,
    query: web::Query<PurposeQuery>,
) -> Result<HttpResponse, ApiError> {
    let a = service::read_personal_data(&state.db, &admin.0, id.into_inner(), &query.purpose, request_id::current())
        .await?;
    Ok(HttpResponse::Ok().json(AccountPersonalDataResponse {
        id: a.id,
        kind: a.kind,
        email: a.email,
        full_name: a.full_name,
        national_id: a.national_id,
        phone: a.phone,
        agency_code: a.agency_code,
        active: a.active,
    }))
}

/// Access-log filters.
#[derive(Debug, Deserialize, IntoParams)]
pub struct AccessLogQuery {
    /// Only reads of this account's data.
    pub subject: Option<Uuid>,
    /// Page number, from 1.
    pub page: Option<u64>,
    /// Items per page, 1–100.
    pub per_page: Option<u64>,
}

/// One read or export of someone's personal data.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01a22a2d-413e-758b-a798-a760fb8f3524", "actor_id": "01a22a2d-3cfd-72c2-9c61-9489ef85da25",
    "actor_role": "admin", "subject_account_id": "01a22a2d-3fcd-7184-95b4-6a41b5465fce", "action": "read",
    "purpose": "Xác minh khiếu nại số 12/KN", "request_id": "01a22a2d-413d-7123-9b95-00308d3932f7",
    "at": "2026-11-30T01:58:58.622172482Z"
}))]
pub struct AccessLogResponse {
    /// Entry id.
    pub id: Uuid,
    /// Who read.
    pub actor_id: Uuid,
    /// Their role.
    pub actor_role: String,
    /// Whose data.
    pub subject_account_id: Uuid,
    /// `read` or `export`.
    pub action: String,
    /// Stated purpose.
    pub purpose: String,
    /// Request id, to correlate with logs.
    pub request_id: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

/// The personal-data access log, newest first (province-wide admins only).
#[utoipa::path(tag = "admin", operation_id = "list_personal_data_access", params(AccessLogQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of the log", body = Paginated<AccessLogResponse>),
        (status = 403, description = "Not a province-wide admin", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/admin/personal-data-access")]
async fn list_personal_data_access(
    state: web::Data<AppState>,
    _admin: ProvinceAdminCaller,
    query: web::Query<AccessLogQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = Page::try_from(PageQuery { page: query.page, per_page: query.per_page })?;
    let (items, total) = service::list_access_log(&state.db, query.subject, page).await?;
    Ok(HttpResponse::Ok().json(Paginated::<AccessLogResponse>::new(items, page, total)))
}

impl From<service::AccessLogEntry> for AccessLogResponse {
    fn from(e: service::AccessLogEntry) -> Self {
        Self {
            id: e.id,
            actor_id: e.actor_id,
            actor_role: e.actor_role,
            subject_account_id: e.subject_account_id,
            action: e.action,
            purpose: e.purpose,
            request_id: e.request_id,
            at: e.at,
        }
    }
}

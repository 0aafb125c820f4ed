//! Identity and access: registration, verification, sign-in, tokens, throttling, clients, staff,
//! and the cross-tenant matrix.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, spawn_app_with, TestApp, AGENCY_A, AGENCY_B, PASSWORD};

const CITIZEN_ID: &str = "038095001234";
const OTHER_CITIZEN_ID: &str = "001200012345";
const JWT_SECRET: &str = "test-only-jwt-key-0123456789abcdefghij";

#[tokio::test]
async fn a_citizen_registers_verifies_the_email_and_signs_in_with_email_or_national_id() {
    let app = spawn_app().await;
    let email = app.register(CITIZEN_ID).await;
    let token = app.verification_token(&email);
    let response = app.post_json("/api/v1/auth/verify-email", &json!({"token": token})).await;
    assert_eq!(response.status(), 200);

    let by_email = app.login(&email.to_uppercase(), PASSWORD).await;
    let by_id = app.login(CITIZEN_ID, PASSWORD).await;
    let me: Value = app.get_as("/api/v1/me", &by_id.access_token).await.json().await.unwrap();
    assert_eq!(me["kind"], "citizen");
    assert_eq!(me["email"], email.as_str());
    assert_eq!(me["national_id"], CITIZEN_ID, "a citizen sees their own full ID number");
    assert_eq!(me["phone"], "0912345678");
    assert_eq!(me["email_verified"], true);
    assert_eq!(by_email.id, by_id.id);
}

#[tokio::test]
async fn registration_refuses_each_invalid_field_with_a_field_level_problem() {
    let app = spawn_app().await;
    let valid = json!({"national_id": CITIZEN_ID, "full_name": "Nguyễn Văn An", "email": "an@example.vn",
        "password": PASSWORD, "privacy_consent": true});
    let cases: Vec<(&str, Value, &str)> = vec![
        ("national_id", json!("03809500123"), "11 digits"),
        ("national_id", json!("003095001234"), "003 is not a province code"),
        ("national_id", json!("03809500123x"), "a letter"),
        ("email", json!("not-an-address"), "no @"),
        ("full_name", json!("A"), "too short"),
        ("password", json!("short"), "under 8 characters"),
        ("password", json!("password123"), "a common password"),
        ("password", json!(format!("x{CITIZEN_ID}x")), "contains the ID number"),
        ("privacy_consent", json!(false), "consent refused"),
        ("phone", json!("12345"), "not a Vietnamese phone number"),
    ];
    for (field, value, why) in cases {
        let mut body = valid.clone();
        body[field] = value;
        let response = app.post_json("/api/v1/auth/register", &body).await;
        let problem = assert_problem(response, 400, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], field, "{why}: {problem}");
    }
    // Nothing was stored: the valid registration still succeeds.
    let response = app.post_json("/api/v1/auth/register", &valid).await;
    assert_eq!(response.status(), 201);
}

#[tokio::test]
async fn a_second_account_with_the_same_email_or_national_id_is_a_conflict() {
    let app = spawn_app().await;
    let email = app.register(CITIZEN_ID).await;
    for (national_id, email) in [(OTHER_CITIZEN_ID, email.as_str()), (CITIZEN_ID, "someone.else@example.vn")] {
        let body = json!({"national_id": national_id, "full_name": "Trần Văn Bình", "email": email,
            "password": PASSWORD, "privacy_consent": true});
        assert_problem(app.post_json("/api/v1/auth/register", &body).await, 409, "identity_account_exists").await;
    }
}

#[tokio::test]
async fn signing_in_before_verifying_is_refused_and_a_verification_link_works_once() {
    let app = spawn_app().await;
    let email = app.register(CITIZEN_ID).await;
    let response = app.post_json("/api/v1/auth/login", &json!({"username": email, "password": PASSWORD})).await;
    assert_problem(response, 403, "identity_email_not_verified").await;

    let token = app.verification_token(&email);
    assert_eq!(app.post_json("/api/v1/auth/verify-email", &json!({"token": token})).await.status(), 200);
    let again = app.post_json("/api/v1/auth/verify-email", &json!({"token": token})).await;
    assert_problem(again, 400, "identity_verification_token_invalid").await;
    let forged = app.post_json("/api/v1/auth/verify-email", &json!({"token": "not-a-token"})).await;
    assert_problem(forged, 400, "identity_verification_token_invalid").await;
}

#[tokio::test]
async fn unknown_user_and_wrong_password_get_the_same_answer() {
    let app = spawn_app().await;
    app.citizen(CITIZEN_ID).await;
    let wrong =
        app.post_json("/api/v1/auth/login", &json!({"username": CITIZEN_ID, "password": "Wrong-password-1"})).await;
    let wrong = assert_problem(wrong, 401, "identity_invalid_credentials").await;
    let unknown = app
        .post_json("/api/v1/auth/login", &json!({"username": "nobody@example.vn", "password": "Wrong-password-1"}))
        .await;
    let unknown = assert_problem(unknown, 401, "identity_invalid_credentials").await;
    assert_eq!(wrong["detail"], unknown["detail"]);
}

async fn fail_login(app: &TestApp, username: &str) -> reqwest::Response {
    app.post_json("/api/v1/auth/login", &json!({"username": username, "password": "Wrong-password-1"})).await
}

#[tokio::test]
async fn five_failures_lock_the_account_with_retry_after_and_the_lock_survives_a_restart() {
    let app = spawn_app().await;
    app.citizen(CITIZEN_ID).await;
    for _ in 0..5 {
        assert_eq!(fail_login(&app, CITIZEN_ID).await.status(), 401);
    }
    let locked = fail_login(&app, CITIZEN_ID).await;
    let retry_after: u64 = locked.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry_after));
    assert_problem(locked, 429, "identity_too_many_attempts").await;
    // Even the right password is refused while locked.
    let right = app.post_json("/api/v1/auth/login", &json!({"username": CITIZEN_ID, "password": PASSWORD})).await;
    assert_problem(right, 429, "identity_too_many_attempts").await;

    // A new process on the same database still enforces the lock.
    let settings = crate::helpers::test_settings(&app.db, &app.data_dir);
    let restarted = motcua::startup::Application::build(settings).await.unwrap();
    let address = format!("http://127.0.0.1:{}", restarted.port());
    tokio::spawn(restarted.run_until_stopped());
    let response = app
        .client
        .post(format!("{address}/api/v1/auth/login"))
        .json(&json!({"username": CITIZEN_ID, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_problem(response, 429, "identity_too_many_attempts").await;
}

#[tokio::test]
async fn failures_from_one_address_across_many_names_are_throttled() {
    let app = spawn_app().await;
    for i in 0..20 {
        assert_eq!(fail_login(&app, &format!("user{i}@example.vn")).await.status(), 401);
    }
    assert_problem(fail_login(&app, "fresh-name@example.vn").await, 429, "identity_too_many_attempts").await;
}

#[tokio::test]
async fn refresh_rotates_and_reusing_an_old_refresh_token_revokes_the_whole_sign_in() {
    let app = spawn_app().await;
    let session = app.citizen(CITIZEN_ID).await;
    let first = app.post_json("/api/v1/auth/refresh", &json!({"refresh_token": session.refresh_token})).await;
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["cache-control"], "no-store");
    let first: Value = first.json().await.unwrap();
    assert_ne!(first["refresh_token"], session.refresh_token.as_str());

    // The spent token presented again: refused, and the rotated one dies with it.
    let reuse = app.post_json("/api/v1/auth/refresh", &json!({"refresh_token": session.refresh_token})).await;
    assert_problem(reuse, 401, "identity_refresh_token_reused").await;
    let after = app.post_json("/api/v1/auth/refresh", &json!({"refresh_token": first["refresh_token"]})).await;
    assert_problem(after, 401, "identity_refresh_token_invalid").await;
}

#[tokio::test]
async fn logout_revokes_the_refresh_token() {
    let app = spawn_app().await;
    let session = app.citizen(CITIZEN_ID).await;
    let response = app.post_json("/api/v1/auth/logout", &json!({"refresh_token": session.refresh_token})).await;
    assert_eq!(response.status(), 204);
    let refresh = app.post_json("/api/v1/auth/refresh", &json!({"refresh_token": session.refresh_token})).await;
    assert_problem(refresh, 401, "identity_refresh_token_invalid").await;
}

fn sign(header: &Value, claims: &Value, secret: &[u8]) -> String {
    use hmac_sha256::sign as hmac;
    let signing_input =
        format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(hmac(signing_input.as_bytes(), secret)))
}

mod hmac_sha256 {
    use sha2::{Digest, Sha256};

    /// HMAC-SHA256 (RFC 2104), so tests can forge tokens independently of the code under test.
    pub fn sign(message: &[u8], key: &[u8]) -> Vec<u8> {
        let mut block = [0u8; 64];
        if key.len() > 64 {
            block[..32].copy_from_slice(&Sha256::digest(key));
        } else {
            block[..key.len()].copy_from_slice(key);
        }
        let inner: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
        let outer: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
        let inner_hash = Sha256::new().chain_update(&inner).chain_update(message).finalize();
        Sha256::new().chain_update(&outer).chain_update(inner_hash).finalize().to_vec()
    }
}

#[tokio::test]
async fn expired_forged_wrong_algorithm_and_wrong_audience_tokens_are_refused() {
    let app = spawn_app_with(|s| s.jwt_secret = Some(JWT_SECRET.to_owned().into())).await;
    let session = app.citizen(CITIZEN_ID).await;
    let kid = {
        let header = session.access_token.split('.').next().unwrap();
        let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
        header["kid"].as_str().unwrap().to_owned()
    };
    let now = chrono::Utc::now().timestamp();
    let claims = |exp: i64, aud: &str| {
        json!({"iss": "motcua", "aud": aud, "sub": session.id, "iat": now - 10, "nbf": now - 10, "exp": exp,
            "jti": uuid::Uuid::new_v4(), "kind": "citizen"})
    };
    let hs256 = json!({"alg": "HS256", "typ": "JWT", "kid": kid});
    // The forging helper is right: a well-formed token with our secret is accepted.
    let good = sign(&hs256, &claims(now + 300, "motcua-api"), JWT_SECRET.as_bytes());
    assert_eq!(app.get_as("/api/v1/me", &good).await.status(), 200);

    let cases = [
        ("expired", sign(&hs256, &claims(now - 60, "motcua-api"), JWT_SECRET.as_bytes())),
        ("wrong audience", sign(&hs256, &claims(now + 300, "another-api"), JWT_SECRET.as_bytes())),
        ("forged signature", sign(&hs256, &claims(now + 300, "motcua-api"), b"not-the-secret-not-the-secret-00")),
        (
            "alg none",
            format!(
                "{}.{}.",
                URL_SAFE_NO_PAD.encode(json!({"alg": "none", "kid": kid}).to_string()),
                URL_SAFE_NO_PAD.encode(claims(now + 300, "motcua-api").to_string())
            ),
        ),
        (
            "HS512 confusion",
            sign(&json!({"alg": "HS512", "kid": kid}), &claims(now + 300, "motcua-api"), JWT_SECRET.as_bytes()),
        ),
        (
            "unknown kid",
            sign(&json!({"alg": "HS256", "kid": "k-unknown"}), &claims(now + 300, "motcua-api"), JWT_SECRET.as_bytes()),
        ),
        ("garbage", "not.a.token".to_owned()),
    ];
    for (why, token) in cases {
        let response = app.get_as("/api/v1/me", &token).await;
        assert!(response.headers().contains_key("www-authenticate"), "{why}");
        let problem = assert_problem(response, 401, "identity_token_invalid").await;
        assert!(problem["detail"].is_string(), "{why}");
    }
    assert_problem(app.get("/api/v1/me").await, 401, "identity_unauthenticated").await;
}

#[tokio::test]
async fn rotating_the_signing_key_keeps_earlier_tokens_valid_until_they_expire() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let citizen = app.citizen(CITIZEN_ID).await;
    let response = app.post_json_as("/api/v1/admin/signing-keys/rotate", &json!({}), &admin.access_token).await;
    assert_eq!(response.status(), 200);
    let rotated: Value = response.json().await.unwrap();
    assert_eq!(app.get_as("/api/v1/me", &citizen.access_token).await.status(), 200, "old token still valid");
    let fresh = app.login(CITIZEN_ID, PASSWORD).await;
    let header = fresh.access_token.split('.').next().unwrap();
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    assert_eq!(header["kid"], rotated["kid"]);
}

#[tokio::test]
async fn client_credentials_issue_scoped_tokens_by_form_json_and_basic_auth() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let created = app
        .post_json_as(
            "/api/v1/admin/api-clients",
            &json!({"name": "Cổng DVCQG", "scopes": ["dossiers:intake", "dossiers:read"]}),
            &admin.access_token,
        )
        .await;
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    let (id, secret) = (created["client_id"].as_str().unwrap(), created["client_secret"].as_str().unwrap());

    let form = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
            ("scope", "dossiers:intake"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);
    let form: Value = form.json().await.unwrap();
    assert_eq!(form["scope"], "dossiers:intake");
    assert_eq!(form["token_type"], "Bearer");
    let me: Value = app.get_as("/api/v1/me", form["access_token"].as_str().unwrap()).await.json().await.unwrap();
    assert_eq!(me["kind"], "client");
    assert_eq!(me["scopes"], json!(["dossiers:intake"]));

    let json_grant = app
        .post_json(
            "/api/v1/auth/token",
            &json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret}),
        )
        .await;
    let json_grant: Value = json_grant.json().await.unwrap();
    assert_eq!(json_grant["scope"], "dossiers:intake dossiers:read");

    let basic = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), 200);

    let wrong_secret = app
        .post_json(
            "/api/v1/auth/token",
            &json!({"grant_type": "client_credentials", "client_id": id, "client_secret": "nope"}),
        )
        .await;
    assert_problem(wrong_secret, 401, "oauth_invalid_client").await;
    // A NUL in a form field or in Basic credentials names no client (it was a 500 on PostgreSQL).
    let nul_in_form = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .form(&[("grant_type", "client_credentials"), ("client_id", "mc_\0"), ("client_secret", secret)])
        .send()
        .await
        .unwrap();
    assert_problem(nul_in_form, 401, "oauth_invalid_client").await;
    let nul_in_basic = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .basic_auth("mc_\0", Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_problem(nul_in_basic, 401, "oauth_invalid_client").await;
    let wrong_grant = app
        .post_json("/api/v1/auth/token", &json!({"grant_type": "password", "client_id": id, "client_secret": secret}))
        .await;
    assert_problem(wrong_grant, 400, "oauth_unsupported_grant_type").await;
    let wrong_scope = app
        .post_json("/api/v1/auth/token", &json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret, "scope": "indicators:read"}))
        .await;
    assert_problem(wrong_scope, 400, "oauth_invalid_scope").await;

    // Disabling the client stops its tokens at once.
    let row_id = created["id"].as_str().unwrap();
    let disabled = app
        .patch_json_as(&format!("/api/v1/admin/api-clients/{row_id}"), &json!({"active": false}), &admin.access_token)
        .await;
    assert_eq!(disabled.status(), 200);
    assert_problem(
        app.get_as("/api/v1/me", form["access_token"].as_str().unwrap()).await,
        401,
        "identity_token_invalid",
    )
    .await;
}

#[tokio::test]
async fn deactivating_a_staff_account_revokes_its_sessions_at_once() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.agency(&admin, AGENCY_A).await;
    let clerk = app.staff(&admin, AGENCY_A, &["clerk"]).await;
    let me: Value = app.get_as("/api/v1/me", &clerk.access_token).await.json().await.unwrap();
    assert_eq!(me["roles"], json!(["clerk"]));
    assert_eq!(me["agency_code"], AGENCY_A);

    let response = app
        .patch_json_as(&format!("/api/v1/admin/staff/{}", clerk.id), &json!({"active": false}), &admin.access_token)
        .await;
    assert_eq!(response.status(), 200);
    assert_problem(app.get_as("/api/v1/me", &clerk.access_token).await, 401, "identity_token_invalid").await;
    let refresh = app.post_json("/api/v1/auth/refresh", &json!({"refresh_token": clerk.refresh_token})).await;
    assert_problem(refresh, 401, "identity_refresh_token_invalid").await;
}

#[tokio::test]
async fn staff_creation_validates_roles_and_agency() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.agency(&admin, AGENCY_A).await;
    let base = json!({"email": "can.bo@xa.gov.vn", "full_name": "Cán Bộ", "password": PASSWORD, "agency_code": AGENCY_A, "roles": ["clerk"]});
    let cases = [
        ("roles", json!([]), "validation_failed"),
        ("roles[0]", json!(["janitor"]), "validation_failed"),
        ("agency_code", json!("000.99.99.H56"), "validation_failed"),
        ("agency_code", json!("H56"), "validation_failed"),
    ];
    for (field, value, code) in cases {
        let mut body = base.clone();
        body[field.trim_end_matches("[0]")] = value;
        let problem =
            assert_problem(app.post_json_as("/api/v1/admin/staff", &body, &admin.access_token).await, 400, code).await;
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
}

#[tokio::test]
async fn reading_a_citizens_personal_data_requires_a_purpose_and_is_logged() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let citizen = app.citizen(CITIZEN_ID).await;
    let no_purpose = app.get_as(&format!("/api/v1/admin/accounts/{}", citizen.id), &admin.access_token).await;
    assert_problem(no_purpose, 400, "invalid_query").await;
    let response = app
        .get_as(
            &format!("/api/v1/admin/accounts/{}?purpose=x%C3%A1c%20minh%20h%E1%BB%93%20s%C6%A1", citizen.id),
            &admin.access_token,
        )
        .await;
    assert_eq!(response.status(), 200);
    let request_id = response.headers()["x-request-id"].to_str().unwrap().to_owned();
    let account: Value = response.json().await.unwrap();
    assert_eq!(account["national_id"], CITIZEN_ID);

    let log: Value = app
        .get_as(&format!("/api/v1/admin/personal-data-access?subject={}", citizen.id), &admin.access_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(log["total"], 1);
    assert_eq!(log["items"][0]["actor_id"], admin.id.as_str());
    assert_eq!(log["items"][0]["purpose"], "xác minh hồ sơ");
    assert_eq!(log["items"][0]["request_id"], request_id.as_str());
}

#[tokio::test]
async fn json_bodies_that_are_malformed_mistyped_or_too_large_are_problems() {
    let app = spawn_app_with(|s| s.json_limit_bytes = 2048).await;
    let url = app.url("/api/v1/auth/login");
    let malformed =
        app.client.post(&url).header("content-type", "application/json").body("{\"username\":").send().await.unwrap();
    assert_problem(malformed, 400, "malformed_json").await;
    let wrong_type = app.client.post(&url).header("content-type", "text/plain").body("{}").send().await.unwrap();
    assert_problem(wrong_type, 415, "unsupported_media_type").await;
    let big = json!({"username": "x".repeat(4096), "password": "y"});
    assert_problem(app.post_json("/api/v1/auth/login", &big).await, 413, "payload_too_large").await;
    let missing = app.post_json("/api/v1/auth/login", &json!({"username": "a"})).await;
    let problem = assert_problem(missing, 400, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "password");
    let unknown_field = app.post_json("/api/v1/auth/verify-email", &json!({"token": "t", "extra": 1})).await;
    assert_eq!(unknown_field.status(), 400);
}

/// Every protected route, and who must be turned away from it.
#[tokio::test]
async fn cross_tenant_matrix_for_every_protected_route() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.agency(&admin, AGENCY_A).await;
    app.agency(&admin, AGENCY_B).await;
    let citizen = app.citizen(CITIZEN_ID).await;
    let clerk_a = app.staff(&admin, AGENCY_A, &["clerk"]).await;
    let admin_b = app.staff(&admin, AGENCY_B, &["admin"]).await;
    let staff_a_id = clerk_a.id.clone();
    let client = {
        let created: Value = app
            .post_json_as(
                "/api/v1/admin/api-clients",
                &json!({"name": "Hệ thống khác", "scopes": ["indicators:read"]}),
                &admin.access_token,
            )
            .await
            .json()
            .await
            .unwrap();
        let token: Value = app
            .post_json("/api/v1/auth/token", &json!({"grant_type": "client_credentials", "client_id": created["client_id"], "client_secret": created["client_secret"]}))
            .await
            .json()
            .await
            .unwrap();
        token["access_token"].as_str().unwrap().to_owned()
    };

    // (method, path, body)
    let staff_body = json!({"email": "moi@xa.gov.vn", "full_name": "Cán Bộ Mới", "password": PASSWORD, "agency_code": AGENCY_A, "roles": ["clerk"]});
    let admin_routes: Vec<(&str, String, Value)> = vec![
        ("POST", "/api/v1/admin/staff".into(), staff_body.clone()),
        ("GET", "/api/v1/admin/staff".into(), Value::Null),
        ("PATCH", format!("/api/v1/admin/staff/{staff_a_id}"), json!({"roles": ["leader"]})),
        ("POST", "/api/v1/admin/api-clients".into(), json!({"name": "x", "scopes": ["dossiers:read"]})),
        ("GET", "/api/v1/admin/api-clients".into(), Value::Null),
        ("POST", "/api/v1/admin/signing-keys/rotate".into(), json!({})),
        ("GET", format!("/api/v1/admin/accounts/{}?purpose=kiem%20tra%20ho%20so", citizen.id), Value::Null),
        ("GET", "/api/v1/admin/personal-data-access".into(), Value::Null),
        (
            "POST",
            "/api/v1/admin/agencies".into(),
            json!({"code": "000.19.22.H56", "name": "Xã mới", "level": "commune"}),
        ),
        ("PUT", format!("/api/v1/admin/agencies/{AGENCY_A}"), json!({"name": "Đổi tên", "level": "commune"})),
    ];
    let send = |method: &str, path: &str, body: &Value, token: Option<&str>| {
        let mut request = app.client.request(method.parse().unwrap(), app.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if !body.is_null() {
            request = request.json(body);
        }
        request.send()
    };
    for (method, path, body) in &admin_routes {
        let anonymous = send(method, path, body, None).await.unwrap();
        assert_eq!(anonymous.status(), 401, "anonymous {method} {path}");
        for (who, token) in
            [("citizen", &citizen.access_token), ("clerk", &clerk_a.access_token), ("api client", &client)]
        {
            let response = send(method, path, body, Some(token)).await.unwrap();
            assert_problem(response, 403, "identity_forbidden").await;
            let _ = who;
        }
    }

    // Another agency's admin: cannot see or change agency A's staff, nor province-wide resources.
    let other_admin = |method: &'static str, path: String, body: Value| (method, path, body);
    let cases = [
        (other_admin("POST", "/api/v1/admin/staff".into(), staff_body), 400),
        (other_admin("PATCH", format!("/api/v1/admin/staff/{staff_a_id}"), json!({"active": false})), 404),
        (
            other_admin(
                "GET",
                format!("/api/v1/admin/accounts/{}?purpose=kiem%20tra%20ho%20so", clerk_a.id),
                Value::Null,
            ),
            404,
        ),
        (
            other_admin("POST", "/api/v1/admin/api-clients".into(), json!({"name": "x", "scopes": ["dossiers:read"]})),
            403,
        ),
        (other_admin("POST", "/api/v1/admin/signing-keys/rotate".into(), json!({})), 403),
        (other_admin("GET", "/api/v1/admin/personal-data-access".into(), Value::Null), 403),
        (
            other_admin(
                "POST",
                "/api/v1/admin/agencies".into(),
                json!({"code": "000.19.22.H56", "name": "Xã", "level": "commune"}),
            ),
            403,
        ),
    ];
    for ((method, path, body), status) in cases {
        let response = send(method, &path, &body, Some(&admin_b.access_token)).await.unwrap();
        assert_eq!(response.status().as_u16(), status, "agency B admin {method} {path}");
    }
    let listed: Value = app
        .get_as(&format!("/api/v1/admin/staff?agency={AGENCY_A}"), &admin_b.access_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["total"], 0, "agency B's admin sees none of agency A's staff");
    // The clerk of agency A is still active and unchanged.
    assert_eq!(app.get_as("/api/v1/me", &clerk_a.access_token).await.status(), 200);
}

//! `spawn_app()` and the throw-away database (STYLE.md B8).
// Shared by every test module; not every module uses every helper.
#![allow(dead_code)]

use motcua::config::Settings;
use motcua::startup::Application;
use reqwest::{Client, Response};
use sea_orm::{ConnectionTrait, Database};
use serde_json::Value;
use tempfile::TempDir;
use uuid::Uuid;

/// A running application with its own database, dropped with it.
pub struct TestApp {
    pub address: String,
    pub client: Client,
    pub db: TestDb,
    pub data_dir: TempDir,
}

/// Where the test's database lives; dropping it removes the database.
pub enum TestDb {
    Sqlite { _dir: TempDir, url: String },
    Postgres { admin_url: String, name: String, url: String },
}

impl TestDb {
    pub fn url(&self) -> &str {
        match self {
            TestDb::Sqlite { url, .. } | TestDb::Postgres { url, .. } => url,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { admin_url, name, .. } = self {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs outside any async context we may block on: use a thread with its own runtime.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                runtime.block_on(async {
                    if let Ok(conn) = Database::connect(&admin_url).await {
                        let _ =
                            conn.execute_unprepared(&format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#)).await;
                    }
                });
            })
            .join();
        }
    }
}

/// A fresh, empty database for one test.
pub async fn create_test_db() -> TestDb {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin_url) if admin_url.starts_with("postgres") => {
            let name = format!("motcua_test_{}", Uuid::new_v4().simple());
            let conn = Database::connect(&admin_url).await.expect("reach the PostgreSQL admin database");
            conn.execute_unprepared(&format!(r#"CREATE DATABASE "{name}""#)).await.expect("create the test database");
            let base = admin_url.rsplit_once('/').map(|(base, _)| base).expect("URL with a database path");
            let url = format!("{base}/{name}");
            TestDb::Postgres { admin_url, name, url }
        }
        _ => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("motcua.db").display());
            TestDb::Sqlite { _dir: dir, url }
        }
    }
}

/// Settings for a test app: port 0, one worker, its own data directory.
pub fn test_settings(db: &TestDb, data_dir: &TempDir) -> Settings {
    let mut settings = Settings::with_database(db.url());
    settings.listen = "127.0.0.1:0".to_owned();
    settings.workers = Some(1);
    settings.data_dir = data_dir.path().to_path_buf();
    settings.demo = Some(false);
    settings.db_max_connections = 5;
    settings
}

/// Spawns the application with default test settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Spawns the application after `customise` adjusts the settings.
pub async fn spawn_app_with(customise: impl FnOnce(&mut Settings)) -> TestApp {
    if std::env::var("TEST_LOG").is_ok() {
        motcua::telemetry::init("debug");
    }
    let db = create_test_db().await;
    let data_dir = tempfile::tempdir().expect("temp dir");
    let mut settings = test_settings(&db, &data_dir);
    customise(&mut settings);
    let app = Application::build(settings).await.expect("build the application");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    TestApp { address, client, db, data_dir }
}

/// A second process serving the same database as an app (another replica).
pub struct Replica {
    pub address: String,
    _data_dir: TempDir,
}

impl Replica {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }
}

/// Spawns another replica on `app`'s database, after `customise` adjusts its settings.
pub async fn spawn_replica(app: &TestApp, customise: impl FnOnce(&mut Settings)) -> Replica {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let mut settings = test_settings(&app.db, &data_dir);
    customise(&mut settings);
    let replica = Application::build(settings).await.expect("build the replica");
    let address = format!("http://127.0.0.1:{}", replica.port());
    tokio::spawn(replica.run_until_stopped());
    Replica { address, _data_dir: data_dir }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("send request")
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.client.post(self.url(path)).json(body).send().await.expect("send request")
    }

    /// A draft of `procedure` at `agency` with `form_data`, filed by `citizen`; its id.
    pub async fn draft(&self, citizen: &Session, agency: &str, procedure: &str, form_data: Value) -> String {
        let body = serde_json::json!({"procedure_code": procedure, "agency_code": agency, "form_data": form_data});
        let response = self.post_json_as("/api/v1/dossiers", &body, &citizen.access_token).await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
        let draft: Value = response.json().await.unwrap();
        draft["id"].as_str().unwrap().to_owned()
    }

    /// Submits the draft `id` as `citizen`; the submitted dossier.
    pub async fn submit(&self, citizen: &Session, id: &str) -> Value {
        let response = self
            .client
            .post(self.url(&format!("/api/v1/dossiers/{id}/submit")))
            .bearer_auth(&citizen.access_token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap_or_default());
        response.json().await.unwrap()
    }

    /// The dossier `id` as `who` sees it.
    pub async fn dossier(&self, who: &Session, id: &str) -> Value {
        let response = self.get_as(&format!("/api/v1/dossiers/{id}"), &who.access_token).await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }
}

/// Asserts the response is a problem with this status and code, and returns its body.
pub async fn assert_problem(response: Response, status: u16, code: &str) -> Value {
    assert_eq!(response.status().as_u16(), status, "unexpected status");
    let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(content_type.as_deref(), Some("application/problem+json"));
    let request_id = response.headers().get("x-request-id").map(|v| v.to_str().unwrap().to_owned());
    let body: Value = response.json().await.expect("problem body");
    assert_eq!(body["code"], code, "problem: {body}");
    assert_eq!(body["status"], status);
    if let Some(id) = request_id {
        assert_eq!(body["request_id"], id.as_str());
    }
    body
}

/// Sends a desk or citizen action on the dossier's current version (read first, sent as
/// If-Match), as `who`.
pub async fn act(app: &TestApp, who: &Session, id: &str, body: Value) -> Response {
    let current: Value = app.get_as(&format!("/api/v1/dossiers/{id}"), &who.access_token).await.json().await.unwrap();
    app.client
        .post(app.url(&format!("/api/v1/dossiers/{id}/actions")))
        .bearer_auth(&who.access_token)
        .header("if-match", format!("\"{}\"", current["version"]))
        .json(&body)
        .send()
        .await
        .expect("send request")
}

/// [`act`], asserting it succeeds; returns the dossier as the action left it.
pub async fn step(app: &TestApp, who: &Session, id: &str, body: Value) -> Value {
    let response = act(app, who, id, body.clone()).await;
    assert_eq!(response.status(), 200, "{body}: {}", response.text().await.unwrap_or_default());
    response.json().await.unwrap()
}

/// Password used for test accounts.
pub const PASSWORD: &str = "Ho-Chi-Minh-1890-May";

/// Agency codes used by tests.
pub const AGENCY_A: &str = "000.17.22.H56";
pub const AGENCY_B: &str = "000.18.22.H56";

/// A signed-in principal's tokens.
#[derive(Clone, Debug)]
pub struct Session {
    pub id: String,
    pub access_token: String,
    pub refresh_token: String,
}

impl TestApp {
    pub async fn post_json_as(&self, path: &str, body: &Value, token: &str) -> Response {
        self.client.post(self.url(path)).bearer_auth(token).json(body).send().await.expect("send request")
    }

    pub async fn patch_json_as(&self, path: &str, body: &Value, token: &str) -> Response {
        self.client.patch(self.url(path)).bearer_auth(token).json(body).send().await.expect("send request")
    }

    pub async fn get_as(&self, path: &str, token: &str) -> Response {
        self.client.get(self.url(path)).bearer_auth(token).send().await.expect("send request")
    }

    /// Signs in and returns the session, asserting success.
    pub async fn login(&self, username: &str, password: &str) -> Session {
        let response = self
            .post_json("/api/v1/auth/login", &serde_json::json!({"username": username, "password": password}))
            .await;
        assert_eq!(response.status(), 200, "login of {username} failed: {}", response.text().await.unwrap_or_default());
        let body: Value = response.json().await.unwrap();
        let me: Value = self.get_as("/api/v1/me", body["access_token"].as_str().unwrap()).await.json().await.unwrap();
        Session {
            id: me["id"].as_str().unwrap().to_owned(),
            access_token: body["access_token"].as_str().unwrap().to_owned(),
            refresh_token: body["refresh_token"].as_str().unwrap().to_owned(),
        }
    }

    /// A province-wide administrator, created the way `motcua create-admin` does.
    pub async fn admin(&self) -> Session {
        let email = format!("admin-{}@tinh.gov.vn", Uuid::new_v4().simple());
        let db = motcua::db::connect(self.db.url(), 2).await.unwrap();
        let hasher = motcua::identity::password::PasswordHasher::new().unwrap();
        motcua::identity::service::create_staff_account(
            &db,
            &hasher,
            email.clone().try_into().unwrap(),
            "Quản Trị Viên".to_owned().try_into().unwrap(),
            PASSWORD.to_owned().try_into().unwrap(),
            None,
            &[motcua::domain_types::Role::Admin],
        )
        .await
        .unwrap();
        self.login(&email, PASSWORD).await
    }

    /// Creates an agency through the admin API.
    pub async fn agency(&self, admin: &Session, code: &str) {
        let body = serde_json::json!({"code": code, "name": format!("UBND xã {code}"), "level": "commune"});
        let response = self.post_json_as("/api/v1/admin/agencies", &body, &admin.access_token).await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    }

    /// Creates a staff member with `roles` in `agency` and signs them in.
    pub async fn staff(&self, admin: &Session, agency: &str, roles: &[&str]) -> Session {
        let email = format!("staff-{}@xa.gov.vn", Uuid::new_v4().simple());
        let body = serde_json::json!({"email": email, "full_name": "Cán Bộ Xã", "password": PASSWORD,
            "agency_code": agency, "roles": roles});
        let response = self.post_json_as("/api/v1/admin/staff", &body, &admin.access_token).await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
        self.login(&email, PASSWORD).await
    }

    /// Registers a citizen (without verifying); returns the e-mail used.
    pub async fn register(&self, national_id: &str) -> String {
        let email = format!("cong.dan.{}@example.vn", Uuid::new_v4().simple());
        let response = self
            .post_json(
                "/api/v1/auth/register",
                &serde_json::json!({"national_id": national_id, "full_name": "Nguyễn Thị Ánh", "email": email,
                    "password": PASSWORD, "privacy_consent": true, "phone": "0912 345 678"}),
            )
            .await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
        email
    }

    /// Registers, verifies and signs a citizen in.
    pub async fn citizen(&self, national_id: &str) -> Session {
        let email = self.register(national_id).await;
        let token = self.verification_token(&email);
        let response = self.post_json("/api/v1/auth/verify-email", &serde_json::json!({"token": token})).await;
        assert_eq!(response.status(), 200);
        self.login(&email, PASSWORD).await
    }

    /// The token of the latest verification mail sent to `email` (from the .eml drop).
    pub fn verification_token(&self, email: &str) -> String {
        let dir = self.data_dir.path().join("mail");
        let mut newest: Option<(std::time::SystemTime, String)> = None;
        for entry in std::fs::read_dir(&dir).expect("mail directory") {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("eml") {
                continue;
            }
            let raw = std::fs::read_to_string(&path).unwrap();
            if !raw.contains(&format!("To: {email}")) {
                continue;
            }
            // The same address also gets the notices of its dossiers: only the verification mail has the link.
            let Some(token) = verification_token_in(&decode_mail_body(&raw)) else { continue };
            let modified = entry_modified(&path);
            if newest.as_ref().is_none_or(|(t, _)| modified >= *t) {
                newest = Some((modified, token));
            }
        }
        newest.map(|(_, t)| t).unwrap_or_else(|| panic!("no verification mail for {email}"))
    }
}

/// The token of the verification link in a mail body, if there is one.
pub fn verification_token_in(body: &str) -> Option<String> {
    body.split("verify-email?token=").nth(1).map(|rest| {
        rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect::<String>()
    })
}

fn entry_modified(path: &std::path::Path) -> std::time::SystemTime {
    std::fs::metadata(path).and_then(|m| m.modified()).unwrap()
}

/// Decodes the body of a single-part message (base64 or quoted-printable).
pub fn decode_mail_body(raw: &str) -> String {
    let (headers, body) = raw.split_once("\r\n\r\n").or_else(|| raw.split_once("\n\n")).unwrap();
    let headers = headers.to_ascii_lowercase();
    if headers.contains("content-transfer-encoding: base64") {
        use base64::Engine as _;
        let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
        String::from_utf8(base64::engine::general_purpose::STANDARD.decode(compact).unwrap()).unwrap()
    } else if headers.contains("content-transfer-encoding: quoted-printable") {
        let joined = body.replace("=\r\n", "").replace("=\n", "");
        let bytes = joined.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'=' && i + 3 <= bytes.len() {
                if let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                    out.push(b);
                    i += 3;
                    continue;
                }
            }
            out.push(bytes[i]);
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    } else {
        body.to_owned()
    }
}

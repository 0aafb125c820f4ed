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

//! Attachments in an S3-compatible store (`MOTCUA_OBJECT_STORE_URL=s3://…`), against moto's S3
//! server started by the test. Without moto the tests are skipped, unless
//! `MOTCUA_TEST_REQUIRE_S3=1` (CI) makes a missing moto a failure.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::attachments::PDF;
use crate::helpers::{assert_problem, create_test_db, spawn_app_with, test_settings, Session, TestApp, AGENCY_A};

const PROCEDURE: &str = "2.000002";
const KEY_PREFIX: &str = "tinh/ho-so";

/// moto's S3 server on a free port, killed when dropped.
struct Moto {
    child: Child,
    endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Moto {
    /// Starts moto and waits until it answers; `None` (the test is skipped) when moto is not
    /// installed and S3 tests are not required.
    async fn start() -> Option<Moto> {
        let required = std::env::var("MOTCUA_TEST_REQUIRE_S3").is_ok_and(|v| v == "1");
        let unavailable = |why: String| {
            assert!(!required, "MOTCUA_TEST_REQUIRE_S3=1 but moto's S3 server is unavailable: {why}");
            eprintln!("skipped: moto's S3 server is unavailable ({why}); `pip install 'moto[server]'` to run");
            None
        };
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = match Command::new("python3")
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
        {
            Ok(child) => child,
            Err(e) => return unavailable(format!("cannot run python3: {e}")),
        };
        let mut moto = Moto { child, endpoint: format!("http://127.0.0.1:{port}") };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if client.get(&moto.endpoint).send().await.is_ok() {
                return Some(moto);
            }
            if let Ok(Some(status)) = moto.child.try_wait() {
                let mut stderr = String::new();
                if let Some(mut pipe) = moto.child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
                }
                return unavailable(format!("it exited with {status}: {}", stderr.trim()));
            }
            if Instant::now() > deadline {
                return unavailable("it did not answer within 30 s".to_owned());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Creates a bucket of its own for one test (moto does not check signatures).
    async fn bucket(&self) -> String {
        let bucket = format!("motcua-{}", Uuid::new_v4().simple());
        let response = reqwest::Client::new().put(format!("{}/{bucket}", self.endpoint)).send().await.unwrap();
        assert!(response.status().is_success(), "create bucket: {}", response.status());
        bucket
    }

    /// The keys in `bucket`, read straight from the S3 API.
    async fn keys(&self, bucket: &str) -> Vec<String> {
        let url = format!("{}/{bucket}?list-type=2", self.endpoint);
        let listing = reqwest::Client::new().get(url).send().await.unwrap().text().await.unwrap();
        listing.split("<Key>").skip(1).filter_map(|rest| rest.split_once("</Key>")).map(|(k, _)| k.to_owned()).collect()
    }

    /// The bytes stored under `key`, read with a signed request of a client of the test's own
    /// (moto refuses anonymous reads of objects).
    async fn object(&self, bucket: &str, key: &str) -> Vec<u8> {
        use object_store::ObjectStoreExt;
        let store = object_store::aws::AmazonS3Builder::new()
            .with_endpoint(&self.endpoint)
            .with_allow_http(true)
            .with_region("ap-southeast-1")
            .with_bucket_name(bucket)
            .with_access_key_id("motcua-test")
            .with_secret_access_key("motcua-test-secret")
            .build()
            .unwrap();
        let found = store.get(&object_store::path::Path::parse(key).unwrap()).await.unwrap();
        found.bytes().await.unwrap().to_vec()
    }

    fn configure(&self, settings: &mut motcua::config::Settings, url: &str) {
        settings.object_store_url = Some(url.to_owned());
        settings.s3_endpoint = Some(self.endpoint.clone());
        settings.s3_allow_http = true;
        settings.s3_region = Some("ap-southeast-1".to_owned());
        settings.s3_access_key_id = Some("motcua-test".to_owned());
        settings.s3_secret_access_key = Some("motcua-test-secret".to_owned().into());
    }
}

/// A procedure with a mandatory PDF (up to 8 MiB) and an optional one; a citizen; a desk clerk.
async fn setup(app: &TestApp) -> (Session, Session) {
    let admin = app.admin().await;
    app.agency(&admin, AGENCY_A).await;
    let procedure = json!({
        "code": PROCEDURE, "name": "Thủ tục thử lưu trữ S3", "field": "Hộ tịch", "online_level": "full",
        "eligible_full_online": true, "processing_time": {"value": 3, "unit": "working_days"}, "fees": [],
        "documents": [
            {"key": "to_khai", "name": "Tờ khai", "mandatory": true, "accepted_types": ["application/pdf"], "max_bytes": 8_388_608},
            {"key": "giay_uy_quyen", "name": "Giấy ủy quyền", "mandatory": false, "accepted_types": ["application/pdf"], "max_bytes": 1024}],
        "result": {"is_document": true, "name": "Giấy xác nhận"},
        "form_schema": {"type": "object", "properties": {}},
        "legal_basis": ["Luật Hộ tịch 2014"], "agencies": [AGENCY_A]});
    let response = app.post_json_as("/api/v1/admin/procedures", &procedure, &admin.access_token).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    let clerk = app.staff(&admin, AGENCY_A, &["clerk"]).await;
    (app.citizen("038095001234").await, clerk)
}

async fn upload(app: &TestApp, citizen: &Session, id: &str, key: &str, name: &str, bytes: &[u8]) -> reqwest::Response {
    let part = Part::bytes(bytes.to_vec()).file_name(name.to_owned()).mime_str("application/pdf").unwrap();
    let form = Form::new().text("document_key", key.to_owned()).part("file", part);
    app.client
        .post(app.url(&format!("/api/v1/dossiers/{id}/attachments")))
        .bearer_auth(&citizen.access_token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn download(app: &TestApp, session: &Session, id: &str, attachment: &Value) -> reqwest::Response {
    let path = format!("/api/v1/dossiers/{id}/attachments/{}", attachment["id"].as_str().unwrap());
    app.get_as(&path, &session.access_token).await
}

/// A PDF of several megabytes: bigger than one read of the upload, and than S3's smallest part.
fn large_pdf() -> Vec<u8> {
    let mut bytes = PDF.to_vec();
    bytes.extend("% Tờ khai đăng ký hộ tịch\n".as_bytes().iter().cycle().take(6 * 1024 * 1024));
    bytes
}

#[tokio::test]
async fn attachments_go_to_the_s3_bucket_and_come_back_unchanged_after_submission() {
    let Some(moto) = Moto::start().await else { return };
    let bucket = moto.bucket().await;
    let url = format!("s3://{bucket}/{KEY_PREFIX}");
    let app = spawn_app_with(|settings| moto.configure(settings, &url)).await;
    let (citizen, clerk) = setup(&app).await;
    let body = json!({"procedure_code": PROCEDURE, "agency_code": AGENCY_A, "form_data": {}});
    let draft: Value = app.post_json_as("/api/v1/dossiers", &body, &citizen.access_token).await.json().await.unwrap();
    let id = draft["id"].as_str().unwrap();

    let form = large_pdf();
    let response = upload(&app, &citizen, id, "to_khai", "Tờ khai.pdf", &form).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    let attachment: Value = response.json().await.unwrap();
    let sha256 = hex::encode(Sha256::digest(&form));
    assert_eq!(attachment["sha256"], sha256);
    assert_eq!(attachment["size"], form.len());

    // In the bucket, under the configured prefix and the content's hash; not on the local disk.
    let key = format!("{KEY_PREFIX}/sha256/{}/{sha256}", &sha256[..2]);
    assert_eq!(moto.keys(&bucket).await, vec![key.clone()]);
    assert_eq!(moto.object(&bucket, &key).await, form);
    assert!(!app.data_dir.path().join("objects").exists(), "nothing goes to the local directory");

    // An oversize file is refused while it is read, and nothing reaches the bucket.
    let mut oversize = PDF.to_vec();
    oversize.resize(64 * 1024, b' ');
    let refused = upload(&app, &citizen, id, "giay_uy_quyen", "uy_quyen.pdf", &oversize).await;
    assert_problem(refused, 413, "dossier_attachment_too_large").await;
    assert_eq!(moto.keys(&bucket).await.len(), 1);

    // A file deleted from the draft is gone from the dossier; its content may be shared, so it stays.
    let extra = upload(&app, &citizen, id, "giay_uy_quyen", "uy_quyen.pdf", PDF).await;
    assert_eq!(extra.status(), 201);
    let extra: Value = extra.json().await.unwrap();
    assert_eq!(download(&app, &citizen, id, &extra).await.bytes().await.unwrap(), PDF);
    let extra_url = app.url(&format!("/api/v1/dossiers/{id}/attachments/{}", extra["id"].as_str().unwrap()));
    let deleted = app.client.delete(&extra_url).bearer_auth(&citizen.access_token).send().await.unwrap();
    assert_eq!(deleted.status(), 204);
    assert_problem(download(&app, &citizen, id, &extra).await, 404, "dossier_attachment_not_found").await;

    let submitted = app
        .client
        .post(app.url(&format!("/api/v1/dossiers/{id}/submit")))
        .bearer_auth(&citizen.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(submitted.status(), 200, "{}", submitted.text().await.unwrap_or_default());

    // The desk reads the submitted dossier's file from the bucket, byte for byte.
    let listed: Value =
        app.get_as(&format!("/api/v1/dossiers/{id}/attachments"), &clerk.access_token).await.json().await.unwrap();
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{listed}");
    assert_eq!(items[0]["sha256"], sha256);
    for reader in [&clerk, &citizen] {
        let response = download(&app, reader, id, &items[0]).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "application/pdf");
        // Streamed from the bucket, with its length announced up front.
        assert_eq!(response.headers()["content-length"], form.len().to_string().as_str());
        let bytes = response.bytes().await.unwrap();
        assert_eq!(hex::encode(Sha256::digest(&bytes)), sha256);
        assert_eq!(bytes.len(), form.len());
    }
}

#[tokio::test]
async fn a_missing_bucket_or_a_refused_endpoint_stops_the_start_with_its_reason() {
    let Some(moto) = Moto::start().await else { return };
    let db = create_test_db().await;
    let data_dir = tempfile::tempdir().unwrap();

    let mut settings = test_settings(&db, &data_dir);
    moto.configure(&mut settings, "s3://no-such-bucket");
    let error = motcua::startup::Application::build(settings).await.err().expect("refused to start");
    let message = format!("{error:#}");
    assert!(message.contains("object store"), "{message}");
    assert!(message.contains("NoSuchBucket") || message.contains("does not exist"), "{message}");

    // Nothing listens on a port just freed.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut settings = test_settings(&db, &data_dir);
    moto.configure(&mut settings, "s3://motcua-files");
    settings.s3_endpoint = Some(format!("http://127.0.0.1:{closed}"));
    let error = motcua::startup::Application::build(settings).await.err().expect("refused to start");
    assert!(format!("{error:#}").contains("object store"), "{error:#}");
}

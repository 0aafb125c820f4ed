//! Attachments: streamed uploads typed from their content, size limits, replacing, deleting,
//! downloading, isolation, and the mandatory-document check on submission.

use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::helpers::{assert_problem, spawn_app, Session, TestApp, AGENCY_A};

const PROCEDURE: &str = "2.000001";

/// A small but real PDF.
pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
/// A 1×1 PNG.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xff\xff?\0\x05\xfe\x02\xfe\xa7\x35\x81\x84\0\0\0\0IEND\xaeB`\x82";

/// Uploads `bytes` for `document_key`, declaring `mime` as the part's type.
pub async fn upload(
    app: &TestApp,
    session: &Session,
    dossier_id: &str,
    document_key: &str,
    file_name: &str,
    mime: &str,
    bytes: &[u8],
) -> reqwest::Response {
    let part = Part::bytes(bytes.to_vec()).file_name(file_name.to_owned()).mime_str(mime).unwrap();
    let form = Form::new().text("document_key", document_key.to_owned()).part("file", part);
    app.client
        .post(app.url(&format!("/api/v1/dossiers/{dossier_id}/attachments")))
        .bearer_auth(&session.access_token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// Uploads [`PDF`] as `to_khai.pdf` for `document_key`.
pub async fn upload_pdf(app: &TestApp, session: &Session, dossier_id: &str, document_key: &str) -> reqwest::Response {
    upload(app, session, dossier_id, document_key, "to_khai.pdf", "application/pdf", PDF).await
}

/// A procedure with a mandatory PDF form (1 KiB at most) and an optional photo; a citizen.
async fn setup(app: &TestApp) -> Session {
    let admin = app.admin().await;
    app.agency(&admin, AGENCY_A).await;
    let procedure = json!({
        "code": PROCEDURE, "name": "Thủ tục thử đính kèm", "field": "Hộ tịch", "online_level": "full",
        "eligible_full_online": true, "processing_time": {"value": 0, "unit": "same_day"}, "fees": [],
        "documents": [
            {"key": "to_khai", "name": "Tờ khai", "mandatory": true, "accepted_types": ["application/pdf"], "max_bytes": 1024},
            {"key": "anh_chan_dung", "name": "Ảnh chân dung", "mandatory": false, "accepted_types": ["image/png", "image/jpeg"], "max_bytes": 1024}],
        "result": {"is_document": true, "name": "Giấy xác nhận"},
        "form_schema": {"type": "object", "properties": {}},
        "legal_basis": ["Luật Hộ tịch 2014"], "agencies": [AGENCY_A]});
    let response = app.post_json_as("/api/v1/admin/procedures", &procedure, &admin.access_token).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    app.citizen("038095001234").await
}

async fn draft(app: &TestApp, citizen: &Session) -> String {
    let body = json!({"procedure_code": PROCEDURE, "agency_code": AGENCY_A, "form_data": {}});
    let response = app.post_json_as("/api/v1/dossiers", &body, &citizen.access_token).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    let dossier: Value = response.json().await.unwrap();
    dossier["id"].as_str().unwrap().to_owned()
}

async fn list(app: &TestApp, session: &Session, id: &str) -> Vec<Value> {
    let response = app.get_as(&format!("/api/v1/dossiers/{id}/attachments"), &session.access_token).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["items"].as_array().unwrap().clone()
}

async fn submit(app: &TestApp, citizen: &Session, id: &str) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/dossiers/{id}/submit")))
        .bearer_auth(&citizen.access_token)
        .send()
        .await
        .unwrap()
}

fn stored_objects(app: &TestApp) -> usize {
    fn count(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir)
            .map_or(0, |entries| entries.flatten().map(|e| if e.path().is_dir() { count(&e.path()) } else { 1 }).sum())
    }
    count(&app.data_dir.path().join("objects"))
}

#[tokio::test]
async fn a_pdf_and_a_png_are_stored_with_the_servers_sha256_and_downloaded_unchanged() {
    let app = spawn_app().await;
    let citizen = setup(&app).await;
    let id = draft(&app, &citizen).await;

    for (key, name, mime, bytes) in
        [("to_khai", "Tờ khai.pdf", "application/pdf", PDF), ("anh_chan_dung", "ảnh.png", "image/png", PNG)]
    {
        let response = upload(&app, &citizen, &id, key, name, mime, bytes).await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
        let attachment: Value = response.json().await.unwrap();
        assert_eq!(attachment["sha256"], hex::encode(Sha256::digest(bytes)));
        assert_eq!(attachment["size"], bytes.len());
        assert_eq!(attachment["content_type"], mime);
        assert_eq!(attachment["document_key"], key);
        assert_eq!(attachment["file_name"], name);
        assert!(attachment["created_at"].is_string());

        let download = app
            .get_as(
                &format!("/api/v1/dossiers/{id}/attachments/{}", attachment["id"].as_str().unwrap()),
                &citizen.access_token,
            )
            .await;
        assert_eq!(download.status(), 200);
        assert_eq!(download.headers()["content-type"], mime);
        let disposition = download.headers()["content-disposition"].to_str().unwrap().to_owned();
        assert!(disposition.starts_with("attachment; filename*=UTF-8''"), "{disposition}");
        assert_eq!(&download.bytes().await.unwrap()[..], bytes);
    }
    assert_eq!(list(&app, &citizen, &id).await.len(), 2);
}

#[tokio::test]
async fn an_oversize_file_is_refused_with_413_and_nothing_is_stored() {
    let app = spawn_app().await;
    let citizen = setup(&app).await;
    let id = draft(&app, &citizen).await;
    let mut big = PDF.to_vec();
    big.resize(1025, b' ');
    let response = upload(&app, &citizen, &id, "to_khai", "to_khai.pdf", "application/pdf", &big).await;
    assert_problem(response, 413, "dossier_attachment_too_large").await;
    // Refused early: the server stops reading long before the end of a large body.
    big.resize(4 * 1024 * 1024, b' ');
    let response = upload(&app, &citizen, &id, "to_khai", "to_khai.pdf", "application/pdf", &big).await;
    assert_problem(response, 413, "dossier_attachment_too_large").await;
    assert!(list(&app, &citizen, &id).await.is_empty());
    assert_eq!(stored_objects(&app), 0);
}

#[tokio::test]
async fn a_disguised_file_or_an_unknown_document_is_refused() {
    let app = spawn_app().await;
    let citizen = setup(&app).await;
    let id = draft(&app, &citizen).await;
    let text = upload(&app, &citizen, &id, "to_khai", "to_khai.pdf", "application/pdf", b"not a pdf at all").await;
    assert_problem(text, 415, "dossier_attachment_type_not_accepted").await;
    let exe = upload(&app, &citizen, &id, "to_khai", "setup.pdf", "application/pdf", b"MZ\x90\0\x03\0\0\0").await;
    assert_problem(exe, 415, "dossier_attachment_type_not_accepted").await;
    // A PDF is not an accepted photo, whatever the client declares.
    let pdf_as_png = upload(&app, &citizen, &id, "anh_chan_dung", "anh.png", "image/png", PDF).await;
    assert_problem(pdf_as_png, 415, "dossier_attachment_type_not_accepted").await;
    let unknown = upload_pdf(&app, &citizen, &id, "giay_to_khac").await;
    let problem = assert_problem(unknown, 400, "dossier_unknown_document").await;
    assert_eq!(problem["errors"][0]["field"], "document_key");
    assert!(list(&app, &citizen, &id).await.is_empty());
    assert_eq!(stored_objects(&app), 0);
}

#[tokio::test]
async fn path_traversal_names_are_sanitised() {
    let app = spawn_app().await;
    let citizen = setup(&app).await;
    let id = draft(&app, &citizen).await;
    for (raw, stored) in [("../../etc/passwd.pdf", "passwd.pdf"), ("..\\..\\Windows\\<tờ khai>.pdf", "tờ khai.pdf")]
    {
        let response = upload(&app, &citizen, &id, "to_khai", raw, "application/pdf", PDF).await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
        let attachment: Value = response.json().await.unwrap();
        assert_eq!(attachment["file_name"], stored);
    }
}

#[tokio::test]
async fn a_new_upload_replaces_the_documents_file_and_a_file_can_be_deleted() {
    let app = spawn_app().await;
    let citizen = setup(&app).await;
    let id = draft(&app, &citizen).await;
    let first: Value = upload_pdf(&app, &citizen, &id, "to_khai").await.json().await.unwrap();
    let mut other = PDF.to_vec();
    other.extend_from_slice(b"% second version\n");
    let second: Value =
        upload(&app, &citizen, &id, "to_khai", "v2.pdf", "application/pdf", &other).await.json().await.unwrap();
    let items = list(&app, &citizen, &id).await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], second["id"]);
    let old = app
        .get_as(&format!("/api/v1/dossiers/{id}/attachments/{}", first["id"].as_str().unwrap()), &citizen.access_token)
        .await;
    assert_problem(old, 404, "dossier_attachment_not_found").await;

    let url = app.url(&format!("/api/v1/dossiers/{id}/attachments/{}", second["id"].as_str().unwrap()));
    let deleted = app.client.delete(&url).bearer_auth(&citizen.access_token).send().await.unwrap();
    assert_eq!(deleted.status(), 204);
    assert!(list(&app, &citizen, &id).await.is_empty());
    let again = app.client.delete(&url).bearer_auth(&citizen.access_token).send().await.unwrap();
    assert_problem(again, 404, "dossier_attachment_not_found").await;
}

#[tokio::test]
async fn submission_needs_every_mandatory_document_and_then_freezes_the_files() {
    let app = spawn_app().await;
    let citizen = setup(&app).await;
    let id = draft(&app, &citizen).await;
    let problem = assert_problem(submit(&app, &citizen, &id).await, 400, "dossier_missing_documents").await;
    let errors = problem["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{problem}");
    assert_eq!(errors[0]["field"], "documents.to_khai");

    let attachment: Value = upload_pdf(&app, &citizen, &id, "to_khai").await.json().await.unwrap();
    assert_eq!(submit(&app, &citizen, &id).await.status(), 200);

    assert_problem(upload_pdf(&app, &citizen, &id, "to_khai").await, 409, "dossier_not_a_draft").await;
    let url = app.url(&format!("/api/v1/dossiers/{id}/attachments/{}", attachment["id"].as_str().unwrap()));
    let delete = app.client.delete(&url).bearer_auth(&citizen.access_token).send().await.unwrap();
    assert_problem(delete, 409, "dossier_not_a_draft").await;
    assert_eq!(list(&app, &citizen, &id).await.len(), 1);
}

#[tokio::test]
async fn another_citizen_can_neither_see_nor_touch_the_attachments() {
    let app = spawn_app().await;
    let citizen = setup(&app).await;
    let other = app.citizen("001095004321").await;
    let id = draft(&app, &citizen).await;
    let attachment: Value = upload_pdf(&app, &citizen, &id, "to_khai").await.json().await.unwrap();
    let attachment_url = format!("/api/v1/dossiers/{id}/attachments/{}", attachment["id"].as_str().unwrap());

    assert_problem(upload_pdf(&app, &other, &id, "to_khai").await, 404, "dossier_not_found").await;
    let listed = app.get_as(&format!("/api/v1/dossiers/{id}/attachments"), &other.access_token).await;
    assert_problem(listed, 404, "dossier_not_found").await;
    assert_problem(app.get_as(&attachment_url, &other.access_token).await, 404, "dossier_not_found").await;
    let delete = app.client.delete(app.url(&attachment_url)).bearer_auth(&other.access_token).send().await.unwrap();
    assert_problem(delete, 404, "dossier_not_found").await;
    assert_eq!(list(&app, &citizen, &id).await.len(), 1);
}

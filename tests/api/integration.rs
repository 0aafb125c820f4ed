//! Intake from the national portal: API clients with scope `dossiers:intake` file dossiers,
//! idempotently on the portal's id, with inline documents checked like uploads.

use base64::Engine as _;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, Session, TestApp, AGENCY_A};

const PROCEDURE: &str = "1.004873";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";

async fn setup(app: &TestApp) -> (Session, String) {
    let admin = app.admin().await;
    app.agency(&admin, AGENCY_A).await;
    let procedure = json!({
        "code": PROCEDURE, "name": "Cấp Giấy xác nhận tình trạng hôn nhân", "field": "Hộ tịch", "online_level": "full",
        "eligible_full_online": true, "processing_time": {"value": 3, "unit": "working_days"}, "fees": [],
        "documents": [{"key": "to_khai", "name": "Tờ khai", "mandatory": true, "accepted_types": ["application/pdf"], "max_bytes": 4096}],
        "form_schema": {"type": "object", "properties": {"purpose": {"type": "string"}}, "required": ["purpose"]},
        "agencies": [AGENCY_A]});
    let response = app.post_json_as("/api/v1/admin/procedures", &procedure, &admin.access_token).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    (admin.clone(), client_token(app, &admin, &["dossiers:intake"]).await)
}

async fn client_token(app: &TestApp, admin: &Session, scopes: &[&str]) -> String {
    let created: Value = app
        .post_json_as(
            "/api/v1/admin/api-clients",
            &json!({"name": "Cổng DVCQG", "scopes": scopes}),
            &admin.access_token,
        )
        .await
        .json()
        .await
        .unwrap();
    let token: Value = app
        .post_json(
            "/api/v1/auth/token",
            &json!({"grant_type": "client_credentials", "client_id": created["client_id"], "client_secret": created["client_secret"]}),
        )
        .await
        .json()
        .await
        .unwrap();
    token["access_token"].as_str().unwrap().to_owned()
}

fn filed(external_id: &str, content: &[u8]) -> Value {
    json!({
        "external_id": external_id, "procedure_code": PROCEDURE, "agency_code": AGENCY_A,
        "applicant": {"national_id": "038095001234", "full_name": "Nguyễn Thị Ánh", "email": "anh@example.vn"},
        "vneid_authenticated": true, "form_data": {"purpose": "kết hôn"},
        "documents": [{"document_key": "to_khai", "file_name": "../../to khai.pdf",
            "content_base64": base64::engine::general_purpose::STANDARD.encode(content)}]})
}

#[tokio::test]
async fn a_dossier_filed_on_the_national_portal_arrives_once_however_often_it_is_sent() {
    let app = spawn_app().await;
    let (_, token) = setup(&app).await;
    let first = app.post_json_as("/api/v1/integration/dossiers", &filed("G22-0001", PDF), &token).await;
    assert_eq!(first.status(), 201, "{}", first.text().await.unwrap_or_default());
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["state"], "submitted");
    assert_eq!(first["national_status"], 1);
    assert_eq!(first["channel"], "national_portal");
    assert_eq!(first["external_id"], "G22-0001");
    assert_eq!(first["vneid_authenticated"], true);
    assert!(first["code"].as_str().unwrap().starts_with(AGENCY_A));

    // A retry (even a concurrent burst) gets the same dossier and files nothing new.
    let body = filed("G22-0001", PDF);
    let retries =
        futures_util::future::join_all((0..8).map(|_| app.post_json_as("/api/v1/integration/dossiers", &body, &token)))
            .await;
    for retry in retries {
        assert_eq!(retry.status(), 200);
        let again: Value = retry.json().await.unwrap();
        assert_eq!(again["id"], first["id"]);
    }

    // The desk sees it and receives it like any other; the applicant's account was created.
    let admin = app.admin().await;
    let clerk = app.staff(&admin, AGENCY_A, &["clerk"]).await;
    let queue: Value = app.get_as("/api/v1/desk/dossiers", &clerk.access_token).await.json().await.unwrap();
    assert_eq!(queue["total"], 1);
    let id = first["id"].as_str().unwrap();
    let attachments: Value =
        app.get_as(&format!("/api/v1/dossiers/{id}/attachments"), &clerk.access_token).await.json().await.unwrap();
    let file = &attachments["items"][0];
    assert_eq!(file["content_type"], "application/pdf");
    assert!(!file["file_name"].as_str().unwrap().contains('/'), "{file}");
    let sha256 = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(PDF))
    };
    assert_eq!(file["sha256"], sha256.as_str());
    let history: Value =
        app.get_as(&format!("/api/v1/dossiers/{id}/history"), &clerk.access_token).await.json().await.unwrap();
    assert_eq!(history["items"][0]["actor_role"], "national_portal");
    let received = app
        .client
        .post(app.url(&format!("/api/v1/dossiers/{id}/actions")))
        .bearer_auth(&clerk.access_token)
        .header("if-match", format!("\"{}\"", first["version"]))
        .json(&json!({"action": "receive"}))
        .send()
        .await
        .unwrap();
    assert_eq!(received.status(), 200);
}

#[tokio::test]
async fn intake_refuses_bad_dossiers_and_callers_without_the_scope() {
    let app = spawn_app().await;
    let (admin, token) = setup(&app).await;
    let disguised =
        app.post_json_as("/api/v1/integration/dossiers", &filed("G22-0002", b"MZ\x90\x00 an exe"), &token).await;
    assert_problem(disguised, 415, "dossier_attachment_type_not_accepted").await;
    let large = app.post_json_as("/api/v1/integration/dossiers", &filed("G22-0003", &[b'%'; 5000]), &token).await;
    assert_problem(large, 413, "dossier_attachment_too_large").await;
    let mut missing = filed("G22-0004", PDF);
    missing["documents"] = json!([]);
    assert_problem(
        app.post_json_as("/api/v1/integration/dossiers", &missing, &token).await,
        400,
        "dossier_missing_documents",
    )
    .await;
    let mut bad_base64 = filed("G22-0005", PDF);
    bad_base64["documents"][0]["content_base64"] = json!("***");
    let problem = assert_problem(
        app.post_json_as("/api/v1/integration/dossiers", &bad_base64, &token).await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "documents[0].content_base64");
    let mut bad_form = filed("G22-0006", PDF);
    bad_form["form_data"] = json!({});
    assert_problem(app.post_json_as("/api/v1/integration/dossiers", &bad_form, &token).await, 400, "validation_failed")
        .await;
    let mut bad_id = filed("G22-0007", PDF);
    bad_id["applicant"]["national_id"] = json!("12345");
    let problem = assert_problem(
        app.post_json_as("/api/v1/integration/dossiers", &bad_id, &token).await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "applicant.national_id");
    // None of them was filed.
    let clerk = app.staff(&admin, AGENCY_A, &["clerk"]).await;
    let queue: Value = app.get_as("/api/v1/desk/dossiers", &clerk.access_token).await.json().await.unwrap();
    assert_eq!(queue["total"], 0);

    let reader = client_token(&app, &admin, &["dossiers:read"]).await;
    assert_problem(
        app.post_json_as("/api/v1/integration/dossiers", &filed("G22-0008", PDF), &reader).await,
        403,
        "identity_missing_scope",
    )
    .await;
    assert_problem(
        app.post_json_as("/api/v1/integration/dossiers", &filed("G22-0008", PDF), &clerk.access_token).await,
        403,
        "identity_forbidden",
    )
    .await;
    assert_problem(
        app.post_json("/api/v1/integration/dossiers", &filed("G22-0008", PDF)).await,
        401,
        "identity_unauthenticated",
    )
    .await;
}

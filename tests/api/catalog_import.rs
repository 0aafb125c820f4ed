//! The catalogue beyond single edits: per-channel processing times and fees, and the import of
//! procedures in the national TTHC database's JSON shape (`motcua import-procedures` and its
//! admin endpoint).

use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, Session, TestApp, AGENCY_A};

const PROCEDURE: &str = "1.004222";

/// Sends `body` with the dossier's current ETag and asserts success.
async fn step(app: &TestApp, who: &Session, id: &str, body: Value) -> Value {
    let current: Value = app.get_as(&format!("/api/v1/dossiers/{id}"), &who.access_token).await.json().await.unwrap();
    let response = app
        .client
        .post(app.url(&format!("/api/v1/dossiers/{id}/actions")))
        .bearer_auth(&who.access_token)
        .header("if-match", format!("\"{}\"", current["version"]))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{body}: {}", response.text().await.unwrap_or_default());
    response.json().await.unwrap()
}

fn time(v: &Value) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap().with_timezone(&chrono::Utc)
}

#[tokio::test]
async fn the_appointment_uses_the_processing_time_of_the_dossiers_channel() {
    // Arrange: residence registration, 7 working days at the desk, 2 online (a demo setting).
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.agency(&admin, AGENCY_A).await;
    let procedure = json!({
        "code": PROCEDURE, "name": "Đăng ký thường trú", "field": "Đăng ký, quản lý cư trú",
        "online_level": "full", "processing_time": {"value": 7, "unit": "working_days"},
        "fees": [{"name": "Lệ phí đăng ký thường trú (nộp trực tiếp)", "amount_vnd": 20000}],
        "channel_overrides": {"online": {"processing_time": {"value": 2, "unit": "working_days"},
            "fees": [{"name": "Lệ phí đăng ký thường trú (nộp trực tuyến)", "amount_vnd": 10000}]}},
        "form_schema": {"type": "object", "properties": {"purpose": {"type": "string"}}},
        "agencies": [AGENCY_A]});
    let response = app.post_json_as("/api/v1/admin/procedures", &procedure, &admin.access_token).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    let stored: Value = app.get(&format!("/api/v1/procedures/{PROCEDURE}")).await.json().await.unwrap();
    assert_eq!(stored["channel_overrides"]["online"]["fees"][0]["amount_vnd"], 10000);
    assert_eq!(stored["channel_overrides"]["online"]["processing_time"]["value"], 2);
    assert!(stored["channel_overrides"].get("direct").is_none(), "{stored}");
    let citizen = app.citizen("038095001234").await;
    let clerk = app.staff(&admin, AGENCY_A, &["clerk"]).await;

    // Act: one dossier filed online and received, one registered at the desk.
    let body = json!({"procedure_code": PROCEDURE, "agency_code": AGENCY_A, "form_data": {"purpose": "chuyển đến"}});
    let draft: Value = app.post_json_as("/api/v1/dossiers", &body, &citizen.access_token).await.json().await.unwrap();
    let id = draft["id"].as_str().unwrap();
    let response = app
        .client
        .post(app.url(&format!("/api/v1/dossiers/{id}/submit")))
        .bearer_auth(&citizen.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let online = step(&app, &clerk, id, json!({"action": "receive"})).await;
    let walk_in = json!({"channel": "direct", "procedure_code": PROCEDURE, "form_data": {"purpose": "chuyển đến"},
        "applicant": {"national_id": "001095007777", "full_name": "Trần Văn Bình", "email": "binh@example.vn"}});
    let response = app.post_json_as("/api/v1/desk/dossiers", &walk_in, &clerk.access_token).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    let direct: Value = response.json().await.unwrap();

    // Assert: 2 working days are at least 4 calendar days sooner than 7.
    let (online_due, direct_due) = (time(&online["due_at"]), time(&direct["due_at"]));
    assert!(online_due + chrono::Duration::days(4) <= direct_due, "online {online_due}, direct {direct_due}");
    let receipt: Value =
        app.get_as(&format!("/api/v1/dossiers/{id}/receipt"), &citizen.access_token).await.json().await.unwrap();
    assert_eq!(receipt["processing_time"], "2 working days");
}

#[tokio::test]
async fn channel_overrides_are_checked_field_by_field() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.agency(&admin, AGENCY_A).await;
    let procedure = json!({
        "code": PROCEDURE, "name": "Đăng ký thường trú", "field": "Cư trú", "online_level": "partial",
        "channel_overrides": {"postal": {"processing_time": {"value": 0, "unit": "working_days"}}},
        "form_schema": {"type": "object", "properties": {}}, "agencies": [AGENCY_A]});
    let problem = assert_problem(
        app.post_json_as("/api/v1/admin/procedures", &procedure, &admin.access_token).await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "channel_overrides.postal.processing_time.value", "{problem}");
}

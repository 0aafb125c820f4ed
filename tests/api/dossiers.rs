//! Dossiers: drafts, submission with codes and idempotency, visibility, history, public lookup.

use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, Session, TestApp, AGENCY_A, AGENCY_B};

const PROCEDURE: &str = "1.001193";
const CITIZEN_ID: &str = "038095001234";

/// An admin, agencies A and B, a procedure performed by A with a small form, and a citizen.
async fn setup(app: &TestApp) -> (Session, Session) {
    let admin = app.admin().await;
    app.agency(&admin, AGENCY_A).await;
    app.agency(&admin, AGENCY_B).await;
    let procedure = json!({
        "code": PROCEDURE, "name": "Thủ tục đăng ký khai sinh", "field": "Hộ tịch", "online_level": "full",
        "eligible_full_online": true, "processing_time": {"value": 0, "unit": "same_day"}, "fees": [],
        "documents": [{"key": "to_khai", "name": "Tờ khai", "mandatory": true, "accepted_types": ["application/pdf"], "max_bytes": 1048576}],
        "result": {"is_document": true, "name": "Giấy khai sinh"},
        "form_schema": {"type": "object", "properties": {
            "applicant_address": {"type": "string", "minLength": 5},
            "copies": {"type": "integer", "minimum": 1}}, "required": ["applicant_address"]},
        "legal_basis": ["Luật Hộ tịch 2014"], "agencies": [AGENCY_A]});
    let response = app.post_json_as("/api/v1/admin/procedures", &procedure, &admin.access_token).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    let citizen = app.citizen(CITIZEN_ID).await;
    (admin, citizen)
}

async fn draft(app: &TestApp, citizen: &Session) -> Value {
    let body = json!({"procedure_code": PROCEDURE, "agency_code": AGENCY_A,
        "form_data": {"applicant_address": "Thôn 3, xã Đông Sơn", "copies": 2}});
    let response = app.post_json_as("/api/v1/dossiers", &body, &citizen.access_token).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    assert_eq!(response.headers()["etag"], "\"1\"");
    let dossier: Value = response.json().await.unwrap();
    // Submission needs the mandatory `to_khai`.
    let upload = crate::attachments::upload_pdf(app, citizen, dossier["id"].as_str().unwrap(), "to_khai").await;
    assert_eq!(upload.status(), 201, "{}", upload.text().await.unwrap_or_default());
    dossier
}

async fn submit(app: &TestApp, citizen: &Session, id: &str, key: Option<&str>) -> reqwest::Response {
    let mut request =
        app.client.post(app.url(&format!("/api/v1/dossiers/{id}/submit"))).bearer_auth(&citizen.access_token);
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    request.send().await.unwrap()
}

fn today_yymmdd() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(7)).format("%y%m%d").to_string()
}

#[tokio::test]
async fn a_citizen_drafts_and_submits_a_dossier_and_gets_its_code_and_lookup_secret() {
    let app = spawn_app().await;
    let (_, citizen) = setup(&app).await;
    let dossier = draft(&app, &citizen).await;
    assert_eq!(dossier["state"], "draft");
    assert_eq!(dossier["national_status"], Value::Null);
    assert_eq!(dossier["code"], Value::Null);

    let response = submit(&app, &citizen, dossier["id"].as_str().unwrap(), None).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["etag"], "\"2\"");
    let submitted: Value = response.json().await.unwrap();
    assert_eq!(submitted["state"], "submitted");
    assert_eq!(submitted["national_status"], 1);
    assert_eq!(submitted["channel"], "online");
    assert_eq!(submitted["code"], format!("{AGENCY_A}-{}-0001", today_yymmdd()));
    let secret = submitted["lookup_secret"].as_str().unwrap();
    assert_eq!(secret.len(), 6);
    assert!(submitted["submitted_at"].is_string());

    let history: Value = app
        .get_as(&format!("/api/v1/dossiers/{}/history", dossier["id"].as_str().unwrap()), &citizen.access_token)
        .await
        .json()
        .await
        .unwrap();
    let events = history["items"].as_array().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["action"], "submit");
    assert_eq!((events[0]["from_state"].as_str(), events[0]["to_state"].as_str()), (Some("draft"), Some("submitted")));
    assert_eq!(events[0]["prev_hash"], "0".repeat(64));
    assert_eq!(events[0]["hash"].as_str().unwrap().len(), 64);
}

#[tokio::test]
async fn drafts_with_an_unknown_procedure_a_wrong_agency_or_invalid_form_data_are_refused() {
    let app = spawn_app().await;
    let (_, citizen) = setup(&app).await;
    let cases = [
        (
            json!({"procedure_code": "9.999999", "agency_code": AGENCY_A, "form_data": {"applicant_address": "Thôn 3, xã A"}}),
            "procedure_code",
        ),
        (
            json!({"procedure_code": PROCEDURE, "agency_code": AGENCY_B, "form_data": {"applicant_address": "Thôn 3, xã A"}}),
            "agency_code",
        ),
        (json!({"procedure_code": PROCEDURE, "agency_code": AGENCY_A, "form_data": {}}), "form_data"),
        (
            json!({"procedure_code": PROCEDURE, "agency_code": AGENCY_A, "form_data": {"applicant_address": "x"}}),
            "form_data/applicant_address",
        ),
        (
            json!({"procedure_code": PROCEDURE, "agency_code": AGENCY_A, "form_data": {"applicant_address": "Thôn 3, xã A", "copies": "hai"}}),
            "form_data/copies",
        ),
        (json!({"procedure_code": PROCEDURE, "agency_code": AGENCY_A}), "form_data"),
    ];
    for (body, field) in cases {
        let problem = assert_problem(
            app.post_json_as("/api/v1/dossiers", &body, &citizen.access_token).await,
            400,
            "validation_failed",
        )
        .await;
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    let list: Value = app.get_as("/api/v1/dossiers", &citizen.access_token).await.json().await.unwrap();
    assert_eq!(list["total"], 0, "nothing was stored");
}

#[tokio::test]
async fn a_submitted_dossier_cannot_be_submitted_again() {
    let app = spawn_app().await;
    let (_, citizen) = setup(&app).await;
    let dossier = draft(&app, &citizen).await;
    let id = dossier["id"].as_str().unwrap();
    assert_eq!(submit(&app, &citizen, id, None).await.status(), 200);
    assert_problem(submit(&app, &citizen, id, None).await, 409, "workflow_action_not_allowed_in_state").await;
}

#[tokio::test]
async fn the_same_idempotency_key_replays_the_answer_and_another_request_with_it_is_refused() {
    let app = spawn_app().await;
    let (_, citizen) = setup(&app).await;
    let first = draft(&app, &citizen).await;
    let second = draft(&app, &citizen).await;
    let (a, b) = (first["id"].as_str().unwrap(), second["id"].as_str().unwrap());
    let original: Value = submit(&app, &citizen, a, Some("nop-ho-so-1")).await.json().await.unwrap();
    let again = submit(&app, &citizen, a, Some("nop-ho-so-1")).await;
    assert_eq!(again.status(), 200);
    assert_eq!(again.headers()["idempotency-replayed"], "true");
    let replayed: Value = again.json().await.unwrap();
    assert_eq!(replayed, original);
    assert_problem(submit(&app, &citizen, b, Some("nop-ho-so-1")).await, 422, "dossier_idempotency_key_reused").await;
    // The second draft is untouched.
    let still: Value = app.get_as(&format!("/api/v1/dossiers/{b}"), &citizen.access_token).await.json().await.unwrap();
    assert_eq!(still["state"], "draft");
}

#[tokio::test]
async fn concurrent_retries_with_one_idempotency_key_all_get_the_same_answer() {
    let app = spawn_app().await;
    let (_, citizen) = setup(&app).await;
    let dossier = draft(&app, &citizen).await;
    let id = dossier["id"].as_str().unwrap();
    let answers = futures_util::future::join_all((0..8).map(|_| submit(&app, &citizen, id, Some("nop-mot-lan")))).await;
    let mut bodies = Vec::new();
    for answer in answers {
        assert_eq!(answer.status(), 200, "every retry is answered as the first");
        bodies.push(answer.json::<Value>().await.unwrap());
    }
    assert!(bodies.iter().all(|b| b["code"] == bodies[0]["code"] && b["state"] == "submitted"), "{bodies:?}");
}

#[tokio::test]
async fn concurrent_submissions_to_one_agency_get_unique_consecutive_codes() {
    let app = spawn_app().await;
    let (_, citizen) = setup(&app).await;
    let mut ids = Vec::new();
    for _ in 0..50 {
        ids.push(draft(&app, &citizen).await["id"].as_str().unwrap().to_owned());
    }
    let submissions = ids.iter().map(|id| {
        let request = app
            .client
            .post(app.url(&format!("/api/v1/dossiers/{id}/submit")))
            .bearer_auth(&citizen.access_token)
            .send();
        async move { request.await.unwrap() }
    });
    let responses = futures_util::future::join_all(submissions).await;
    let mut codes = Vec::new();
    for response in responses {
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        codes.push(body["code"].as_str().unwrap().to_owned());
    }
    codes.sort();
    let expected: Vec<String> = (1..=50).map(|n| format!("{AGENCY_A}-{}-{n:04}", today_yymmdd())).collect();
    assert_eq!(codes, expected);
}

#[tokio::test]
async fn only_the_applicant_and_the_agencys_staff_see_a_dossier() {
    let app = spawn_app().await;
    let (admin, citizen) = setup(&app).await;
    let dossier = draft(&app, &citizen).await;
    let path = format!("/api/v1/dossiers/{}", dossier["id"].as_str().unwrap());
    let other_citizen = app.citizen("001200012345").await;
    let staff_a = app.staff(&admin, AGENCY_A, &["clerk"]).await;
    let staff_b = app.staff(&admin, AGENCY_B, &["clerk"]).await;
    assert_eq!(app.get_as(&path, &staff_a.access_token).await.status(), 200);
    for who in [&other_citizen, &staff_b, &admin] {
        assert_problem(app.get_as(&path, &who.access_token).await, 404, "dossier_not_found").await;
        assert_problem(app.get_as(&format!("{path}/history"), &who.access_token).await, 404, "dossier_not_found").await;
    }
    let steal = submit(&app, &other_citizen, dossier["id"].as_str().unwrap(), None).await;
    assert_problem(steal, 404, "dossier_not_found").await;
    assert_problem(app.get(&path).await, 401, "identity_unauthenticated").await;
    assert_problem(app.get_as("/api/v1/dossiers/not-a-uuid", &citizen.access_token).await, 404, "resource_not_found")
        .await;
}

#[tokio::test]
async fn an_unchanged_dossier_answers_304_to_its_etag() {
    let app = spawn_app().await;
    let (_, citizen) = setup(&app).await;
    let dossier = draft(&app, &citizen).await;
    let path = app.url(&format!("/api/v1/dossiers/{}", dossier["id"].as_str().unwrap()));
    let cached =
        app.client.get(&path).bearer_auth(&citizen.access_token).header("if-none-match", "\"1\"").send().await.unwrap();
    assert_eq!(cached.status(), 304);
    let stale =
        app.client.get(&path).bearer_auth(&citizen.access_token).header("if-none-match", "\"0\"").send().await.unwrap();
    assert_eq!(stale.status(), 200);
}

#[tokio::test]
async fn the_citizens_list_is_paginated_and_filtered_by_state() {
    let app = spawn_app().await;
    let (_, citizen) = setup(&app).await;
    for _ in 0..3 {
        draft(&app, &citizen).await;
    }
    let one = draft(&app, &citizen).await;
    submit(&app, &citizen, one["id"].as_str().unwrap(), None).await;
    let page: Value =
        app.get_as("/api/v1/dossiers?per_page=2&page=2", &citizen.access_token).await.json().await.unwrap();
    assert_eq!((page["total"].as_u64(), page["items"].as_array().unwrap().len()), (Some(4), 2));
    let submitted: Value =
        app.get_as("/api/v1/dossiers?state=submitted", &citizen.access_token).await.json().await.unwrap();
    assert_eq!(submitted["total"], 1);
    assert_eq!(submitted["items"][0]["id"], one["id"]);
    assert_problem(app.get_as("/api/v1/dossiers?state=lost", &citizen.access_token).await, 400, "invalid_query").await;
}

#[tokio::test]
async fn the_public_lookup_needs_the_secret_reveals_no_personal_data_and_is_rate_limited() {
    let app = spawn_app().await;
    let (_, citizen) = setup(&app).await;
    let dossier = draft(&app, &citizen).await;
    let submitted: Value = submit(&app, &citizen, dossier["id"].as_str().unwrap(), None).await.json().await.unwrap();
    let code = submitted["code"].as_str().unwrap();
    let secret = submitted["lookup_secret"].as_str().unwrap();

    let found: Value =
        app.get(&format!("/api/v1/lookup/{code}?secret={}", secret.to_lowercase())).await.json().await.unwrap();
    assert_eq!(found["code"], code);
    assert_eq!(found["state"], "submitted");
    assert_eq!(found["national_status"], 1);
    assert_eq!(found["agency_code"], AGENCY_A);
    let keys: Vec<&String> = found.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 6, "only the status fields: {keys:?}");

    let wrong =
        assert_problem(app.get(&format!("/api/v1/lookup/{code}?secret=ABCDEF")).await, 404, "dossier_lookup_not_found")
            .await;
    let unknown = assert_problem(
        app.get(&format!("/api/v1/lookup/{AGENCY_A}-000101-0001?secret={secret}")).await,
        404,
        "dossier_lookup_not_found",
    )
    .await;
    assert_eq!(wrong["detail"], unknown["detail"]);

    let mut throttled = None;
    for _ in 0..40 {
        let response = app.get(&format!("/api/v1/lookup/{code}?secret={secret}")).await;
        if response.status() == 429 {
            throttled = Some(response);
            break;
        }
    }
    let throttled = throttled.expect("lookups are limited to 30 a minute");
    assert!(throttled.headers().contains_key("retry-after"));
    assert_problem(throttled, 429, "dossier_lookup_throttled").await;
}

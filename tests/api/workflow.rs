//! Actions after submission: reception with its appointment time, refusal, withdrawal; roles,
//! states, If-Match, concurrency and the audit chain.

use serde_json::{json, Value};

use crate::helpers::{
    assert_problem, spawn_app, spawn_app_with, spawn_replica, Session, TestApp, TestDb, AGENCY_A, AGENCY_B,
};

const PROCEDURE: &str = "1.004873";

struct Desk {
    admin: Session,
    citizen: Session,
    clerk: Session,
    specialist: Session,
    clerk_b: Session,
}

async fn setup(app: &TestApp) -> Desk {
    let admin = app.admin().await;
    app.agency(&admin, AGENCY_A).await;
    app.agency(&admin, AGENCY_B).await;
    let procedure = json!({
        "code": PROCEDURE, "name": "Cấp Giấy xác nhận tình trạng hôn nhân", "field": "Hộ tịch", "online_level": "full",
        "eligible_full_online": true, "processing_time": {"value": 3, "unit": "working_days"}, "fees": [],
        "documents": [{"key": "to_khai", "name": "Tờ khai", "mandatory": false, "accepted_types": ["application/pdf"], "max_bytes": 1048576}],
        "result": {"is_document": true, "name": "Giấy xác nhận"},
        "form_schema": {"type": "object", "properties": {"purpose": {"type": "string"}}, "required": ["purpose"]},
        "legal_basis": [], "agencies": [AGENCY_A]});
    let response = app.post_json_as("/api/v1/admin/procedures", &procedure, &admin.access_token).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    Desk {
        admin: admin.clone(),
        citizen: app.citizen("038095001234").await,
        clerk: app.staff(&admin, AGENCY_A, &["clerk"]).await,
        specialist: app.staff(&admin, AGENCY_A, &["specialist"]).await,
        clerk_b: app.staff(&admin, AGENCY_B, &["clerk"]).await,
    }
}

/// A submitted dossier: (id, version).
async fn submitted(app: &TestApp, citizen: &Session) -> (String, i64) {
    let id = app.draft(citizen, AGENCY_A, PROCEDURE, json!({"purpose": "kết hôn"})).await;
    let dossier = app.submit(citizen, &id).await;
    (id, dossier["version"].as_i64().unwrap())
}

async fn act(app: &TestApp, who: &Session, id: &str, version: Option<i64>, body: Value) -> reqwest::Response {
    let mut request =
        app.client.post(app.url(&format!("/api/v1/dossiers/{id}/actions"))).bearer_auth(&who.access_token).json(&body);
    if let Some(version) = version {
        request = request.header("if-match", format!("\"{version}\""));
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn the_desk_receives_a_dossier_and_the_appointment_comes_from_the_deadline_engine() {
    let app = spawn_app().await;
    let desk = setup(&app).await;
    let (id, version) = submitted(&app, &desk.citizen).await;
    let response = act(&app, &desk.clerk, &id, Some(version), json!({"action": "receive", "note": "đủ hồ sơ"})).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap_or_default());
    assert_eq!(response.headers()["etag"], format!("\"{}\"", version + 1));
    let received: Value = response.json().await.unwrap();
    assert_eq!(received["state"], "received");
    assert_eq!(received["national_status"], 2);
    let received_at = received["received_at"].as_str().unwrap();

    let expected: Value = app
        .client
        .get(app.url("/api/v1/calendar/deadline"))
        .query(&[("received_at", received_at), ("value", "3"), ("unit", "working_days"), ("agency", AGENCY_A)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let due = chrono::DateTime::parse_from_rfc3339(received["due_at"].as_str().unwrap()).unwrap();
    let expected_due = chrono::DateTime::parse_from_rfc3339(expected["due"].as_str().unwrap()).unwrap();
    assert!((due - expected_due).num_seconds().abs() <= 1, "due {due} vs engine {expected_due}");

    let history: Value =
        app.get_as(&format!("/api/v1/dossiers/{id}/history"), &desk.clerk.access_token).await.json().await.unwrap();
    let events = history["items"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1]["action"], "receive");
    assert_eq!(events[1]["actor_role"], "clerk");
    assert_eq!(events[1]["note"], "đủ hồ sơ");
    assert_eq!(events[1]["prev_hash"], events[0]["hash"], "each event chains to the previous one");
}

#[tokio::test]
async fn actions_need_the_current_if_match() {
    let app = spawn_app().await;
    let desk = setup(&app).await;
    let (id, version) = submitted(&app, &desk.citizen).await;
    assert_problem(
        act(&app, &desk.clerk, &id, None, json!({"action": "receive"})).await,
        428,
        "workflow_if_match_required",
    )
    .await;
    assert_problem(
        act(&app, &desk.clerk, &id, Some(version - 1), json!({"action": "receive"})).await,
        412,
        "workflow_version_mismatch",
    )
    .await;
    let current: Value =
        app.get_as(&format!("/api/v1/dossiers/{id}"), &desk.citizen.access_token).await.json().await.unwrap();
    assert_eq!(current["state"], "submitted", "nothing changed");
}

#[tokio::test]
async fn roles_states_and_agencies_are_enforced() {
    let app = spawn_app().await;
    let desk = setup(&app).await;
    let (id, version) = submitted(&app, &desk.citizen).await;
    assert_problem(
        act(&app, &desk.specialist, &id, Some(version), json!({"action": "receive"})).await,
        403,
        "workflow_actor_not_allowed",
    )
    .await;
    assert_problem(
        act(&app, &desk.citizen, &id, Some(version), json!({"action": "receive"})).await,
        403,
        "workflow_actor_not_allowed",
    )
    .await;
    assert_problem(
        act(&app, &desk.clerk_b, &id, Some(version), json!({"action": "receive"})).await,
        404,
        "dossier_not_found",
    )
    .await;
    assert_problem(
        act(&app, &desk.clerk, &id, Some(version), json!({"action": "fly"})).await,
        400,
        "validation_failed",
    )
    .await;
    assert_problem(
        act(&app, &desk.clerk, &id, Some(version), json!({"action": "refuse", "reason": "  "})).await,
        400,
        "validation_failed",
    )
    .await;

    let refused = act(
        &app,
        &desk.clerk,
        &id,
        Some(version),
        json!({"action": "refuse", "reason": "Không thuộc thẩm quyền", "legal_basis": "NĐ 118/2025"}),
    )
    .await;
    assert_eq!(refused.status(), 200);
    let refused: Value = refused.json().await.unwrap();
    assert_eq!((refused["state"].as_str(), refused["national_status"].as_u64()), (Some("refused"), Some(3)));
    // A refused dossier is finished: nothing more can happen to it.
    let late = act(&app, &desk.citizen, &id, Some(version + 1), json!({"action": "withdraw"})).await;
    assert_problem(late, 409, "workflow_action_not_allowed_in_state").await;
}

#[tokio::test]
async fn the_applicant_withdraws_before_resolution() {
    let app = spawn_app().await;
    let desk = setup(&app).await;
    let (id, version) = submitted(&app, &desk.citizen).await;
    let received: Value =
        act(&app, &desk.clerk, &id, Some(version), json!({"action": "receive"})).await.json().await.unwrap();
    let response = act(
        &app,
        &desk.citizen,
        &id,
        received["version"].as_i64(),
        json!({"action": "withdraw", "reason": "nộp nhầm"}),
    )
    .await;
    assert_eq!(response.status(), 200);
    let withdrawn: Value = response.json().await.unwrap();
    assert_eq!((withdrawn["state"].as_str(), withdrawn["national_status"].as_u64()), (Some("withdrawn"), Some(7)));
    let other = app.citizen("001200012345").await;
    assert_problem(
        act(&app, &other, &id, withdrawn["version"].as_i64(), json!({"action": "withdraw"})).await,
        404,
        "dossier_not_found",
    )
    .await;
}

#[tokio::test]
async fn of_concurrent_conflicting_actions_exactly_one_wins() {
    let app = spawn_app().await;
    let desk = setup(&app).await;
    let (id, version) = submitted(&app, &desk.citizen).await;
    let attempts = (0..32).map(|i| {
        let body = if i % 2 == 0 {
            json!({"action": "receive"})
        } else {
            json!({"action": "refuse", "reason": "thiếu giấy tờ"})
        };
        let request = app
            .client
            .post(app.url(&format!("/api/v1/dossiers/{id}/actions")))
            .bearer_auth(&desk.clerk.access_token)
            .header("if-match", format!("\"{version}\""))
            .json(&body)
            .send();
        async move { request.await.unwrap().status().as_u16() }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| [200, 409, 412].contains(s)), "{statuses:?}");
    let history: Value =
        app.get_as(&format!("/api/v1/dossiers/{id}/history"), &desk.clerk.access_token).await.json().await.unwrap();
    assert_eq!(history["items"].as_array().unwrap().len(), 2, "one submit, one winning action");
}

#[tokio::test]
async fn a_received_dossier_has_a_receipt_as_data_as_a_printable_page_and_as_pdf() {
    let app = spawn_app().await;
    let desk = setup(&app).await;
    let body = json!({"procedure_code": PROCEDURE, "agency_code": AGENCY_A, "form_data": {"purpose": "kết hôn"}});
    let draft: Value =
        app.post_json_as("/api/v1/dossiers", &body, &desk.citizen.access_token).await.json().await.unwrap();
    let id = draft["id"].as_str().unwrap().to_owned();
    let uploaded: Value =
        crate::attachments::upload_pdf(&app, &desk.citizen, &id, "to_khai").await.json().await.unwrap();
    let submitted: Value = app
        .client
        .post(app.url(&format!("/api/v1/dossiers/{id}/submit")))
        .bearer_auth(&desk.citizen.access_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let path = format!("/api/v1/dossiers/{id}/receipt");
    assert_problem(app.get_as(&path, &desk.citizen.access_token).await, 409, "dossier_not_received").await;
    act(&app, &desk.clerk, &id, submitted["version"].as_i64(), json!({"action": "receive"})).await;

    let receipt: Value = app.get_as(&path, &desk.clerk.access_token).await.json().await.unwrap();
    assert_eq!(receipt["code"], submitted["code"]);
    assert_eq!(receipt["lookup_secret"], submitted["lookup_secret"]);
    assert_eq!(receipt["applicant_name"], "Nguyễn Thị Ánh");
    assert_eq!(receipt["procedure_name"], "Cấp Giấy xác nhận tình trạng hôn nhân");
    assert_eq!(receipt["processing_time"], "3 working days");
    assert!(receipt["received_at"].as_str().unwrap().ends_with("+07:00"), "business time zone");
    assert!(receipt["due_at"].as_str().unwrap().ends_with("+07:00"));
    assert_eq!(receipt["documents"][0]["sha256"], uploaded["sha256"]);
    assert_eq!(receipt["documents"][0]["name"], "Tờ khai");

    let page = app
        .client
        .get(app.url(&path))
        .bearer_auth(&desk.citizen.access_token)
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(html.contains("Giấy tiếp nhận hồ sơ và hẹn trả kết quả"));
    assert!(html.contains(submitted["code"].as_str().unwrap()));

    // As PDF: Vietnamese text in an embedded font, so it reads back with its diacritics.
    let pdf = app
        .client
        .get(app.url(&path))
        .bearer_auth(&desk.citizen.access_token)
        .header("accept", "application/pdf")
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), 200);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let bytes = pdf.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let document = lopdf::Document::load_mem(&bytes).unwrap();
    let pages: Vec<u32> = document.get_pages().keys().copied().collect();
    let text = document.extract_text(&pages).unwrap();
    assert!(text.contains(submitted["code"].as_str().unwrap()), "{text}");
    assert!(text.contains("Nguyễn Thị Ánh"), "{text}");
    assert!(text.contains("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"), "{text}");
    assert!(text.contains(uploaded["sha256"].as_str().unwrap()), "{text}");

    // The clerk's read of the applicant's data is in the personal-data log; the citizen's own is not.
    let log: Value = app
        .get_as(&format!("/api/v1/admin/personal-data-access?subject={}", desk.citizen.id), &desk.admin.access_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(log["total"], 1);
    assert_eq!(log["items"][0]["actor_id"], desk.clerk.id.as_str());
    assert_problem(app.get_as(&path, &desk.clerk_b.access_token).await, 404, "dossier_not_found").await;
}

#[tokio::test]
async fn audit_verification_detects_a_tampered_event() {
    let app = spawn_app().await;
    let desk = setup(&app).await;
    let (id, version) = submitted(&app, &desk.citizen).await;
    act(&app, &desk.clerk, &id, Some(version), json!({"action": "receive", "note": "đủ hồ sơ"})).await;
    let (other, _) = submitted(&app, &desk.citizen).await;

    let report: Value = app.get_as("/api/v1/admin/audit/verify", &desk.admin.access_token).await.json().await.unwrap();
    assert_eq!(report, json!({"ok": true, "checked": 2, "broken": []}));

    // Someone edits the note of the reception straight in the database.
    use sea_orm::ConnectionTrait;
    let db = sea_orm::Database::connect(app.db.url()).await.unwrap();
    let updated = db
        // (Matched by content: ids are stored as BLOBs on SQLite and UUIDs on PostgreSQL.)
        .execute_unprepared(
            "UPDATE dossier_events SET note = 'thiếu hồ sơ' WHERE action = 'receive' AND note = 'đủ hồ sơ'",
        )
        .await
        .unwrap();
    assert_eq!(updated.rows_affected(), 1);

    let report: Value = app.get_as("/api/v1/admin/audit/verify", &desk.admin.access_token).await.json().await.unwrap();
    assert_eq!(report["ok"], false);
    assert_eq!(report["checked"], 2);
    assert_eq!(report["broken"], json!([{"dossier_id": id, "seq": 2}]));
    assert_ne!(id, other);
    assert_problem(app.get_as("/api/v1/admin/audit/verify", &desk.clerk.access_token).await, 403, "identity_forbidden")
        .await;
}

/// The public lookup's path of the dossier `id`, with the code and secret its applicant sees.
async fn lookup_path(app: &TestApp, applicant: &Session, id: &str) -> String {
    let dossier: Value =
        app.get_as(&format!("/api/v1/dossiers/{id}"), &applicant.access_token).await.json().await.unwrap();
    format!(
        "/api/v1/lookup/{}?secret={}",
        dossier["code"].as_str().unwrap(),
        dossier["lookup_secret"].as_str().unwrap()
    )
}

#[tokio::test]
async fn a_transition_through_another_replica_shows_in_this_ones_lookup() {
    // Arrange: two processes on one database. On PostgreSQL the replica keeps a lookup ten
    // minutes, so only the database's announcement of the change can show it; on SQLite the
    // replica has the default life (one second), the documented bound there.
    let app = spawn_app_with(|s| s.lookups_per_minute = 1_000_000).await;
    let postgres = matches!(app.db, TestDb::Postgres { .. });
    let replica = spawn_replica(&app, |s| {
        s.lookups_per_minute = 1_000_000;
        if postgres {
            s.lookup_cache_ms = Some(600_000);
        }
    })
    .await;
    let desk = setup(&app).await;
    let (id, version) = submitted(&app, &desk.citizen).await;
    let lookup = replica.url(&lookup_path(&app, &desk.citizen, &id).await);
    let state_now =
        || async { app.client.get(&lookup).send().await.unwrap().json::<Value>().await.unwrap()["state"].clone() };
    for _ in 0..20 {
        assert_eq!(state_now().await, "submitted");
    }

    let shows_within_seconds = |expected: &'static str| {
        let state_now = &state_now;
        async move {
            let started = std::time::Instant::now();
            while state_now().await != expected {
                assert!(started.elapsed() < std::time::Duration::from_secs(5), "the replica still shows the old state");
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        }
    };

    // Act: the clerk receives it through the first process.
    let response = act(&app, &desk.clerk, &id, Some(version), json!({"action": "receive"})).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap_or_default());
    let version = response.json::<Value>().await.unwrap()["version"].as_i64().unwrap();

    // Assert: the replica shows it within seconds, not the ten minutes its cache would keep it.
    shows_within_seconds("received").await;

    // And again after the listening connections are cut (PostgreSQL): the replica listens again,
    // and forgets what it may have missed meanwhile.
    if postgres {
        use sea_orm::{ConnectionTrait, Statement};
        let db = sea_orm::Database::connect(app.db.url()).await.unwrap();
        let cut = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = current_database() AND query LIKE 'LISTEN%'",
            ))
            .await
            .unwrap();
        assert_eq!(cut.len(), 2, "each process listens on one connection");
    }
    let response =
        act(&app, &desk.clerk, &id, Some(version), json!({"action": "assign", "assignee_id": desk.specialist.id}))
            .await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap_or_default());
    shows_within_seconds("in_progress").await;
}

#[tokio::test]
async fn the_public_lookup_never_shows_a_state_older_than_the_last_transition() {
    // Arrange: a cache entry that would live ten minutes, so only invalidation can show a change,
    // and lookups racing with every commit from other tasks.
    let app = spawn_app_with(|s| {
        s.lookup_cache_ms = Some(600_000);
        s.lookups_per_minute = 1_000_000;
    })
    .await;
    let desk = setup(&app).await;
    let (id, version) = submitted(&app, &desk.citizen).await;
    let lookup = app.url(&lookup_path(&app, &desk.citizen, &id).await);
    let state_now =
        || async { app.client.get(&lookup).send().await.unwrap().json::<Value>().await.unwrap()["state"].clone() };
    assert_eq!(state_now().await, "submitted");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let racers: Vec<_> = (0..4)
        .map(|_| {
            let (client, url, stop) = (app.client.clone(), lookup.clone(), stop.clone());
            tokio::spawn(async move {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    assert_eq!(client.get(&url).send().await.unwrap().status(), 200);
                }
            })
        })
        .collect();

    // Act and assert: right after each transition's answer, the lookup shows its state.
    let steps = [
        (&desk.clerk, json!({"action": "receive"}), "received"),
        (&desk.clerk, json!({"action": "assign", "assignee_id": desk.specialist.id}), "in_progress"),
        (
            &desk.specialist,
            json!({"action": "propose_result", "decision": "approved", "summary": "đủ điều kiện"}),
            "pending_approval",
        ),
    ];
    let mut version = version;
    for (who, body, expected) in steps {
        let response = act(&app, who, &id, Some(version), body).await;
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap_or_default());
        version = response.json::<Value>().await.unwrap()["version"].as_i64().unwrap();
        for _ in 0..20 {
            assert_eq!(state_now().await, expected);
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for racer in racers {
        racer.await.unwrap();
    }
}

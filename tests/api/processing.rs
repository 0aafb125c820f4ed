//! One-stop processing after reception: assignment, result drafts and approval, signed results
//! and their public verification, the supplement loop with its paused clock, fees in cash and
//! through a signed provider callback, stop, apology, return, rating, the desk queue, and every
//! action refused in every state.

use serde_json::{json, Value};

use crate::desk::{dossier, setup, submitted, Desk, APPROVED, DIRECT};
use crate::helpers::{act, assert_problem, spawn_app_with, step, Session, TestApp, AGENCY_A};

const PAYMENT_SECRET: &str = "chia-se-voi-cong-thanh-toan";

async fn app() -> TestApp {
    spawn_app_with(|s| s.payment_hmac_secret = Some(PAYMENT_SECRET.to_owned().into())).await
}

fn time(v: &Value) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap().with_timezone(&chrono::Utc)
}

#[tokio::test]
async fn a_dossier_goes_from_reception_to_a_signed_result_returned_online_and_rated() {
    let app = app().await;
    let desk = setup(&app).await;
    let id = submitted(&app, &desk.citizen, APPROVED).await;
    step(&app, &desk.clerk, &id, json!({"action": "receive"})).await;

    let assigned = step(&app, &desk.clerk, &id, json!({"action": "assign", "assignee_id": desk.specialist.id})).await;
    assert_eq!(assigned["state"], "in_progress");
    assert_eq!(assigned["assignee_id"], desk.specialist.id.as_str());

    let proposed = step(
        &app,
        &desk.specialist,
        &id,
        json!({"action": "propose_result", "decision": "approved", "summary": "Xác nhận tình trạng hôn nhân: độc thân."}),
    )
    .await;
    assert_eq!(proposed["state"], "pending_approval");
    // A leader sends it back once, then approves the second draft.
    let back = step(&app, &desk.leader, &id, json!({"action": "send_back", "reason": "Ghi rõ nơi cư trú."})).await;
    assert_eq!(back["state"], "in_progress");
    step(
        &app,
        &desk.specialist,
        &id,
        json!({"action": "propose_result", "decision": "approved", "summary": "Độc thân, cư trú tại xã Đông Sơn."}),
    )
    .await;
    let resolved = step(&app, &desk.leader, &id, json!({"action": "approve"})).await;
    assert_eq!(resolved["state"], "resolved");
    assert_eq!(resolved["national_status"], 9);
    assert_eq!(resolved["decision"], "approved");
    assert!(resolved["resolved_at"].is_string() && resolved["finished_at"].is_string());

    // The issued result: downloadable by the owner, its hash and signature publicly verifiable.
    let results: Value =
        app.get_as(&format!("/api/v1/dossiers/{id}/results"), &desk.citizen.access_token).await.json().await.unwrap();
    let items = results["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "only the approved draft is issued: {results}");
    let result = &items[0];
    let download = app
        .get_as(
            &format!("/api/v1/dossiers/{id}/results/{}", result["id"].as_str().unwrap()),
            &desk.citizen.access_token,
        )
        .await;
    assert_eq!(download.status(), 200);
    let bytes = download.bytes().await.unwrap();
    let sha256 = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&bytes))
    };
    assert_eq!(result["sha256"], sha256.as_str());
    assert!(String::from_utf8_lossy(&bytes).contains("Độc thân, cư trú tại xã Đông Sơn."));
    let code = resolved["code"].as_str().unwrap();
    let verified = app.get(&format!("/api/v1/results/verify?code={code}&sha256={sha256}")).await;
    assert_eq!(verified.status(), 200);
    let verified: Value = verified.json().await.unwrap();
    assert_eq!(verified["valid"], true);
    assert_eq!(verified["decision"], "approved");
    assert!(verified.get("applicant_name").is_none() && !verified.to_string().contains("Nguyễn"));
    assert!(result["verification_url"].as_str().unwrap().ends_with(&format!("code={code}&sha256={sha256}")));
    let forged = "0".repeat(64);
    assert_problem(
        app.get(&format!("/api/v1/results/verify?code={code}&sha256={forged}")).await,
        404,
        "workflow_result_not_genuine",
    )
    .await;

    // A rating needs the return first, and comes once.
    assert_problem(
        act(&app, &desk.citizen, &id, json!({"action": "rate", "score": "satisfied"})).await,
        409,
        "workflow_action_not_allowed_in_state",
    )
    .await;
    let returned = step(&app, &desk.clerk, &id, json!({"action": "return_result", "method": "online"})).await;
    assert_eq!(returned["state"], "returned");
    assert_eq!(returned["return_method"], "online");
    let rated =
        step(&app, &desk.citizen, &id, json!({"action": "rate", "score": "satisfied", "comment": "Nhanh, đúng hẹn"}))
            .await;
    assert_eq!(rated["rating"], "satisfied");
    assert_problem(
        act(&app, &desk.citizen, &id, json!({"action": "rate", "score": "neutral"})).await,
        409,
        "workflow_already_rated",
    )
    .await;

    // The whole history is chained, each step marked against the appointment.
    let history: Value =
        app.get_as(&format!("/api/v1/dossiers/{id}/history"), &desk.clerk.access_token).await.json().await.unwrap();
    let actions: Vec<&str> =
        history["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        [
            "submit",
            "receive",
            "assign",
            "propose_result",
            "send_back",
            "propose_result",
            "approve",
            "return_result",
            "rate"
        ]
    );
    let assign = &history["items"][2];
    assert_eq!(assign["on_time"], "early", "{assign}");
    assert_eq!(assign["data"]["assignee_id"], desk.specialist.id.as_str());
    assert!(history["items"][0]["on_time"].is_null());
    let admin = app.admin().await;
    let audit: Value = app.get_as("/api/v1/admin/audit/verify", &admin.access_token).await.json().await.unwrap();
    assert_eq!(audit["ok"], true, "{audit}");
}

#[tokio::test]
async fn a_specialist_resolves_directly_only_where_no_approval_is_needed() {
    let app = app().await;
    let desk = setup(&app).await;
    let needs_approval = submitted(&app, &desk.citizen, APPROVED).await;
    let direct = submitted(&app, &desk.citizen, DIRECT).await;
    for id in [&needs_approval, &direct] {
        step(&app, &desk.clerk, id, json!({"action": "receive"})).await;
        step(&app, &desk.clerk, id, json!({"action": "assign", "assignee_id": desk.specialist.id})).await;
    }
    let body = json!({"action": "resolve", "decision": "denied", "summary": "Không đủ điều kiện."});
    assert_problem(act(&app, &desk.specialist, &needs_approval, body.clone()).await, 400, "validation_failed").await;
    let resolved = step(&app, &desk.specialist, &direct, body).await;
    assert_eq!(resolved["state"], "resolved");
    assert_eq!(resolved["decision"], "denied");
    let propose = json!({"action": "propose_result", "decision": "approved", "summary": "x"});
    let direct2 = submitted(&app, &desk.citizen, DIRECT).await;
    step(&app, &desk.clerk, &direct2, json!({"action": "receive"})).await;
    step(&app, &desk.clerk, &direct2, json!({"action": "assign", "assignee_id": desk.specialist.id})).await;
    assert_problem(act(&app, &desk.specialist, &direct2, propose).await, 400, "validation_failed").await;
}

#[tokio::test]
async fn assigning_needs_an_active_specialist_of_the_same_agency() {
    let app = app().await;
    let desk = setup(&app).await;
    let id = submitted(&app, &desk.citizen, APPROVED).await;
    step(&app, &desk.clerk, &id, json!({"action": "receive"})).await;
    for who in [desk.clerk.id.clone(), desk.citizen.id.clone(), uuid::Uuid::new_v4().to_string()] {
        let problem = assert_problem(
            act(&app, &desk.clerk, &id, json!({"action": "assign", "assignee_id": who})).await,
            400,
            "validation_failed",
        )
        .await;
        assert_eq!(problem["errors"][0]["field"], "assignee_id", "{problem}");
    }
    // The specialist may not assign; the leader may.
    let body = json!({"action": "assign", "assignee_id": desk.specialist.id});
    assert_problem(act(&app, &desk.specialist, &id, body.clone()).await, 403, "workflow_actor_not_allowed").await;
    step(&app, &desk.leader, &id, body).await;
}

#[tokio::test]
async fn the_supplement_loop_pauses_the_clock_and_counts_each_request() {
    let app = app().await;
    let desk = setup(&app).await;
    let id = submitted(&app, &desk.citizen, APPROVED).await;
    let received = step(&app, &desk.clerk, &id, json!({"action": "receive"})).await;
    let due_at = time(&received["due_at"]);

    let bad = json!({"action": "request_supplement", "reason": "Thiếu", "items": []});
    assert_problem(act(&app, &desk.clerk, &id, bad).await, 400, "validation_failed").await;
    let unknown_key = json!({"action": "request_supplement", "reason": "Thiếu",
        "items": [{"document_key": "khong_co", "description": "?"}]});
    let problem = assert_problem(act(&app, &desk.clerk, &id, unknown_key).await, 400, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "items[0].document_key");

    let request = json!({"action": "request_supplement", "reason": "Tờ khai chưa ký",
        "items": [{"document_key": "to_khai", "description": "Tờ khai có chữ ký"}]});
    let waiting = step(&app, &desk.clerk, &id, request.clone()).await;
    assert_eq!(waiting["state"], "awaiting_supplement");
    assert_eq!(waiting["national_status"], 5);
    assert_eq!(waiting["clock_paused"], true);
    assert_eq!(waiting["supplement_requests"], 1);
    // Only the citizen supplements; staff get 403.
    assert_problem(
        act(&app, &desk.clerk, &id, json!({"action": "supplement"})).await,
        403,
        "workflow_actor_not_allowed",
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let resumed = step(&app, &desk.citizen, &id, json!({"action": "supplement", "note": "Đã bổ sung"})).await;
    assert_eq!(resumed["state"], "received", "back where the request was made");
    assert_eq!(resumed["clock_paused"], false);
    // The appointment moves by the office time the wait took (none outside office hours).
    assert!(time(&resumed["due_at"]) >= due_at);

    // A second request during handling is counted too (the 766 rules then count the dossier late).
    step(&app, &desk.clerk, &id, json!({"action": "assign", "assignee_id": desk.specialist.id})).await;
    let second = step(&app, &desk.specialist, &id, request).await;
    assert_eq!(second["supplement_requests"], 2);
    let back = step(&app, &desk.citizen, &id, json!({"action": "supplement"})).await;
    assert_eq!(back["state"], "in_progress");
}

fn signed_callback(app: &TestApp, body: &Value, secret: &str, timestamp: i64) -> reqwest::RequestBuilder {
    use hmac::{Hmac, Mac};
    let raw = serde_json::to_vec(body).unwrap();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(&raw);
    let signature = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    app.client
        .post(app.url("/api/v1/payments/callbacks/hmac"))
        .header("content-type", "application/json")
        .header("x-payment-timestamp", timestamp.to_string())
        .header("x-payment-signature", signature)
        .body(raw)
}

#[tokio::test]
async fn fees_are_paid_online_through_a_signed_callback_or_in_cash_at_the_desk() {
    let app = app().await;
    let desk = setup(&app).await;
    let id = submitted(&app, &desk.citizen, APPROVED).await;
    step(&app, &desk.clerk, &id, json!({"action": "receive"})).await;
    let bad_fee = json!({"action": "request_payment", "fees": [{"name": "Lệ phí", "amount": 0}]});
    let problem = assert_problem(act(&app, &desk.clerk, &id, bad_fee).await, 400, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "fees[0].amount");
    let waiting = step(
        &app,
        &desk.clerk,
        &id,
        json!({"action": "request_payment", "fees": [{"name": "Lệ phí", "amount": 50000}, {"name": "Phí bản sao", "amount": 8000}]}),
    )
    .await;
    assert_eq!(waiting["state"], "awaiting_payment");
    assert_eq!(waiting["fee_total"], 58000);
    // The desk cannot claim an online payment.
    assert_problem(
        act(&app, &desk.clerk, &id, json!({"action": "confirm_payment", "method": "online"})).await,
        400,
        "validation_failed",
    )
    .await;

    let payments: Value =
        app.get_as(&format!("/api/v1/dossiers/{id}/payments"), &desk.citizen.access_token).await.json().await.unwrap();
    let payment_id = payments["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(payments["items"][0]["status"], "pending");
    let now = chrono::Utc::now().timestamp();
    let notice = json!({"payment_id": payment_id, "status": "paid", "reference": "FT26333", "amount": 58000});
    // Forged, stale, and wrong-amount callbacks change nothing.
    let forged = signed_callback(&app, &notice, "sai-bi-mat", now).send().await.unwrap();
    assert_problem(forged, 401, "workflow_payment_signature_invalid").await;
    let stale = signed_callback(&app, &notice, PAYMENT_SECRET, now - 3600).send().await.unwrap();
    assert_problem(stale, 401, "workflow_payment_signature_invalid").await;
    let mut cheaper = notice.clone();
    cheaper["amount"] = json!(5800);
    let wrong = signed_callback(&app, &cheaper, PAYMENT_SECRET, now).send().await.unwrap();
    assert_problem(wrong, 422, "workflow_payment_amount_mismatch").await;
    assert_eq!(dossier(&app, &desk.citizen, &id).await["state"], "awaiting_payment");

    let paid = signed_callback(&app, &notice, PAYMENT_SECRET, now).send().await.unwrap();
    assert_eq!(paid.status(), 200, "{}", paid.text().await.unwrap_or_default());
    let again = signed_callback(&app, &notice, PAYMENT_SECRET, now).send().await.unwrap();
    assert_eq!(again.status(), 200, "a repeated callback is answered the same");
    let after = dossier(&app, &desk.citizen, &id).await;
    assert_eq!(after["state"], "received");
    assert_eq!(after["payment_method"], "online");
    let history: Value =
        app.get_as(&format!("/api/v1/dossiers/{id}/history"), &desk.citizen.access_token).await.json().await.unwrap();
    let confirmations: Vec<&Value> =
        history["items"].as_array().unwrap().iter().filter(|e| e["action"] == "confirm_payment").collect();
    assert_eq!(confirmations.len(), 1);
    assert_eq!(confirmations[0]["actor_role"], "payment_provider");

    // Cash at the desk.
    let cash = submitted(&app, &desk.citizen, APPROVED).await;
    step(&app, &desk.clerk, &cash, json!({"action": "receive"})).await;
    step(&app, &desk.clerk, &cash, json!({"action": "request_payment", "fees": [{"name": "Lệ phí", "amount": 50000}]}))
        .await;
    let settled =
        step(&app, &desk.clerk, &cash, json!({"action": "confirm_payment", "method": "cash", "reference": "BL-0001"}))
            .await;
    assert_eq!(settled["payment_method"], "cash");
    assert_eq!(settled["state"], "received");
}

#[tokio::test]
async fn a_leader_stops_a_dossier_and_apologises_only_before_the_appointment() {
    let app = app().await;
    let desk = setup(&app).await;
    let id = submitted(&app, &desk.citizen, APPROVED).await;
    let received = step(&app, &desk.clerk, &id, json!({"action": "receive"})).await;
    let due_at = time(&received["due_at"]);
    let earlier = (due_at - chrono::TimeDelta::hours(1)).to_rfc3339();
    let problem = assert_problem(
        act(&app, &desk.leader, &id, json!({"action": "apologize", "reason": "Chờ xác minh", "new_due_at": earlier}))
            .await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "new_due_at");
    let later = (due_at + chrono::TimeDelta::days(2)).to_rfc3339();
    let apologised =
        step(&app, &desk.leader, &id, json!({"action": "apologize", "reason": "Chờ xác minh", "new_due_at": later}))
            .await;
    assert_eq!(apologised["state"], "received");
    assert_eq!(apologised["apologies"], 1);
    assert_eq!(time(&apologised["due_at"]), due_at + chrono::TimeDelta::days(2));

    // Once the appointment has passed, it is too late for Mẫu 04.
    let db = sea_orm::Database::connect(app.db.url()).await.unwrap();
    use sea_orm::ConnectionTrait;
    let past = (chrono::Utc::now() - chrono::TimeDelta::hours(1)).fixed_offset();
    let past = past.format("%Y-%m-%d %H:%M:%S%.6f%:z");
    // (Matched by code: ids are stored as BLOBs on SQLite and UUIDs on PostgreSQL.)
    let code = received["code"].as_str().unwrap();
    db.execute_unprepared(&format!("UPDATE dossiers SET due_at = '{past}' WHERE code = '{code}'")).await.unwrap();
    let too_late =
        act(&app, &desk.leader, &id, json!({"action": "apologize", "reason": "x", "new_due_at": later})).await;
    assert_problem(too_late, 409, "workflow_apology_too_late").await;

    assert_problem(
        act(&app, &desk.clerk, &id, json!({"action": "stop", "reason": "x"})).await,
        403,
        "workflow_actor_not_allowed",
    )
    .await;
    let stopped = step(&app, &desk.leader, &id, json!({"action": "stop", "reason": "Công dân đề nghị dừng"})).await;
    assert_eq!(stopped["state"], "stopped");
    assert_eq!(stopped["national_status"], 8);
    assert!(stopped["finished_at"].is_string());
}

#[tokio::test]
async fn the_desk_queue_lists_the_agency_soonest_due_first_with_counts() {
    let app = app().await;
    let desk = setup(&app).await;
    let first = submitted(&app, &desk.citizen, APPROVED).await;
    let second = submitted(&app, &desk.citizen, APPROVED).await;
    let _waiting = submitted(&app, &desk.citizen, APPROVED).await;
    step(&app, &desk.clerk, &second, json!({"action": "receive"})).await;
    step(&app, &desk.clerk, &first, json!({"action": "receive"})).await;
    let assigned =
        step(&app, &desk.clerk, &first, json!({"action": "assign", "assignee_id": desk.specialist.id})).await;
    // Both may share one appointment (received in the same minute); an apology moves the first's later.
    let later = (time(&assigned["due_at"]) + chrono::TimeDelta::days(3)).to_rfc3339();
    step(&app, &desk.leader, &first, json!({"action": "apologize", "reason": "Chờ xác minh", "new_due_at": later}))
        .await;

    let queue: Value = app.get_as("/api/v1/desk/dossiers", &desk.clerk.access_token).await.json().await.unwrap();
    assert_eq!(queue["total"], 3);
    assert_eq!(queue["counts"]["submitted"], 1);
    assert_eq!(queue["counts"]["received"], 1);
    assert_eq!(queue["counts"]["in_progress"], 1);
    let ids: Vec<&str> = queue["items"].as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(ids[..2], [second.as_str(), first.as_str()], "soonest due first, undated last");

    let mine: Value =
        app.get_as("/api/v1/desk/dossiers?assignee=me", &desk.specialist.access_token).await.json().await.unwrap();
    assert_eq!(mine["total"], 1);
    assert_eq!(mine["items"][0]["id"], first.as_str());
    let received: Value =
        app.get_as("/api/v1/desk/dossiers?state=received", &desk.clerk.access_token).await.json().await.unwrap();
    assert_eq!(received["total"], 1);
    let overdue: Value =
        app.get_as("/api/v1/desk/dossiers?overdue=true", &desk.clerk.access_token).await.json().await.unwrap();
    assert_eq!(overdue["total"], 0);
    let soon = (chrono::Utc::now() + chrono::TimeDelta::days(30)).to_rfc3339().replace('+', "%2B");
    let due_soon: Value = app
        .get_as(&format!("/api/v1/desk/dossiers?due_before={soon}"), &desk.clerk.access_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(due_soon["total"], 2);
    assert_problem(
        app.get_as("/api/v1/desk/dossiers?assignee=someone", &desk.clerk.access_token).await,
        400,
        "validation_failed",
    )
    .await;
    assert_problem(app.get_as("/api/v1/desk/dossiers", &desk.citizen.access_token).await, 403, "identity_forbidden")
        .await;
}

/// A valid body for every action, so that only the state decides.
fn bodies(specialist: &str) -> Vec<(&'static str, Value)> {
    let later = (chrono::Utc::now() + chrono::TimeDelta::days(60)).to_rfc3339();
    vec![
        ("receive", json!({"action": "receive"})),
        ("refuse", json!({"action": "refuse", "reason": "x"})),
        ("request_supplement", json!({"action": "request_supplement", "reason": "x", "items": [{"description": "y"}]})),
        ("supplement", json!({"action": "supplement"})),
        ("assign", json!({"action": "assign", "assignee_id": specialist})),
        ("propose_result", json!({"action": "propose_result", "decision": "approved", "summary": "x"})),
        ("approve", json!({"action": "approve"})),
        ("send_back", json!({"action": "send_back", "reason": "x"})),
        ("request_payment", json!({"action": "request_payment", "fees": [{"name": "x", "amount": 1000}]})),
        ("confirm_payment", json!({"action": "confirm_payment", "method": "cash"})),
        ("resolve", json!({"action": "resolve", "decision": "approved", "summary": "x"})),
        ("return_result", json!({"action": "return_result", "method": "desk"})),
        ("stop", json!({"action": "stop", "reason": "x"})),
        ("apologize", json!({"action": "apologize", "reason": "x", "new_due_at": later})),
        ("withdraw", json!({"action": "withdraw"})),
        ("rate", json!({"action": "rate", "score": "neutral"})),
    ]
}

/// Which actions the default table allows in `state` (DESIGN.md §6).
fn allowed(state: &str) -> &'static [&'static str] {
    match state {
        "submitted" => &["receive", "refuse", "request_supplement", "withdraw"],
        "received" => &["refuse", "request_supplement", "assign", "request_payment", "stop", "apologize", "withdraw"],
        "in_progress" => &[
            "assign",
            "request_supplement",
            "propose_result",
            "resolve",
            "request_payment",
            "stop",
            "apologize",
            "withdraw",
        ],
        "pending_approval" => &["approve", "send_back", "stop", "apologize", "withdraw"],
        "awaiting_supplement" => &["supplement", "stop", "withdraw"],
        "awaiting_payment" => &["request_payment", "confirm_payment", "stop", "withdraw"],
        "resolved" => &["return_result"],
        "returned" => &["rate"],
        _ => &[],
    }
}

#[tokio::test]
async fn every_action_not_in_the_table_is_refused_in_every_state_and_changes_nothing() {
    let app = app().await;
    let desk = setup(&app).await;
    let admin = app.admin().await;
    // One officer holding every desk role, so that only the state can refuse.
    let officer = app.staff(&admin, AGENCY_A, &["clerk", "specialist", "leader"]).await;
    let bodies = bodies(&desk.specialist.id);
    let id = submitted(&app, &desk.citizen, APPROVED).await;
    let paths: [(&str, Value, &Session); 8] = [
        ("submitted", json!(null), &officer),
        ("received", json!({"action": "receive"}), &officer),
        ("awaiting_payment", json!({"action": "request_payment", "fees": [{"name": "x", "amount": 1000}]}), &officer),
        ("received", json!({"action": "confirm_payment", "method": "cash"}), &officer),
        ("in_progress", json!({"action": "assign", "assignee_id": desk.specialist.id}), &officer),
        ("pending_approval", json!({"action": "propose_result", "decision": "approved", "summary": "x"}), &officer),
        ("resolved", json!({"action": "approve"}), &officer),
        ("returned", json!({"action": "return_result", "method": "desk"}), &officer),
    ];
    let mut checked = 0;
    for (state, enter, who) in paths {
        if !enter.is_null() {
            step(&app, who, &id, enter).await;
        }
        let before = dossier(&app, &officer, &id).await;
        assert_eq!(before["state"], state);
        for (action, body) in &bodies {
            if allowed(state).contains(action) {
                continue;
            }
            let actor = if ["supplement", "withdraw", "rate"].contains(action) { &desk.citizen } else { &officer };
            let response = act(&app, actor, &id, body.clone()).await;
            assert_problem(response, 409, "workflow_action_not_allowed_in_state").await;
            checked += 1;
        }
        assert_eq!(
            dossier(&app, &officer, &id).await["version"],
            before["version"],
            "a refused action changes nothing"
        );
    }
    // And the wait for a supplement, then the terminal states reached from it.
    let other = submitted(&app, &desk.citizen, APPROVED).await;
    step(
        &app,
        &officer,
        &other,
        json!({"action": "request_supplement", "reason": "x", "items": [{"description": "y"}]}),
    )
    .await;
    for (action, body) in &bodies {
        if allowed("awaiting_supplement").contains(action) {
            continue;
        }
        let actor = if ["withdraw", "rate"].contains(action) { &desk.citizen } else { &officer };
        assert_problem(act(&app, actor, &other, body.clone()).await, 409, "workflow_action_not_allowed_in_state").await;
        checked += 1;
    }
    step(&app, &desk.citizen, &other, json!({"action": "withdraw"})).await;
    for (_, body) in &bodies {
        let actor = if body["action"] == "rate" || body["action"] == "withdraw" { &desk.citizen } else { &officer };
        assert_problem(act(&app, actor, &other, body.clone()).await, 409, "workflow_action_not_allowed_in_state").await;
        checked += 1;
    }
    assert!(checked > 90, "checked {checked} refusals");
}

fn walk_in(national_id: &str, email: &str, channel: &str) -> Value {
    json!({"channel": channel, "procedure_code": APPROVED, "form_data": {"purpose": "kết hôn"},
        "applicant": {"national_id": national_id, "full_name": "Trần Văn Bình", "email": email, "phone": "0912 345 678"},
        "note": "Nộp trực tiếp tại bộ phận một cửa"})
}

#[tokio::test]
async fn a_clerk_registers_walk_in_and_postal_dossiers_received_on_the_spot() {
    let app = app().await;
    let desk = setup(&app).await;

    let response = app
        .post_json_as(
            "/api/v1/desk/dossiers",
            &walk_in("001095007777", "binh@example.vn", "direct"),
            &desk.clerk.access_token,
        )
        .await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    let walk: Value = response.json().await.unwrap();
    assert_eq!(walk["state"], "received");
    assert_eq!(walk["channel"], "direct");
    assert!(walk["code"].as_str().unwrap().starts_with(AGENCY_A));
    assert!(walk["lookup_secret"].is_string() && walk["due_at"].is_string() && walk["received_at"].is_string());
    let id = walk["id"].as_str().unwrap();
    let history: Value =
        app.get_as(&format!("/api/v1/dossiers/{id}/history"), &desk.clerk.access_token).await.json().await.unwrap();
    let steps: Vec<(&str, &str)> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["actor_role"].as_str().unwrap()))
        .collect();
    assert_eq!(steps, [("submit", "clerk"), ("receive", "clerk")]);
    let receipt = app.get_as(&format!("/api/v1/dossiers/{id}/receipt"), &desk.clerk.access_token).await;
    assert_eq!(receipt.status(), 200);
    let lookup = app
        .get(&format!(
            "/api/v1/lookup/{}?secret={}",
            walk["code"].as_str().unwrap(),
            walk["lookup_secret"].as_str().unwrap()
        ))
        .await;
    assert_eq!(lookup.status(), 200);

    // The same person again is the same applicant; a registered citizen finds a postal dossier in their list.
    let again = app
        .post_json_as(
            "/api/v1/desk/dossiers",
            &walk_in("001095007777", "binh@example.vn", "direct"),
            &desk.clerk.access_token,
        )
        .await;
    assert_eq!(again.status(), 201);
    let citizen_national_id = "038095001234";
    let postal = app
        .post_json_as(
            "/api/v1/desk/dossiers",
            &walk_in(citizen_national_id, "ignored@example.vn", "postal"),
            &desk.clerk.access_token,
        )
        .await;
    assert_eq!(postal.status(), 201, "{}", postal.text().await.unwrap_or_default());
    let postal: Value = postal.json().await.unwrap();
    let mine: Value = app.get_as("/api/v1/dossiers", &desk.citizen.access_token).await.json().await.unwrap();
    assert!(mine["items"].as_array().unwrap().iter().any(|d| d["id"] == postal["id"]), "{mine}");
}

#[tokio::test]
async fn desk_registration_refuses_bad_input_and_non_clerks() {
    let app = app().await;
    let desk = setup(&app).await;
    let online = walk_in("001095007777", "binh@example.vn", "online");
    let problem = assert_problem(
        app.post_json_as("/api/v1/desk/dossiers", &online, &desk.clerk.access_token).await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "channel");
    let bad_id = walk_in("999095007777", "binh@example.vn", "direct");
    let problem = assert_problem(
        app.post_json_as("/api/v1/desk/dossiers", &bad_id, &desk.clerk.access_token).await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "applicant.national_id", "{problem}");
    let mut bad_form = walk_in("001095007777", "binh@example.vn", "direct");
    bad_form["form_data"] = json!({});
    assert_problem(
        app.post_json_as("/api/v1/desk/dossiers", &bad_form, &desk.clerk.access_token).await,
        400,
        "validation_failed",
    )
    .await;
    // Someone else's e-mail for a new person: a conflict, and nothing is stored.
    let taken = desk_citizen_email(&app, &desk).await;
    let clash = walk_in("001095008888", &taken, "direct");
    assert_problem(
        app.post_json_as("/api/v1/desk/dossiers", &clash, &desk.clerk.access_token).await,
        409,
        "identity_account_exists",
    )
    .await;
    let queue: Value = app.get_as("/api/v1/desk/dossiers", &desk.clerk.access_token).await.json().await.unwrap();
    assert_eq!(queue["total"], 0);
    let ok = walk_in("001095007777", "binh@example.vn", "direct");
    assert_problem(
        app.post_json_as("/api/v1/desk/dossiers", &ok, &desk.specialist.access_token).await,
        403,
        "identity_forbidden",
    )
    .await;
    assert_problem(
        app.post_json_as("/api/v1/desk/dossiers", &ok, &desk.citizen.access_token).await,
        403,
        "identity_forbidden",
    )
    .await;
}

async fn desk_citizen_email(app: &TestApp, desk: &Desk) -> String {
    let me: Value = app.get_as("/api/v1/me", &desk.citizen.access_token).await.json().await.unwrap();
    me["email"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_dossier_is_handed_over_to_a_cooperating_agency_and_back_with_its_time_slot() {
    let app = app().await;
    let desk = setup(&app).await;
    let admin = app.admin().await;
    app.agency(&admin, crate::helpers::AGENCY_B).await;
    let clerk_b = app.staff(&admin, crate::helpers::AGENCY_B, &["clerk"]).await;
    let specialist_b = app.staff(&admin, crate::helpers::AGENCY_B, &["specialist"]).await;
    let id = submitted(&app, &desk.citizen, APPROVED).await;
    let received = step(&app, &desk.clerk, &id, json!({"action": "receive"})).await;
    let due_at = time(&received["due_at"]);

    for (bad, field) in [
        (json!({"action": "assign", "agency_code": "000.99.99.H99"}), "agency_code"),
        (json!({"action": "assign", "agency_code": AGENCY_A}), "agency_code"),
        (
            json!({"action": "assign", "agency_code": crate::helpers::AGENCY_B,
            "slot_due_at": (due_at + chrono::TimeDelta::days(1)).to_rfc3339()}),
            "slot_due_at",
        ),
        (
            json!({"action": "assign", "agency_code": crate::helpers::AGENCY_B, "assignee_id": desk.specialist.id}),
            "assignee_id",
        ),
    ] {
        let problem = assert_problem(act(&app, &desk.leader, &id, bad).await, 400, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    let slot = (chrono::Utc::now() + chrono::TimeDelta::hours(2)).min(due_at).to_rfc3339();
    let handed = step(
        &app,
        &desk.leader,
        &id,
        json!({"action": "assign", "agency_code": crate::helpers::AGENCY_B, "slot_due_at": slot}),
    )
    .await;
    assert_eq!(handed["state"], "in_progress");
    assert_eq!(handed["handling_agency_code"], crate::helpers::AGENCY_B);
    assert!(handed["assignee_id"].is_null());

    // The lead agency follows it but does not act; the cooperating agency does.
    assert_eq!(dossier(&app, &desk.clerk, &id).await["handling_agency_code"], crate::helpers::AGENCY_B);
    let body = json!({"action": "assign", "assignee_id": desk.specialist.id});
    assert_problem(act(&app, &desk.clerk, &id, body).await, 403, "workflow_handled_by_another_agency").await;
    let queue: Value = app.get_as("/api/v1/desk/dossiers", &clerk_b.access_token).await.json().await.unwrap();
    assert_eq!(queue["total"], 1);
    let wrong = json!({"action": "assign", "assignee_id": desk.specialist.id});
    assert_problem(act(&app, &clerk_b, &id, wrong).await, 400, "validation_failed").await;
    let assigned = step(&app, &clerk_b, &id, json!({"action": "assign", "assignee_id": specialist_b.id})).await;
    assert_eq!(assigned["assignee_id"], specialist_b.id.as_str());

    // Its part done, the cooperating agency hands it back; the lead agency finishes it.
    let back = step(&app, &clerk_b, &id, json!({"action": "assign", "agency_code": AGENCY_A})).await;
    assert!(back["handling_agency_code"].is_null());
    // Handed back, it is no longer the cooperating agency's to see.
    assert_problem(
        app.get_as(&format!("/api/v1/dossiers/{id}"), &clerk_b.access_token).await,
        404,
        "dossier_not_found",
    )
    .await;
    step(&app, &desk.clerk, &id, json!({"action": "assign", "assignee_id": desk.specialist.id})).await;
    step(
        &app,
        &desk.specialist,
        &id,
        json!({"action": "propose_result", "decision": "approved", "summary": "Đủ điều kiện."}),
    )
    .await;
    assert_eq!(step(&app, &desk.leader, &id, json!({"action": "approve"})).await["state"], "resolved");

    // The control sheet's hand-overs: from which agency to which, with the slot.
    let history: Value =
        app.get_as(&format!("/api/v1/dossiers/{id}/history"), &desk.clerk.access_token).await.json().await.unwrap();
    let handovers: Vec<&Value> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "assign" && e["data"]["to_agency"].is_string())
        .collect();
    assert_eq!(handovers.len(), 2);
    assert_eq!(handovers[0]["data"]["from_agency"], AGENCY_A);
    assert_eq!(handovers[0]["data"]["to_agency"], crate::helpers::AGENCY_B);
    assert!(handovers[0]["data"]["slot_due_at"].is_string());
    assert_eq!(handovers[1]["data"]["handed_back"], true);
    let mark = handovers[1]["on_time"].as_str();
    assert!(matches!(mark, Some("early" | "on_time")), "handed back within its slot: {}", handovers[1]);
}

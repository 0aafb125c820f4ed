//! The 766 indicators (DESIGN.md §8): public sums over the throughput records, with targets,
//! gaps and points, as JSON, CSV and XLSX; and the desk's tracking book (Sổ theo dõi hồ sơ), as
//! CSV and XLSX.

use std::collections::BTreeMap;

use chrono::Datelike;

use sea_orm::ConnectionTrait;
use serde_json::{json, Value};

use crate::attachments::upload_pdf;
use crate::fake_portal::FakePortal;
use crate::helpers::{assert_problem, spawn_app, spawn_app_with, step, Session, TestApp, AGENCY_A, AGENCY_B};
use crate::records::{sync_handler, sync_now};
use motcua::jobs::JobHandler;

/// Full-online level, eligible, a fee, a document as result.
const FULL: &str = "1.004873";
/// Partial-online level, eligible, no fee, no document as result.
const PARTIAL: &str = "2.000635";
/// Full-online and eligible, but no one files it.
const UNUSED: &str = "1.000001";
/// Not offered online.
const OFFLINE: &str = "3.000001";
const PAYMENT_SECRET: &str = "chia-se-voi-cong-thanh-toan";
/// A registered citizen's national id: desk dossiers filed under it are theirs to rate.
const CITIZEN_ID: &str = "038095001234";

const KEYS: [&str; 9] = [
    "procedures_full_online_share",
    "online_dossier_share",
    "fully_online_processed_share",
    "on_time_share",
    "online_payment_share",
    "electronic_result_share",
    "digitised_share",
    "satisfaction_share",
    "national_sync_share",
];

#[tokio::test]
async fn indicators_are_public_and_an_empty_period_has_no_ratios() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let response = app.get("/api/v1/indicators?from=2026-01-01&to=2026-03-31").await;

    // Assert
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["from"], "2026-01-01");
    assert_eq!(body["to"], "2026-03-31");
    assert_eq!(body["level"], "province");
    let items = body["items"].as_array().unwrap();
    let keys: Vec<&str> = items.iter().map(|i| i["key"].as_str().unwrap()).collect();
    assert_eq!(keys, KEYS);
    for item in items {
        assert_eq!((item["numerator"].as_i64(), item["denominator"].as_i64()), (Some(0), Some(0)), "{item}");
        assert!(item["ratio"].is_null() && item["gap"].is_null() && item["points"].is_null(), "{item}");
    }
    assert_eq!(body["unused_online_services"], serde_json::json!([]));
}

#[tokio::test]
async fn bad_indicator_queries_are_problems_naming_the_field() {
    let app = spawn_app().await;
    for (query, field) in [
        ("from=2026-02-30", "from"),
        ("to=31/12/2026", "to"),
        ("from=2026-12-31&to=2026-01-01", "from"),
        ("level=ward", "level"),
        ("agency=000.99.99.H56", "agency"),
    ] {
        for path in ["/api/v1/indicators", "/api/v1/indicators.csv"] {
            let problem = assert_problem(app.get(&format!("{path}?{query}")).await, 400, "validation_failed").await;
            assert_eq!(problem["errors"][0]["field"], field, "{path}?{query}: {problem}");
        }
    }
}

struct Desk {
    admin: Session,
    citizen: Session,
    clerk: Session,
    specialist: Session,
    leader: Session,
}

fn procedure(code: &str, online_level: &str, eligible: bool, fee: bool, document: bool) -> Value {
    let fees = if fee { json!([{"name": "Lệ phí", "amount_vnd": 50000}]) } else { json!([]) };
    json!({
        "code": code, "name": format!("Thủ tục {code}"), "field": "Hộ tịch", "online_level": online_level,
        "eligible_full_online": eligible, "approval_required": false,
        "processing_time": {"value": 3, "unit": "working_days"},
        "fees": fees,
        "documents": [{"key": "to_khai", "name": "Tờ khai", "mandatory": false, "accepted_types": ["application/pdf"], "max_bytes": 1048576}],
        "result": {"is_document": document, "name": "Kết quả"},
        "form_schema": {"type": "object", "properties": {"purpose": {"type": "string"}}, "required": ["purpose"]},
        "legal_basis": [], "agencies": [AGENCY_A]})
}

async fn setup(app: &TestApp) -> Desk {
    let admin = app.admin().await;
    app.agency(&admin, AGENCY_A).await;
    for p in [
        procedure(FULL, "full", true, true, true),
        procedure(PARTIAL, "partial", true, false, false),
        procedure(UNUSED, "full", true, false, true),
        procedure(OFFLINE, "none", false, false, true),
    ] {
        let response = app.post_json_as("/api/v1/admin/procedures", &p, &admin.access_token).await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    }
    Desk {
        citizen: app.citizen(CITIZEN_ID).await,
        clerk: app.staff(&admin, AGENCY_A, &["clerk"]).await,
        specialist: app.staff(&admin, AGENCY_A, &["specialist"]).await,
        leader: app.staff(&admin, AGENCY_A, &["leader"]).await,
        admin,
    }
}

async fn dossier(app: &TestApp, who: &Session, id: &str) -> Value {
    app.dossier(who, id).await
}

/// An online dossier of `procedure`, submitted (with a scanned form if `scanned`).
async fn online(app: &TestApp, desk: &Desk, procedure: &str, scanned: bool) -> String {
    let id = app.draft(&desk.citizen, AGENCY_A, procedure, json!({"purpose": "kết hôn"})).await;
    if scanned {
        assert_eq!(upload_pdf(app, &desk.citizen, &id, "to_khai").await.status(), 201);
    }
    app.submit(&desk.citizen, &id).await;
    id
}

/// An online dossier received by the clerk.
async fn received(app: &TestApp, desk: &Desk, procedure: &str, scanned: bool) -> String {
    let id = online(app, desk, procedure, scanned).await;
    step(app, &desk.clerk, &id, json!({"action": "receive"})).await;
    id
}

/// A dossier registered at the desk (`direct` or `postal`), received on the spot.
async fn at_desk(app: &TestApp, desk: &Desk, channel: &str, procedure: &str, national_id: &str) -> String {
    let body = json!({"channel": channel, "procedure_code": procedure, "form_data": {"purpose": "kết hôn"},
        "applicant": {"national_id": national_id, "full_name": "Trần Văn Bình", "email": format!("{national_id}@example.vn"), "phone": "0912 345 678"}});
    let response = app.post_json_as("/api/v1/desk/dossiers", &body, &desk.clerk.access_token).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    let d: Value = response.json().await.unwrap();
    d["id"].as_str().unwrap().to_owned()
}

/// Moves the appointment an hour into the past, so that finishing now is late.
async fn overdue(app: &TestApp, desk: &Desk, id: &str) {
    overdue_by(app, desk, id, 1).await;
}

/// Moves the appointment `hours` into the past behind the workflow's back, then has a recount
/// repair the records (the open-dossier snapshot follows the appointment).
async fn overdue_by(app: &TestApp, desk: &Desk, id: &str, hours: i64) {
    let code = dossier(app, &desk.clerk, id).await["code"].as_str().unwrap().to_owned();
    let past = (chrono::Utc::now() - chrono::TimeDelta::hours(hours)).fixed_offset();
    let past = past.format("%Y-%m-%d %H:%M:%S%.6f%:z");
    let db = sea_orm::Database::connect(app.db.url()).await.unwrap();
    // (Matched by code: ids are stored as BLOBs on SQLite and UUIDs on PostgreSQL.)
    db.execute_unprepared(&format!(
        "UPDATE dossiers SET due_at = '{past}', statutory_due_at = '{past}' WHERE code = '{code}'"
    ))
    .await
    .unwrap();
    let db = motcua::db::connect(app.db.url(), 2).await.unwrap();
    motcua::metrics::records::recount(&db).await.unwrap();
}

fn signed_callback(app: &TestApp, body: &Value) -> reqwest::RequestBuilder {
    use hmac::{Hmac, Mac};
    let timestamp = chrono::Utc::now().timestamp();
    let raw = serde_json::to_vec(body).unwrap();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(PAYMENT_SECRET.as_bytes()).unwrap();
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

async fn charge(app: &TestApp, desk: &Desk, id: &str) {
    step(app, &desk.clerk, id, json!({"action": "request_payment", "fees": [{"name": "Lệ phí", "amount": 50000}]}))
        .await;
}

/// Charges the fee and has the payment platform report it paid.
async fn pay_online(app: &TestApp, desk: &Desk, id: &str) {
    charge(app, desk, id).await;
    let payments: Value =
        app.get_as(&format!("/api/v1/dossiers/{id}/payments"), &desk.citizen.access_token).await.json().await.unwrap();
    let payment_id = payments["items"][0]["id"].as_str().unwrap();
    let notice = json!({"payment_id": payment_id, "status": "paid", "reference": "FT26333", "amount": 50000});
    let paid = signed_callback(app, &notice).send().await.unwrap();
    assert_eq!(paid.status(), 200, "{}", paid.text().await.unwrap_or_default());
}

async fn pay_cash(app: &TestApp, desk: &Desk, id: &str) {
    charge(app, desk, id).await;
    step(app, &desk.clerk, id, json!({"action": "confirm_payment", "method": "cash", "reference": "BL-1"})).await;
}

async fn supplement(app: &TestApp, desk: &Desk, id: &str) {
    let request = json!({"action": "request_supplement", "reason": "Tờ khai chưa ký",
        "items": [{"document_key": "to_khai", "description": "Tờ khai có chữ ký"}]});
    step(app, &desk.clerk, id, request).await;
    step(app, &desk.citizen, id, json!({"action": "supplement"})).await;
}

/// Assigns, resolves (approved) and returns the result by `method`.
async fn resolve_and_return(app: &TestApp, desk: &Desk, id: &str, method: &str) {
    step(app, &desk.clerk, id, json!({"action": "assign", "assignee_id": desk.specialist.id})).await;
    step(app, &desk.specialist, id, json!({"action": "resolve", "decision": "approved", "summary": "Đồng ý."})).await;
    step(app, &desk.clerk, id, json!({"action": "return_result", "method": method})).await;
}

async fn rate(app: &TestApp, desk: &Desk, id: &str, score: &str) {
    step(app, &desk.citizen, id, json!({"action": "rate", "score": score})).await;
}

/// Numerator and denominator per indicator key.
fn fractions(report: &Value) -> BTreeMap<String, (i64, i64)> {
    report["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["key"].as_str().unwrap().to_owned(),
                (i["numerator"].as_i64().unwrap(), i["denominator"].as_i64().unwrap()),
            )
        })
        .collect()
}

fn item<'a>(report: &'a Value, key: &str) -> &'a Value {
    report["items"].as_array().unwrap().iter().find(|i| i["key"] == key).unwrap()
}

#[tokio::test]
async fn a_hand_computed_fixture_of_every_channel_gives_exactly_the_expected_indicators() {
    // Arrange: 20 dossiers at one commune, each line's effect on the counters noted.
    let app = spawn_app_with(|s| s.payment_hmac_secret = Some(PAYMENT_SECRET.to_owned().into())).await;
    let desk = setup(&app).await;
    let target = json!({"indicator": "satisfaction_share", "level": "commune",
        "year": chrono::Utc::now().with_timezone(&chrono::FixedOffset::east_opt(7 * 3600).unwrap()).format("%Y").to_string().parse::<i32>().unwrap(),
        "target": 0.8, "source": "Kế hoạch thử nghiệm"});
    let response = app
        .client
        .put(app.url("/api/v1/admin/targets"))
        .bearer_auth(&desk.admin.access_token)
        .json(&target)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    // Online, full-online procedure with a fee and a document as result.
    // O1: scanned, paid online, returned online, satisfied: fully online, digitised.
    let o1 = received(&app, &desk, FULL, true).await;
    pay_online(&app, &desk, &o1).await;
    resolve_and_return(&app, &desk, &o1, "online").await;
    rate(&app, &desk, &o1, "satisfied").await;
    // O2: not scanned, paid online, returned online, unsatisfied: fully online, not digitised.
    let o2 = received(&app, &desk, FULL, false).await;
    pay_online(&app, &desk, &o2).await;
    resolve_and_return(&app, &desk, &o2, "online").await;
    rate(&app, &desk, &o2, "unsatisfied").await;
    // O3: scanned, paid in cash, returned online: electronic and digitised, not fully online.
    let o3 = received(&app, &desk, FULL, true).await;
    pay_cash(&app, &desk, &o3).await;
    resolve_and_return(&app, &desk, &o3, "online").await;
    // O4: scanned, supplemented once (still on time), paid online, returned at the desk.
    let o4 = received(&app, &desk, FULL, true).await;
    supplement(&app, &desk, &o4).await;
    pay_online(&app, &desk, &o4).await;
    resolve_and_return(&app, &desk, &o4, "desk").await;
    // O5: supplemented twice (late by rule), no fee, returned online: fully online.
    let o5 = received(&app, &desk, FULL, false).await;
    supplement(&app, &desk, &o5).await;
    supplement(&app, &desk, &o5).await;
    resolve_and_return(&app, &desk, &o5, "online").await;
    // O6: past its appointment, returned online: late, fully online, neutral.
    let o6 = received(&app, &desk, FULL, false).await;
    overdue(&app, &desk, &o6).await;
    resolve_and_return(&app, &desk, &o6, "online").await;
    rate(&app, &desk, &o6, "neutral").await;
    // O7: refused after reception: finished on time.
    let o7 = received(&app, &desk, FULL, false).await;
    step(&app, &desk.clerk, &o7, json!({"action": "refuse", "reason": "Không đủ điều kiện"})).await;
    // O8: refused at reception: finished without an appointment, never received.
    let o8 = online(&app, &desk, FULL, false).await;
    step(&app, &desk.clerk, &o8, json!({"action": "refuse", "reason": "Không thuộc thẩm quyền"})).await;
    // O9: received and still open.
    let o9 = received(&app, &desk, FULL, false).await;
    // Still open, judged at the period's last day (766 §2.1).
    // O13: received, its appointment two days past: late.
    let o13 = received(&app, &desk, FULL, false).await;
    overdue_by(&app, &desk, &o13, 48).await;
    // O14: supplemented twice and open: late by rule, whatever its appointment.
    let o14 = received(&app, &desk, FULL, false).await;
    supplement(&app, &desk, &o14).await;
    supplement(&app, &desk, &o14).await;
    // O15: awaiting a supplement: its clock stopped within the deadline, so within it.
    let o15 = received(&app, &desk, FULL, false).await;
    let request = json!({"action": "request_supplement", "reason": "Tờ khai chưa ký",
        "items": [{"document_key": "to_khai", "description": "Tờ khai có chữ ký"}]});
    step(&app, &desk.clerk, &o15, request).await;
    // O10: withdrawn by the citizen after reception: finished on time.
    let o10 = received(&app, &desk, FULL, false).await;
    step(&app, &desk.citizen, &o10, json!({"action": "withdraw"})).await;

    // Online, partial-online procedure (no fee, no document as result).
    // O11: scanned, returned online: fully online, digitised (no document needed).
    let o11 = received(&app, &desk, PARTIAL, true).await;
    resolve_and_return(&app, &desk, &o11, "online").await;
    // O12: returned at the desk, satisfied.
    let o12 = received(&app, &desk, PARTIAL, false).await;
    resolve_and_return(&app, &desk, &o12, "desk").await;
    rate(&app, &desk, &o12, "satisfied").await;

    // At the desk, in person.
    // D1: the registered citizen, paid in cash, returned at the desk, satisfied.
    let d1 = at_desk(&app, &desk, "direct", FULL, CITIZEN_ID).await;
    pay_cash(&app, &desk, &d1).await;
    resolve_and_return(&app, &desk, &d1, "desk").await;
    rate(&app, &desk, &d1, "satisfied").await;
    // D2: a walk-in, late, returned at the desk.
    let d2 = at_desk(&app, &desk, "direct", FULL, "001095007777").await;
    overdue(&app, &desk, &d2).await;
    resolve_and_return(&app, &desk, &d2, "desk").await;
    // D3: a walk-in, paid in cash, returned online: electronic, not fully online (not filed online).
    let d3 = at_desk(&app, &desk, "direct", FULL, "001095007777").await;
    pay_cash(&app, &desk, &d3).await;
    resolve_and_return(&app, &desk, &d3, "online").await;
    // D4: stopped by the leader: finished on time.
    let d4 = at_desk(&app, &desk, "direct", FULL, "001095007777").await;
    step(&app, &desk.leader, &d4, json!({"action": "stop", "reason": "Công dân đề nghị dừng"})).await;

    // By post, partial-online procedure.
    // P1: the registered citizen, returned by post, unsatisfied.
    let p1 = at_desk(&app, &desk, "postal", PARTIAL, CITIZEN_ID).await;
    resolve_and_return(&app, &desk, &p1, "post").await;
    rate(&app, &desk, &p1, "unsatisfied").await;
    // P2: late, returned by post.
    let p2 = at_desk(&app, &desk, "postal", PARTIAL, "001095007777").await;
    overdue(&app, &desk, &p2).await;
    resolve_and_return(&app, &desk, &p2, "post").await;

    // The national portal accepts O1–O4 and O9 (O1 twice: counted once), and O8, which was
    // never received and so counts in no period.
    let portal = FakePortal::start().await;
    let sync = sync_handler(&app, &portal).await;
    for id in [&o1, &o1, &o2, &o3, &o4, &o9, &o8] {
        sync_now(&sync, id).await;
    }

    // Act
    let response = app.get(&format!("/api/v1/indicators?agency={AGENCY_A}")).await;

    // Assert
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["level"], "commune");
    let expected: BTreeMap<String, (i64, i64)> = [
        // Eligible procedures performed: FULL, PARTIAL, UNUSED; full-online: FULL, UNUSED.
        ("procedures_full_online_share", (2, 3)),
        // Received: O1–O7, O9–O15 online (14) + D1–D4, P1, P2 (6); O8 never was.
        ("online_dossier_share", (14, 20)),
        // Returns (all of eligible procedures): O1–O6, O11, O12, D1–D3, P1, P2 = 13;
        // fully online: O1, O2, O5, O6, O11.
        ("fully_online_processed_share", (5, 13)),
        // Finished with an appointment: all but O8 (none) and the open ones = 16; late: O5, O6,
        // D2, P2. Open: O9 and O15 within their deadline, O13 past it, O14 supplemented twice.
        ("on_time_share", (14, 20)),
        // Charged: O1–O4, D1, D3; paid online: O1, O2, O4.
        ("online_payment_share", (3, 6)),
        // Returns of FULL (document): O1–O6, D1–D3 = 9; electronic: O1, O2, O3, O5, O6, D3.
        ("electronic_result_share", (6, 9)),
        // Scanned and (FULL) returned online: O1, O3; (PARTIAL) scanned: O11; over 13 returns.
        ("digitised_share", (3, 13)),
        // Finished 17 − late 4 − unsatisfied 2 (O2, P1).
        ("satisfaction_share", (11, 17)),
        // Accepted by the national portal since their reception: O1–O4, O9.
        ("national_sync_share", (5, 20)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(fractions(&report), expected);
    let on_time = item(&report, "on_time_share");
    assert_eq!((on_time["ratio"].as_f64(), on_time["points"].as_f64()), (Some(0.7), Some(14.0)));
    let satisfaction = item(&report, "satisfaction_share");
    assert_eq!(satisfaction["ratio"].as_f64(), Some(0.6471));
    assert_eq!(satisfaction["target"].as_f64(), Some(0.8));
    assert_eq!(satisfaction["gap"].as_f64(), Some(0.1529));
    // 766 scores 5.4 against 90%: 0.6471 × 6 ÷ 0.9.
    assert_eq!(satisfaction["points"].as_f64(), Some(4.31));
    let unused: Vec<(&str, &str)> = report["unused_online_services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["agency_code"].as_str().unwrap(), u["procedure_code"].as_str().unwrap()))
        .collect();
    assert_eq!(unused, [(AGENCY_A, UNUSED)]);

    // The other scopes: another field has nothing; the full-online procedure alone.
    let other: Value = app.get("/api/v1/indicators?field=Đất đai").await.json().await.unwrap();
    assert!(fractions(&other).values().all(|f| *f == (0, 0)), "{other}");
    let full: Value = app.get(&format!("/api/v1/indicators?procedure={FULL}")).await.json().await.unwrap();
    assert_eq!(fractions(&full)["online_dossier_share"], (12, 16));
    assert_eq!(fractions(&full)["on_time_share"], (11, 16));
    assert_eq!(fractions(&full)["national_sync_share"], (5, 16));
    // The whole month of today is read from the monthly rows, today alone from the daily ones:
    // the same counts wherever the period's last day does not matter.
    let today = chrono::Utc::now().with_timezone(&chrono::FixedOffset::east_opt(7 * 3600).unwrap()).date_naive();
    let first = today.with_day(1).unwrap();
    let last = first.checked_add_months(chrono::Months::new(1)).unwrap().pred_opt().unwrap();
    for (from, to) in [(first, last), (today, today)] {
        let scoped: Value =
            app.get(&format!("/api/v1/indicators?agency={AGENCY_A}&from={from}&to={to}")).await.json().await.unwrap();
        for key in KEYS.iter().filter(|k| **k != "on_time_share") {
            assert_eq!(fractions(&scoped)[*key], expected[*key], "{key} from {from} to {to}");
        }
    }
    // Judged at a later last day, O9's appointment has passed; O15's clock still stands.
    let later = (chrono::Utc::now() + chrono::TimeDelta::days(30)).format("%Y-%m-%d");
    let at_later: Value =
        app.get(&format!("/api/v1/indicators?agency={AGENCY_A}&to={later}")).await.json().await.unwrap();
    assert_eq!(fractions(&at_later)["on_time_share"], (13, 20));
    // A period that ended before any reception has no dossier, open or not.
    let before = (chrono::Utc::now() - chrono::TimeDelta::days(30)).format("%Y-%m-%d");
    let at_before: Value =
        app.get(&format!("/api/v1/indicators?agency={AGENCY_A}&from={before}&to={before}")).await.json().await.unwrap();
    assert_eq!(fractions(&at_before)["on_time_share"], (0, 0));
    let district: Value = app.get("/api/v1/indicators?level=district").await.json().await.unwrap();
    assert_eq!(fractions(&district)["online_dossier_share"], (0, 0));

    // The CSV has the same figures, one row per indicator, and so does `Accept: text/csv`.
    let csv = app.get(&format!("/api/v1/indicators.csv?agency={AGENCY_A}")).await;
    assert_eq!(csv.status(), 200);
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = csv.text().await.unwrap();
    let negotiated = app
        .client
        .get(app.url(&format!("/api/v1/indicators?agency={AGENCY_A}")))
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(negotiated, csv);
    assert_csv_matches(&csv, &report);

    // Records rebuilt by a recount give the same indicators.
    let db = motcua::db::connect(app.db.url(), 2).await.unwrap();
    motcua::metrics::records::recount(&db).await.unwrap();
    let again: Value = app.get(&format!("/api/v1/indicators?agency={AGENCY_A}")).await.json().await.unwrap();
    assert_eq!(fractions(&again), expected);
}

#[tokio::test]
async fn a_dossier_counts_as_synchronised_once_from_its_first_acceptance_after_its_reception() {
    // Arrange
    let app = spawn_app().await;
    let desk = setup(&app).await;
    let portal = FakePortal::start().await;
    let sync = sync_handler(&app, &portal).await;
    let share = || async {
        let report: Value = app.get(&format!("/api/v1/indicators?agency={AGENCY_A}")).await.json().await.unwrap();
        fractions(&report)["national_sync_share"]
    };

    // Act and assert: pushed while only submitted, the portal has it but it is not received.
    let id = online(&app, &desk, FULL, false).await;
    sync_now(&sync, &id).await;
    assert_eq!(share().await, (0, 0));
    step(&app, &desk.clerk, &id, json!({"action": "receive"})).await;
    assert_eq!(share().await, (0, 1), "received, not yet accepted since");
    sync_now(&sync, &id).await;
    assert_eq!(share().await, (1, 1));
    step(&app, &desk.clerk, &id, json!({"action": "assign", "assignee_id": desk.specialist.id})).await;
    sync_now(&sync, &id).await;
    assert_eq!(share().await, (1, 1), "a later acceptance counts it no more");
    // A portal failure after it leaves it synchronised.
    portal.fail_next(10);
    let failed = sync.run(json!({"dossier_id": id, "event_seq": 1})).await;
    assert!(failed.is_err());
    assert_eq!(share().await, (1, 1));
    let db = motcua::db::connect(app.db.url(), 2).await.unwrap();
    assert_eq!(motcua::metrics::records::check(&db).await.unwrap(), [], "a recount gives the same records");
}

/// The cells of one CSV line (RFC 4180 quoting).
pub fn csv_cells(line: &str) -> Vec<String> {
    let (mut cells, mut cell, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => cells.push(std::mem::take(&mut cell)),
            _ => cell.push(c),
        }
    }
    cells.push(cell);
    cells
}

/// Checks that every CSV row carries its indicator's JSON figures.
fn assert_csv_matches(csv: &str, report: &Value) {
    let body = csv.strip_prefix('\u{feff}').expect("a byte-order mark for Excel");
    let mut lines = body.split("\r\n").filter(|l| !l.is_empty());
    assert_eq!(lines.next().unwrap(), "Mã chỉ số,Chỉ số,Tử số,Mẫu số,Tỷ lệ,Chỉ tiêu,Chênh lệch,Điểm,Điểm tối đa");
    let rows: Vec<Vec<String>> = lines.map(csv_cells).collect();
    assert_eq!(rows.len(), KEYS.len());
    let number = |v: &Value| v.as_f64().map(|f| f.to_string()).unwrap_or_default();
    for (row, item) in rows.iter().zip(report["items"].as_array().unwrap()) {
        assert_eq!(row[0], item["key"].as_str().unwrap());
        let row: Vec<&str> = row.iter().map(String::as_str).collect();
        assert_eq!(row[1], item["label"].as_str().unwrap());
        assert_eq!(row[2].parse::<i64>().unwrap(), item["numerator"].as_i64().unwrap());
        assert_eq!(row[3].parse::<i64>().unwrap(), item["denominator"].as_i64().unwrap());
        for (cell, key) in row[4..].iter().zip(["ratio", "target", "gap", "points", "max_points"]) {
            let expected = number(&item[key]);
            let got = if cell.is_empty() { String::new() } else { cell.parse::<f64>().unwrap().to_string() };
            assert_eq!(got, expected, "{} {key}", row[0]);
        }
    }
}

#[tokio::test]
async fn the_tracking_book_lists_the_agencys_received_dossiers_for_its_staff_only() {
    // Arrange: an online dossier returned online, a walk-in still open, a draft (not in the book).
    let app = spawn_app().await;
    let desk = setup(&app).await;
    let first = received(&app, &desk, FULL, false).await;
    resolve_and_return(&app, &desk, &first, "online").await;
    let walk_in = at_desk(&app, &desk, "direct", PARTIAL, "001095007777").await;
    let body = json!({"procedure_code": FULL, "agency_code": AGENCY_A, "form_data": {"purpose": "thử"}});
    app.post_json_as("/api/v1/dossiers", &body, &desk.citizen.access_token).await;
    app.agency(&desk.admin, crate::helpers::AGENCY_B).await;
    let other_clerk = app.staff(&desk.admin, crate::helpers::AGENCY_B, &["clerk"]).await;

    // Act
    let response = app.get_as("/api/v1/desk/tracking-book.csv", &desk.clerk.access_token).await;

    // Assert
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = response.text().await.unwrap();
    let lines: Vec<Vec<String>> =
        text.strip_prefix('\u{feff}').unwrap().split("\r\n").filter(|l| !l.is_empty()).map(csv_cells).collect();
    assert_eq!(
        lines[0],
        [
            "STT",
            "Mã hồ sơ",
            "Tên thủ tục hành chính",
            "Người nộp hồ sơ",
            "Địa chỉ, số điện thoại",
            "Cơ quan chủ trì giải quyết",
            "Ngày nhận hồ sơ",
            "Ngày hẹn trả kết quả",
            "Ngày trả kết quả",
            "Ghi chú"
        ]
    );
    assert_eq!(lines.len(), 3, "{text}");
    let (one, two) = (&lines[1], &lines[2]);
    assert_eq!(one[0], "1");
    assert_eq!(one[1], dossier(&app, &desk.clerk, &first).await["code"].as_str().unwrap());
    assert_eq!(one[2], format!("Thủ tục {FULL}"));
    assert_eq!((one[3].as_str(), one[4].as_str()), ("Nguyễn Thị Ánh", "0912345678"));
    assert_eq!(one[5], format!("UBND xã {AGENCY_A}"));
    assert!(!one[6].is_empty() && !one[7].is_empty() && !one[8].is_empty(), "{one:?}");
    assert_eq!(one[9], "Nộp trực tuyến; Đã trả kết quả (trả trực tuyến)");
    assert_eq!(two[0], "2");
    assert_eq!(two[1], dossier(&app, &desk.clerk, &walk_in).await["code"].as_str().unwrap());
    assert_eq!((two[3].as_str(), two[8].as_str()), ("Trần Văn Bình", ""));
    assert!(two[9].starts_with("Nộp trực tiếp; "), "{two:?}");

    // Another agency's book is empty; an earlier period too; citizens and bad dates are refused.
    let other = app.get_as("/api/v1/desk/tracking-book.csv", &other_clerk.access_token).await.text().await.unwrap();
    assert_eq!(other.lines().count(), 1, "{other}");
    let old = app
        .get_as("/api/v1/desk/tracking-book.csv?from=2020-01-01&to=2020-12-31", &desk.clerk.access_token)
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(old.lines().count(), 1, "{old}");
    assert_problem(
        app.get_as("/api/v1/desk/tracking-book.csv", &desk.citizen.access_token).await,
        403,
        "identity_forbidden",
    )
    .await;
    let problem = assert_problem(
        app.get_as("/api/v1/desk/tracking-book.csv?from=2026-12-31&to=2026-01-01", &desk.clerk.access_token).await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "from");
    assert_problem(app.get("/api/v1/desk/tracking-book.csv").await, 401, "identity_unauthenticated").await;
}

/// Today as the business calendar (Asia/Ho_Chi_Minh) has it.
fn business_today() -> chrono::NaiveDate {
    chrono::Utc::now().with_timezone(&chrono::FixedOffset::east_opt(7 * 3600).unwrap()).date_naive()
}

/// The figures of a list of indicator items: key → (numerator, denominator, ratio, target).
fn figures(items: &Value) -> Vec<(String, i64, i64, Value, Value)> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let count = |name: &str| i[name].as_i64().unwrap();
            (
                i["key"].as_str().unwrap().to_owned(),
                count("numerator"),
                count("denominator"),
                i["ratio"].clone(),
                i["target"].clone(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_breakdowns_by_agency_and_by_month_give_the_figures_of_the_indicators_of_each() {
    // Arrange: at agency A one dossier returned online, one open and overdue, one open within
    // its deadline; agency B has none.
    let app = spawn_app().await;
    let desk = setup(&app).await;
    app.agency(&desk.admin, AGENCY_B).await;
    let done = received(&app, &desk, FULL, true).await;
    resolve_and_return(&app, &desk, &done, "online").await;
    let late = received(&app, &desk, PARTIAL, false).await;
    overdue_by(&app, &desk, &late, 72).await;
    received(&app, &desk, FULL, false).await;
    let today = business_today();
    let month_start = today.with_day(1).unwrap();
    let previous_month = (month_start - chrono::Days::new(1)).with_day(1).unwrap();
    let period = format!("from={previous_month}&to={today}");

    // Act
    let by_agency: Value = app.get(&format!("/api/v1/indicators/by-agency?{period}")).await.json().await.unwrap();
    let by_month: Value = app.get(&format!("/api/v1/indicators/by-month?{period}")).await.json().await.unwrap();

    // Assert: each agency's figures are those of the indicators filtered to it, against its level.
    let agencies = by_agency["agencies"].as_array().unwrap();
    let codes: Vec<&str> = agencies.iter().map(|a| a["agency_code"].as_str().unwrap()).collect();
    assert!(codes.contains(&AGENCY_A) && codes.contains(&AGENCY_B), "{codes:?}");
    for agency in agencies {
        let code = agency["agency_code"].as_str().unwrap();
        let alone: Value = app.get(&format!("/api/v1/indicators?{period}&agency={code}")).await.json().await.unwrap();
        assert_eq!(figures(&agency["items"]), figures(&alone["items"]), "{code}");
        assert_eq!(agency["open_dossiers"], alone["open_dossiers"], "{code}");
        assert_eq!(agency["level"], alone["level"], "{code}");
    }
    let a = agencies.iter().find(|a| a["agency_code"] == AGENCY_A).unwrap();
    assert_eq!(a["open_dossiers"], json!({"within_deadline": 1, "overdue": 1}));
    assert_eq!(fractions(&json!({"items": a["items"]}))["on_time_share"], (2, 3));
    let b = agencies.iter().find(|a| a["agency_code"] == AGENCY_B).unwrap();
    assert!(b["items"].as_array().unwrap().iter().all(|i| i["denominator"] == 0), "{b}");
    // Each month's figures are those of the indicators of that month alone.
    let months = by_month["months"].as_array().unwrap();
    let spans: Vec<(String, String)> =
        months.iter().map(|m| (m["from"].as_str().unwrap().to_owned(), m["to"].as_str().unwrap().to_owned())).collect();
    let last_of_previous = (month_start - chrono::Days::new(1)).to_string();
    assert_eq!(spans, [(previous_month.to_string(), last_of_previous), (month_start.to_string(), today.to_string())]);
    for month in months {
        let (from, to) = (month["from"].as_str().unwrap(), month["to"].as_str().unwrap());
        let alone: Value = app.get(&format!("/api/v1/indicators?from={from}&to={to}")).await.json().await.unwrap();
        assert_eq!(figures(&month["items"]), figures(&alone["items"]), "{from}");
        assert_eq!(month["open_dossiers"], alone["open_dossiers"], "{from}");
    }
    assert_eq!(fractions(&json!({"items": months[1]["items"]}))["online_dossier_share"], (3, 3));
}

#[tokio::test]
async fn a_breakdown_of_an_unknown_agency_or_over_more_than_ten_years_is_a_problem() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let unknown = app.get("/api/v1/indicators/by-agency?agency=000.99.99.H56").await;
    let too_long = app.get("/api/v1/indicators/by-month?from=2010-01-01&to=2026-11-30").await;
    let reversed = app.get("/api/v1/indicators/by-month?from=2026-11-30&to=2026-01-01").await;

    // Assert
    assert_problem(unknown, 400, "validation_failed").await;
    for response in [too_long, reversed] {
        let body = assert_problem(response, 400, "validation_failed").await;
        assert_eq!(body["errors"][0]["field"], "from", "{body}");
    }
}

/// The Chromium binary on `PATH`, if any.
fn chromium() -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser", "google-chrome"].map(|name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// The text of the first element after `marker` in `html`.
fn text_after<'a>(html: &'a str, marker: &str) -> &'a str {
    let at = html.find(marker).unwrap_or_else(|| panic!("{marker} not in the page"));
    let rest = &html[at..];
    let start = rest.find('>').unwrap() + 1;
    let end = rest[start..].find('<').unwrap();
    &rest[start..start + end]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_draws_the_figures_of_the_api_in_a_real_browser() {
    let Some(browser) = chromium() else {
        eprintln!("NOTICE: no chromium on PATH; the dashboard browser test is skipped (apt-get install chromium)");
        return;
    };
    // Arrange: an online dossier returned online, a late walk-in, an unused online procedure.
    let app = spawn_app().await;
    let desk = setup(&app).await;
    let first = received(&app, &desk, FULL, true).await;
    resolve_and_return(&app, &desk, &first, "online").await;
    let late = at_desk(&app, &desk, "direct", PARTIAL, "001095007777").await;
    overdue(&app, &desk, &late).await;
    resolve_and_return(&app, &desk, &late, "desk").await;
    let waiting = received(&app, &desk, FULL, false).await;
    overdue_by(&app, &desk, &waiting, 72).await;
    let query = format!("?agency={AGENCY_A}");
    let report: Value = app.get(&format!("/api/v1/indicators{query}")).await.json().await.unwrap();
    let by_month: Value = app.get(&format!("/api/v1/indicators/by-month{query}")).await.json().await.unwrap();
    let by_agency: Value = app.get(&format!("/api/v1/indicators/by-agency{query}")).await.json().await.unwrap();

    // Act: the page as a real browser renders it once its script has fetched the indicators.
    let url = app.url(&format!("/dashboard{query}"));
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--virtual-time-budget=20000",
                "--dump-dom",
                &url,
            ])
            .output()
            .expect("run chromium")
    })
    .await
    .unwrap();

    // Assert
    let html = String::from_utf8_lossy(&output.stdout);
    assert!(html.contains("data-loaded=\"true\""), "the script did not load the indicators: {html}");
    let percent = |v: &Value| v.as_f64().map_or_else(|| "–".to_owned(), |r| format!("{:.2}%", r * 100.0));
    for item in report["items"].as_array().unwrap() {
        let key = item["key"].as_str().unwrap();
        let row_at = html.find(&format!("data-key=\"{key}\"")).unwrap_or_else(|| panic!("no row for {key}"));
        let row = &html[row_at..row_at + html[row_at..].find("</tr>").unwrap()];
        assert_eq!(
            text_after(row, "num fraction"),
            format!("{} / {}", item["numerator"], item["denominator"]),
            "{key}"
        );
        assert_eq!(text_after(row, "num ratio"), percent(&item["ratio"]), "{key}");
        assert_eq!(text_after(row, "num target"), percent(&item["target"]), "{key}");
        assert!(row.contains("ratio-bar"), "{key} has its bar");
    }
    assert_eq!(fractions(&report)["on_time_share"], (1, 3));
    assert_eq!(text_after(&html, "id=\"late-count\""), "2");
    assert_eq!(report["open_dossiers"], json!({"within_deadline": 0, "overdue": 1}));
    assert_eq!(text_after(&html, "id=\"overdue-count\""), "1");
    assert_eq!(text_after(&html, "id=\"within-count\""), "0");
    assert!(html.contains(&format!("data-procedure=\"{UNUSED}\"")), "the unused service is listed");
    // Over time: a chart per indicator with a point per month that has a ratio, at that ratio.
    let mut points = 0;
    for month in by_month["months"].as_array().unwrap() {
        for item in month["items"].as_array().unwrap() {
            let key = item["key"].as_str().unwrap();
            let chart_at = html
                .find(&format!("class=\"series\" data-key=\"{key}\""))
                .unwrap_or_else(|| panic!("no chart for {key}"));
            let chart = &html[chart_at..chart_at + html[chart_at..].find("</figure>").unwrap()];
            let point = format!("data-month=\"{}\" data-ratio=\"", month["from"].as_str().unwrap());
            match item["ratio"].as_f64() {
                Some(ratio) => {
                    assert!(chart.contains(&format!("{point}{}\"", js_number(ratio))), "{key} {month}: {chart}");
                    points += 1;
                }
                None => assert!(!chart.contains(&point), "{key} has no point where it has no ratio"),
            }
        }
    }
    assert!(points >= 8, "the current month is drawn for the indicators with a denominator");
    // Per agency: the agency's row has its ratios and its overdue work.
    let agency = &by_agency["agencies"][0];
    let row_at = html.find(&format!("data-agency=\"{AGENCY_A}\"")).expect("a row for the agency");
    let row = &html[row_at..row_at + html[row_at..].find("</tr>").unwrap()];
    for item in agency["items"].as_array().unwrap() {
        let key = item["key"].as_str().unwrap();
        assert_eq!(text_after(row, &format!("data-key=\"{key}\"")), percent(&item["ratio"]), "{key}");
    }
    assert_eq!(text_after(row, "num overdue"), agency["open_dossiers"]["overdue"].to_string());
}

/// A number as JavaScript's `String(n)` writes it (no `.0` on whole numbers).
fn js_number(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        value.to_string()
    }
}

use calamine::DataType as _;

/// The rows of a sheet as calamine reads them.
fn sheet_rows(bytes: &[u8], sheet: &str) -> Vec<Vec<calamine::Data>> {
    use calamine::Reader;
    let mut workbook = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("an XLSX workbook");
    let range = workbook.worksheet_range(sheet).expect("the sheet");
    range.rows().map(<[calamine::Data]>::to_vec).collect()
}

/// The rows after the header row that starts with `first_header`, until an empty row.
fn table_after(rows: &[Vec<calamine::Data>], first_header: &str) -> (Vec<String>, Vec<Vec<calamine::Data>>) {
    let at = rows
        .iter()
        .position(|r| r.first().is_some_and(|c| c.get_string() == Some(first_header)))
        .expect("the header row");
    let header = rows[at].iter().map(ToString::to_string).filter(|c| !c.is_empty()).collect();
    let body = rows[at + 1..].iter().take_while(|r| r.iter().any(|c| !c.is_empty())).cloned().collect();
    (header, body)
}

async fn xlsx(response: reqwest::Response) -> Vec<u8> {
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    response.bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn the_indicators_workbook_has_a_sheet_per_agency_level_with_the_figures_of_the_api() {
    // Arrange: a commune's dossiers (paid online, returned online; a walk-in), a target, and a
    // province-level department with none.
    let app = spawn_app_with(|s| s.payment_hmac_secret = Some(PAYMENT_SECRET.to_owned().into())).await;
    let desk = setup(&app).await;
    let year = chrono::Utc::now().with_timezone(&chrono::FixedOffset::east_opt(7 * 3600).unwrap()).format("%Y");
    let target = json!({"indicator": "online_dossier_share", "level": "commune",
        "year": year.to_string().parse::<i32>().unwrap(), "target": 0.8, "source": "Kế hoạch thử nghiệm"});
    let response =
        app.client.put(app.url("/api/v1/admin/targets")).bearer_auth(&desk.admin.access_token).json(&target).send();
    assert_eq!(response.await.unwrap().status(), 200);
    let paid = received(&app, &desk, FULL, true).await;
    pay_online(&app, &desk, &paid).await;
    resolve_and_return(&app, &desk, &paid, "online").await;
    at_desk(&app, &desk, "direct", PARTIAL, "001095007777").await;
    let department = json!({"code": "000.00.22.H56", "name": "Sở Tư pháp", "level": "province"});
    let response = app.post_json_as("/api/v1/admin/agencies", &department, &desk.admin.access_token).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());

    // Act
    let bytes = xlsx(app.get("/api/v1/indicators.xlsx").await).await;

    // Assert: one sheet per level, province first, each with the figures of its level.
    let names = {
        use calamine::Reader;
        calamine::Xlsx::new(std::io::Cursor::new(bytes.clone())).unwrap().sheet_names()
    };
    assert_eq!(names, ["Cấp tỉnh", "Cấp xã"]);
    let mut compared = 0;
    for (sheet, level) in [("Cấp tỉnh", "province"), ("Cấp xã", "commune")] {
        let report: Value = app.get(&format!("/api/v1/indicators?level={level}")).await.json().await.unwrap();
        let (header, rows) = table_after(&sheet_rows(&bytes, sheet), "Mã chỉ số");
        assert_eq!(
            header,
            ["Mã chỉ số", "Chỉ số", "Tử số", "Mẫu số", "Tỷ lệ", "Chỉ tiêu", "Chênh lệch", "Điểm", "Điểm tối đa"]
        );
        let items = report["items"].as_array().unwrap();
        assert_eq!(rows.len(), items.len(), "{sheet}");
        for (row, item) in rows.iter().zip(items) {
            assert_eq!(row[0].to_string(), item["key"].as_str().unwrap());
            assert_eq!(row[1].to_string(), item["label"].as_str().unwrap());
            for (col, key) in [
                (2, "numerator"),
                (3, "denominator"),
                (4, "ratio"),
                (5, "target"),
                (6, "gap"),
                (7, "points"),
                (8, "max_points"),
            ] {
                match (&row[col], item[key].as_f64()) {
                    // Numbers as numbers, not text.
                    (calamine::Data::Float(got), Some(want)) => assert!((got - want).abs() < 1e-9, "{sheet} {key}"),
                    (calamine::Data::Int(got), Some(want)) => assert_eq!(*got as f64, want, "{sheet} {key}"),
                    (calamine::Data::Empty, None) => {}
                    (got, want) => panic!("{sheet} {}: {key} is {got:?}, the API says {want:?}", item["key"]),
                }
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 2 * KEYS.len() * 7);
    let commune: Value = app.get("/api/v1/indicators?level=commune").await.json().await.unwrap();
    assert_eq!(item(&commune, "online_dossier_share")["numerator"], 1, "the fixture counts: {commune}");
    assert_eq!(item(&commune, "online_dossier_share")["target"], 0.8);

    // With an agency, the one sheet of its level has the agency's figures; bad queries are problems.
    let one = xlsx(app.get(&format!("/api/v1/indicators.xlsx?agency={AGENCY_A}")).await).await;
    let report: Value = app.get(&format!("/api/v1/indicators?agency={AGENCY_A}")).await.json().await.unwrap();
    let (_, rows) = table_after(&sheet_rows(&one, "Cấp xã"), "Mã chỉ số");
    let numerators: Vec<f64> = rows.iter().map(|r| r[2].as_f64().unwrap()).collect();
    let expected: Vec<f64> =
        report["items"].as_array().unwrap().iter().map(|i| i["numerator"].as_f64().unwrap()).collect();
    assert_eq!(numerators, expected);
    assert_problem(app.get("/api/v1/indicators.xlsx?level=thon").await, 400, "validation_failed").await;
}

#[tokio::test]
async fn the_tracking_book_workbook_has_the_rows_of_the_csv_with_numbers_and_dates() {
    // Arrange
    let app = spawn_app().await;
    let desk = setup(&app).await;
    let first = received(&app, &desk, FULL, false).await;
    resolve_and_return(&app, &desk, &first, "online").await;
    at_desk(&app, &desk, "direct", PARTIAL, "001095007777").await;

    // Act
    let bytes = xlsx(app.get_as("/api/v1/desk/tracking-book.xlsx", &desk.clerk.access_token).await).await;

    // Assert: every cell as in the CSV, the number a number and the times dates.
    let csv = app.get_as("/api/v1/desk/tracking-book.csv", &desk.clerk.access_token).await.text().await.unwrap();
    let csv: Vec<Vec<String>> =
        csv.strip_prefix('\u{feff}').unwrap().split("\r\n").filter(|l| !l.is_empty()).map(csv_cells).collect();
    let (header, rows) = table_after(&sheet_rows(&bytes, "Sổ theo dõi hồ sơ"), "STT");
    assert_eq!(header, csv[0]);
    assert_eq!(rows.len(), 2);
    for (row, line) in rows.iter().zip(&csv[1..]) {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(col, cell)| match cell {
                calamine::Data::Float(n) => {
                    assert_eq!(col, 0, "only the number is a number");
                    format!("{n}")
                }
                calamine::Data::DateTime(t) => {
                    assert!((6..=8).contains(&col), "a time in column {col}");
                    t.as_datetime().unwrap().format("%H:%M %d/%m/%Y").to_string()
                }
                other => other.to_string(),
            })
            .collect();
        let mut expected = line.clone();
        expected.resize(cells.len(), String::new());
        assert_eq!(cells, expected);
    }
    assert!(matches!(rows[0][6], calamine::Data::DateTime(_)), "{:?}", rows[0]);

    // Staff of an agency only.
    assert_problem(
        app.get_as("/api/v1/desk/tracking-book.xlsx", &desk.citizen.access_token).await,
        403,
        "identity_forbidden",
    )
    .await;
    assert_problem(app.get("/api/v1/desk/tracking-book.xlsx").await, 401, "identity_unauthenticated").await;
}

/// The fractions of a report that add up over disjoint periods: all but the on-time share (it
/// counts the dossiers open at the period's end) and the catalogue's full-online share.
fn additive(report: &Value) -> BTreeMap<String, (i64, i64)> {
    let mut all = fractions(report);
    all.retain(|key, _| key != "on_time_share" && key != "procedures_full_online_share");
    all
}

fn add_up(total: &mut BTreeMap<String, (i64, i64)>, part: BTreeMap<String, (i64, i64)>) {
    for (key, (numerator, denominator)) in part {
        let sum = total.entry(key).or_default();
        *sum = (sum.0 + numerator, sum.1 + denominator);
    }
}

#[tokio::test]
async fn a_month_read_as_its_monthly_rows_minus_the_days_outside_the_period_gives_the_sum_of_its_days() {
    // Arrange: 3,000 generated dossiers over the last 150 days; a period from the 5th of a month
    // to a few days before the end of another, both in the past: each end month is read as its
    // monthly rows minus the days outside the period, the months between as monthly rows.
    let app = spawn_app().await;
    let db = motcua::db::connect(app.db.url(), 2).await.unwrap();
    motcua::demo::seed(&db).await.unwrap();
    let plan = motcua::metrics::generate::Plan { count: 3000, seed: 766, days: 150 };
    motcua::metrics::generate::generate(&db, plan).await.unwrap();
    let this_month = business_today().with_day(1).unwrap();
    let from = this_month.checked_sub_months(chrono::Months::new(4)).unwrap() + chrono::Days::new(4);
    let to = this_month.checked_sub_months(chrono::Months::new(1)).unwrap() - chrono::Days::new(4);
    let report = |from: chrono::NaiveDate, to: chrono::NaiveDate| {
        let app = &app;
        async move { app.get(&format!("/api/v1/indicators?from={from}&to={to}")).await.json::<Value>().await.unwrap() }
    };

    // Act: the period, its months, and each week of it (a week is read from the daily rows).
    let whole = additive(&report(from, to).await);
    let by_month: Value =
        app.get(&format!("/api/v1/indicators/by-month?from={from}&to={to}")).await.json().await.unwrap();
    let mut weeks_total = BTreeMap::new();
    let mut weeks_per_month: BTreeMap<String, BTreeMap<String, (i64, i64)>> = BTreeMap::new();
    let mut start = from;
    while start <= to {
        let month_end =
            start.with_day(1).unwrap().checked_add_months(chrono::Months::new(1)).unwrap().pred_opt().unwrap();
        let end = (start + chrono::Days::new(6)).min(month_end).min(to);
        let week = additive(&report(start, end).await);
        add_up(weeks_per_month.entry(start.format("%Y-%m").to_string()).or_default(), week.clone());
        add_up(&mut weeks_total, week);
        start = end + chrono::Days::new(1);
    }

    // Assert
    assert!(whole["online_dossier_share"].1 > 1000, "the period has dossiers: {whole:?}");
    assert_eq!(whole, weeks_total);
    let months = by_month["months"].as_array().unwrap();
    assert_eq!(months.len(), 3);
    for month in months {
        let key = month["from"].as_str().unwrap().get(..7).unwrap().to_owned();
        assert_eq!(additive(&json!({"items": month["items"]})), weeks_per_month[&key], "{key}");
    }
}

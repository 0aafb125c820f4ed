//! Payments left pending by a lost callback: the outbox worker asks the provider's status API
//! (a local stand-in here) and settles them as the callback would, or lets them expire.

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::{json, Value};

use crate::helpers::{spawn_app_with, step, Session, TestApp, AGENCY_A};

const PROCEDURE: &str = "1.004873";
const SECRET: &str = "chia-se-voi-cong-thanh-toan";

/// A stand-in for the provider's status API: `GET /status?payment_id=…` answers what the test
/// set for that payment (404 for one it never heard of) and records whether the query was signed.
#[derive(Clone, Default)]
struct FakeProvider {
    answers: Arc<Mutex<HashMap<String, Value>>>,
    queries: Arc<Mutex<Vec<(String, bool)>>>,
}

impl FakeProvider {
    async fn start(&self) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = web::Data::new(self.clone());
        let server =
            HttpServer::new(move || App::new().app_data(state.clone()).route("/status", web::get().to(status)))
                .workers(1)
                .disable_signals()
                .listen(listener)
                .unwrap()
                .run();
        tokio::spawn(server);
        format!("http://127.0.0.1:{port}/status")
    }

    fn answer(&self, payment_id: &str, answer: Value) {
        self.answers.lock().unwrap().insert(payment_id.to_owned(), answer);
    }

    fn queries(&self) -> Vec<(String, bool)> {
        self.queries.lock().unwrap().clone()
    }
}

async fn status(state: web::Data<FakeProvider>, request: HttpRequest) -> HttpResponse {
    use hmac::{Hmac, Mac};
    let query = request.query_string().to_owned();
    let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let timestamp = header("x-payment-timestamp");
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.{query}").as_bytes());
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    let signed = header("x-payment-signature") == expected;
    let payment_id = query.strip_prefix("payment_id=").unwrap_or_default().to_owned();
    state.queries.lock().unwrap().push((payment_id.clone(), signed));
    if !signed {
        return HttpResponse::Unauthorized().finish();
    }
    match state.answers.lock().unwrap().get(&payment_id) {
        Some(answer) => HttpResponse::Ok().json(answer),
        None => HttpResponse::NotFound().finish(),
    }
}

struct Desk {
    citizen: Session,
    clerk: Session,
}

async fn app(status_url: &str) -> TestApp {
    spawn_app_with(|s| {
        s.payment_hmac_secret = Some(SECRET.to_owned().into());
        s.payment_status_url = Some(status_url.to_owned());
        s.payment_reconcile_grace_secs = 0;
        s.payment_reconcile_interval_secs = 1;
    })
    .await
}

async fn setup(app: &TestApp) -> Desk {
    let admin = app.admin().await;
    app.agency(&admin, AGENCY_A).await;
    let procedure = json!({
        "code": PROCEDURE, "name": "Cấp bản sao trích lục hộ tịch", "field": "Hộ tịch", "online_level": "full",
        "eligible_full_online": true, "approval_required": false,
        "processing_time": {"value": 3, "unit": "working_days"},
        "fees": [{"name": "Lệ phí", "amount_vnd": 50000}],
        "documents": [], "result": {"is_document": true, "name": "Bản sao trích lục"},
        "form_schema": {"type": "object", "properties": {}}, "legal_basis": [], "agencies": [AGENCY_A]});
    let response = app.post_json_as("/api/v1/admin/procedures", &procedure, &admin.access_token).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    Desk { citizen: app.citizen("038095001234").await, clerk: app.staff(&admin, AGENCY_A, &["clerk"]).await }
}

async fn dossier(app: &TestApp, who: &Session, id: &str) -> Value {
    app.dossier(who, id).await
}

/// A received dossier asked to pay `amount` đồng; its id.
async fn awaiting_payment(app: &TestApp, desk: &Desk, amount: i64) -> String {
    let body = json!({"procedure_code": PROCEDURE, "agency_code": AGENCY_A, "form_data": {}});
    let draft: Value =
        app.post_json_as("/api/v1/dossiers", &body, &desk.citizen.access_token).await.json().await.unwrap();
    let id = draft["id"].as_str().unwrap().to_owned();
    let submitted =
        app.post_json_as(&format!("/api/v1/dossiers/{id}/submit"), &json!({}), &desk.citizen.access_token).await;
    assert_eq!(submitted.status(), 200, "{}", submitted.text().await.unwrap_or_default());
    step(app, &desk.clerk, &id, json!({"action": "receive"})).await;
    let fees = json!({"action": "request_payment", "fees": [{"name": "Lệ phí", "amount": amount}]});
    assert_eq!(step(app, &desk.clerk, &id, fees).await["state"], "awaiting_payment");
    id
}

async fn payments(app: &TestApp, who: &Session, id: &str) -> Vec<Value> {
    let body: Value =
        app.get_as(&format!("/api/v1/dossiers/{id}/payments"), &who.access_token).await.json().await.unwrap();
    body["items"].as_array().unwrap().clone()
}

/// Polls the dossier's payments until `done` holds; panics after 15 seconds.
async fn wait_for_payments(app: &TestApp, who: &Session, id: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let items = payments(app, who, id).await;
        if done(&items) {
            return items;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out; payments: {items:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_pending_payment_the_provider_reports_paid_is_settled_and_the_dossier_resumes() {
    // Arrange: the callback never comes, but the provider knows the payment was made.
    let provider = FakeProvider::default();
    let app = app(&provider.start().await).await;
    let desk = setup(&app).await;
    let id = awaiting_payment(&app, &desk, 50_000).await;
    let payment_id = payments(&app, &desk.citizen, &id).await[0]["id"].as_str().unwrap().to_owned();
    provider.answer(&payment_id, json!({"status": "paid", "reference": "FT26334", "amount": 50000}));

    // Act: the worker's reconciliation runs every second.
    let items = wait_for_payments(&app, &desk.citizen, &id, |p| p[0]["status"] != "pending").await;

    // Assert
    assert_eq!(items[0]["status"], "settled");
    assert_eq!(items[0]["method"], "online");
    assert_eq!(items[0]["provider"], "hmac");
    assert_eq!(items[0]["reference"], "FT26334");
    let after = dossier(&app, &desk.citizen, &id).await;
    assert_eq!(after["state"], "received", "resumed where the payment was requested");
    assert_eq!(after["payment_method"], "online");
    let history: Value =
        app.get_as(&format!("/api/v1/dossiers/{id}/history"), &desk.citizen.access_token).await.json().await.unwrap();
    let confirmations: Vec<&Value> =
        history["items"].as_array().unwrap().iter().filter(|e| e["action"] == "confirm_payment").collect();
    assert_eq!(confirmations.len(), 1, "settled once, however many runs saw it");
    assert_eq!(confirmations[0]["actor_role"], "payment_provider");
    let queries = provider.queries();
    assert!(queries.iter().any(|(p, _)| p == &payment_id));
    assert!(queries.iter().all(|(_, signed)| *signed), "every status query is signed");
    // The settled payment counts as paid online.
    let indicators: Value = app.get("/api/v1/indicators").await.json().await.unwrap();
    let share = indicators["items"].as_array().unwrap().iter().find(|i| i["key"] == "online_payment_share").unwrap();
    assert_eq!(share["numerator"], 1, "{share}");
}

#[tokio::test]
async fn a_failed_or_overdue_payment_expires_and_the_clerk_requests_payment_again() {
    // Arrange
    let provider = FakeProvider::default();
    let app = app(&provider.start().await).await;
    let desk = setup(&app).await;
    let id = awaiting_payment(&app, &desk, 50_000).await;
    let first = payments(&app, &desk.citizen, &id).await[0]["id"].as_str().unwrap().to_owned();

    // Act: the provider reports the attempt failed.
    provider.answer(&first, json!({"status": "failed"}));
    let items = wait_for_payments(&app, &desk.citizen, &id, |p| p[0]["status"] != "pending").await;

    // Assert: expired, and the dossier still awaits payment.
    assert_eq!(items[0]["status"], "expired");
    let waiting = dossier(&app, &desk.citizen, &id).await;
    assert_eq!(waiting["state"], "awaiting_payment");

    // The clerk asks again; the new request replaces the expired one in the fee total.
    let again = step(
        &app,
        &desk.clerk,
        &id,
        json!({"action": "request_payment", "fees": [{"name": "Lệ phí", "amount": 60000}]}),
    )
    .await;
    assert_eq!(again["state"], "awaiting_payment");
    assert_eq!(again["fee_total"], 60000);
    let items = payments(&app, &desk.citizen, &id).await;
    assert_eq!(items.len(), 2);
    assert_eq!(items[1]["status"], "pending");

    // Still paying at the provider, but requested longer ago than the expiry (72 hours).
    provider.answer(items[1]["id"].as_str().unwrap(), json!({"status": "pending"}));
    let db = sea_orm::Database::connect(app.db.url()).await.unwrap();
    use sea_orm::ConnectionTrait;
    let past = (chrono::Utc::now() - chrono::TimeDelta::hours(73)).fixed_offset();
    let past = past.format("%Y-%m-%d %H:%M:%S%.6f%:z");
    // (Matched by amount: ids are stored as BLOBs on SQLite and UUIDs on PostgreSQL.)
    db.execute_unprepared(&format!("UPDATE payments SET created_at = '{past}' WHERE amount = 60000")).await.unwrap();
    let items = wait_for_payments(&app, &desk.citizen, &id, |p| p[1]["status"] != "pending").await;
    assert_eq!(items[1]["status"], "expired");
    assert_eq!(dossier(&app, &desk.citizen, &id).await["state"], "awaiting_payment");
    let history: Value =
        app.get_as(&format!("/api/v1/dossiers/{id}/history"), &desk.citizen.access_token).await.json().await.unwrap();
    assert!(history["items"].as_array().unwrap().iter().all(|e| e["action"] != "confirm_payment"));
}

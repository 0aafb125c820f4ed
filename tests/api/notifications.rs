//! Notices through the outbox: the applicant's Vietnamese e-mails on submission and reception,
//! retries after temporary SMTP failures, dead jobs and their re-drive, rollback, ordering, leases,
//! several workers, API-only replicas, and the deadline reminders to an agency's leaders — against
//! a real (small) SMTP server.

use std::time::Duration;

use chrono::{DateTime, Utc};
use motcua::config::Settings;
use motcua::jobs::NewJob;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};
use serde_json::{json, Value};

use crate::helpers::{spawn_app_with, verification_token_in, Session, TestApp, AGENCY_A, AGENCY_B, PASSWORD};
use crate::smtp_sink::{Received, SmtpSink};

const PROCEDURE: &str = "1.004873";
const PROCEDURE_NAME: &str = "Cấp Giấy xác nhận tình trạng hôn nhân";

/// An app sending mail to `sink`, with a fast worker; `customise` adjusts the rest.
async fn spawn_with_sink(sink: &SmtpSink, customise: impl FnOnce(&mut Settings)) -> TestApp {
    let url = sink.url();
    spawn_app_with(move |s| {
        s.smtp_url = Some(url.into());
        s.jobs_poll_ms = 50;
        s.jobs_backoff_ms = 20;
        s.public_url = "https://dichvucong.example.gov.vn".to_owned();
        customise(s);
    })
    .await
}

struct Desk {
    admin: Session,
    citizen: Session,
    citizen_email: String,
    clerk: Session,
}

/// Registers a citizen, verifies them with the link the sink received, and signs them in.
async fn citizen(app: &TestApp, sink: &SmtpSink, national_id: &str) -> (Session, String) {
    let email = app.register(national_id).await;
    let mails = sink.wait_for_mails_to(&email, 1).await;
    let token = verification_token_in(&mails[0].body()).expect("a verification link");
    let response = app.post_json("/api/v1/auth/verify-email", &json!({"token": token})).await;
    assert_eq!(response.status(), 200);
    (app.login(&email, PASSWORD).await, email)
}

async fn setup(app: &TestApp, sink: &SmtpSink) -> Desk {
    let admin = app.admin().await;
    app.agency(&admin, AGENCY_A).await;
    let procedure = json!({
        "code": PROCEDURE, "name": PROCEDURE_NAME, "field": "Hộ tịch", "online_level": "full",
        "eligible_full_online": true, "processing_time": {"value": 3, "unit": "working_days"}, "fees": [],
        "documents": [], "result": {"is_document": true, "name": "Giấy xác nhận"},
        "form_schema": {"type": "object", "properties": {"purpose": {"type": "string"}}, "required": ["purpose"]},
        "legal_basis": [], "agencies": [AGENCY_A]});
    let response = app.post_json_as("/api/v1/admin/procedures", &procedure, &admin.access_token).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    let (citizen, citizen_email) = citizen(app, sink, "038095001234").await;
    let clerk = app.staff(&admin, AGENCY_A, &["clerk"]).await;
    Desk { admin, citizen, citizen_email, clerk }
}

/// A submitted dossier.
async fn submit(app: &TestApp, citizen: &Session) -> Value {
    let id = app.draft(citizen, AGENCY_A, PROCEDURE, json!({"purpose": "kết hôn"})).await;
    app.submit(citizen, &id).await
}

async fn receive(app: &TestApp, clerk: &Session, dossier: &Value) -> Value {
    let response = app
        .client
        .post(app.url(&format!("/api/v1/dossiers/{}/actions", dossier["id"].as_str().unwrap())))
        .bearer_auth(&clerk.access_token)
        .header("if-match", format!("\"{}\"", dossier["version"]))
        .json(&json!({"action": "receive"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap_or_default());
    response.json().await.unwrap()
}

/// The outbox as the admin sees it, filtered by a query string.
async fn jobs(app: &TestApp, admin: &Session, query: &str) -> Value {
    let response = app.get_as(&format!("/api/v1/admin/jobs?{query}"), &admin.access_token).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap_or_default());
    response.json().await.unwrap()
}

/// Polls the admin list until `done` holds for it; panics after 15 seconds.
async fn wait_for_jobs(app: &TestApp, admin: &Session, query: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let page = jobs(app, admin, query).await;
        if done(&page) {
            return page;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for jobs ?{query}: {page:#}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn with_subject<'a>(mails: &'a [Received], part: &str) -> Vec<&'a Received> {
    mails.iter().filter(|m| m.subject().contains(part)).collect()
}

/// `HH:MM ngày DD/MM/YYYY` in Asia/Ho_Chi_Minh.
fn vietnam_time(rfc3339: &str) -> String {
    let t = DateTime::parse_from_rfc3339(rfc3339).unwrap();
    let offset = chrono::FixedOffset::east_opt(7 * 3600).unwrap();
    t.with_timezone(&offset).format("%H:%M ngày %d/%m/%Y").to_string()
}

#[tokio::test]
async fn the_applicant_is_mailed_in_vietnamese_on_submission_and_on_reception_with_the_appointment() {
    let sink = SmtpSink::start().await;
    let app = spawn_with_sink(&sink, |_| {}).await;
    let desk = setup(&app, &sink).await;

    let submitted = submit(&app, &desk.citizen).await;
    let received = receive(&app, &desk.clerk, &submitted).await;

    let code = submitted["code"].as_str().unwrap();
    let id = submitted["id"].as_str().unwrap();
    // The verification mail, then the two notices.
    let mails = sink.wait_for_mails_to(&desk.citizen_email, 3).await;
    let notices = with_subject(&mails, code);
    assert_eq!(notices.len(), 2, "{mails:#?}");
    let (on_submit, on_receive) = (notices[0], notices[1]);
    assert_eq!(on_submit.subject(), format!("Hồ sơ {code}: đã nộp thành công"), "the notices arrive in order");
    assert_eq!(on_submit.from, "no-reply@motcua.local", "the envelope sender is MOTCUA_MAIL_FROM");
    let body = on_submit.body();
    assert!(body.starts_with("Kính gửi Ông/Bà Nguyễn Thị Ánh,"), "{body}");
    assert!(body.contains(&format!("Mã hồ sơ: {code}")), "{body}");
    assert!(body.contains(&format!("Thủ tục: {PROCEDURE_NAME}")), "{body}");
    assert!(body.contains("Trạng thái: Đã nộp, chờ tiếp nhận"), "{body}");
    assert!(body.contains("Việc cần làm: Ông/Bà không cần làm gì thêm."), "{body}");
    assert!(body.contains(&format!("https://dichvucong.example.gov.vn/dossiers/{id}")), "{body}");

    assert_eq!(on_receive.subject(), format!("Hồ sơ {code}: đã được tiếp nhận"));
    let body = on_receive.body();
    assert!(body.contains("Trạng thái: Đã tiếp nhận"), "{body}");
    assert!(body.contains("Mẫu số 01"), "{body}");
    let appointment = vietnam_time(received["due_at"].as_str().unwrap());
    assert!(body.contains(&format!("Thời gian hẹn trả kết quả: {appointment}")), "{appointment} in {body}");

    let done = wait_for_jobs(&app, &desk.admin, "state=done&kind=mail", |p| p["total"] == 2).await;
    assert_eq!(done["items"][0]["ordering_key"], format!("dossier:{id}"));
    assert_eq!(done["items"][0]["attempts"], 1);
    assert!(done["items"][0].get("payload").is_none(), "the admin view does not show personal data");
}

#[tokio::test]
async fn a_mail_refused_with_451_is_retried_with_backoff_and_then_delivered() {
    let sink = SmtpSink::start().await;
    let app = spawn_with_sink(&sink, |s| s.jobs_max_attempts = 5).await;
    let desk = setup(&app, &sink).await;

    sink.fail_next(2);
    let submitted = submit(&app, &desk.citizen).await;

    let code = submitted["code"].as_str().unwrap();
    sink.wait_until("the submission notice", |m| !with_subject(m, code).is_empty()).await;
    assert_eq!(sink.rejected(), 2);
    let done = wait_for_jobs(&app, &desk.admin, "state=done", |p| p["total"] == 1).await;
    let job = &done["items"][0];
    assert_eq!(job["attempts"], 3, "two refusals, then the delivery: {job}");
    assert!(job["last_error"].as_str().unwrap().contains("451"), "{job}");
    assert!(job["finished_at"].is_string());
}

#[tokio::test]
async fn a_job_that_keeps_failing_goes_dead_and_an_admin_redrives_it() {
    let sink = SmtpSink::start().await;
    let app = spawn_with_sink(&sink, |s| s.jobs_max_attempts = 3).await;
    let desk = setup(&app, &sink).await;

    sink.fail_next(3);
    let submitted = submit(&app, &desk.citizen).await;
    let dead = wait_for_jobs(&app, &desk.admin, "state=dead", |p| p["total"] == 1).await;
    let job = &dead["items"][0];
    assert_eq!((job["kind"].as_str(), job["attempts"].as_u64()), (Some("mail"), Some(3)));
    assert!(job["last_error"].as_str().unwrap().contains("451"), "{job}");
    assert_eq!(jobs(&app, &desk.admin, "state=pending&kind=mail").await["total"], 0, "a dead job is not retried");
    let code = submitted["code"].as_str().unwrap();
    assert!(with_subject(&sink.messages(), code).is_empty());

    // Only a province-wide admin sees or re-drives jobs.
    let path = format!("/api/v1/admin/jobs/{}/redrive", job["id"].as_str().unwrap());
    crate::helpers::assert_problem(
        app.get_as("/api/v1/admin/jobs", &desk.clerk.access_token).await,
        403,
        "identity_forbidden",
    )
    .await;
    crate::helpers::assert_problem(
        app.post_json_as(&path, &json!({}), &desk.clerk.access_token).await,
        403,
        "identity_forbidden",
    )
    .await;
    crate::helpers::assert_problem(
        app.get_as("/api/v1/admin/jobs?state=sleeping", &desk.admin.access_token).await,
        400,
        "invalid_query",
    )
    .await;

    let response = app.post_json_as(&path, &json!({}), &desk.admin.access_token).await;
    assert_eq!(response.status(), 200);
    let redriven: Value = response.json().await.unwrap();
    assert_eq!((redriven["state"].as_str(), redriven["attempts"].as_u64()), (Some("pending"), Some(0)));

    sink.wait_until("the re-driven notice", |m| with_subject(m, code).len() == 1).await;
    wait_for_jobs(&app, &desk.admin, "state=done", |p| p["total"] == 1).await;
    let again = app.post_json_as(&path, &json!({}), &desk.admin.access_token).await;
    crate::helpers::assert_problem(again, 409, "job_not_dead").await;
    let unknown = format!("/api/v1/admin/jobs/{}/redrive", uuid::Uuid::now_v7());
    crate::helpers::assert_problem(
        app.post_json_as(&unknown, &json!({}), &desk.admin.access_token).await,
        404,
        "job_not_found",
    )
    .await;
}

fn mail_job(to: &str, subject: &str, ordering_key: Option<&str>) -> NewJob {
    NewJob {
        kind: "mail",
        ordering_key: ordering_key.map(str::to_owned),
        dedupe_key: None,
        payload: json!({"to": to, "subject": subject, "body": "Nội dung thử."}),
        run_at: None,
    }
}

#[tokio::test]
async fn a_job_enqueued_in_a_transaction_that_rolls_back_is_never_sent() {
    let sink = SmtpSink::start().await;
    let app = spawn_with_sink(&sink, |_| {}).await;
    let admin = app.admin().await;
    let db = motcua::db::connect(app.db.url(), 2).await.unwrap();

    let txn = db.begin().await.unwrap();
    motcua::jobs::enqueue(&txn, mail_job("rolled-back@example.vn", "Không được gửi", None)).await.unwrap();
    txn.rollback().await.unwrap();
    let txn = db.begin().await.unwrap();
    motcua::jobs::enqueue(&txn, mail_job("committed@example.vn", "Được gửi", None)).await.unwrap();
    txn.commit().await.unwrap();

    sink.wait_for_mails_to("committed@example.vn", 1).await;
    // The committed job came later, so a rolled-back one that existed would have gone first.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(sink.messages().iter().all(|m| !m.is_for("rolled-back@example.vn")));
    assert_eq!(jobs(&app, &admin, "").await["total"], 1);
}

#[tokio::test]
async fn jobs_with_the_same_ordering_key_run_in_creation_order_even_when_the_first_is_retried() {
    let sink = SmtpSink::start().await;
    let app = spawn_with_sink(&sink, |s| s.jobs_backoff_ms = 100).await;
    let db = motcua::db::connect(app.db.url(), 2).await.unwrap();

    sink.fail_next(1);
    let txn = db.begin().await.unwrap();
    for n in 1..=3 {
        motcua::jobs::enqueue(&txn, mail_job("thu.tu@example.vn", &format!("Thư số {n}"), Some("test:order")))
            .await
            .unwrap();
    }
    // A job under another key is not held back by them.
    motcua::jobs::enqueue(&txn, mail_job("khac@example.vn", "Thư khác", Some("test:other"))).await.unwrap();
    txn.commit().await.unwrap();

    let mails = sink.wait_for_mails_to("thu.tu@example.vn", 3).await;
    let subjects: Vec<String> = mails.iter().map(Received::subject).collect();
    assert_eq!(subjects, ["Thư số 1", "Thư số 2", "Thư số 3"]);
    assert_eq!(sink.rejected(), 1, "the first one was refused once and retried before the others");
    let order: Vec<String> = sink.messages().iter().map(Received::subject).collect();
    let other = order.iter().position(|s| s == "Thư khác").unwrap();
    let first = order.iter().position(|s| s == "Thư số 1").unwrap();
    assert!(other < first, "the other key went out while the first waited for its retry: {order:?}");
}

/// Moves a dossier's appointment straight in the database, as time passing would.
async fn set_due_at(app: &TestApp, dossier_id: &str, due_at: DateTime<Utc>) {
    let db = sea_orm::Database::connect(app.db.url()).await.unwrap();
    let id = uuid::Uuid::parse_str(dossier_id).unwrap();
    let updated = entity::dossiers::Entity::update_many()
        .col_expr(entity::dossiers::Column::DueAt, Expr::value(Some(due_at.fixed_offset())))
        .filter(entity::dossiers::Column::Id.eq(id))
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(updated.rows_affected, 1);
}

async fn email_of(app: &TestApp, session: &Session) -> String {
    let me: Value = app.get_as("/api/v1/me", &session.access_token).await.json().await.unwrap();
    me["email"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn overdue_and_nearly_due_dossiers_are_reminded_to_the_agency_leaders_once() {
    let sink = SmtpSink::start().await;
    let app = spawn_with_sink(&sink, |s| s.reminders_interval_secs = 1).await;
    let desk = setup(&app, &sink).await;
    app.agency(&desk.admin, AGENCY_B).await;
    let leader = app.staff(&desk.admin, AGENCY_A, &["leader"]).await;
    let clerk_and_leader = app.staff(&desk.admin, AGENCY_A, &["clerk", "leader"]).await;
    let leader_elsewhere = app.staff(&desk.admin, AGENCY_B, &["leader"]).await;
    let (leader, clerk_and_leader, leader_elsewhere) = (
        email_of(&app, &leader).await,
        email_of(&app, &clerk_and_leader).await,
        email_of(&app, &leader_elsewhere).await,
    );
    let clerk = email_of(&app, &desk.clerk).await;

    let late = receive(&app, &desk.clerk, &submit(&app, &desk.citizen).await).await;
    let soon = receive(&app, &desk.clerk, &submit(&app, &desk.citizen).await).await;
    let later = receive(&app, &desk.clerk, &submit(&app, &desk.citizen).await).await;
    set_due_at(&app, late["id"].as_str().unwrap(), Utc::now() - chrono::Duration::hours(2)).await;
    set_due_at(&app, soon["id"].as_str().unwrap(), Utc::now() + chrono::Duration::hours(3)).await;
    set_due_at(&app, later["id"].as_str().unwrap(), Utc::now() + chrono::Duration::days(3)).await;

    let late_code = late["code"].as_str().unwrap();
    let soon_code = soon["code"].as_str().unwrap();
    let mails = sink
        .wait_until("both reminders", |m| {
            !with_subject(m, &format!("[Quá hạn] Hồ sơ {late_code}")).is_empty()
                && !with_subject(m, &format!("[Sắp đến hạn] Hồ sơ {soon_code}")).is_empty()
        })
        .await;
    let overdue = with_subject(&mails, &format!("[Quá hạn] Hồ sơ {late_code}"))[0];
    assert!(overdue.is_for(&leader) && overdue.is_for(&clerk_and_leader), "{:?}", overdue.to);
    assert!(!overdue.is_for(&leader_elsewhere) && !overdue.is_for(&clerk), "{:?}", overdue.to);
    assert!(overdue.body().contains("quá hạn giải quyết"), "{}", overdue.body());
    let due_soon = with_subject(&mails, &format!("[Sắp đến hạn] Hồ sơ {soon_code}"))[0];
    assert!(due_soon.body().contains("Mẫu số 04"), "{}", due_soon.body());

    // Several more scans later: still one of each, and nothing about the dossier due in three days.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let mails = sink.messages();
    assert_eq!(with_subject(&mails, "[Quá hạn]").len(), 1);
    assert_eq!(with_subject(&mails, "[Sắp đến hạn]").len(), 1);
    let later_code = later["code"].as_str().unwrap();
    assert!(with_subject(&mails, &format!("Hồ sơ {later_code}")).iter().all(|m| !m.subject().starts_with('[')));
    let reminders = jobs(&app, &desk.admin, "kind=mail&per_page=100").await;
    let keys: Vec<&str> =
        reminders["items"].as_array().unwrap().iter().filter_map(|j| j["dedupe_key"].as_str()).collect();
    assert!(keys.contains(&format!("reminder:overdue:{}", late["id"].as_str().unwrap()).as_str()), "{keys:?}");
}

#[tokio::test]
async fn two_workers_on_one_database_deliver_every_job_exactly_once() {
    let sink = SmtpSink::start().await;
    let app = spawn_with_sink(&sink, |_| {}).await;
    // A second replica on the same database, with its own worker.
    let data_dir = tempfile::tempdir().unwrap();
    let mut settings = crate::helpers::test_settings(&app.db, &data_dir);
    settings.smtp_url = Some(sink.url().into());
    settings.jobs_poll_ms = 20;
    let replica = motcua::startup::Application::build(settings).await.unwrap();
    tokio::spawn(replica.run_until_stopped());

    let db = motcua::db::connect(app.db.url(), 2).await.unwrap();
    let txn = db.begin().await.unwrap();
    for n in 0..30 {
        motcua::jobs::enqueue(&txn, mail_job("nhieu@example.vn", &format!("Thư {n:02}"), None)).await.unwrap();
    }
    txn.commit().await.unwrap();

    sink.wait_for_mails_to("nhieu@example.vn", 30).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut subjects: Vec<String> = sink.messages().iter().map(Received::subject).collect();
    subjects.sort();
    let expected: Vec<String> = (0..30).map(|n| format!("Thư {n:02}")).collect();
    assert_eq!(subjects, expected, "each job once, none twice");
}

/// A mail job as a worker left it: claimed once, its lease ending at `locked_until`.
async fn insert_claimed_job(app: &TestApp, to: &str, locked_until: DateTime<Utc>) {
    use sea_orm::{ActiveModelTrait, Set};
    let db = sea_orm::Database::connect(app.db.url()).await.unwrap();
    let now = Utc::now().fixed_offset();
    entity::outbox_jobs::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        kind: Set("mail".to_owned()),
        ordering_key: Set(None),
        dedupe_key: Set(None),
        payload: Set(json!({"to": to, "subject": "Thư bị bỏ dở", "body": "…"}).to_string()),
        state: Set("pending".to_owned()),
        attempts: Set(1),
        run_at: Set(now),
        locked_until: Set(Some(locked_until.fixed_offset())),
        last_error: Set(None),
        created_at: Set(now),
        finished_at: Set(None),
    }
    .insert(&db)
    .await
    .unwrap();
}

#[tokio::test]
async fn a_job_whose_worker_died_is_claimed_again_once_its_lease_has_run_out() {
    let sink = SmtpSink::start().await;
    let app = spawn_with_sink(&sink, |_| {}).await;
    let admin = app.admin().await;

    insert_claimed_job(&app, "lease-expired@example.vn", Utc::now() - chrono::Duration::seconds(1)).await;
    insert_claimed_job(&app, "lease-held@example.vn", Utc::now() + chrono::Duration::hours(1)).await;

    sink.wait_for_mails_to("lease-expired@example.vn", 1).await;
    let done = wait_for_jobs(&app, &admin, "state=done", |p| p["total"] == 1).await;
    assert_eq!(done["items"][0]["attempts"], 2, "the lost attempt counts");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(sink.messages().iter().all(|m| !m.is_for("lease-held@example.vn")), "a live lease is respected");
    let pending = jobs(&app, &admin, "state=pending").await;
    assert_eq!(pending["total"], 1);
    assert!(pending["items"][0]["locked_until"].is_string());
}

#[tokio::test]
async fn an_api_only_replica_queues_jobs_but_runs_none() {
    let sink = SmtpSink::start().await;
    let app = spawn_with_sink(&sink, |s| s.jobs_enabled = false).await;
    let admin = app.admin().await;
    let db = motcua::db::connect(app.db.url(), 2).await.unwrap();

    motcua::jobs::enqueue(&db, mail_job("cho@example.vn", "Chờ worker", None)).await.unwrap();

    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(sink.messages().is_empty());
    let pending = jobs(&app, &admin, "state=pending").await;
    assert_eq!((pending["total"].as_u64(), pending["items"][0]["attempts"].as_u64()), (Some(1), Some(0)));
}

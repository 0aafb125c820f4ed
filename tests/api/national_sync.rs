//! Outbound sync with the national portal, against a stand-in adapter: the exact records along a
//! dossier's path, the session login, retries after 500s and timeouts, a renewed session, order
//! per dossier, dead jobs and their re-drive, the admin's per-dossier view, and no loss when the
//! process stops between the commit and the send.

use std::time::Duration;

use chrono::{DateTime, FixedOffset, Utc};
use motcua::config::Settings;
use serde_json::{json, Value};

use crate::fake_portal::{FakePortal, PASSWORD as PORTAL_PASSWORD, USERNAME as PORTAL_USERNAME};
use crate::helpers::{spawn_app_with, step, Session, TestApp, AGENCY_A};

const PROCEDURE: &str = "1.004873";
const PROCEDURE_NAME: &str = "Cấp Giấy xác nhận tình trạng hôn nhân";
const SYNC: &str = "DongBoHoSoMC";
const PROGRESS: &str = "CapNhatTienDoHoSoMC";

/// Points `s` at `portal` with a fast worker and a short timeout.
fn with_portal(s: &mut Settings, portal: &FakePortal) {
    s.national_portal_url = Some(portal.url());
    s.national_portal_username = PORTAL_USERNAME.to_owned();
    s.national_portal_password = Some(PORTAL_PASSWORD.to_owned().into());
    s.national_portal_timeout_ms = 500;
    s.jobs_poll_ms = 50;
    s.jobs_backoff_ms = 20;
    s.public_url = "https://dichvucong.example.gov.vn".to_owned();
}

async fn spawn_with_portal(portal: &FakePortal, customise: impl FnOnce(&mut Settings)) -> TestApp {
    let portal = portal.clone();
    spawn_app_with(move |s| {
        with_portal(s, &portal);
        customise(s);
    })
    .await
}

struct Desk {
    admin: Session,
    citizen: Session,
    clerk: Session,
    specialist: Session,
    leader: Session,
}

async fn setup(app: &TestApp) -> Desk {
    let admin = app.admin().await;
    app.agency(&admin, AGENCY_A).await;
    let procedure = json!({
        "code": PROCEDURE, "name": PROCEDURE_NAME, "field": "Hộ tịch", "online_level": "full",
        "eligible_full_online": true, "approval_required": true,
        "processing_time": {"value": 3, "unit": "working_days"},
        "fees": [{"name": "Lệ phí", "amount_vnd": 30000}], "documents": [],
        "result": {"is_document": true, "name": "Giấy xác nhận"},
        "form_schema": {"type": "object", "properties": {"purpose": {"type": "string"}}, "required": ["purpose"]},
        "legal_basis": [], "agencies": [AGENCY_A]});
    let response = app.post_json_as("/api/v1/admin/procedures", &procedure, &admin.access_token).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    Desk {
        citizen: app.citizen("038095001234").await,
        clerk: app.staff(&admin, AGENCY_A, &["clerk"]).await,
        specialist: app.staff(&admin, AGENCY_A, &["specialist"]).await,
        leader: app.staff(&admin, AGENCY_A, &["leader"]).await,
        admin,
    }
}

/// Submits a new dossier; returns it.
async fn submit(app: &TestApp, citizen: &Session) -> Value {
    let id = app.draft(citizen, AGENCY_A, PROCEDURE, json!({"purpose": "kết hôn"})).await;
    app.submit(citizen, &id).await
}

/// `yyyyMMddHHmmss` in Asia/Ho_Chi_Minh of an RFC 3339 time.
fn national(rfc3339: &Value) -> String {
    let t = DateTime::parse_from_rfc3339(rfc3339.as_str().unwrap()).unwrap();
    t.with_timezone(&FixedOffset::east_opt(7 * 3600).unwrap()).format("%Y%m%d%H%M%S").to_string()
}

/// The outbox's `national_sync` jobs as the admin sees them.
async fn sync_jobs(app: &TestApp, admin: &Session, query: &str) -> Value {
    let response = app.get_as(&format!("/api/v1/admin/jobs?kind=national_sync&{query}"), &admin.access_token).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn wait_for_sync_jobs(app: &TestApp, admin: &Session, query: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let page = sync_jobs(app, admin, query).await;
        if done(&page) {
            return page;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for sync jobs ?{query}: {page:#}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn sync_states(app: &TestApp, admin: &Session, query: &str) -> Value {
    let response = app.get_as(&format!("/api/v1/integration/sync?{query}"), &admin.access_token).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap_or_default());
    response.json().await.unwrap()
}

#[tokio::test]
async fn every_state_change_reaches_the_portal_in_order_in_the_national_format() {
    let portal = FakePortal::start().await;
    let app = spawn_with_portal(&portal, |_| {}).await;
    let desk = setup(&app).await;

    // Each step waits for its sync, so every record shows the state of its own step.
    let submitted = submit(&app, &desk.citizen).await;
    let id = submitted["id"].as_str().unwrap().to_owned();
    portal.wait_for(PROGRESS, 1).await;
    let steps: Vec<(&Session, Value)> = vec![
        (&desk.clerk, json!({"action": "receive"})),
        (&desk.clerk, json!({"action": "assign", "assignee_id": desk.specialist.id})),
        (&desk.clerk, json!({"action": "request_payment", "fees": [{"name": "Lệ phí", "amount": 30000}]})),
        (&desk.clerk, json!({"action": "confirm_payment", "method": "cash", "reference": "BL-0001"})),
        (&desk.specialist, json!({"action": "propose_result", "decision": "approved", "summary": "Độc thân."})),
        (&desk.leader, json!({"action": "approve"})),
        (&desk.clerk, json!({"action": "return_result", "method": "post"})),
    ];
    let mut last = submitted.clone();
    for (n, (who, body)) in steps.into_iter().enumerate() {
        last = step(&app, who, &id, body).await;
        portal.wait_for(PROGRESS, n + 2).await;
    }

    // A session first, then every call carries it and the dossier's agency.
    let requests = portal.requests();
    assert_eq!(requests[0].path, "login");
    assert_eq!(requests[0].body, json!({"username": PORTAL_USERNAME, "password": PORTAL_PASSWORD}));
    assert_eq!(requests.iter().filter(|r| r.path == "login").count(), 1, "one session serves every call");
    let records = portal.accepted(SYNC);
    let progress = portal.accepted(PROGRESS);
    assert_eq!((records.len(), progress.len()), (8, 8));
    for call in records.iter().chain(&progress) {
        assert_eq!((call["session"].as_str(), call["madonvi"].as_str()), (Some("phien-1"), Some(AGENCY_A)));
    }
    let statuses: Vec<u64> = records.iter().map(|c| c["data"][0]["TrangThaiHoSo"].as_u64().unwrap()).collect();
    assert_eq!(statuses, [1, 2, 4, 6, 4, 4, 9, 10]);
    let updating: Vec<bool> = records.iter().map(|c| c["isUpdating"].as_bool().unwrap()).collect();
    assert_eq!(updating, [false, true, true, true, true, true, true, true]);
    let steps: Vec<(u64, &str)> = progress
        .iter()
        .map(|c| (c["data"][0]["TrangThai"].as_u64().unwrap(), c["data"][0]["NoiDungXuLy"].as_str().unwrap()))
        .collect();
    assert_eq!(
        steps,
        [
            (1, "Nộp hồ sơ"),
            (2, "Tiếp nhận hồ sơ"),
            (4, "Phân công xử lý hồ sơ"),
            (6, "Yêu cầu thực hiện nghĩa vụ tài chính"),
            (4, "Xác nhận đã thanh toán phí, lệ phí"),
            (4, "Trình kết quả giải quyết"),
            (9, "Phê duyệt kết quả giải quyết"),
            (10, "Trả kết quả"),
        ]
    );

    // The first record, exactly.
    let code = submitted["code"].as_str().unwrap();
    assert_eq!(
        records[0]["data"][0],
        json!({
            "MaHoSo": code, "MaTTHC": PROCEDURE, "TenTTHC": PROCEDURE_NAME, "TenLinhVuc": "Hộ tịch",
            "ChuHoSo": "Nguyễn Thị Ánh", "LoaiDoiTuong": 1, "SoDinhDanh": "038095001234",
            "Email": records[0]["data"][0]["Email"], "SoDienThoai": records[0]["data"][0]["SoDienThoai"],
            "TrichYeuHoSo": PROCEDURE_NAME, "NgayNopHoSo": national(&submitted["submitted_at"]),
            "NgayTiepNhan": null, "NgayHenTra": null, "NgayKetThucXuLy": null, "NgayTra": null,
            "TrangThaiHoSo": 1, "KenhThucHien": 2, "HinhThuc": 0, "DonViXuLy": format!("UBND xã {AGENCY_A}"),
            "TaiKhoanDuocXacThucVoiVNeID": 0, "DuocThanhToanTrucTuyen": 0, "HoSoCoThanhPhanSoHoa": 0,
            "TaiLieuNop": [], "DanhSachLePhi": [], "DanhSachGiayToKetQua": []
        })
    );
    assert!(records[0]["data"][0]["Email"].as_str().unwrap().ends_with("@example.vn"));
    // The last one: every date, the fee, the result, delivery by post.
    let returned = &records[7]["data"][0];
    for (field, value) in [
        ("NgayNopHoSo", &last["submitted_at"]),
        ("NgayTiepNhan", &last["received_at"]),
        ("NgayHenTra", &last["due_at"]),
        ("NgayKetThucXuLy", &last["finished_at"]),
        ("NgayTra", &last["returned_at"]),
    ] {
        assert_eq!(returned[field].as_str().unwrap(), national(value), "{field}");
        assert_eq!(returned[field].as_str().unwrap().len(), 14, "{field}");
    }
    assert_eq!(returned["HinhThuc"], 1);
    assert_eq!(returned["DanhSachLePhi"], json!([{"TenPhiLePhi": "Lệ phí", "Gia": 30000}]));
    let result = &returned["DanhSachGiayToKetQua"][0];
    assert_eq!(result["MaGiayToKetQua"].as_str().unwrap().len(), 64);
    assert!(result["DuongDanTepTinKetQua"]
        .as_str()
        .unwrap()
        .starts_with(&format!("https://dichvucong.example.gov.vn/api/v1/dossiers/{id}/results/")));
    let received_step = &progress[1]["data"][0];
    assert_eq!(received_step["ChucDanh"], "Cán bộ một cửa");
    assert_eq!(received_step["NguoiXuLy"], "Cán Bộ Xã");
    assert_eq!(received_step["NgayKetThucTheoQuyDinh"].as_str().unwrap().len(), 14);

    // The admin's view, and the count behind the 766 sync indicator: the job records its success
    // (and the indicator's counter) in a transaction after the portal's answer, and the worker
    // records the job done after that (with the rest of its batch), so wait for both.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let states = loop {
        let states = sync_states(&app, &desk.admin, "").await;
        let item = &states["items"][0];
        if (item["last_status"] == 10 && item["pending_jobs"] == 0) || tokio::time::Instant::now() > deadline {
            break states;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(states["total"], 1);
    let state = &states["items"][0];
    assert_eq!((state["dossier_code"].as_str(), state["last_status"].as_u64()), (Some(code), Some(10)));
    assert_eq!((state["pending_jobs"].as_u64(), state["dead_jobs"].as_u64()), (Some(0), Some(0)));
    assert!(state["synced_at"].is_string() && state["last_error"].is_null());
    assert!(state.get("SoDinhDanh").is_none() && !state.to_string().contains("038095001234"));
    assert_eq!(sync_states(&app, &desk.admin, "state=synced").await["total"], 1);
    assert_eq!(sync_states(&app, &desk.admin, "state=pending").await["total"], 0);
    let db = motcua::db::connect(app.db.url(), 2).await.unwrap();
    let (from, to) = (Utc::now() - chrono::Duration::days(1), Utc::now() + chrono::Duration::days(1));
    assert_eq!(motcua::integration::sync::synced_dossier_count(&db, from, to, Some(AGENCY_A)).await.unwrap(), 1);
    assert_eq!(motcua::integration::sync::synced_dossier_count(&db, from, to, Some("000.99.99.H56")).await.unwrap(), 0);
    let report: Value = app.get(&format!("/api/v1/indicators?agency={AGENCY_A}")).await.json().await.unwrap();
    let share = report["items"].as_array().unwrap().iter().find(|i| i["key"] == "national_sync_share").unwrap();
    assert_eq!((share["numerator"].as_i64(), share["denominator"].as_i64()), (Some(1), Some(1)));

    // Only a province-wide admin sees it.
    crate::helpers::assert_problem(
        app.get_as("/api/v1/integration/sync", &desk.clerk.access_token).await,
        403,
        "identity_forbidden",
    )
    .await;
}

#[tokio::test]
async fn a_portal_answering_500_or_too_slowly_is_retried_until_it_accepts() {
    let portal = FakePortal::start().await;
    let app = spawn_with_portal(&portal, |s| s.jobs_max_attempts = 5).await;
    let desk = setup(&app).await;

    portal.fail_next(2);
    portal.slow_next(1);
    let submitted = submit(&app, &desk.citizen).await;

    let records = portal.wait_for(PROGRESS, 1).await;
    assert_eq!(records[0]["data"][0]["MaHoSo"], submitted["code"]);
    let done = wait_for_sync_jobs(&app, &desk.admin, "state=done", |p| p["total"] == 1).await;
    let job = &done["items"][0];
    assert_eq!(job["attempts"], 4, "two 500s, one timeout, then accepted: {job}");
    assert!(job["last_error"].as_str().unwrap().contains("timed out"), "{job}");
    let failed: Vec<_> = portal.requests().into_iter().filter(|r| r.path == "service" && !r.accepted).collect();
    assert_eq!(failed.len(), 3);
    let state = &sync_states(&app, &desk.admin, "").await["items"][0];
    assert!(state["last_error"].is_null(), "a success clears the error: {state}");
}

#[tokio::test]
async fn an_expired_session_is_renewed_once_and_the_call_repeated() {
    let portal = FakePortal::start().await;
    let app = spawn_with_portal(&portal, |_| {}).await;
    let desk = setup(&app).await;
    let submitted = submit(&app, &desk.citizen).await;
    portal.wait_for(PROGRESS, 1).await;

    portal.expire_sessions();
    step(&app, &desk.clerk, submitted["id"].as_str().unwrap(), json!({"action": "receive"})).await;

    let records = portal.wait_for(PROGRESS, 2).await;
    assert_eq!(records[1]["session"], "phien-2");
    let logins = portal.requests().into_iter().filter(|r| r.path == "login").count();
    assert_eq!(logins, 2);
    let done = wait_for_sync_jobs(&app, &desk.admin, "state=done", |p| p["total"] == 2).await;
    assert!(done["items"].as_array().unwrap().iter().all(|j| j["attempts"] == 1), "renewed within the attempt");
}

#[tokio::test]
async fn a_dossiers_changes_reach_the_portal_in_order_even_when_the_first_is_retried() {
    let portal = FakePortal::start().await;
    let app = spawn_with_portal(&portal, |s| {
        s.jobs_max_attempts = 8;
        s.jobs_backoff_ms = 200;
    })
    .await;
    let desk = setup(&app).await;

    portal.fail_next(2);
    let submitted = submit(&app, &desk.citizen).await;
    let id = submitted["id"].as_str().unwrap();
    step(&app, &desk.clerk, id, json!({"action": "receive"})).await;
    step(&app, &desk.clerk, id, json!({"action": "assign", "assignee_id": desk.specialist.id})).await;

    let progress = portal.wait_for(PROGRESS, 3).await;
    let steps: Vec<u64> = progress.iter().map(|c| c["data"][0]["TrangThai"].as_u64().unwrap()).collect();
    assert_eq!(steps, [1, 2, 4], "the retried submission still comes first");
    // Records are built when sent: the retried one already carries the newest facts.
    let records = portal.accepted(SYNC);
    assert_eq!(records.last().unwrap()["data"][0]["TrangThaiHoSo"], 4);
}

#[tokio::test]
async fn a_sync_that_keeps_failing_goes_dead_and_an_admin_redrives_it() {
    let portal = FakePortal::start().await;
    let app = spawn_with_portal(&portal, |s| s.jobs_max_attempts = 3).await;
    let desk = setup(&app).await;

    portal.fail_next(3);
    let submitted = submit(&app, &desk.citizen).await;
    let dead = wait_for_sync_jobs(&app, &desk.admin, "state=dead", |p| p["total"] == 1).await;
    let job = &dead["items"][0];
    assert_eq!(job["attempts"], 3);
    assert!(job["last_error"].as_str().unwrap().contains("500"), "{job}");

    let failing = sync_states(&app, &desk.admin, "state=dead").await;
    assert_eq!(failing["total"], 1);
    let state = &failing["items"][0];
    assert_eq!((state["dead_jobs"].as_u64(), state["pending_jobs"].as_u64()), (Some(1), Some(0)));
    assert!(state["last_error"].as_str().unwrap().contains("500") && state["synced_at"].is_null());
    assert_eq!(sync_states(&app, &desk.admin, "state=failing").await["total"], 1);
    assert!(portal.accepted(SYNC).is_empty());

    let path = format!("/api/v1/admin/jobs/{}/redrive", job["id"].as_str().unwrap());
    let response = app.post_json_as(&path, &json!({}), &desk.admin.access_token).await;
    assert_eq!(response.status(), 200);

    let records = portal.wait_for(SYNC, 1).await;
    assert_eq!(records[0]["data"][0]["MaHoSo"], submitted["code"]);
    wait_for_sync_jobs(&app, &desk.admin, "state=done", |p| p["total"] == 1).await;
    let synced = sync_states(&app, &desk.admin, "state=synced").await;
    assert_eq!((synced["total"].as_u64(), synced["items"][0]["dead_jobs"].as_u64()), (Some(1), Some(0)));
    crate::helpers::assert_problem(
        app.get_as("/api/v1/integration/sync?state=lost", &desk.admin.access_token).await,
        400,
        "invalid_query",
    )
    .await;
}

#[tokio::test]
async fn no_sync_is_lost_when_the_process_stops_between_the_commit_and_the_send() {
    // A process without the portal's URL: the changes commit, their sync jobs wait.
    let portal = FakePortal::start().await;
    let db = crate::helpers::create_test_db().await;
    let data_dir = tempfile::tempdir().unwrap();
    let mut settings = crate::helpers::test_settings(&db, &data_dir);
    settings.jobs_poll_ms = 50;
    let first = motcua::startup::Application::build(settings).await.unwrap();
    let handle = first.handle();
    let address = format!("http://127.0.0.1:{}", first.port());
    let server = tokio::spawn(first.run_until_stopped());
    let mut app = TestApp { address, client: reqwest::Client::new(), db, data_dir };
    let desk = setup(&app).await;
    let submitted = submit(&app, &desk.citizen).await;
    let id = submitted["id"].as_str().unwrap().to_owned();
    step(&app, &desk.clerk, &id, json!({"action": "receive"})).await;
    let waiting = sync_states(&app, &desk.admin, "state=pending").await;
    assert_eq!((waiting["total"].as_u64(), waiting["items"][0]["pending_jobs"].as_u64()), (Some(1), Some(2)));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(sync_jobs(&app, &desk.admin, "state=pending").await["total"], 2, "nothing runs them here");

    // The process stops; a new one on the same database reaches the portal.
    handle.stop(true).await;
    server.await.unwrap().unwrap();
    let mut settings = crate::helpers::test_settings(&app.db, &app.data_dir);
    with_portal(&mut settings, &portal);
    let second = motcua::startup::Application::build(settings).await.unwrap();
    app.address = format!("http://127.0.0.1:{}", second.port());
    tokio::spawn(second.run_until_stopped());

    let progress = portal.wait_for(PROGRESS, 2).await;
    let steps: Vec<u64> = progress.iter().map(|c| c["data"][0]["TrangThai"].as_u64().unwrap()).collect();
    assert_eq!(steps, [1, 2]);
    assert!(portal.accepted(SYNC).iter().all(|c| c["data"][0]["MaHoSo"] == submitted["code"]));
    wait_for_sync_jobs(&app, &desk.admin, "state=done", |p| p["total"] == 2).await;
    assert_eq!(sync_jobs(&app, &desk.admin, "state=pending").await["total"], 0);
}

/// A system receiving webhooks: records each delivery and whether its signature verifies;
/// answers 500 to the first `fail_first` deliveries.
#[derive(Clone, Default)]
struct Receiver {
    deliveries: std::sync::Arc<std::sync::Mutex<Vec<(Value, bool, String)>>>,
    fail_first: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

const WEBHOOK_SECRET: &str = "khoa-bi-mat-cua-he-thong-nhan";

impl Receiver {
    async fn start(fail_first: usize) -> (Self, String) {
        use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
        let receiver = Receiver::default();
        receiver.fail_first.store(fail_first, std::sync::atomic::Ordering::SeqCst);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://127.0.0.1:{}/hook", listener.local_addr().unwrap().port());
        let state = web::Data::new(receiver.clone());
        let server = HttpServer::new(move || {
            App::new().app_data(state.clone()).route(
                "/hook",
                web::post().to(|r: web::Data<Receiver>, req: HttpRequest, body: web::Bytes| async move {
                    use hmac::Mac;
                    let header = |name: &str| req.headers().get(name).unwrap().to_str().unwrap().to_owned();
                    let timestamp = header("x-motcua-timestamp");
                    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(WEBHOOK_SECRET.as_bytes()).unwrap();
                    mac.update(format!("{timestamp}.").as_bytes());
                    mac.update(&body);
                    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
                    let fresh = (Utc::now().timestamp() - timestamp.parse::<i64>().unwrap()).abs() < 300;
                    let verified = header("x-motcua-signature") == expected && fresh;
                    let json: Value = serde_json::from_slice(&body).unwrap();
                    r.deliveries.lock().unwrap().push((json, verified, header("x-motcua-delivery")));
                    let failing = r
                        .fail_first
                        .fetch_update(std::sync::atomic::Ordering::SeqCst, std::sync::atomic::Ordering::SeqCst, |n| {
                            n.checked_sub(1)
                        })
                        .is_ok();
                    if failing {
                        HttpResponse::InternalServerError().finish()
                    } else {
                        HttpResponse::NoContent().finish()
                    }
                }),
            )
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        (receiver, url)
    }

    fn deliveries(&self) -> Vec<(Value, bool, String)> {
        self.deliveries.lock().unwrap().clone()
    }

    async fn wait_for(&self, n: usize) -> Vec<(Value, bool, String)> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let got = self.deliveries();
            if got.len() >= n {
                return got;
            }
            assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {n} webhooks: {got:#?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

#[tokio::test]
async fn subscribers_get_signed_webhooks_of_the_states_they_chose_retried_until_accepted() {
    let (receiver, url) = Receiver::start(1).await;
    let app = spawn_app_with(|s| {
        s.jobs_poll_ms = 50;
        s.jobs_backoff_ms = 20;
    })
    .await;
    let desk = setup(&app).await;

    // Only a province-wide admin subscribes, with a real URL, a long secret and known states.
    let body = json!({"url": url, "secret": WEBHOOK_SECRET, "events": ["received", "returned"]});
    crate::helpers::assert_problem(
        app.post_json_as("/api/v1/admin/webhooks", &body, &desk.clerk.access_token).await,
        403,
        "identity_forbidden",
    )
    .await;
    for bad in [
        json!({"url": "ftp://x.example", "secret": WEBHOOK_SECRET, "events": ["*"]}),
        json!({"url": url, "secret": "ngan", "events": ["*"]}),
        json!({"url": url, "secret": WEBHOOK_SECRET, "events": ["draft"]}),
        json!({"url": url, "secret": WEBHOOK_SECRET, "events": []}),
    ] {
        let response = app.post_json_as("/api/v1/admin/webhooks", &bad, &desk.admin.access_token).await;
        assert_eq!(response.status(), 400, "{bad}");
    }
    let response = app.post_json_as("/api/v1/admin/webhooks", &body, &desk.admin.access_token).await;
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    assert!(created.get("secret").is_none());
    let listed: Value = app.get_as("/api/v1/admin/webhooks", &desk.admin.access_token).await.json().await.unwrap();
    assert_eq!(listed["items"][0]["events"], json!(["received", "returned"]));
    assert!(!listed.to_string().contains(WEBHOOK_SECRET));

    // Submission is not among its states; reception is, and the first attempt is refused.
    let submitted = submit(&app, &desk.citizen).await;
    let id = submitted["id"].as_str().unwrap();
    let received = step(&app, &desk.clerk, id, json!({"action": "receive"})).await;
    let deliveries = receiver.wait_for(2).await;
    for (body, verified, delivery) in &deliveries {
        assert!(verified, "signature verifies: {body}");
        assert_eq!(delivery, &format!("{id}:2"), "the same delivery id on the retry");
        assert_eq!(
            body,
            &json!({"dossier_code": submitted["code"], "state": "received", "national_status": 2,
                "action": "receive", "at": received["received_at"]})
        );
    }
    // The receiver answers before the worker records the job done: wait for the record.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let done = loop {
        let done = app.get_as("/api/v1/admin/jobs?kind=webhook&state=done", &desk.admin.access_token).await;
        let done: Value = done.json().await.unwrap();
        if done["total"].as_u64() == Some(1) || tokio::time::Instant::now() > deadline {
            break done;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!((done["total"].as_u64(), done["items"][0]["attempts"].as_u64()), (Some(1), Some(2)));
    assert!(!deliveries[0].0.to_string().contains("038095001234"), "no personal data");

    // Once deleted, nothing more is sent.
    let path = format!("/api/v1/admin/webhooks/{}", created["id"].as_str().unwrap());
    let deleted = app.client.delete(app.url(&path)).bearer_auth(&desk.admin.access_token).send().await.unwrap();
    assert_eq!(deleted.status(), 204);
    let again = app.client.delete(app.url(&path)).bearer_auth(&desk.admin.access_token).send().await.unwrap();
    crate::helpers::assert_problem(again, 404, "webhook_not_found").await;
    step(&app, &desk.clerk, id, json!({"action": "assign", "assignee_id": desk.specialist.id})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.deliveries().len(), 2);
}

#[tokio::test]
async fn the_national_record_carries_the_mapped_procedure_and_document_codes() {
    // Arrange: a procedure with a required document, mapped to its national codes.
    let portal = FakePortal::start().await;
    let app = spawn_with_portal(&portal, |_| {}).await;
    let desk = setup(&app).await;
    let local = "LOCAL.0001";
    let procedure = json!({
        "code": local, "name": "Thủ tục riêng của tỉnh", "field": "Hộ tịch", "online_level": "full",
        "eligible_full_online": true, "approval_required": false,
        "processing_time": {"value": 3, "unit": "working_days"}, "fees": [],
        "documents": [{"key": "to_khai", "name": "Tờ khai", "mandatory": true, "accepted_types": ["application/pdf"], "max_bytes": 1048576}],
        "result": {"is_document": true, "name": "Giấy xác nhận"},
        "form_schema": {"type": "object", "properties": {}}, "legal_basis": [], "agencies": [AGENCY_A]});
    let response = app.post_json_as("/api/v1/admin/procedures", &procedure, &desk.admin.access_token).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    let mappings = json!({"items": [
        {"procedure_code": local, "national_code": "1.004873.000.00.00.H56"},
        {"procedure_code": local, "document_key": "to_khai", "national_code": "TP-01"}]});
    let put = |body: &Value, token: &str| {
        app.client.put(app.url("/api/v1/integration/code-mappings")).bearer_auth(token).json(body).send()
    };
    let response = put(&mappings, &desk.admin.access_token).await.unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap_or_default());
    let listed: Value =
        app.get_as("/api/v1/integration/code-mappings", &desk.admin.access_token).await.json().await.unwrap();
    assert_eq!(listed["items"], mappings["items"]);

    // Act: a dossier of the procedure, with its document, is submitted.
    let body = json!({"procedure_code": local, "agency_code": AGENCY_A, "form_data": {}});
    let draft: Value =
        app.post_json_as("/api/v1/dossiers", &body, &desk.citizen.access_token).await.json().await.unwrap();
    let id = draft["id"].as_str().unwrap();
    assert_eq!(crate::attachments::upload_pdf(&app, &desk.citizen, id, "to_khai").await.status(), 201);
    let response = app
        .client
        .post(app.url(&format!("/api/v1/dossiers/{id}/submit")))
        .bearer_auth(&desk.citizen.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap_or_default());

    // Assert: the national codes travel, not the local ones.
    let text = portal.wait_for(SYNC, 1).await[0].to_string();
    assert!(text.contains(r#""MaTTHC":"1.004873.000.00.00.H56""#), "{text}");
    assert!(text.contains(r#""MaThanhPhanHoSo":"TP-01""#), "{text}");
    assert!(!text.contains(local), "{text}");

    // Unknown procedures and document keys are refused, all or none; only admins may set them.
    let bad = json!({"items": [
        {"procedure_code": local, "national_code": "KHAC"},
        {"procedure_code": local, "document_key": "khong_co", "national_code": "TP-09"}]});
    let problem =
        crate::helpers::assert_problem(put(&bad, &desk.admin.access_token).await.unwrap(), 400, "validation_failed")
            .await;
    assert_eq!(problem["errors"][0]["field"], "items[1].document_key");
    let listed: Value =
        app.get_as("/api/v1/integration/code-mappings", &desk.admin.access_token).await.json().await.unwrap();
    assert_eq!(listed["items"], mappings["items"], "nothing changed");
    crate::helpers::assert_problem(put(&mappings, &desk.clerk.access_token).await.unwrap(), 403, "identity_forbidden")
        .await;
}

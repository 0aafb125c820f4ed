//! Throughput records (DESIGN.md §8): every transition adds to the per-day counters in its own
//! transaction, and a recount from the audit events arrives at exactly the same rows.

use motcua::integration::sync::adapter::{Adapter, AdapterSettings};
use motcua::integration::sync::SyncHandler;
use motcua::jobs::JobHandler;
use motcua::metrics::records::{self, Counters, RecordKey};
use serde_json::{json, Value};

use crate::desk::{dossier, setup, submitted, Desk, APPROVED, DIRECT};
use crate::fake_portal::{FakePortal, PASSWORD as PORTAL_PASSWORD, USERNAME as PORTAL_USERNAME};
use crate::helpers::{spawn_app, step, Session, TestApp, AGENCY_A};

/// A national-sync job runner pushing to `portal`, run by hand: the test decides which dossier
/// reaches the national portal when, without a worker's timing.
pub async fn sync_handler(app: &TestApp, portal: &FakePortal) -> SyncHandler {
    let adapter = Adapter::new(AdapterSettings {
        url: portal.url(),
        username: PORTAL_USERNAME.to_owned(),
        password: PORTAL_PASSWORD.to_owned().into(),
        timeout: std::time::Duration::from_secs(5),
    })
    .unwrap();
    let db = motcua::db::connect(app.db.url(), 2).await.unwrap();
    SyncHandler::new(db, std::sync::Arc::new(adapter), "https://dichvucong.example.gov.vn")
}

/// Pushes the dossier's current record to the national portal now, as its sync job would.
pub async fn sync_now(handler: &SyncHandler, id: &str) {
    handler.run(json!({"dossier_id": id, "event_seq": 1})).await.unwrap();
}

/// The records as the transitions left them.
async fn live(app: &TestApp) -> Vec<(RecordKey, Counters)> {
    let db = motcua::db::connect(app.db.url(), 2).await.unwrap();
    records::all_records(&db).await.unwrap()
}

/// The records rebuilt from the dossiers and their audit events.
async fn recounted(app: &TestApp) -> Vec<(RecordKey, Counters)> {
    let db = motcua::db::connect(app.db.url(), 2).await.unwrap();
    records::recount(&db).await.unwrap();
    records::all_records(&db).await.unwrap()
}

fn total(rows: &[(RecordKey, Counters)]) -> Counters {
    let mut sum = Counters::default();
    for (_, counters) in rows {
        sum.add(counters);
    }
    sum
}

/// A fixed-seed linear congruential generator: the same workload on every run and backend.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        usize::try_from((self.0 >> 33) % n as u64).unwrap()
    }
}

fn supplement_request() -> Value {
    json!({"action": "request_supplement", "reason": "Thiếu giấy tờ", "items": [{"description": "Tờ khai có chữ ký"}]})
}

fn apology(d: &Value) -> Value {
    let due = chrono::DateTime::parse_from_rfc3339(d["due_at"].as_str().unwrap()).unwrap();
    json!({"action": "apologize", "reason": "Cần xác minh thêm", "new_due_at": (due + chrono::Duration::days(2)).to_rfc3339()})
}

/// Walks one dossier through random actions until it ends (or `max_steps`), pushing it to the
/// national portal now and then (before its reception too).
async fn random_walk(app: &TestApp, desk: &Desk, rng: &mut Lcg, procedure: &str, sync: &SyncHandler, max_steps: usize) {
    let id = submitted(app, &desk.citizen, procedure).await;
    let (citizen, clerk, specialist, leader) = (&desk.citizen, &desk.clerk, &desk.specialist, &desk.leader);
    let decide = if procedure == APPROVED {
        json!({"action": "propose_result", "decision": "approved", "summary": "Đồng ý."})
    } else {
        json!({"action": "resolve", "decision": if rng.below(3) == 0 { "denied" } else { "approved" }, "summary": "Kết quả."})
    };
    for _ in 0..max_steps {
        let d = dossier(app, clerk, &id).await;
        let receive = json!({"action": "receive"});
        let refuse = json!({"action": "refuse", "reason": "Không thuộc thẩm quyền"});
        let withdraw = json!({"action": "withdraw"});
        let stop = json!({"action": "stop", "reason": "Có tranh chấp"});
        let assign = json!({"action": "assign", "assignee_id": specialist.id});
        let pay = json!({"action": "request_payment", "fees": [{"name": "Lệ phí", "amount": 50000}]});
        let options: Vec<(&Session, Value)> = match d["state"].as_str().unwrap() {
            "submitted" => vec![
                (clerk, receive.clone()),
                (clerk, receive.clone()),
                (clerk, receive),
                (clerk, refuse),
                (clerk, supplement_request()),
                (citizen, withdraw),
            ],
            "received" => vec![
                (clerk, assign.clone()),
                (clerk, assign.clone()),
                (clerk, assign),
                (clerk, supplement_request()),
                (clerk, pay),
                (clerk, refuse),
                (leader, stop),
                (leader, apology(&d)),
                (citizen, withdraw),
            ],
            "awaiting_supplement" => vec![
                (citizen, json!({"action": "supplement"})),
                (citizen, json!({"action": "supplement"})),
                (citizen, json!({"action": "supplement"})),
                (leader, stop),
                (citizen, withdraw),
            ],
            "awaiting_payment" => vec![
                (clerk, json!({"action": "confirm_payment", "method": "cash", "reference": "BL-1"})),
                (clerk, json!({"action": "confirm_payment", "method": "cash"})),
                (leader, stop),
                (citizen, withdraw),
            ],
            "in_progress" => vec![
                (specialist, decide.clone()),
                (specialist, decide.clone()),
                (specialist, decide.clone()),
                (specialist, supplement_request()),
                (clerk, pay),
                (leader, stop),
                (leader, apology(&d)),
                (citizen, withdraw),
            ],
            "pending_approval" => vec![
                (leader, json!({"action": "approve"})),
                (leader, json!({"action": "approve"})),
                (leader, json!({"action": "send_back", "reason": "Sửa lại"})),
                (leader, apology(&d)),
                (leader, stop),
                (citizen, withdraw),
            ],
            "resolved" => vec![
                (clerk, json!({"action": "return_result", "method": "online"})),
                (clerk, json!({"action": "return_result", "method": "desk"})),
                (clerk, json!({"action": "return_result", "method": "post"})),
            ],
            "returned" if d["rating"].is_null() && rng.below(4) != 0 => {
                let score = ["satisfied", "satisfied", "neutral", "unsatisfied"][rng.below(4)];
                vec![(citizen, json!({"action": "rate", "score": score}))]
            }
            _ => return,
        };
        // The first option moves the dossier forward; it gets half the draws, so most dossiers
        // reach a result and the rest end every other way.
        let (who, body) = if rng.below(2) == 0 { &options[0] } else { &options[rng.below(options.len())] };
        step(app, who, &id, body.clone()).await;
        if rng.below(4) == 0 {
            sync_now(sync, &id).await;
        }
    }
}

#[tokio::test]
async fn the_records_kept_by_a_random_workload_agree_exactly_with_a_recount() {
    // Arrange: dossiers of both procedures walked at random through the desk's actions.
    let app = spawn_app().await;
    let desk = setup(&app).await;
    let portal = FakePortal::start().await;
    let sync = sync_handler(&app, &portal).await;
    let mut rng = Lcg(766);
    for i in 0..24 {
        random_walk(&app, &desk, &mut rng, if i % 2 == 0 { APPROVED } else { DIRECT }, &sync, 25).await;
    }
    // Walks cut short: dossiers left open, some waiting, some supplemented twice.
    for i in 0..12 {
        let steps = 1 + rng.below(6);
        random_walk(&app, &desk, &mut rng, if i % 2 == 0 { APPROVED } else { DIRECT }, &sync, steps).await;
    }
    // A draft abandoned before submission counts nowhere.
    let body = json!({"procedure_code": DIRECT, "agency_code": AGENCY_A, "form_data": {"purpose": "thử"}});
    let draft: Value =
        app.post_json_as("/api/v1/dossiers", &body, &desk.citizen.access_token).await.json().await.unwrap();
    step(&app, &desk.citizen, draft["id"].as_str().unwrap(), json!({"action": "withdraw"})).await;

    // Act
    let kept = live(&app).await;
    let db = motcua::db::connect(app.db.url(), 2).await.unwrap();
    let kept_open = motcua::metrics::open::all_open_records(&db).await.unwrap();
    let rebuilt = recounted(&app).await;
    let rebuilt_open = motcua::metrics::open::all_open_records(&db).await.unwrap();

    // Assert
    let sum = total(&kept);
    assert!(sum.received > 0 && sum.finished > 0, "the workload did something: {sum:?}");
    assert!(sum.synced > 0 && sum.synced <= sum.received, "some received dossiers were synced: {sum:?}");
    // A recount folds the shards: the sums per key are what must agree.
    assert_eq!(
        records::without_shards(kept.clone()),
        records::without_shards(rebuilt),
        "the records kept by the transitions and the recount differ"
    );
    assert!(!kept_open.is_empty(), "some dossiers were left open");
    assert_eq!(
        motcua::metrics::open::without_shards(kept_open),
        motcua::metrics::open::without_shards(rebuilt_open),
        "the open-dossier records kept and rebuilt differ"
    );
    assert!(sum.finished_on_time + sum.finished_late <= sum.finished);
}

#[tokio::test]
async fn folding_the_shards_changes_no_indicator_and_the_records_still_agree() {
    // Arrange
    let app = spawn_app().await;
    let desk = setup(&app).await;
    let portal = FakePortal::start().await;
    let sync = sync_handler(&app, &portal).await;
    let mut rng = Lcg(42);
    for i in 0..8 {
        random_walk(&app, &desk, &mut rng, if i % 2 == 0 { APPROVED } else { DIRECT }, &sync, 25).await;
    }
    let before: Value = app.get("/api/v1/indicators").await.json().await.unwrap();
    let db = motcua::db::connect(app.db.url(), 2).await.unwrap();
    let sums = total(&records::all_records(&db).await.unwrap());

    // Act
    let folded = motcua::metrics::store::compact_records(&db).await.unwrap();

    // Assert
    let rows = records::all_records(&db).await.unwrap();
    assert!(folded as usize > rows.len(), "{folded} shard rows folded into {}", rows.len());
    assert!(rows.iter().all(|(key, _)| key.shard == 0));
    assert_eq!(total(&rows), sums);
    let after: Value = app.get("/api/v1/indicators").await.json().await.unwrap();
    assert_eq!(after["items"], before["items"]);
    assert_eq!(records::check(&db).await.unwrap(), [], "the folded records agree with a replay");
}

#[tokio::test]
async fn folding_the_open_dossier_rows_changes_no_indicator_and_later_moves_still_agree() {
    // Arrange: open dossiers in many shards, one of them assigned and about to be resolved.
    let app = spawn_app().await;
    let desk = setup(&app).await;
    let mut open = Vec::new();
    for _ in 0..12 {
        let id = submitted(&app, &desk.citizen, DIRECT).await;
        step(&app, &desk.clerk, &id, json!({"action": "receive"})).await;
        open.push(id);
    }
    let last = open.last().unwrap().clone();
    step(&app, &desk.clerk, &last, json!({"action": "assign", "assignee_id": desk.specialist.id})).await;
    let before: Value = app.get("/api/v1/indicators").await.json().await.unwrap();
    let db = motcua::db::connect(app.db.url(), 2).await.unwrap();
    let shards_before = motcua::metrics::open::all_open_records(&db).await.unwrap().len();

    // Act: fold, then finish a dossier whose row was folded.
    let folded = motcua::metrics::store::compact_open_records(&db).await.unwrap();
    let rows = motcua::metrics::open::all_open_records(&db).await.unwrap();
    let after_fold: Value = app.get("/api/v1/indicators").await.json().await.unwrap();
    let resolve = json!({"action": "resolve", "decision": "approved", "summary": "Đồng ý."});
    step(&app, &desk.specialist, &last, resolve).await;

    // Assert
    assert!(shards_before > 1 && folded > 0, "{shards_before} rows, {folded} folded");
    assert_eq!(rows.len(), 1, "one reception day, agency, procedure, channel and appointment: {rows:?}");
    assert!(rows.iter().all(|(key, _)| key.shard == 0));
    assert_eq!(after_fold["items"], before["items"]);
    assert_eq!(motcua::metrics::open::check(&db).await.unwrap(), [], "the folded snapshot agrees with the dossiers");
    let live: Value = app.get("/api/v1/indicators").await.json().await.unwrap();
    records::recount(&db).await.unwrap();
    let recounted: Value = app.get("/api/v1/indicators").await.json().await.unwrap();
    assert_eq!(live["items"], recounted["items"], "after the move, the live figures are those of a recount");
    assert_eq!(live["open_dossiers"]["within_deadline"], 11);
}

#[tokio::test]
async fn three_dossiers_give_exactly_the_counters_checked_by_hand() {
    // Arrange
    let app = spawn_app().await;
    let desk = setup(&app).await;
    let (clerk, specialist, leader, citizen) = (&desk.clerk, &desk.specialist, &desk.leader, &desk.citizen);

    // 1. Received, apologised for, approved on time, returned online, rated satisfied: fully online.
    let one = submitted(&app, citizen, APPROVED).await;
    step(&app, clerk, &one, json!({"action": "receive"})).await;
    let d = step(&app, clerk, &one, json!({"action": "assign", "assignee_id": specialist.id})).await;
    step(&app, leader, &one, apology(&d)).await;
    step(&app, specialist, &one, json!({"action": "propose_result", "decision": "approved", "summary": "Đồng ý."}))
        .await;
    step(&app, leader, &one, json!({"action": "approve"})).await;
    step(&app, clerk, &one, json!({"action": "return_result", "method": "online"})).await;
    step(&app, citizen, &one, json!({"action": "rate", "score": "satisfied"})).await;

    // 2. Two supplement requests (late by rule), a fee paid in cash, resolved directly, returned at the desk.
    let two = submitted(&app, citizen, DIRECT).await;
    step(&app, clerk, &two, json!({"action": "receive"})).await;
    step(&app, clerk, &two, supplement_request()).await;
    step(&app, citizen, &two, json!({"action": "supplement"})).await;
    step(&app, clerk, &two, json!({"action": "assign", "assignee_id": specialist.id})).await;
    step(&app, specialist, &two, supplement_request()).await;
    step(&app, citizen, &two, json!({"action": "supplement"})).await;
    step(&app, clerk, &two, json!({"action": "request_payment", "fees": [{"name": "Lệ phí", "amount": 50000}]})).await;
    step(&app, clerk, &two, json!({"action": "confirm_payment", "method": "cash"})).await;
    step(&app, specialist, &two, json!({"action": "resolve", "decision": "denied", "summary": "Không đủ điều kiện."}))
        .await;
    step(&app, clerk, &two, json!({"action": "return_result", "method": "desk"})).await;

    // 3. Refused at reception: finished, but with no appointment neither on time nor late.
    let three = submitted(&app, citizen, DIRECT).await;
    step(&app, clerk, &three, json!({"action": "refuse", "reason": "Không thuộc thẩm quyền"})).await;

    // Act
    let kept = live(&app).await;

    // Assert
    let expected = Counters {
        received: 2,
        received_online: 2,
        finished: 3,
        finished_on_time: 1,
        finished_late: 1,
        resolved: 2,
        returned: 2,
        returned_electronic: 1,
        fully_online: 1,
        charged: 1,
        paid_cash: 1,
        supplement_requests: 2,
        apologies: 1,
        rated_satisfied: 1,
        refused: 1,
        ..Counters::default()
    };
    assert_eq!(total(&kept), expected);
    assert!(kept.iter().all(|(k, _)| k.agency_code == AGENCY_A && k.channel == "online" && (0..16).contains(&k.shard)));
    let approved: Counters =
        total(&kept.iter().filter(|(k, _)| k.procedure_code == APPROVED).cloned().collect::<Vec<_>>());
    assert_eq!((approved.received, approved.fully_online, approved.rated_satisfied), (1, 1, 1));
    assert_eq!(records::without_shards(recounted(&app).await), records::without_shards(kept));
}

#[tokio::test]
async fn the_monthly_and_open_dossier_rows_are_summed_over_their_channels_into_the_tables_without_them() {
    // Arrange: the schema before migrations 000600 and 000601 (and any later), with a month of
    // one pair and one open-dossier slot kept per channel as they were then.
    use migration::MigratorTrait;
    use sea_orm::{ConnectionTrait, Statement};
    let app = spawn_app().await;
    let db = sea_orm::Database::connect(app.db.url()).await.unwrap();
    let migrations = migration::Migrator::migrations();
    let first_undone =
        migrations.iter().position(|m| m.name() == "m20261201_000600_create_throughput_pair_months").unwrap();
    migration::Migrator::down(&db, Some((migrations.len() - first_undone) as u32)).await.unwrap();
    let execute = |sql: String| {
        let db = &db;
        async move { db.execute_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap() }
    };
    for (channel, received, online) in [("online", 3, 3), ("direct", 2, 0), ("national_portal", 1, 1)] {
        execute(format!(
            "INSERT INTO throughput_months (month, agency_code, procedure_code, channel, shard, received, \
             received_online) VALUES ('2026-10', '{AGENCY_A}', '{APPROVED}', '{channel}', 3, {received}, {online})"
        ))
        .await;
    }
    for (channel, open, resupplied) in [("online", 2, 0), ("direct", 1, 1)] {
        execute(format!(
            "INSERT INTO open_dossier_records (received_day, due_day, agency_code, procedure_code, channel, \
             shard, open_dossiers, open_resupplied) VALUES ('2026-10-05', '2026-10-20', '{AGENCY_A}', \
             '{APPROVED}', '{channel}', 3, {open}, {resupplied})"
        ))
        .await;
    }

    // Act
    migration::Migrator::up(&db, None).await.unwrap();

    // Assert: one row for the month, pair and shard, and one for the open slot, with the sums;
    // the indicators read them.
    let query = |sql: &'static str| {
        let db = &db;
        async move { db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap() }
    };
    let months = query("SELECT month, received, received_online FROM throughput_pair_months").await;
    assert_eq!(months.len(), 1);
    assert_eq!(months[0].try_get::<String>("", "month").unwrap(), "2026-10");
    assert_eq!(months[0].try_get::<i64>("", "received").unwrap(), 6);
    assert_eq!(months[0].try_get::<i64>("", "received_online").unwrap(), 4);
    let open = query("SELECT open_dossiers, open_resupplied FROM open_dossier_counts").await;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].try_get::<i64>("", "open_dossiers").unwrap(), 3);
    assert_eq!(open[0].try_get::<i64>("", "open_resupplied").unwrap(), 1);
    let report: Value = app.get("/api/v1/indicators?from=2026-10-01&to=2026-10-31").await.json().await.unwrap();
    let online = report["items"].as_array().unwrap().iter().find(|i| i["key"] == "online_dossier_share").unwrap();
    assert_eq!((online["numerator"].as_i64(), online["denominator"].as_i64()), (Some(4), Some(6)));
    assert_eq!(report["open_dossiers"], json!({"within_deadline": 0, "overdue": 4}));
}

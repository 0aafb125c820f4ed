//! The catalogue beyond single edits: per-channel processing times and fees, and the import of
//! procedures in the national TTHC database's JSON shape (`motcua import-procedures` and its
//! admin endpoint).

use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, step, Session, TestApp, AGENCY_A};

const PROCEDURE: &str = "1.004222";

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

fn sample() -> Value {
    serde_json::from_str(include_str!("../../seed/import-sample.json")).unwrap()
}

async fn import(app: &TestApp, admin: &Session, query: &str, body: &Value) -> Value {
    let response =
        app.post_json_as(&format!("/api/v1/admin/procedures/import?{query}"), body, &admin.access_token).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap_or_default());
    response.json().await.unwrap()
}

fn outcomes(report: &Value) -> Vec<String> {
    report["records"].as_array().unwrap().iter().map(|r| r["outcome"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn importing_the_national_sample_twice_changes_nothing_the_second_time() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.agency(&admin, AGENCY_A).await;
    let records = sample();
    let query = format!("default_agency={AGENCY_A}");

    // Act: a dry run, then the import, then the same import again.
    let dry = import(&app, &admin, &format!("{query}&dry_run=true"), &records).await;
    let listed: Value = app.get("/api/v1/procedures").await.json().await.unwrap();
    let first = import(&app, &admin, &query, &records).await;
    let second = import(&app, &admin, &query, &records).await;

    // Assert
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["created"], 4, "{dry}");
    assert_eq!(listed["total"], 0, "a dry run writes nothing");
    assert_eq!((first["created"].as_u64(), first["failed"].as_u64()), (Some(4), Some(0)), "{first}");
    assert_eq!(outcomes(&second), vec!["unchanged"; 4], "{second}");
    assert_eq!(second["unchanged"], 4);
    let residence: Value = app.get("/api/v1/procedures/1.004222").await.json().await.unwrap();
    assert_eq!(residence["processing_time"], json!({"value": 7, "unit": "working_days"}));
    assert_eq!(residence["fees"][0]["amount_vnd"], 20000);
    assert_eq!(residence["channel_overrides"]["online"]["fees"][0]["amount_vnd"], 10000);
    assert_eq!(residence["agencies"], json!([AGENCY_A]));
    assert_eq!(residence["documents"][0]["key"], "to_khai_thay_doi_thong_tin_cu_tru_mau_ct01");
    assert_eq!(residence["documents"][2]["mandatory"], false);
    let birth: Value = app.get("/api/v1/procedures/1.001193").await.json().await.unwrap();
    assert_eq!(birth["processing_time"], json!({"value": 0, "unit": "same_day"}));
    assert_eq!(birth["online_level"], "full");
    assert_eq!(birth["fees"][1]["amount_vnd"], Value::Null);
    assert_eq!(birth["fees"][1]["note"], "Mức do HĐND cấp tỉnh quy định");
}

#[tokio::test]
async fn a_bad_record_is_reported_with_its_fields_and_the_others_are_imported() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.agency(&admin, AGENCY_A).await;
    let mut records = sample();
    let good = records[0].clone();
    records[1]["CACHTHUCTHUCHIEN"][0]["THOIGIAN"][0]["DONVITINH"] = json!("Tháng");
    records[1]["TENTTHC"] = json!("");
    records[2]["COQUANTHUCHIEN"] = json!([{"TENDONVI": "Sở Tư pháp"}]);
    let mut renamed = good.clone();
    renamed["TENTTHC"] = json!("Đăng ký thường trú (tên mới)");
    records.as_array_mut().unwrap().push(renamed);
    let body =
        json!({"procedures": records, "agency_map": {"Công an cấp xã": AGENCY_A, "Ủy ban nhân dân cấp xã": AGENCY_A}});

    let report = import(&app, &admin, "", &body).await;

    assert_eq!(outcomes(&report), vec!["created", "failed", "failed", "created", "failed"], "{report}");
    let bad = &report["records"][1];
    assert_eq!(bad["index"], 1);
    assert_eq!(bad["code"], "1.004194");
    let fields: Vec<&str> = bad["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, vec!["TENTTHC", "CACHTHUCTHUCHIEN[0].THOIGIAN[0].DONVITINH"]);
    assert_eq!(report["records"][2]["errors"][0]["field"], "COQUANTHUCHIEN", "Sở Tư pháp is not mapped");
    assert_eq!(report["records"][4]["errors"][0]["field"], "MATTHC", "a code twice in one file");
    let missing = app.get("/api/v1/procedures/1.004194").await;
    assert_eq!(missing.status(), 404);
    // Renaming in a later import is an update naming the changed attribute.
    let mut again = good;
    again["TENTTHC"] = json!("Đăng ký thường trú (tên mới)");
    let report = import(&app, &admin, "", &json!([again])).await;
    assert_eq!(report["records"][0]["outcome"], "updated");
    assert_eq!(report["records"][0]["changes"], json!(["name"]));
    // Not a list of records; not an admin.
    assert_problem(
        app.post_json_as("/api/v1/admin/procedures/import", &json!("x"), &admin.access_token).await,
        400,
        "validation_failed",
    )
    .await;
    let clerk = app.staff(&admin, AGENCY_A, &["clerk"]).await;
    assert_problem(
        app.post_json_as("/api/v1/admin/procedures/import", &json!([]), &clerk.access_token).await,
        403,
        "identity_forbidden",
    )
    .await;
}

#[tokio::test]
async fn the_command_line_import_reports_and_writes_like_the_endpoint() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.agency(&admin, AGENCY_A).await;
    let run = |extra: &[&str]| {
        let mut args = vec!["import-procedures", concat!(env!("CARGO_MANIFEST_DIR"), "/seed/import-sample.json")];
        args.extend_from_slice(&["--default-agency", AGENCY_A]);
        args.extend_from_slice(extra);
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_motcua"))
            .args(&args)
            .env("MOTCUA_DATABASE_URL", app.db.url())
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap()
    };
    assert!(run(&["--dry-run"]).contains("dry run (nothing written): 4 created, 0 updated, 0 unchanged, 0 failed"));
    assert!(run(&[]).contains("4 created"));
    assert!(run(&[]).contains("0 created, 0 updated, 4 unchanged, 0 failed"));
}

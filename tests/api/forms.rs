//! The official forms as print-ready HTML, rendered for real dossiers: Mẫu 01 with its QR code,
//! 02, 03, 04, 05, the stop notice and the tracking book.

use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, step, Session, TestApp, AGENCY_A};

/// Cấp Giấy xác nhận tình trạng hôn nhân (3 working days; DOMAIN.md data).
const PROCEDURE: &str = "1.004873";

struct Desk {
    citizen: Session,
    clerk: Session,
    leader: Session,
}

async fn setup(app: &TestApp) -> Desk {
    let admin = app.admin().await;
    app.agency(&admin, AGENCY_A).await;
    let procedure = json!({
        "code": PROCEDURE, "name": "Thủ tục cấp Giấy xác nhận tình trạng hôn nhân", "field": "Hộ tịch",
        "online_level": "full", "eligible_full_online": true,
        "processing_time": {"value": 3, "unit": "working_days"},
        "documents": [{"key": "to_khai", "name": "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân", "mandatory": false,
            "accepted_types": ["application/pdf"], "max_bytes": 1048576}],
        "form_schema": {"type": "object", "properties": {"applicant_address": {"type": "string"}}},
        "legal_basis": ["Luật Hộ tịch 2014"], "agencies": [AGENCY_A]});
    let response = app.post_json_as("/api/v1/admin/procedures", &procedure, &admin.access_token).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    Desk {
        citizen: app.citizen("038095001234").await,
        clerk: app.staff(&admin, AGENCY_A, &["clerk"]).await,
        leader: app.staff(&admin, AGENCY_A, &["leader"]).await,
    }
}

async fn submitted(app: &TestApp, citizen: &Session) -> String {
    let form_data = json!({"applicant_address": "Thôn <Đông> 3, xã Đông Sơn"});
    let id = app.draft(citizen, AGENCY_A, PROCEDURE, form_data).await;
    app.submit(citizen, &id).await;
    id
}

/// The form as HTML, asserting a 200 text/html answer.
async fn form(app: &TestApp, who: &Session, id: &str, form: &str) -> String {
    let response = app.get_as(&format!("/api/v1/dossiers/{id}/forms/{form}"), &who.access_token).await;
    assert_eq!(response.status(), 200, "{form}: {}", response.text().await.unwrap_or_default());
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    response.text().await.unwrap()
}

fn assert_all(html: &str, needles: &[&str]) {
    for needle in needles {
        assert!(html.contains(needle), "missing {needle:?} in\n{html}");
    }
}

#[tokio::test]
async fn every_form_of_a_real_dossier_prints_its_required_fields() {
    // Arrange: one dossier received, sent back for a supplement, apologised for and stopped;
    // another refused at reception.
    let app = spawn_app().await;
    let desk = setup(&app).await;
    let id = submitted(&app, &desk.citizen).await;
    let received = step(&app, &desk.clerk, &id, json!({"action": "receive"})).await;
    let code = received["code"].as_str().unwrap().to_owned();
    let secret = received["lookup_secret"].as_str().unwrap().to_owned();
    step(
        &app,
        &desk.clerk,
        &id,
        json!({"action": "request_supplement", "reason": "Tờ khai chưa ký",
            "items": [{"document_key": "to_khai", "description": "Tờ khai có chữ ký của người yêu cầu"}]}),
    )
    .await;
    step(&app, &desk.citizen, &id, json!({"action": "supplement"})).await;
    let current: Value =
        app.get_as(&format!("/api/v1/dossiers/{id}"), &desk.clerk.access_token).await.json().await.unwrap();
    let due = chrono::DateTime::parse_from_rfc3339(current["due_at"].as_str().unwrap()).unwrap();
    let new_due = (due + chrono::TimeDelta::days(2)).to_rfc3339();
    step(
        &app,
        &desk.leader,
        &id,
        json!({"action": "apologize", "reason": "Cần xác minh tại xã khác", "new_due_at": new_due}),
    )
    .await;
    step(&app, &desk.leader, &id, json!({"action": "stop", "reason": "Công dân đề nghị dừng giải quyết"})).await;
    let refused_id = submitted(&app, &desk.citizen).await;
    step(
        &app,
        &desk.clerk,
        &refused_id,
        json!({"action": "refuse", "reason": "Không thuộc thẩm quyền của xã", "legal_basis": "Điều 21 Nghị định 123/2015/NĐ-CP"}),
    )
    .await;

    // Act
    let receipt = form(&app, &desk.citizen, &id, "receipt").await;
    let supplement = form(&app, &desk.citizen, &id, "supplement_request").await;
    let apology = form(&app, &desk.clerk, &id, "apology").await;
    let control = form(&app, &desk.clerk, &id, "control_sheet").await;
    let stop = form(&app, &desk.citizen, &id, "stop_notice").await;
    let refusal = form(&app, &desk.citizen, &refused_id, "refusal").await;

    // Assert: the fields each form carries (DOMAIN.md §1.3), escaped.
    let common =
        [code.as_str(), "Nguyễn Thị Ánh", "Thủ tục cấp Giấy xác nhận tình trạng hôn nhân", "UBND xã 000.17.22.H56"];
    for html in [&receipt, &supplement, &apology, &control, &stop] {
        assert_all(html, &common);
    }
    assert_all(
        &receipt,
        &["Giấy tiếp nhận hồ sơ và hẹn trả kết quả", &secret, "<svg", "/api/v1/lookup/", "@page { size: A5"],
    );
    assert_all(
        &supplement,
        &[
            "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
            "1/HDHS",
            "Tờ khai chưa ký",
            "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân",
            "Tờ khai có chữ ký của người yêu cầu",
            "Cán Bộ Xã",
            "Thôn &lt;Đông&gt; 3, xã Đông Sơn",
        ],
    );
    assert!(!supplement.contains("Thôn <Đông>"), "escaped");
    let new_due_local = (due + chrono::TimeDelta::days(2))
        .with_timezone(&chrono::FixedOffset::east_opt(7 * 3600).unwrap())
        .format("%H giờ %M phút, ngày %d/%m/%Y")
        .to_string();
    assert_all(&apology, &["Phiếu xin lỗi và hẹn lại ngày trả kết quả", "Cần xác minh tại xã khác", &new_due_local]);
    assert_all(
        &control,
        &[
            "Phiếu kiểm soát quá trình giải quyết hồ sơ",
            "Tiếp nhận hồ sơ",
            "Yêu cầu bổ sung",
            "Xin lỗi, hẹn lại",
            "Dừng giải quyết",
            "Trước hạn",
        ],
    );
    assert_all(&stop, &["Thông báo dừng giải quyết hồ sơ", "Công dân đề nghị dừng giải quyết"]);
    assert_all(
        &refusal,
        &[
            "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
            "Không thuộc thẩm quyền của xã",
            "Điều 21 Nghị định 123/2015/NĐ-CP",
        ],
    );
}

#[tokio::test]
async fn a_form_without_its_event_or_for_another_citizen_is_not_found() {
    let app = spawn_app().await;
    let desk = setup(&app).await;
    let id = submitted(&app, &desk.citizen).await;
    step(&app, &desk.clerk, &id, json!({"action": "receive"})).await;
    let path = |form: &str| format!("/api/v1/dossiers/{id}/forms/{form}");
    for missing in ["refusal", "apology", "stop_notice", "supplement_request"] {
        assert_problem(app.get_as(&path(missing), &desk.citizen.access_token).await, 404, "forms_not_issued").await;
    }
    assert_problem(app.get_as(&path("mau_09"), &desk.citizen.access_token).await, 404, "forms_unknown_form").await;
    let other = app.citizen("001095007777").await;
    assert_problem(app.get_as(&path("control_sheet"), &other.access_token).await, 404, "dossier_not_found").await;
    assert_eq!(app.get(&path("receipt")).await.status(), 401);
}

#[tokio::test]
async fn the_tracking_book_lists_the_agencys_dossiers_received_in_the_period() {
    let app = spawn_app().await;
    let desk = setup(&app).await;
    let mut codes = Vec::new();
    for _ in 0..2 {
        let id = submitted(&app, &desk.citizen).await;
        let received = step(&app, &desk.clerk, &id, json!({"action": "receive"})).await;
        codes.push(received["code"].as_str().unwrap().to_owned());
    }
    let not_received = submitted(&app, &desk.citizen).await;
    let today = (chrono::Utc::now() + chrono::TimeDelta::hours(7)).date_naive();
    let url = |from: chrono::NaiveDate, to: chrono::NaiveDate| {
        format!("/api/v1/desk/forms/tracking-book?from={from}&to={to}")
    };

    let response = app.get_as(&url(today, today), &desk.clerk.access_token).await;
    assert_eq!(response.status(), 200);
    let book = response.text().await.unwrap();
    assert_all(
        &book,
        &["Sổ theo dõi hồ sơ", "A4 landscape", &codes[0], &codes[1], "Nguyễn Thị Ánh", "Thôn &lt;Đông&gt; 3"],
    );
    assert!(book.find(&codes[0]) < book.find(&codes[1]), "oldest first");
    let dossier: Value =
        app.get_as(&format!("/api/v1/dossiers/{not_received}"), &desk.citizen.access_token).await.json().await.unwrap();
    assert!(!book.contains(dossier["code"].as_str().unwrap()), "only received dossiers are entered");

    let yesterday = today.pred_opt().unwrap();
    let empty = app.get_as(&url(yesterday, yesterday), &desk.clerk.access_token).await.text().await.unwrap();
    assert!(!empty.contains(&codes[0]));
    let problem =
        assert_problem(app.get_as(&url(today, yesterday), &desk.clerk.access_token).await, 400, "validation_failed")
            .await;
    assert_eq!(problem["errors"][0]["field"], "to");
    assert_problem(app.get_as(&url(today, today), &desk.citizen.access_token).await, 403, "identity_forbidden").await;
}

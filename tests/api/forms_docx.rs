//! The official forms as DOCX, filled from the dossier's agency's template (the national one by
//! default), and the agencies' own templates: upload, download, list, reset, refusals.

use std::io::{Cursor, Read, Write};

use serde_json::{json, Value};

use crate::attachments::upload_pdf;
use crate::helpers::{assert_problem, spawn_app, step, Session, TestApp, AGENCY_A, AGENCY_B};

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
/// Cấp Giấy xác nhận tình trạng hôn nhân (3 working days; DOMAIN.md data).
const PROCEDURE: &str = "1.004873";

struct Desk {
    admin: Session,
    citizen: Session,
    clerk: Session,
    leader: Session,
}

async fn setup(app: &TestApp) -> Desk {
    let admin = app.admin().await;
    app.agency(&admin, AGENCY_A).await;
    app.agency(&admin, AGENCY_B).await;
    let procedure = json!({
        "code": PROCEDURE, "name": "Thủ tục cấp Giấy xác nhận tình trạng hôn nhân", "field": "Hộ tịch",
        "online_level": "full", "eligible_full_online": true,
        "processing_time": {"value": 3, "unit": "working_days"},
        "documents": [{"key": "to_khai", "name": "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân", "mandatory": false,
            "accepted_types": ["application/pdf"], "max_bytes": 1048576}],
        "form_schema": {"type": "object", "properties": {"applicant_address": {"type": "string"}}},
        "legal_basis": ["Luật Hộ tịch 2014"], "agencies": [AGENCY_A, AGENCY_B]});
    let response = app.post_json_as("/api/v1/admin/procedures", &procedure, &admin.access_token).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    Desk {
        citizen: app.citizen("038095001234").await,
        clerk: app.staff(&admin, AGENCY_A, &["clerk"]).await,
        leader: app.staff(&admin, AGENCY_A, &["leader"]).await,
        admin,
    }
}

/// A dossier at `agency` with the declaration attached, submitted.
async fn submitted(app: &TestApp, citizen: &Session, agency: &str) -> String {
    let form_data = json!({"applicant_address": "Thôn <Đông> 3 & xóm 4, xã Đông Sơn"});
    let id = app.draft(citizen, agency, PROCEDURE, form_data).await;
    assert_eq!(upload_pdf(app, citizen, &id, "to_khai").await.status(), 201);
    app.submit(citizen, &id).await;
    id
}

/// The text of a document's body, read independently of the service: each `<w:t>` in order, a
/// line per paragraph, entities decoded. Also checks that docx-rs can read the package.
fn docx_text(bytes: &[u8]) -> String {
    assert!(docx_rs::read_docx(bytes).is_ok(), "a DOCX reader opens it");
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip package");
    let mut xml = String::new();
    archive.by_name("word/document.xml").expect("word/document.xml").read_to_string(&mut xml).unwrap();
    let mut text = String::new();
    let mut rest = xml.as_str();
    while let Some(open) = rest.find('<') {
        let close = open + rest[open..].find('>').unwrap();
        let tag = &rest[open + 1..close];
        if tag == "/w:p" {
            text.push('\n');
        }
        if (tag == "w:t" || tag.starts_with("w:t ")) && !tag.ends_with('/') {
            let end = close + rest[close..].find("</w:t>").unwrap();
            let content = &rest[close + 1..end];
            let decoded = content
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&#123;", "{")
                .replace("&#125;", "}")
                .replace("&amp;", "&");
            text.push_str(&decoded);
            rest = &rest[end..];
        } else {
            rest = &rest[close + 1..];
        }
    }
    text
}

/// The form as DOCX via `?format=docx`, asserting the reply's type and file name.
async fn docx_form(app: &TestApp, who: &Session, id: &str, form: &str, code: &str) -> String {
    let response = app.get_as(&format!("/api/v1/dossiers/{id}/forms/{form}?format=docx"), &who.access_token).await;
    assert_eq!(response.status(), 200, "{form}: {}", response.text().await.unwrap_or_default());
    assert_eq!(response.headers()["content-type"], DOCX);
    assert_eq!(response.headers()["content-disposition"], format!("attachment; filename=\"{form}-{code}.docx\""));
    docx_text(&response.bytes().await.unwrap())
}

fn assert_all(text: &str, needles: &[&str]) {
    for needle in needles {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
}

fn local(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .with_timezone(&chrono::FixedOffset::east_opt(7 * 3600).unwrap())
        .format("%H giờ %M phút, ngày %d/%m/%Y")
        .to_string()
}

#[tokio::test]
async fn every_form_of_a_real_dossier_renders_as_docx_with_its_required_fields() {
    // Arrange: one dossier received, sent back for a supplement, apologised for and stopped;
    // another refused at reception.
    let app = spawn_app().await;
    let desk = setup(&app).await;
    let id = submitted(&app, &desk.citizen, AGENCY_A).await;
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
        json!({"action": "apologize", "reason": "Cần xác minh {{lookup_secret}}", "new_due_at": new_due}),
    )
    .await;
    step(&app, &desk.leader, &id, json!({"action": "stop", "reason": "Công dân đề nghị dừng giải quyết"})).await;
    let refused_id = submitted(&app, &desk.citizen, AGENCY_A).await;
    let refused = step(
        &app,
        &desk.clerk,
        &refused_id,
        json!({"action": "refuse", "reason": "Không thuộc thẩm quyền của xã", "legal_basis": "Điều 21 Nghị định 123/2015/NĐ-CP"}),
    )
    .await;
    let refused_code = refused["code"].as_str().map_or_else(|| refused_id.clone(), str::to_owned);

    // Act
    let receipt = docx_form(&app, &desk.citizen, &id, "receipt", &code).await;
    let supplement = docx_form(&app, &desk.citizen, &id, "supplement_request", &code).await;
    let apology = docx_form(&app, &desk.clerk, &id, "apology", &code).await;
    let control = docx_form(&app, &desk.clerk, &id, "control_sheet", &code).await;
    let stop = docx_form(&app, &desk.citizen, &id, "stop_notice", &code).await;
    let refusal = docx_form(&app, &desk.citizen, &refused_id, "refusal", &refused_code).await;

    // Assert: the national wording and the fields each form carries (DOMAIN.md §1.3).
    let common = [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        code.as_str(),
        "Nguyễn Thị Ánh",
        "Thủ tục cấp Giấy xác nhận tình trạng hôn nhân",
        "UBND xã 000.17.22.H56",
    ];
    for text in [&receipt, &supplement, &apology, &control, &stop] {
        assert_all(text, &common);
        // The apology's reason, as the leader typed it, holds braces on purpose (below).
        assert!(!text.replace("Cần xác minh {{lookup_secret}}", "").contains("{{"), "no placeholder left:\n{text}");
    }
    let received_at = local(received["received_at"].as_str().unwrap());
    // The receipt prints the appointment as it stands now (moved by the apology).
    let last: Value =
        app.get_as(&format!("/api/v1/dossiers/{id}"), &desk.clerk.access_token).await.json().await.unwrap();
    assert_all(
        &receipt,
        &[
            "Mẫu số 01",
            "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
            &secret,
            "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân",
            "to_khai.pdf",
            &received_at,
            &local(last["due_at"].as_str().unwrap()),
            &format!("/api/v1/lookup/{code}?secret={secret}"),
        ],
    );
    assert_all(
        &supplement,
        &[
            "Mẫu số 02",
            "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
            "Số: 1/HDHS",
            "Tờ khai chưa ký",
            "Tờ khai có chữ ký của người yêu cầu",
            "Cán Bộ Xã",
            "Thôn <Đông> 3 & xóm 4, xã Đông Sơn",
        ],
    );
    assert_all(
        &apology,
        &[
            "Mẫu số 04",
            "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
            "Cần xác minh {{lookup_secret}}",
            &local(&new_due),
            &local(current["due_at"].as_str().unwrap()),
        ],
    );
    assert!(!apology.contains(&format!("Cần xác minh {secret}")), "what a person typed is never a placeholder");
    assert_all(
        &control,
        &[
            "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
            "Tiếp nhận hồ sơ",
            "Yêu cầu bổ sung",
            "Dừng giải quyết",
            "Trước hạn",
        ],
    );
    assert_all(&stop, &["THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ", "Công dân đề nghị dừng giải quyết"]);
    assert_all(
        &refusal,
        &[
            "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
            "Không thuộc thẩm quyền của xã",
            "Điều 21 Nghị định 123/2015/NĐ-CP",
        ],
    );

    // The Accept header asks for DOCX too; HTML stays the default.
    let by_accept = app
        .client
        .get(app.url(&format!("/api/v1/dossiers/{id}/forms/receipt")))
        .bearer_auth(&desk.citizen.access_token)
        .header("accept", DOCX)
        .send()
        .await
        .unwrap();
    assert_eq!(by_accept.headers()["content-type"], DOCX);
    assert_all(&docx_text(&by_accept.bytes().await.unwrap()), &[&code, &secret]);
    let page = app.get_as(&format!("/api/v1/dossiers/{id}/forms/receipt"), &desk.citizen.access_token).await;
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let odd = app.get_as(&format!("/api/v1/dossiers/{id}/forms/receipt?format=pdf"), &desk.citizen.access_token).await;
    assert_problem(odd, 400, "invalid_query").await;

    // The tracking book of the day, as DOCX.
    let today = (chrono::Utc::now() + chrono::TimeDelta::hours(7)).date_naive();
    let response = app
        .get_as(
            &format!("/api/v1/desk/forms/tracking-book?from={today}&to={today}&format=docx"),
            &desk.clerk.access_token,
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-disposition"],
        format!("attachment; filename=\"tracking_book-{AGENCY_A}-{today}-{today}.docx\"")
    );
    let book = docx_text(&response.bytes().await.unwrap());
    let day = today.format("%d/%m/%Y").to_string();
    assert_all(
        &book,
        &["SỔ THEO DÕI HỒ SƠ", &format!("Từ ngày {day} đến ngày {day}"), &code, "Nguyễn Thị Ánh", "Thôn <Đông> 3"],
    );
}

/// The package with `word/document.xml` passed through `edit`, every other entry as it was.
fn edited(template: &[u8], edit: impl Fn(&str) -> String) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(Cursor::new(template)).unwrap();
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let name = file.name().unwrap().into_owned();
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).unwrap();
        if name == "word/document.xml" {
            bytes = edit(&String::from_utf8(bytes).unwrap()).into_bytes();
        }
        writer.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        writer.write_all(&bytes).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

async fn put_template(app: &TestApp, who: &Session, agency: &str, form: &str, body: Vec<u8>) -> reqwest::Response {
    app.client
        .put(app.url(&format!("/api/v1/admin/agencies/{agency}/form-templates/{form}")))
        .bearer_auth(&who.access_token)
        .header("content-type", DOCX)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn receipt_text(app: &TestApp, who: &Session, id: &str) -> String {
    let response = app.get_as(&format!("/api/v1/dossiers/{id}/forms/receipt?format=docx"), &who.access_token).await;
    assert_eq!(response.status(), 200);
    docx_text(&response.bytes().await.unwrap())
}

#[tokio::test]
async fn an_agencys_own_template_prints_its_forms_while_other_agencies_keep_the_national_one() {
    // Arrange: a dossier received at each agency; agency A's receipt template downloaded and
    // edited as a province would in Word: new wording, a placeholder split over two runs.
    let app = spawn_app().await;
    let desk = setup(&app).await;
    let clerk_b = app.staff(&desk.admin, AGENCY_B, &["clerk"]).await;
    let at_a = submitted(&app, &desk.citizen, AGENCY_A).await;
    let code_a =
        step(&app, &desk.clerk, &at_a, json!({"action": "receive"})).await["code"].as_str().unwrap().to_owned();
    let at_b = submitted(&app, &desk.citizen, AGENCY_B).await;
    step(&app, &clerk_b, &at_b, json!({"action": "receive"})).await;
    let path = format!("/api/v1/admin/agencies/{AGENCY_A}/form-templates/receipt");
    let national = app.get_as(&path, &desk.leader.access_token).await;
    assert_eq!(national.status(), 200);
    assert_eq!(national.headers()["x-template-source"], "default");
    let national = national.bytes().await.unwrap().to_vec();
    let custom = edited(&national, |xml| {
        assert!(xml.contains("{{lookup_secret}}</w:t></w:r>"), "the national template has the placeholder in one run");
        xml.replace("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "BIÊN NHẬN HỒ SƠ — TỈNH THANH HÓA")
            .replace(
                "{{lookup_secret}}</w:t></w:r>",
                "{{lookup_</w:t></w:r><w:proofErr w:type=\"spellStart\"/><w:r><w:rPr><w:i/></w:rPr><w:t>secret}}</w:t></w:r>",
            )
            .replacen(
                "<w:body>",
                "<w:body><w:p><w:r><w:t>Kính chuyển {{applicant_</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>name}} &amp; gia đình</w:t></w:r></w:p>",
                1,
            )
    });

    // Act: the agency's leader uploads it.
    let response = put_template(&app, &desk.leader, AGENCY_A, "receipt", custom.clone()).await;

    // Assert: stored, listed, downloadable as uploaded, and printing A's receipts only.
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap_or_default());
    let stored: Value = response.json().await.unwrap();
    assert_eq!(stored["source"], "agency");
    assert_eq!(stored["size"], custom.len());
    assert_eq!(stored["uploaded_by"], desk.leader.id.as_str());
    let list: Value = app
        .get_as(&format!("/api/v1/admin/agencies/{AGENCY_A}/form-templates"), &desk.admin.access_token)
        .await
        .json()
        .await
        .unwrap();
    let sources: Vec<(&str, &str)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["form"].as_str().unwrap(), t["source"].as_str().unwrap()))
        .collect();
    assert_eq!(sources.len(), 7);
    assert!(sources.contains(&("receipt", "agency")) && sources.contains(&("tracking_book", "default")), "{sources:?}");
    let receipt_entry = list["items"].as_array().unwrap().iter().find(|t| t["form"] == "receipt").unwrap();
    assert!(receipt_entry["placeholders"].as_array().unwrap().contains(&json!("documents.file_name")));
    let download = app.get_as(&path, &desk.admin.access_token).await;
    assert_eq!(download.headers()["x-template-source"], "agency");
    assert_eq!(download.bytes().await.unwrap().to_vec(), custom);

    let dossier: Value =
        app.get_as(&format!("/api/v1/dossiers/{at_a}"), &desk.citizen.access_token).await.json().await.unwrap();
    let secret = dossier["lookup_secret"].as_str().unwrap();
    let text_a = receipt_text(&app, &desk.citizen, &at_a).await;
    assert_all(
        &text_a,
        &["BIÊN NHẬN HỒ SƠ — TỈNH THANH HÓA", "Kính chuyển Nguyễn Thị Ánh & gia đình", secret, &code_a],
    );
    assert!(!text_a.contains("GIẤY TIẾP NHẬN HỒ SƠ") && !text_a.contains("{{"), "{text_a}");
    let text_b = receipt_text(&app, &desk.citizen, &at_b).await;
    assert_all(&text_b, &["GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "UBND xã 000.18.22.H56"]);
    assert!(!text_b.contains("THANH HÓA"));

    // Back to the national template.
    let reset = app.client.delete(app.url(&path)).bearer_auth(&desk.admin.access_token).send().await.unwrap();
    assert_eq!(reset.status(), 204);
    assert_all(&receipt_text(&app, &desk.citizen, &at_a).await, &["GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"]);
    assert_eq!(app.get_as(&path, &desk.admin.access_token).await.headers()["x-template-source"], "default");
    let again = app.client.delete(app.url(&path)).bearer_auth(&desk.admin.access_token).send().await.unwrap();
    assert_eq!(again.status(), 204, "resetting twice is not an error");
}

/// A package holding only `word/document.xml` with `body` inside `<w:body>`.
fn package(body: &str) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    writer.start_file("word/document.xml", zip::write::SimpleFileOptions::default()).unwrap();
    let xml = format!("<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>");
    writer.write_all(xml.as_bytes()).unwrap();
    writer.finish().unwrap().into_inner()
}

#[tokio::test]
async fn bad_template_uploads_and_callers_without_the_right_get_problems() {
    let app = spawn_app().await;
    let desk = setup(&app).await;
    let admin = &desk.admin;

    // Not a Word package.
    assert_problem(
        put_template(&app, admin, AGENCY_A, "receipt", b"%PDF-1.4 not a zip".to_vec()).await,
        422,
        "forms_template_invalid",
    )
    .await;
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    writer.start_file("hello.txt", zip::write::SimpleFileOptions::default()).unwrap();
    writer.write_all(b"hi").unwrap();
    let no_document = writer.finish().unwrap().into_inner();
    assert_problem(put_template(&app, admin, AGENCY_A, "receipt", no_document).await, 422, "forms_template_invalid")
        .await;

    // Placeholders the form does not have, each named.
    let unknown = package(
        "<w:p><w:r><w:t>{{ho_</w:t></w:r><w:r><w:t>ten}} {{dossier_code}} {{documents.name}} {{reason}}</w:t></w:r></w:p>",
    );
    let problem = assert_problem(
        put_template(&app, admin, AGENCY_A, "receipt", unknown).await,
        422,
        "forms_template_unknown_placeholders",
    )
    .await;
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["{{documents.name}}", "{{ho_ten}}", "{{reason}}"]);
    assert!(problem["detail"].as_str().unwrap().contains("{{ho_ten}}"));
    // The same `{{reason}}` is fine in the refusal's template.
    let refusal = package("<w:p><w:r><w:t>Lý do: {{reason}}</w:t></w:r></w:p>");
    assert_eq!(put_template(&app, admin, AGENCY_A, "refusal", refusal).await.status(), 200);

    // Too big, or not sent as DOCX.
    let big = vec![b'x'; 2 * 1024 * 1024 + 1];
    assert_problem(put_template(&app, admin, AGENCY_A, "receipt", big).await, 413, "forms_template_too_large").await;
    let as_json = app
        .client
        .put(app.url(&format!("/api/v1/admin/agencies/{AGENCY_A}/form-templates/receipt")))
        .bearer_auth(&admin.access_token)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_problem(as_json, 415, "forms_template_media_type").await;

    // No such form or agency.
    let fine = package("<w:p><w:r><w:t>{{dossier_code}}</w:t></w:r></w:p>");
    assert_problem(put_template(&app, admin, AGENCY_A, "mau_09", fine.clone()).await, 404, "forms_unknown_form").await;
    assert_problem(
        put_template(&app, admin, "000.99.99.H56", "receipt", fine.clone()).await,
        404,
        "catalog_agency_not_found",
    )
    .await;

    // Who may: not a citizen, not a clerk, not another agency's leader.
    assert_problem(
        put_template(&app, &desk.citizen, AGENCY_A, "receipt", fine.clone()).await,
        403,
        "identity_forbidden",
    )
    .await;
    assert_problem(
        put_template(&app, &desk.clerk, AGENCY_A, "receipt", fine.clone()).await,
        403,
        "forms_template_forbidden",
    )
    .await;
    let leader_b = app.staff(admin, AGENCY_B, &["leader"]).await;
    assert_problem(
        put_template(&app, &leader_b, AGENCY_A, "receipt", fine.clone()).await,
        403,
        "forms_template_forbidden",
    )
    .await;
    assert_problem(
        app.get_as(&format!("/api/v1/admin/agencies/{AGENCY_A}/form-templates"), &leader_b.access_token).await,
        403,
        "forms_template_forbidden",
    )
    .await;
    // An agency's own admin may, and plain bytes are accepted as well as the DOCX type.
    let agency_admin = app.staff(admin, AGENCY_B, &["admin"]).await;
    let as_bytes = app
        .client
        .put(app.url(&format!("/api/v1/admin/agencies/{AGENCY_B}/form-templates/receipt")))
        .bearer_auth(&agency_admin.access_token)
        .header("content-type", "application/octet-stream")
        .body(fine)
        .send()
        .await
        .unwrap();
    assert_eq!(as_bytes.status(), 200);
}

//! The procedure catalogue: admin create and replace with field-level validation, who may write,
//! the public list with diacritics-insensitive search, filters and pagination, and the demo data.

use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, Session, TestApp, AGENCY_A, AGENCY_B};

const PROVINCE_AGENCY: &str = "000.00.14.H56";
const UNKNOWN_AGENCY: &str = "000.99.22.H56";

/// A valid procedure body performed by `agencies`.
fn procedure(code: &str, name: &str, agencies: &[&str]) -> Value {
    json!({
        "code": code,
        "name": name,
        "field": "Hộ tịch",
        "online_level": "full",
        "eligible_full_online": true,
        "processing_time": {"value": 3, "unit": "working_days"},
        "fees": [
            {"name": "Lệ phí", "amount_vnd": 8000, "note": "8.000 đ/bản sao"},
            {"name": "Lệ phí không đúng hạn", "amount_vnd": null, "note": "HĐND tỉnh quy định"},
        ],
        "documents": [
            {"key": "to_khai", "name": "Tờ khai", "mandatory": true, "accepted_types": ["application/pdf"],
             "max_bytes": 10_485_760, "template_url": "https://dichvucong.gov.vn/mau/to_khai.docx"},
            {"key": "giay_to_tuy_than", "name": "CCCD", "mandatory": false,
             "accepted_types": ["image/jpeg", "image/png"], "max_bytes": 5_242_880},
        ],
        "agencies": agencies,
        "result": {"is_document": true, "name": "Giấy khai sinh"},
        "form_schema": {"type": "object", "properties": {
            "ho_ten": {"type": "string"}, "ngay_sinh": {"type": "string", "format": "date"}},
            "required": ["ho_ten"]},
        "legal_basis": ["Luật Hộ tịch 2014"],
        "valid_from": "2026-01-01",
        "valid_to": null,
    })
}

async fn put_json_as(app: &TestApp, path: &str, body: &Value, token: &str) -> reqwest::Response {
    app.client.put(app.url(path)).bearer_auth(token).json(body).send().await.unwrap()
}

async fn create(app: &TestApp, admin: &Session, body: &Value) -> Value {
    let response = app.post_json_as("/api/v1/admin/procedures", body, &admin.access_token).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    response.json().await.unwrap()
}

/// An admin, agencies A and B (commune) and a province agency.
async fn catalogue_app() -> (TestApp, Session) {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.agency(&admin, AGENCY_A).await;
    app.agency(&admin, AGENCY_B).await;
    let body = json!({"code": PROVINCE_AGENCY, "name": "Sở Tư pháp", "level": "province"});
    let response = app.post_json_as("/api/v1/admin/agencies", &body, &admin.access_token).await;
    assert_eq!(response.status(), 201);
    (app, admin)
}

/// The codes of the procedures a list query returns, and its total.
async fn list_codes(app: &TestApp, query: &str) -> (Vec<String>, u64) {
    let response = app.get(&format!("/api/v1/procedures?{query}")).await;
    assert_eq!(response.status(), 200, "{query}");
    let body: Value = response.json().await.unwrap();
    let codes = body["items"].as_array().unwrap().iter().map(|p| p["code"].as_str().unwrap().to_owned()).collect();
    (codes, body["total"].as_u64().unwrap())
}

#[tokio::test]
async fn an_admin_creates_replaces_and_reads_a_procedure() {
    // Arrange
    let (app, admin) = catalogue_app().await;
    let body = procedure(" 1.001193 ", "  Thủ tục đăng ký khai sinh ", &[AGENCY_B, AGENCY_A]);

    // Act
    let created = create(&app, &admin, &body).await;

    // Assert: trimmed, agencies sorted, every part of the contract present
    assert_eq!(created["code"], "1.001193");
    assert_eq!(created["name"], "Thủ tục đăng ký khai sinh");
    assert_eq!(created["online_level"], "full");
    assert_eq!(created["eligible_full_online"], true);
    assert_eq!(created["processing_time"], json!({"value": 3, "unit": "working_days"}));
    assert_eq!(created["fees"], body["fees"]);
    assert_eq!(created["documents"][0]["accepted_types"], json!(["application/pdf"]));
    assert_eq!(created["documents"][0]["max_bytes"], 10_485_760);
    assert_eq!(created["documents"][1]["template_url"], Value::Null);
    assert_eq!(created["agencies"], json!([AGENCY_A, AGENCY_B]));
    assert_eq!(created["form_schema"], body["form_schema"]);
    assert_eq!(created["result"], json!({"is_document": true, "name": "Giấy khai sinh"}));
    assert_eq!(created["legal_basis"], json!(["Luật Hộ tịch 2014"]));
    assert_eq!(created["valid_from"], "2026-01-01");
    assert_eq!(created["valid_to"], Value::Null);
    let read: Value = app.get("/api/v1/procedures/1.001193").await.json().await.unwrap();
    assert_eq!(read, created);

    // Act: replace it (same-day, fewer agencies, no fees, no deadline fields changed elsewhere)
    let mut change = procedure("1.001193", "Đăng ký khai sinh", &[AGENCY_B]);
    change.as_object_mut().unwrap().remove("code");
    change["processing_time"] = json!({"value": 0, "unit": "same_day"});
    change["online_level"] = json!("partial");
    change["eligible_full_online"] = json!(false);
    change["fees"] = json!([]);
    let response = put_json_as(&app, "/api/v1/admin/procedures/1.001193", &change, &admin.access_token).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap_or_default());
    let updated: Value = response.json().await.unwrap();

    // Assert
    assert_eq!(updated["name"], "Đăng ký khai sinh");
    assert_eq!(updated["processing_time"], json!({"value": 0, "unit": "same_day"}));
    assert_eq!(updated["online_level"], "partial");
    assert_eq!(updated["fees"], json!([]));
    assert_eq!(updated["agencies"], json!([AGENCY_B]));
    let read: Value = app.get("/api/v1/procedures/1.001193").await.json().await.unwrap();
    assert_eq!(read, updated);
    let (codes, total) = list_codes(&app, "q=dang%20ky%20khai%20sinh").await;
    assert_eq!((codes, total), (vec!["1.001193".to_owned()], 1), "the search name follows the new name");
    let (codes, _) = list_codes(&app, &format!("agency={AGENCY_A}")).await;
    assert!(codes.is_empty(), "the dropped agency no longer lists it");

    // No fixed deadline: processing_time null.
    change["processing_time"] = Value::Null;
    let response = put_json_as(&app, "/api/v1/admin/procedures/1.001193", &change, &admin.access_token).await;
    let updated: Value = response.json().await.unwrap();
    assert_eq!(updated["processing_time"], Value::Null);
}

#[tokio::test]
async fn creating_a_procedure_refuses_each_invalid_field_with_its_path() {
    let (app, admin) = catalogue_app().await;
    let valid = procedure("1.004873", "Cấp Giấy xác nhận tình trạng hôn nhân", &[AGENCY_A]);
    // (field to replace, new value, expected errors[0].field, why)
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        ("code", json!("1 004873"), "code", "a space in the code"),
        ("code", json!("thủ.tục"), "code", "non-ASCII code"),
        ("code", json!("9".repeat(51)), "code", "51 characters"),
        ("code", Value::Null, "code", "no code"),
        ("name", json!("  "), "name", "blank name"),
        ("name", json!("x".repeat(501)), "name", "501 characters"),
        ("field", json!(""), "field", "empty field"),
        ("field", json!("x".repeat(201)), "field", "201 characters"),
        ("online_level", json!("level4"), "online_level", "unknown online level"),
        ("online_level", json!("none"), "eligible_full_online", "eligible although not online"),
        ("processing_time", json!({"value": 0, "unit": "working_days"}), "processing_time.value", "0 working days"),
        ("processing_time", json!({"value": 0, "unit": "calendar_days"}), "processing_time.value", "0 days"),
        ("processing_time", json!({"value": 2, "unit": "same_day"}), "processing_time.value", "2 same-day"),
        ("processing_time", json!({"value": -1, "unit": "working_hours"}), "processing_time.value", "negative"),
        ("processing_time", json!({"value": 3, "unit": "weeks"}), "processing_time.unit", "unknown unit"),
        ("processing_time", json!({"value": 3}), "processing_time", "value without unit"),
        ("fees", json!([{"name": "", "amount_vnd": 1000}]), "fees[0].name", "unnamed fee"),
        ("fees", json!([{"name": "Phí", "amount_vnd": -1}]), "fees[0].amount_vnd", "negative fee"),
        (
            "documents",
            json!([
                {"key": "to_khai", "name": "A", "mandatory": true, "accepted_types": ["application/pdf"], "max_bytes": 1},
                {"key": "to_khai", "name": "B", "mandatory": true, "accepted_types": ["application/pdf"], "max_bytes": 1},
            ]),
            "documents[1].key",
            "duplicate document keys",
        ),
        (
            "documents",
            json!([{"key": "To Khai", "name": "A", "mandatory": true, "accepted_types": ["application/pdf"], "max_bytes": 1}]),
            "documents[0].key",
            "key not snake_case",
        ),
        (
            "documents",
            json!([{"key": "to_khai", "name": "A", "mandatory": true, "accepted_types": [], "max_bytes": 1}]),
            "documents[0].accepted_types",
            "no accepted type",
        ),
        (
            "documents",
            json!([{"key": "to_khai", "name": "A", "mandatory": true, "accepted_types": ["application/pdf", "pdf"], "max_bytes": 1}]),
            "documents[0].accepted_types[1]",
            "not a media type",
        ),
        (
            "documents",
            json!([{"key": "to_khai", "name": "A", "mandatory": true, "accepted_types": ["application/pdf"], "max_bytes": 0}]),
            "documents[0].max_bytes",
            "0 bytes",
        ),
        (
            "documents",
            json!([{"key": "to_khai", "name": "A", "mandatory": true, "accepted_types": ["application/pdf"], "max_bytes": 104_857_601}]),
            "documents[0].max_bytes",
            "over 100 MiB",
        ),
        ("agencies", json!([]), "agencies", "no agency"),
        ("agencies", json!([UNKNOWN_AGENCY]), "agencies[0]", "unknown agency"),
        ("agencies", json!([AGENCY_A, UNKNOWN_AGENCY]), "agencies[1]", "second agency unknown"),
        ("agencies", json!([AGENCY_A, "H56"]), "agencies[1]", "malformed agency code"),
        ("agencies", json!([AGENCY_A, AGENCY_A]), "agencies[1]", "agency listed twice"),
        ("form_schema", json!([]), "form_schema", "schema is an array"),
        ("form_schema", json!("object"), "form_schema", "schema is a string"),
        ("form_schema", json!({"type": "array", "properties": {}}), "form_schema.type", "not an object schema"),
        ("form_schema", json!({"type": "object"}), "form_schema.properties", "no properties"),
        (
            "form_schema",
            json!({"type": "object", "properties": {"ho_ten": {"type": "text"}}}),
            "form_schema.properties.ho_ten.type",
            "unknown property type",
        ),
        (
            "form_schema",
            json!({"type": "object", "properties": {"ho_ten": "string"}}),
            "form_schema.properties.ho_ten",
            "property schema not an object",
        ),
        (
            "form_schema",
            json!({"type": "object", "properties": {"ho_ten": {"type": "string"}}, "required": ["dia_chi"]}),
            "form_schema.required[0]",
            "required names a missing property",
        ),
        (
            "form_schema",
            json!({"type": "object", "properties": {"ho_ten": {"type": "string"}}, "required": "ho_ten"}),
            "form_schema.required",
            "required not an array",
        ),
        ("legal_basis", json!(["Luật Hộ tịch", " "]), "legal_basis[1]", "blank legal basis"),
        ("valid_to", json!("2025-12-31"), "valid_to", "ends before it starts"),
        ("unexpected", json!(1), "unexpected", "unknown field"),
    ];
    for (field, value, expected, why) in cases {
        let mut body = valid.clone();
        if value.is_null() {
            body.as_object_mut().unwrap().remove(field);
        } else {
            body[field] = value;
        }
        let response = app.post_json_as("/api/v1/admin/procedures", &body, &admin.access_token).await;
        let problem = assert_problem(response, 400, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], expected, "{why}: {problem}");
    }
    // Nothing was stored: the list is empty and the valid body is still accepted.
    assert_eq!(list_codes(&app, "").await.1, 0);
    create(&app, &admin, &valid).await;
}

#[tokio::test]
async fn replacing_a_procedure_validates_like_creating_it() {
    let (app, admin) = catalogue_app().await;
    let body = procedure("1.004873", "Cấp Giấy xác nhận tình trạng hôn nhân", &[AGENCY_A]);
    create(&app, &admin, &body).await;
    let path = "/api/v1/admin/procedures/1.004873";
    let cases: Vec<(&str, Value, &str)> = vec![
        ("agencies", json!([UNKNOWN_AGENCY]), "agencies[0]"),
        ("processing_time", json!({"value": 1, "unit": "same_day"}), "processing_time.value"),
        ("form_schema", json!({"type": "object", "properties": {"x": {}}}), "form_schema.properties.x.type"),
        ("code", json!("1.004874"), "code"),
    ];
    for (field, value, expected) in cases {
        let mut change = body.clone();
        change[field] = value;
        let problem =
            assert_problem(put_json_as(&app, path, &change, &admin.access_token).await, 400, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], expected, "{problem}");
    }
    let read: Value = app.get("/api/v1/procedures/1.004873").await.json().await.unwrap();
    assert_eq!(read["agencies"], json!([AGENCY_A]), "nothing changed");
}

#[tokio::test]
async fn a_second_procedure_with_the_same_code_is_a_conflict() {
    let (app, admin) = catalogue_app().await;
    create(&app, &admin, &procedure("2.000635", "Cấp bản sao Trích lục hộ tịch", &[AGENCY_A])).await;
    let again = procedure("2.000635", "Một tên khác", &[AGENCY_B]);
    let response = app.post_json_as("/api/v1/admin/procedures", &again, &admin.access_token).await;
    assert_problem(response, 409, "catalog_procedure_exists").await;
    let read: Value = app.get("/api/v1/procedures/2.000635").await.json().await.unwrap();
    assert_eq!(read["name"], "Cấp bản sao Trích lục hộ tịch");
}

#[tokio::test]
async fn unknown_procedures_are_not_found() {
    let (app, admin) = catalogue_app().await;
    assert_problem(app.get("/api/v1/procedures/9.999999").await, 404, "catalog_procedure_not_found").await;
    let body = procedure("9.999999", "Không có", &[AGENCY_A]);
    for path in ["/api/v1/admin/procedures/9.999999", "/api/v1/admin/procedures/not%20a%20code"] {
        let response = put_json_as(&app, path, &body, &admin.access_token).await;
        assert_problem(response, 404, "catalog_procedure_not_found").await;
    }
    assert_eq!(list_codes(&app, "").await.1, 0, "a replace does not create");
}

#[tokio::test]
async fn only_a_province_wide_admin_may_write_the_catalogue() {
    let (app, admin) = catalogue_app().await;
    create(&app, &admin, &procedure("1.001022", "Đăng ký nhận cha, mẹ, con", &[AGENCY_A])).await;
    let citizen = app.citizen("038095001234").await;
    let clerk = app.staff(&admin, AGENCY_A, &["clerk"]).await;
    let agency_admin = app.staff(&admin, AGENCY_B, &["admin"]).await;
    let new = procedure("1.004837", "Đăng ký giám hộ", &[AGENCY_B]);
    let change = procedure("1.001022", "Đổi tên", &[AGENCY_B]);
    let send = |method: &str, path: &str, body: &Value, token: Option<&str>| {
        let mut request = app.client.request(method.parse().unwrap(), app.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let routes = [("POST", "/api/v1/admin/procedures", &new), ("PUT", "/api/v1/admin/procedures/1.001022", &change)];
    for (method, path, body) in routes {
        let anonymous = send(method, path, body, None).await.unwrap();
        assert_problem(anonymous, 401, "identity_unauthenticated").await;
        let bad_token = send(method, path, body, Some("not-a-token")).await.unwrap();
        assert_eq!(bad_token.status(), 401, "{method} {path} with a forged token");
        for (who, session) in [("citizen", &citizen), ("clerk", &clerk), ("agency admin", &agency_admin)] {
            let response = send(method, path, body, Some(&session.access_token)).await.unwrap();
            assert_eq!(response.status(), 403, "{who}: {method} {path}");
            assert_problem(response, 403, "identity_forbidden").await;
        }
    }
    // Nothing changed; reading stays public.
    let (codes, _) = list_codes(&app, "").await;
    assert_eq!(codes, vec!["1.001022"]);
    let read: Value = app.get("/api/v1/procedures/1.001022").await.json().await.unwrap();
    assert_eq!(read["name"], "Đăng ký nhận cha, mẹ, con");
}

#[tokio::test]
async fn search_ignores_vietnamese_diacritics_and_case() {
    let (app, admin) = catalogue_app().await;
    for (code, name) in [
        ("1.013225", "Cấp giấy phép xây dựng mới đối với công trình cấp III"),
        ("1.001193", "Thủ tục đăng ký khai sinh"),
        ("1.000894", "Thủ tục ĐĂNG KÝ kết hôn"),
        ("2.000815", "Chứng thực bản sao từ bản chính giấy tờ, văn bản"),
        ("1.001612", "Đăng ký thành lập hộ kinh doanh (100% vốn)"),
    ] {
        create(&app, &admin, &procedure(code, name, &[AGENCY_A])).await;
    }
    let cases: [(&str, &[&str]); 11] = [
        ("cap%20giay%20phep%20xay%20dung", &["1.013225"]),
        ("C%E1%BA%A4P%20GI%E1%BA%A4Y", &["1.013225"]), // "CẤP GIẤY"
        ("dang%20ky%20khai%20sinh", &["1.001193"]),
        ("DANG%20ky", &["1.000894", "1.001193", "1.001612"]),
        ("%C4%91%C4%83ng%20k%C3%BD", &["1.000894", "1.001193", "1.001612"]), // "đăng ký"
        ("++giay++", &["1.013225", "2.000815"]),
        ("xay%20dung%20khai%20sinh", &[]),
        ("khai%20sinh%20ket", &[]),
        ("%25", &["1.001612"]), // "%" is a literal, not a wildcard
        ("_", &[]),
        ("", &["1.000894", "1.001193", "1.001612", "1.013225", "2.000815"]),
    ];
    for (q, expected) in cases {
        let (codes, total) = list_codes(&app, &format!("q={q}")).await;
        assert_eq!(codes, expected, "q={q}");
        assert_eq!(total, expected.len() as u64, "q={q}");
    }
    let too_long = "a".repeat(201);
    let problem =
        assert_problem(app.get(&format!("/api/v1/procedures?q={too_long}")).await, 400, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "q");
}

#[tokio::test]
async fn the_list_filters_by_field_agency_level_and_online_level() {
    let (app, admin) = catalogue_app().await;
    let mut birth = procedure("1.001193", "Đăng ký khai sinh", &[AGENCY_A]);
    birth["online_level"] = json!("full");
    let mut marriage = procedure("1.000894", "Đăng ký kết hôn", &[AGENCY_A, AGENCY_B]);
    marriage["online_level"] = json!("partial");
    marriage["eligible_full_online"] = json!(false);
    let mut record = procedure("3.000333", "Cấp Phiếu lý lịch tư pháp", &[PROVINCE_AGENCY]);
    record["field"] = json!("Lý lịch tư pháp");
    record["online_level"] = json!("none");
    record["eligible_full_online"] = json!(false);
    for body in [&birth, &marriage, &record] {
        create(&app, &admin, body).await;
    }
    let cases: [(String, &[&str]); 11] = [
        ("field=H%E1%BB%99%20t%E1%BB%8Bch".to_owned(), &["1.000894", "1.001193"]), // "Hộ tịch"
        ("field=L%C3%BD%20l%E1%BB%8Bch%20t%C6%B0%20ph%C3%A1p".to_owned(), &["3.000333"]),
        ("field=Kh%C3%A1c".to_owned(), &[]),
        (format!("agency={AGENCY_A}"), &["1.000894", "1.001193"]),
        (format!("agency={AGENCY_B}"), &["1.000894"]),
        (format!("agency={}", AGENCY_B.to_lowercase()), &["1.000894"]),
        ("level=commune".to_owned(), &["1.000894", "1.001193"]),
        ("level=province".to_owned(), &["3.000333"]),
        ("online=full".to_owned(), &["1.001193"]),
        ("online=none".to_owned(), &["3.000333"]),
        (format!("level=commune&online=partial&agency={AGENCY_B}&q=ket%20hon"), &["1.000894"]),
    ];
    for (query, expected) in cases {
        let (codes, total) = list_codes(&app, &query).await;
        assert_eq!(codes, expected, "{query}");
        assert_eq!(total, expected.len() as u64, "{query}");
    }
    for bad in ["level=district2", "online=level4"] {
        assert_eq!(app.get(&format!("/api/v1/procedures?{bad}")).await.status(), 400, "{bad}");
    }
}

#[tokio::test]
async fn the_list_is_paginated_by_code_with_the_total() {
    let (app, admin) = catalogue_app().await;
    let codes = ["2.000815", "1.001193", "3.000333", "1.000894", "2.001035"];
    for code in codes {
        create(&app, &admin, &procedure(code, &format!("Thủ tục {code}"), &[AGENCY_A])).await;
    }
    let response: Value = app.get("/api/v1/procedures?page=2&per_page=2").await.json().await.unwrap();
    assert_eq!((response["page"].as_u64(), response["per_page"].as_u64()), (Some(2), Some(2)));
    let (page2, total) = list_codes(&app, "page=2&per_page=2").await;
    assert_eq!((page2, total), (vec!["2.000815".to_owned(), "2.001035".to_owned()], 5));
    let (page3, total) = list_codes(&app, "page=3&per_page=2").await;
    assert_eq!((page3, total), (vec!["3.000333".to_owned()], 5));
    let (beyond, total) = list_codes(&app, "page=9&per_page=2").await;
    assert_eq!((beyond.len(), total), (0, 5));
    let (all, _) = list_codes(&app, "").await;
    assert_eq!(all, ["1.000894", "1.001193", "2.000815", "2.001035", "3.000333"]);
    for bad in ["per_page=101", "per_page=0", "page=0"] {
        let problem =
            assert_problem(app.get(&format!("/api/v1/procedures?{bad}")).await, 400, "validation_failed").await;
        assert!(bad.starts_with(problem["errors"][0]["field"].as_str().unwrap()), "{bad}: {problem}");
    }
}

#[tokio::test]
async fn the_demo_seed_loads_twenty_procedures_and_is_idempotent() {
    // Arrange
    let app = spawn_app().await;
    let db = motcua::db::connect(app.db.url(), 2).await.unwrap();

    // Act
    let first = motcua::demo::seed(&db).await.unwrap();
    let second = motcua::demo::seed(&db).await.unwrap();

    // Assert
    assert!(first.contains("20 procedures"), "{first}");
    assert_eq!(second, "demo data already present");
    let (codes, total) = list_codes(&app, "per_page=100").await;
    assert_eq!((codes.len(), total), (20, 20));
    let (codes, _) = list_codes(&app, "q=cap%20giay%20phep%20xay%20dung").await;
    assert!(codes.contains(&"1.013225".to_owned()), "{codes:?}");
    let (codes, _) = list_codes(&app, "level=province").await;
    assert_eq!(codes, ["2.001610", "3.000333"]);

    let birth: Value = app.get("/api/v1/procedures/1.001193").await.json().await.unwrap();
    assert_eq!(birth["online_level"], "full");
    assert_eq!(birth["eligible_full_online"], true);
    assert_eq!(birth["processing_time"], json!({"value": 0, "unit": "same_day"}));
    assert_eq!(birth["fees"][1]["amount_vnd"], Value::Null);
    assert_eq!(birth["agencies"], json!(["000.17.22.H56", "000.18.22.H56", "000.19.22.H56"]));
    assert_eq!(birth["documents"][0]["accepted_types"], json!(["application/pdf", "image/jpeg", "image/png"]));
    assert_eq!(birth["form_schema"]["required"], json!(["applicant_address"]));
    let permit: Value = app.get("/api/v1/procedures/1.013225").await.json().await.unwrap();
    assert_eq!(permit["online_level"], "partial");
    assert_eq!(permit["eligible_full_online"], false);
    assert_eq!(permit["processing_time"], json!({"value": 15, "unit": "calendar_days"}));
    let record: Value = app.get("/api/v1/procedures/3.000333").await.json().await.unwrap();
    assert_eq!(record["agencies"], json!(["000.00.00.H56", "000.00.14.H56", "000.00.21.H56"]));
    let allowance: Value = app.get("/api/v1/procedures/1.001776").await.json().await.unwrap();
    assert_eq!(allowance["processing_time"], Value::Null);
}

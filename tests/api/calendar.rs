//! The working calendar: the official years shipped, administrator edits, agency office hours,
//! and deadlines computed over HTTP across Tết 2026, the 2/9/2026 swap and office-hour edges.

use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, TestApp, AGENCY_A};

async fn deadline(app: &TestApp, received_at: &str, value: u32, unit: &str, agency: Option<&str>) -> reqwest::Response {
    let mut query =
        vec![("received_at", received_at.to_owned()), ("value", value.to_string()), ("unit", unit.to_owned())];
    if let Some(agency) = agency {
        query.push(("agency", agency.to_owned()));
    }
    app.client.get(app.url("/api/v1/calendar/deadline")).query(&query).send().await.unwrap()
}

async fn due(app: &TestApp, received_at: &str, value: u32, unit: &str, agency: Option<&str>) -> String {
    let response = deadline(app, received_at, value, unit, agency).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap_or_default());
    let body: Value = response.json().await.unwrap();
    let due = body["due"].as_str().unwrap().to_owned();
    assert_eq!(body["terms"].as_array().unwrap().last().unwrap()["kind"], "due");
    due
}

#[tokio::test]
async fn the_official_calendars_are_loaded_on_first_start() {
    let app = spawn_app().await;
    let year: Value = app.get("/api/v1/calendar/2026").await.json().await.unwrap();
    let holidays = year["holidays"].as_array().unwrap();
    for day in ["2026-01-01", "2026-01-02", "2026-02-16", "2026-02-20", "2026-04-27", "2026-08-31", "2026-09-02"] {
        assert!(holidays.contains(&json!(day)), "{day} is a day off in 2026");
    }
    assert_eq!(year["makeup_working_days"], json!(["2026-01-10", "2026-08-22"]));
    assert_eq!(year["working_days"], 250);
    let y2025: Value = app.get("/api/v1/calendar/2025").await.json().await.unwrap();
    assert_eq!(y2025["working_days"], 250);
    assert_problem(app.get("/api/v1/calendar/2031").await, 404, "calendar_year_not_found").await;
}

/// Hand-checked against the 2026 civil-service calendar (DOMAIN.md §6.2) and the default office
/// hours 07:30–11:30, 13:30–17:00.
#[tokio::test]
async fn deadlines_follow_the_official_calendar_and_office_hours() {
    let app = spawn_app().await;
    let cases = [
        // Tết Bính Ngọ: off Sat 14/02 – Sun 22/02.
        ("2026-02-13T16:00:00+07:00", 1, "working_days", "2026-02-23T16:00:00+07:00"),
        ("2026-02-12T09:00:00+07:00", 3, "working_days", "2026-02-24T09:00:00+07:00"),
        // Received on a day off during Tết: counts from Mon 23/02 07:30, so one day of office time ends at 17:00.
        ("2026-02-17T10:00:00+07:00", 1, "working_days", "2026-02-23T17:00:00+07:00"),
        // 2/9/2026 swap: Sat 22/08 is worked; Sat 29/08 – Wed 02/09 off.
        ("2026-08-21T09:00:00+07:00", 1, "working_days", "2026-08-22T09:00:00+07:00"),
        ("2026-08-28T09:00:00+07:00", 1, "working_days", "2026-09-03T09:00:00+07:00"),
        // New Year 2026 with the 02/01 swap and the 10/01 make-up Saturday.
        ("2025-12-31T14:00:00+07:00", 1, "working_days", "2026-01-05T14:00:00+07:00"),
        ("2026-01-09T10:00:00+07:00", 1, "working_days", "2026-01-10T10:00:00+07:00"),
        // Giỗ Tổ: Mon 27/04 (nghỉ bù), then 30/04 – 03/05.
        ("2026-04-24T09:00:00+07:00", 1, "working_days", "2026-04-28T09:00:00+07:00"),
        ("2026-04-29T09:00:00+07:00", 1, "working_days", "2026-05-04T09:00:00+07:00"),
        // Office-hour edges: lunch, after closing, before opening, exactly at closing.
        ("2026-11-25T12:00:00+07:00", 1, "working_hours", "2026-11-25T14:30:00+07:00"),
        ("2026-11-25T18:00:00+07:00", 1, "working_hours", "2026-11-26T08:30:00+07:00"),
        ("2026-11-25T06:00:00+07:00", 4, "working_hours", "2026-11-25T11:30:00+07:00"),
        ("2026-11-27T16:30:00+07:00", 1, "working_hours", "2026-11-30T08:00:00+07:00"),
        // Same day: before 15:00 on the day; after 15:00 the next working day.
        ("2026-11-26T14:59:00+07:00", 0, "same_day", "2026-11-26T17:00:00+07:00"),
        ("2026-11-26T15:30:00+07:00", 0, "same_day", "2026-11-27T17:00:00+07:00"),
        ("2026-11-27T15:30:00+07:00", 0, "same_day", "2026-11-30T17:00:00+07:00"),
        // Calendar days landing on a day off move to the next working day's close.
        ("2026-04-16T09:00:00+07:00", 15, "calendar_days", "2026-05-04T17:00:00+07:00"),
        // Another offset in, Asia/Ho_Chi_Minh out: 02:00Z is 09:00 local.
        ("2026-11-25T02:00:00Z", 1, "working_days", "2026-11-26T09:00:00+07:00"),
    ];
    for (received_at, value, unit, expected) in cases {
        assert_eq!(due(&app, received_at, value, unit, None).await, expected, "{received_at} + {value} {unit}");
    }
}

#[tokio::test]
async fn an_administrators_calendar_edit_changes_later_deadlines() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    // 2027 is provisional: only 02/09 is known as a day off for Quốc khánh.
    assert_eq!(due(&app, "2027-09-01T09:00:00+07:00", 1, "working_days", None).await, "2027-09-03T09:00:00+07:00");
    let current: Value = app.get("/api/v1/calendar/2027").await.json().await.unwrap();
    let mut holidays = current["holidays"].as_array().unwrap().clone();
    holidays.push(json!("2027-09-03"));
    let body =
        json!({"holidays": holidays, "makeup_working_days": ["2027-09-11"], "source": "Thông báo (thử nghiệm) 2027"});
    let response = app
        .client
        .put(app.url("/api/v1/admin/calendar/2027"))
        .bearer_auth(&admin.access_token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let stored: Value = response.json().await.unwrap();
    assert_eq!(stored["source"], "Thông báo (thử nghiệm) 2027");
    assert_eq!(stored["makeup_working_days"], json!(["2027-09-11"]));
    assert_eq!(due(&app, "2027-09-01T09:00:00+07:00", 1, "working_days", None).await, "2027-09-06T09:00:00+07:00");
    assert_eq!(due(&app, "2027-09-10T09:00:00+07:00", 1, "working_days", None).await, "2027-09-11T09:00:00+07:00");
}

#[tokio::test]
async fn invalid_calendar_edits_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let put = |body: Value, token: Option<String>| {
        let mut request = app.client.put(app.url("/api/v1/admin/calendar/2026")).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let token = Some(admin.access_token.clone());
    let cases = [
        (json!({"holidays": ["2027-01-01"]}), 422, "calendar_invalid"),
        (json!({"holidays": ["2026-01-10"], "makeup_working_days": ["2026-01-10"]}), 422, "calendar_invalid"),
        (json!({"holidays": [], "makeup_working_days": ["2026-01-07"]}), 422, "calendar_invalid"),
        (json!({"holidays": ["26/01/2026"]}), 400, "validation_failed"),
        (json!({"makeup_working_days": []}), 400, "validation_failed"),
    ];
    for (body, status, code) in cases {
        assert_problem(put(body.clone(), token.clone()).await.unwrap(), status, code).await;
    }
    assert_problem(put(json!({"holidays": []}), None).await.unwrap(), 401, "identity_unauthenticated").await;
    app.agency(&admin, AGENCY_A).await;
    let clerk = app.staff(&admin, AGENCY_A, &["clerk", "leader"]).await;
    assert_problem(put(json!({"holidays": []}), Some(clerk.access_token)).await.unwrap(), 403, "identity_forbidden")
        .await;
    // 2026 is unchanged.
    let year: Value = app.get("/api/v1/calendar/2026").await.json().await.unwrap();
    assert_eq!(year["working_days"], 250);
}

#[tokio::test]
async fn an_agencys_own_office_hours_drive_its_deadlines() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let body = json!({"code": AGENCY_A, "name": "UBND xã có giờ riêng", "level": "commune",
        "office_hours": {"sessions": [["07:00", "11:00"], ["13:00", "16:00"]]}});
    let response = app.post_json_as("/api/v1/admin/agencies", &body, &admin.access_token).await;
    assert_eq!(response.status(), 201);
    let agency: Value = response.json().await.unwrap();
    assert_eq!(agency["office_hours"], json!([["07:00:00", "11:00:00"], ["13:00:00", "16:00:00"]]));
    // 16:30 is after this desk's closing: counted from 07:00 the next working day.
    assert_eq!(
        due(&app, "2026-11-25T16:30:00+07:00", 1, "working_hours", Some(AGENCY_A)).await,
        "2026-11-26T08:00:00+07:00"
    );
    assert_eq!(due(&app, "2026-11-25T16:30:00+07:00", 1, "working_hours", None).await, "2026-11-26T08:00:00+07:00");
    assert_eq!(
        due(&app, "2026-11-25T15:00:00+07:00", 2, "working_hours", Some(AGENCY_A)).await,
        "2026-11-26T08:00:00+07:00"
    );

    let overlapping = json!({"code": "000.18.22.H56", "name": "Xã", "level": "commune",
        "office_hours": {"sessions": [["07:00", "12:00"], ["11:00", "16:00"]]}});
    let problem = assert_problem(
        app.post_json_as("/api/v1/admin/agencies", &overlapping, &admin.access_token).await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "office_hours");
}

#[tokio::test]
async fn deadline_queries_are_validated() {
    let app = spawn_app().await;
    assert_problem(deadline(&app, "yesterday", 1, "working_days", None).await, 400, "invalid_query").await;
    assert_problem(deadline(&app, "2026-11-25T09:00:00+07:00", 1, "fortnights", None).await, 400, "invalid_query")
        .await;
    assert_problem(
        deadline(&app, "2026-11-25T09:00:00+07:00", 0, "working_days", None).await,
        400,
        "validation_failed",
    )
    .await;
    let unknown = assert_problem(
        deadline(&app, "2026-11-25T09:00:00+07:00", 1, "working_days", Some("000.99.99.H56")).await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(unknown["errors"][0]["field"], "agency");
}

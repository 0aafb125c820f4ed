//! The resolutions' targets: seeded with the demo data, read publicly, set by administrators.

use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, spawn_app_with, spawn_replica, TestDb, AGENCY_A};

#[tokio::test]
async fn the_resolutions_targets_are_seeded_and_an_administrator_can_set_one() {
    let app = spawn_app().await;
    let db = motcua::db::connect(app.db.url(), 2).await.unwrap();
    motcua::demo::seed(&db).await.unwrap();
    let satisfaction: Value =
        app.get("/api/v1/targets?indicator=satisfaction_share&level=province").await.json().await.unwrap();
    assert_eq!(satisfaction["items"][0]["target"], 0.85);
    assert_eq!(satisfaction["items"][0]["year"], 2022);
    assert!(satisfaction["items"][0]["source"].as_str().unwrap().contains("Quảng Bình"));
    let full_online: Value =
        app.get("/api/v1/targets?indicator=procedures_full_online_share&year=2025").await.json().await.unwrap();
    assert_eq!(full_online["items"].as_array().unwrap().len(), 3, "province, district and commune");

    let admin = app.admin().await;
    let body = json!({"indicator": "on_time_share", "level": "commune", "year": 2026, "target": 0.95,
        "source": "Nghị quyết (thử nghiệm) của HĐND tỉnh"});
    let response = app
        .client
        .put(app.url("/api/v1/admin/targets"))
        .bearer_auth(&admin.access_token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let stored: Value =
        app.get("/api/v1/targets?indicator=on_time_share&level=commune&year=2026").await.json().await.unwrap();
    assert_eq!(stored["items"][0]["target"], 0.95);

    let put = |body: Value, token: String| {
        app.client.put(app.url("/api/v1/admin/targets")).bearer_auth(token).json(&body).send()
    };
    for (field, value) in
        [("target", json!(1.5)), ("year", json!(1990)), ("source", json!(" ")), ("indicator", json!("happiness"))]
    {
        let mut bad = body.clone();
        bad[field] = value;
        let problem =
            assert_problem(put(bad, admin.access_token.clone()).await.unwrap(), 400, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    // The demo data created AGENCY_A.
    let clerk = app.staff(&admin, AGENCY_A, &["clerk"]).await;
    assert_problem(put(body, clerk.access_token).await.unwrap(), 403, "identity_forbidden").await;
    assert_problem(app.get("/api/v1/targets?indicator=happiness").await, 400, "invalid_query").await;
}

/// The target an indicator report shows for `indicator`.
async fn reported_target(app: &crate::helpers::TestApp, query: &str, indicator: &str) -> Value {
    let report: Value = app.get(&format!("/api/v1/indicators?{query}")).await.json().await.unwrap();
    let item = report["items"].as_array().unwrap().iter().find(|i| i["key"] == indicator).cloned();
    item.unwrap_or_else(|| panic!("no {indicator} in {report}"))["target"].clone()
}

#[tokio::test]
async fn a_catalogue_or_target_write_shows_in_the_next_report_although_the_catalogue_is_kept_in_memory() {
    // An hour's life: what the reports show after a write can only come from the invalidation.
    let app = spawn_app_with(|s| s.catalogue_cache_ms = 3_600_000).await;
    let db = motcua::db::connect(app.db.url(), 2).await.unwrap();
    motcua::demo::seed(&db).await.unwrap();
    let admin = app.admin().await;
    let commune_2026 = "from=2026-01-01&to=2026-12-31&level=commune";
    let before = reported_target(&app, commune_2026, "on_time_share").await;
    assert_ne!(before, 0.93, "the seeded target differs from the one set below");

    let body = json!({"indicator": "on_time_share", "level": "commune", "year": 2026, "target": 0.93,
        "source": "Nghị quyết (thử nghiệm) của HĐND tỉnh"});
    let response =
        app.client.put(app.url("/api/v1/admin/targets")).bearer_auth(&admin.access_token).json(&body).send().await;
    assert_eq!(response.unwrap().status(), 200);
    assert_eq!(reported_target(&app, commune_2026, "on_time_share").await, 0.93);

    // An agency created through the API can be reported on at once.
    let new_agency = "000.00.31.H56";
    let of_new = format!("from=2026-01-01&to=2026-12-31&agency={new_agency}");
    assert_problem(app.get(&format!("/api/v1/indicators?{of_new}")).await, 400, "validation_failed").await;
    let agency = json!({"code": new_agency, "name": "UBND xã Thử Nghiệm", "level": "commune"});
    let created =
        app.client.post(app.url("/api/v1/admin/agencies")).bearer_auth(&admin.access_token).json(&agency).send().await;
    assert_eq!(created.unwrap().status(), 201);
    assert_eq!(reported_target(&app, &of_new, "on_time_share").await, 0.93, "a commune: the commune's target");
}

#[tokio::test]
async fn a_target_set_through_another_replica_shows_in_this_ones_reports() {
    // Arrange: two processes on one database. On PostgreSQL the replica keeps its catalogue an
    // hour, so only the database's announcement of the write can show it; on SQLite it has the
    // default life (five seconds), the documented bound there.
    let app = spawn_app().await;
    let postgres = matches!(app.db, TestDb::Postgres { .. });
    let db = motcua::db::connect(app.db.url(), 2).await.unwrap();
    motcua::demo::seed(&db).await.unwrap();
    let replica = spawn_replica(&app, |s| {
        if postgres {
            s.catalogue_cache_ms = 3_600_000;
        }
    })
    .await;
    let admin = app.admin().await;
    let report_url = replica.url("/api/v1/indicators?from=2026-01-01&to=2026-12-31&level=commune");
    let target_now = || async {
        let report: Value = app.client.get(&report_url).send().await.unwrap().json().await.unwrap();
        let item = report["items"].as_array().unwrap().iter().find(|i| i["key"] == "on_time_share").cloned();
        item.unwrap()["target"].clone()
    };
    assert_ne!(target_now().await, 0.93, "the seeded target differs from the one set below");
    assert_ne!(target_now().await, 0.93, "and the replica keeps its catalogue");

    // Act: the target is set through the first process.
    let body = json!({"indicator": "on_time_share", "level": "commune", "year": 2026, "target": 0.93,
        "source": "Nghị quyết (thử nghiệm) của HĐND tỉnh"});
    let response =
        app.client.put(app.url("/api/v1/admin/targets")).bearer_auth(&admin.access_token).json(&body).send().await;
    assert_eq!(response.unwrap().status(), 200);

    // Assert: the replica reports it within seconds, not the hour it would keep its catalogue.
    let started = std::time::Instant::now();
    while target_now().await != 0.93 {
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "the replica still reports the old target");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    if postgres {
        assert!(started.elapsed() < std::time::Duration::from_secs(3), "heard, not expired");
    }
}

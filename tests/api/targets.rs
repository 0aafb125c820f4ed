//! The resolutions' targets: seeded with the demo data, read publicly, set by administrators.

use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, AGENCY_A};

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

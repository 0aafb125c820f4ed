//! The 766 indicators (DESIGN.md §8): public sums over the throughput records, with targets,
//! gaps and points, as JSON and CSV; and the desk's tracking book (Sổ theo dõi hồ sơ).

use serde_json::Value;

use crate::helpers::{assert_problem, spawn_app};

const KEYS: [&str; 9] = [
    "procedures_full_online_share",
    "online_dossier_share",
    "fully_online_processed_share",
    "on_time_share",
    "online_payment_share",
    "electronic_result_share",
    "digitised_share",
    "satisfaction_share",
    "national_sync_share",
];

#[tokio::test]
async fn indicators_are_public_and_an_empty_period_has_no_ratios() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let response = app.get("/api/v1/indicators?from=2026-01-01&to=2026-03-31").await;

    // Assert
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["from"], "2026-01-01");
    assert_eq!(body["to"], "2026-03-31");
    assert_eq!(body["level"], "province");
    let items = body["items"].as_array().unwrap();
    let keys: Vec<&str> = items.iter().map(|i| i["key"].as_str().unwrap()).collect();
    assert_eq!(keys, KEYS);
    for item in items {
        assert_eq!((item["numerator"].as_i64(), item["denominator"].as_i64()), (Some(0), Some(0)), "{item}");
        assert!(item["ratio"].is_null() && item["gap"].is_null() && item["points"].is_null(), "{item}");
    }
    assert_eq!(body["unused_online_services"], serde_json::json!([]));
}

#[tokio::test]
async fn bad_indicator_queries_are_problems_naming_the_field() {
    let app = spawn_app().await;
    for (query, field) in [
        ("from=2026-02-30", "from"),
        ("to=31/12/2026", "to"),
        ("from=2026-12-31&to=2026-01-01", "from"),
        ("level=ward", "level"),
        ("agency=000.99.99.H56", "agency"),
    ] {
        for path in ["/api/v1/indicators", "/api/v1/indicators.csv"] {
            let problem = assert_problem(app.get(&format!("{path}?{query}")).await, 400, "validation_failed").await;
            assert_eq!(problem["errors"][0]["field"], field, "{path}?{query}: {problem}");
        }
    }
}

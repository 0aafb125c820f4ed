//! Health, errors as problems, security headers, CORS, request ids, metrics and the OpenAPI document.

use crate::helpers::{assert_problem, spawn_app, spawn_app_with};

#[tokio::test]
async fn liveness_and_readiness_answer_ok_on_a_migrated_database() {
    let app = spawn_app().await;
    let live = app.get("/health/live").await;
    assert_eq!(live.status(), 200);
    let ready = app.get("/health/ready").await;
    assert_eq!(ready.status(), 200);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["status"], "ready");
}

#[tokio::test]
async fn readiness_is_503_while_migrations_are_pending() {
    let app = spawn_app().await;
    // Roll the schema back behind the running server's back.
    let db = sea_orm::Database::connect(app.db.url()).await.unwrap();
    use migration::MigratorTrait;
    migration::Migrator::down(&db, Some(1)).await.unwrap();
    let response = app.get("/health/ready").await;
    assert!(response.headers().contains_key("retry-after"));
    let problem = assert_problem(response, 503, "service_not_ready").await;
    assert!(problem["detail"].as_str().unwrap().contains("pending"));
}

#[tokio::test]
async fn unknown_routes_and_methods_are_problem_404s() {
    let app = spawn_app().await;
    assert_problem(app.get("/no/such/route").await, 404, "route_not_found").await;
    assert_problem(app.get("/api/v1/nothing-here").await, 404, "route_not_found").await;
    let response = app.client.delete(app.url("/health/live")).send().await.unwrap();
    assert_problem(response, 404, "route_not_found").await;
}

#[tokio::test]
async fn a_nul_character_in_a_path_query_or_body_is_a_400_problem_and_nothing_is_stored() {
    // PostgreSQL refuses NUL in text: these were 500s there (schemathesis, /indicators/by-month).
    let app = spawn_app().await;
    let admin = app.admin().await;
    let token = &admin.access_token;
    assert_problem(app.get_as("/api/v1/indicators/by-month?procedure=%15%00", token).await, 400, "nul_character").await;
    assert_problem(app.get("/api/v1/procedures/1.0%0012").await, 400, "nul_character").await;
    let agency = serde_json::json!({"code": "000.00.31.H56", "name": "UBND xã\u{0}", "level": "commune"});
    let problem =
        assert_problem(app.post_json_as("/api/v1/admin/agencies", &agency, token).await, 400, "nul_character").await;
    assert!(problem["detail"].as_str().unwrap().contains("NUL"));
    // Nothing was stored: the same code is still free.
    let agency = serde_json::json!({"code": "000.00.31.H56", "name": "UBND xã Bình Minh", "level": "commune"});
    assert_eq!(app.post_json_as("/api/v1/admin/agencies", &agency, token).await.status(), 201);
    // An encoded '%' before 00 is plain text, not a NUL.
    assert_eq!(app.get_as("/api/v1/indicators/by-month?procedure=%2500", token).await.status(), 200);
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    for path in ["/health/live", "/no/such/route"] {
        let response = app.get(path).await;
        let h = response.headers();
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["referrer-policy"], "no-referrer");
        assert!(h["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
        assert!(h.contains_key("strict-transport-security"));
    }
}

#[tokio::test]
async fn a_clean_incoming_request_id_is_echoed_and_a_bad_one_replaced() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/no/such")).header("x-request-id", "trace-42").send().await.unwrap();
    assert_eq!(response.headers()["x-request-id"], "trace-42");
    let body = assert_problem(response, 404, "route_not_found").await;
    assert_eq!(body["request_id"], "trace-42");

    let response =
        app.client.get(app.url("/health/live")).header("x-request-id", "bad id with spaces").send().await.unwrap();
    let id = response.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_ne!(id, "bad id with spaces");
    assert!(uuid::Uuid::parse_str(&id).is_ok());
}

#[tokio::test]
async fn cors_allows_only_the_configured_frontend_origin() {
    let app = spawn_app_with(|s| s.cors_origins = vec!["https://dichvucong.example.gov.vn".to_owned()]).await;
    let allowed = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/health/live"))
        .header("origin", "https://dichvucong.example.gov.vn")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.status(), 200);
    assert_eq!(allowed.headers()["access-control-allow-origin"], "https://dichvucong.example.gov.vn");

    let other =
        app.client.get(app.url("/health/live")).header("origin", "https://evil.example.com").send().await.unwrap();
    assert!(!other.headers().contains_key("access-control-allow-origin"));
}

#[tokio::test]
async fn no_origin_is_allowed_by_default() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/health/live"))
        .header("origin", "https://dichvucong.example.gov.vn")
        .send()
        .await
        .unwrap();
    assert!(!response.headers().contains_key("access-control-allow-origin"));
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let app = spawn_app().await;
    app.get("/health/live").await;
    app.get("/no/such/route").await;
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let text = response.text().await.unwrap();
    assert!(text.contains(r#"motcua_http_requests_total{method="GET",route="/health/live",status="200"} 1"#), "{text}");
    assert!(text.contains(r#"route="unmatched",status="404""#), "{text}");
    assert!(text.contains("motcua_http_request_duration_seconds_bucket"));
}

#[tokio::test]
async fn openapi_document_and_swagger_ui_are_served_without_network() {
    let app = spawn_app().await;
    let response = app.get("/openapi.json").await;
    assert_eq!(response.status(), 200);
    let served: serde_json::Value = response.json().await.unwrap();
    assert_eq!(served["openapi"], "3.1.0");
    assert!(served["paths"]["/health/ready"].is_object());

    let docs = app.get("/docs/").await;
    assert_eq!(docs.status(), 200);
    let html = docs.text().await.unwrap();
    assert!(html.contains("swagger-ui"));
    // The vendored bundle is served by us, not fetched from a CDN.
    let bundle = app.get("/docs/swagger-ui-bundle.js").await;
    assert_eq!(bundle.status(), 200);
    assert!(!html.contains("https://"), "the UI page must not load remote assets");
}

#[tokio::test]
async fn the_committed_openapi_document_matches_the_code() {
    let generated = motcua::openapi::document().to_pretty_json().unwrap();
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/motcua.json"))
        .expect("openapi/motcua.json is committed");
    assert!(
        committed.trim_end() == generated.trim_end(),
        "openapi/motcua.json is stale: regenerate it with `cargo run -q -- openapi > openapi/motcua.json`"
    );
}

#[tokio::test]
async fn a_graceful_stop_lets_in_flight_requests_finish_then_refuses_new_ones() {
    let db = crate::helpers::create_test_db().await;
    let data_dir = tempfile::tempdir().unwrap();
    let mut settings = crate::helpers::test_settings(&db, &data_dir);
    settings.demo = Some(true);
    let app = motcua::startup::Application::build(settings).await.unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    let server = tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    // Sign-ins take tens of milliseconds each (argon2id) and queue behind one another.
    let in_flight: Vec<_> = (0..6)
        .map(|_| {
            let request = client
                .post(format!("{address}/api/v1/auth/login"))
                .json(&serde_json::json!({"username": "admin@demo.motcua.vn", "password": motcua::demo::DEMO_PASSWORD}))
                .send();
            tokio::spawn(request)
        })
        .collect();
    // Stop once the first answer is back: by then every request has reached the server (a request
    // still on the wire is not in flight) and the others are still waiting for their hash.
    while !in_flight.iter().any(|r| r.is_finished()) {
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    let unfinished = in_flight.iter().filter(|r| !r.is_finished()).count();
    handle.stop(true).await;
    assert!(unfinished > 0, "the test must stop the server with requests in flight");
    for request in in_flight {
        assert_eq!(request.await.unwrap().unwrap().status(), 200, "an in-flight request was cut off");
    }
    server.await.unwrap().unwrap();
    assert!(client.get(format!("{address}/health/live")).send().await.is_err(), "the listener is closed");
}

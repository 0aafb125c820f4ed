//! A stand-in for the national portal's adapter (DOMAIN.md §5.1): `POST /login` hands out
//! sessions, `POST /service` accepts calls with a live session. It records every request and can
//! be told to answer 500, to answer too slowly, or to forget its sessions.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpResponse, HttpServer};
use serde_json::{json, Value};

pub const USERNAME: &str = "motcua-tinh";
pub const PASSWORD: &str = "mat-khau-dieu-phoi";

/// One request the portal received.
#[derive(Debug, Clone)]
pub struct Request {
    /// `login` or `service`.
    pub path: String,
    pub body: Value,
    /// Whether it was accepted.
    pub accepted: bool,
}

#[derive(Default)]
struct Inner {
    requests: Vec<Request>,
    sessions: Vec<String>,
    issued: usize,
    fail_next: usize,
    slow_next: usize,
}

/// The running stand-in.
#[derive(Clone)]
pub struct FakePortal {
    inner: Arc<Mutex<Inner>>,
    port: u16,
}

/// How long a slow answer takes; tests set the client's timeout well below it.
pub const SLOW: Duration = Duration::from_secs(3);

impl FakePortal {
    pub async fn start() -> Self {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = web::Data::new(inner.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .route("/login", web::post().to(login))
                .route("/service", web::post().to(service))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        Self { inner, port }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The next `n` service calls answer 500.
    pub fn fail_next(&self, n: usize) {
        self.inner.lock().unwrap().fail_next = n;
    }

    /// The next `n` service calls answer after [`SLOW`].
    pub fn slow_next(&self, n: usize) {
        self.inner.lock().unwrap().slow_next = n;
    }

    /// Every session handed out so far stops working.
    pub fn expire_sessions(&self) {
        self.inner.lock().unwrap().sessions.clear();
    }

    pub fn requests(&self) -> Vec<Request> {
        self.inner.lock().unwrap().requests.clone()
    }

    /// The bodies of the accepted service calls of `service`.
    pub fn accepted(&self, service: &str) -> Vec<Value> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == "service" && r.accepted && r.body["service"] == service)
            .map(|r| r.body)
            .collect()
    }

    /// Waits until `n` calls of `service` were accepted; panics after 15 seconds.
    pub async fn wait_for(&self, service: &str, n: usize) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let accepted = self.accepted(service);
            if accepted.len() >= n {
                return accepted;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {n} {service} calls: {:#?}",
                self.requests()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

type State = web::Data<Arc<Mutex<Inner>>>;

async fn login(state: State, body: web::Json<Value>) -> HttpResponse {
    let mut inner = state.lock().unwrap();
    let ok = body["username"] == USERNAME && body["password"] == PASSWORD;
    inner.requests.push(Request { path: "login".into(), body: body.into_inner(), accepted: ok });
    if !ok {
        return HttpResponse::Ok().json(json!({"error_code": 1, "message": "Sai tên đăng nhập hoặc mật khẩu"}));
    }
    inner.issued += 1;
    let session = format!("phien-{}", inner.issued);
    inner.sessions.push(session.clone());
    HttpResponse::Ok().json(json!({"error_code": 0, "session": session}))
}

async fn service(state: State, body: web::Json<Value>) -> HttpResponse {
    let slow = {
        let mut inner = state.lock().unwrap();
        if inner.fail_next > 0 {
            inner.fail_next -= 1;
            inner.requests.push(Request { path: "service".into(), body: body.clone(), accepted: false });
            return HttpResponse::InternalServerError().body("lỗi hệ thống điều phối");
        }
        let slow = inner.slow_next > 0;
        if slow {
            inner.slow_next -= 1;
            inner.requests.push(Request { path: "service".into(), body: body.clone(), accepted: false });
        }
        slow
    };
    if slow {
        tokio::time::sleep(SLOW).await;
        return HttpResponse::Ok().json(json!({"error_code": 0}));
    }
    let mut inner = state.lock().unwrap();
    let live = body["session"].as_str().is_some_and(|s| inner.sessions.iter().any(|live| live == s));
    inner.requests.push(Request { path: "service".into(), body: body.clone(), accepted: live });
    if live {
        HttpResponse::Ok().json(json!({"error_code": "00", "message": "Thành công"}))
    } else {
        HttpResponse::Ok().json(json!({"error_code": 401, "message": "Phiên làm việc không hợp lệ"}))
    }
}

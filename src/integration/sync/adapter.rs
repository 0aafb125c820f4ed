//! The national portal's adapter ("hệ thống điều phối", DOMAIN.md §5.1): a session from
//! `POST {url}/login`, then `POST {url}/service` with `{"service": …, "session": …, "madonvi": …}`.
//! A call succeeds when the reply's `error_code` is `0` (or `"0"`, `"00"`).
//!
//! # Implementation Notes
//! The adapter's session-expiry code is not documented, so any refusal of a service call (HTTP
//! 401/403, or a reply with another `error_code`) is answered by logging in again once and
//! repeating the call; a second refusal is the call's failure. Timeouts, connection failures and
//! 5xx replies fail at once (the outbox retries later with backoff).

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Map, Value};
use tokio::sync::Mutex;

/// Where the adapter is and who we are to it.
#[derive(Debug, Clone)]
pub struct AdapterSettings {
    /// Base URL, without the trailing slash.
    pub url: String,
    pub username: String,
    pub password: SecretString,
    /// Longest wait for one HTTP exchange.
    pub timeout: Duration,
}

/// Why a call failed. Messages never carry the payload (it holds personal data).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdapterError {
    /// No reply: connection refused, timeout, broken reply.
    #[error("national portal adapter unreachable: {0}")]
    Transport(String),
    /// The adapter answered with a server error.
    #[error("national portal adapter answered HTTP {0}")]
    Server(u16),
    /// The login was refused.
    #[error("national portal login refused: {0}")]
    Login(String),
    /// The call was refused (after a fresh login).
    #[error("national portal refused {service}: {message}")]
    Rejected { service: String, message: String },
}

/// The adapter client: one HTTP client and the current session, shared by the worker's jobs.
pub struct Adapter {
    http: reqwest::Client,
    settings: AdapterSettings,
    session: Mutex<Option<String>>,
}

/// Whether an `error_code` means success (`0`, `"0"`, `"00"`).
fn is_success(code: Option<&Value>) -> bool {
    match code {
        Some(Value::Number(n)) => n.as_i64() == Some(0),
        Some(Value::String(s)) => s.trim().chars().all(|c| c == '0') && !s.trim().is_empty(),
        _ => false,
    }
}

/// The adapter's explanation of a refusal, bounded.
fn refusal(reply: &Value, status: u16) -> String {
    let code = reply.get("error_code").map_or_else(|| "none".to_owned(), ToString::to_string);
    let message = ["message", "error_message", "error"]
        .iter()
        .find_map(|k| reply.get(*k).and_then(Value::as_str))
        .unwrap_or_default();
    let message: String = message.chars().take(200).collect();
    format!("HTTP {status}, error_code {code} {message}").trim_end().to_owned()
}

/// What one service call came to.
enum Outcome {
    Done,
    /// Refused: possibly an expired session.
    Refused(String),
}

impl Adapter {
    /// A client for the adapter at `settings.url`.
    ///
    /// # Errors
    /// When the HTTP client cannot be built (TLS setup).
    pub fn new(settings: AdapterSettings) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("motcua/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let settings = AdapterSettings { url: settings.url.trim_end_matches('/').to_owned(), ..settings };
        Ok(Self { http, settings, session: Mutex::new(None) })
    }

    /// Calls `service` for agency `madonvi` with `fields` added to the body.
    ///
    /// # Errors
    /// [`AdapterError`]: transport and server errors at once, a refusal after one fresh login.
    pub async fn call(&self, service: &str, madonvi: &str, fields: Map<String, Value>) -> Result<(), AdapterError> {
        let mut session = self.session.lock().await;
        let mut fresh = false;
        let current = match session.as_ref() {
            Some(s) => s.clone(),
            None => {
                fresh = true;
                self.login().await?
            }
        };
        *session = Some(current.clone());
        match self.post_service(service, &current, madonvi, &fields).await? {
            Outcome::Done => return Ok(()),
            Outcome::Refused(message) if fresh => {
                return Err(AdapterError::Rejected { service: service.to_owned(), message });
            }
            Outcome::Refused(_) => {}
        }
        // Perhaps the session expired: once more with a new one.
        *session = None;
        let renewed = self.login().await?;
        *session = Some(renewed.clone());
        match self.post_service(service, &renewed, madonvi, &fields).await? {
            Outcome::Done => Ok(()),
            Outcome::Refused(message) => Err(AdapterError::Rejected { service: service.to_owned(), message }),
        }
    }

    async fn login(&self) -> Result<String, AdapterError> {
        let body = json!({"username": self.settings.username, "password": self.settings.password.expose_secret()});
        let (status, reply) = self.post("login", &body).await?;
        if is_success(reply.get("error_code")) {
            if let Some(session) = reply.get("session").and_then(Value::as_str).filter(|s| !s.is_empty()) {
                tracing::debug!("national portal session opened");
                return Ok(session.to_owned());
            }
        }
        Err(AdapterError::Login(refusal(&reply, status)))
    }

    async fn post_service(
        &self,
        service: &str,
        session: &str,
        madonvi: &str,
        fields: &Map<String, Value>,
    ) -> Result<Outcome, AdapterError> {
        let mut body = Map::new();
        body.insert("service".to_owned(), json!(service));
        body.insert("session".to_owned(), json!(session));
        body.insert("madonvi".to_owned(), json!(madonvi));
        body.extend(fields.iter().map(|(k, v)| (k.clone(), v.clone())));
        let (status, reply) = self.post("service", &Value::Object(body)).await?;
        if (200..300).contains(&status) && is_success(reply.get("error_code")) {
            Ok(Outcome::Done)
        } else {
            Ok(Outcome::Refused(refusal(&reply, status)))
        }
    }

    /// One POST; the status and the JSON reply (`null` when the body is not JSON). 5xx is an error.
    async fn post(&self, path: &str, body: &Value) -> Result<(u16, Value), AdapterError> {
        let url = format!("{}/{path}", self.settings.url);
        let response = self.http.post(&url).json(body).send().await.map_err(|e| {
            let kind = if e.is_timeout() {
                "timed out"
            } else if e.is_connect() {
                "connection failed"
            } else {
                "request failed"
            };
            AdapterError::Transport(format!("POST /{path} {kind}"))
        })?;
        let status = response.status().as_u16();
        if status >= 500 {
            return Err(AdapterError::Server(status));
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|e| AdapterError::Transport(format!("POST /{path}: reading the reply failed: {e}")))?;
        Ok((status, serde_json::from_slice(&bytes).unwrap_or(Value::Null)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_is_error_code_zero_as_a_number_or_a_string() {
        for ok in [json!(0), json!("0"), json!("00")] {
            assert!(is_success(Some(&ok)), "{ok}");
        }
        for refused in [json!(1), json!("01"), json!(""), json!(null), json!("x")] {
            assert!(!is_success(Some(&refused)), "{refused}");
        }
        assert!(!is_success(None));
    }

    #[test]
    fn a_refusal_names_the_code_and_a_bounded_message() {
        let reply = json!({"error_code": 2, "message": "Phiên đăng nhập hết hạn"});
        assert_eq!(refusal(&reply, 200), "HTTP 200, error_code 2 Phiên đăng nhập hết hạn");
        let long = json!({"error_code": "9", "message": "x".repeat(1000)});
        assert!(refusal(&long, 400).len() < 250);
        assert_eq!(refusal(&Value::Null, 401), "HTTP 401, error_code none");
    }
}

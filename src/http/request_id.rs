//! The request id: taken from a clean incoming `x-request-id` or generated (UUID v7), echoed on the
//! response and put into every problem body and log line of the request.

/// Header carrying the request id, both ways.
pub const HEADER: &str = "x-request-id";

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being served on this task, if any.
pub fn current() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// Runs `fut` with `id` as the current request id.
pub async fn scope<F: std::future::Future>(id: String, fut: F) -> F::Output {
    REQUEST_ID.scope(id, fut).await
}

/// Runs the synchronous `f` with `id` as the current request id.
pub fn sync_scope<R>(id: String, f: impl FnOnce() -> R) -> R {
    REQUEST_ID.sync_scope(id, f)
}

/// Accepts an incoming id only if it is short and made of safe characters, so a client cannot
/// inject text into our logs or headers; otherwise a new one is generated.
pub fn accept_or_generate(incoming: Option<&str>) -> String {
    match incoming {
        Some(id)
            if !id.is_empty()
                && id.len() <= 64
                && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.') =>
        {
            id.to_owned()
        }
        _ => uuid::Uuid::now_v7().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clean_incoming_id_is_kept() {
        assert_eq!(accept_or_generate(Some("abc-123_x.y")), "abc-123_x.y");
    }

    #[test]
    fn an_unsafe_or_oversized_id_is_replaced() {
        for bad in ["", "a b", "x\ny", "é", &"a".repeat(65)] {
            let id = accept_or_generate(Some(bad));
            assert_ne!(id, bad);
            assert!(uuid::Uuid::parse_str(&id).is_ok());
        }
    }
}

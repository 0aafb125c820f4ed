//! Structured logs through `tracing`: JSON lines by default (for log shippers), human-readable
//! with `MOTCUA_LOG_FORMAT=pretty`; the filter comes from `RUST_LOG` (default `info`).

use tracing_subscriber::{fmt, EnvFilter};

/// Installs the global subscriber once; later calls (tests spawning several apps) are no-ops.
pub fn init(default_filter: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let pretty = std::env::var("MOTCUA_LOG_FORMAT").is_ok_and(|v| v == "pretty");
    let result = if pretty {
        fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init()
    } else {
        fmt()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .try_init()
    };
    // Already installed: keep the first one.
    drop(result);
}

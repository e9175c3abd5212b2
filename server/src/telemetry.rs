//! Structured logs. Every line logged while handling a request carries its request id
//! (the `request` span opened by the trace layer).

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

/// Starts logging to stderr. `PRIMER_LOG` sets the filter (default `info`),
/// `PRIMER_LOG_FORMAT=json` switches to one JSON object per line.
pub fn init() {
    let filter = EnvFilter::try_from_env("PRIMER_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn"));
    let json = std::env::var("PRIMER_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let registry = tracing_subscriber::registry().with(filter);
    if json {
        registry
            .with(fmt::layer().json().with_current_span(true).with_span_list(false).with_writer(std::io::stderr))
            .init();
    } else {
        registry.with(fmt::layer().with_writer(std::io::stderr)).init();
    }
}

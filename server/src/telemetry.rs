//! Structured logs. Every line logged while handling a request carries its request id
//! (the `request` span opened by the trace layer).

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

/// The default filter of the server.
pub const SERVER_LOG: &str = "info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn";
/// The default filter of one-off commands: their own output says what happened.
pub const COMMAND_LOG: &str = "warn";

/// Starts logging to stderr. `PRIMER_LOG` sets the filter (default: `default_filter`),
/// `PRIMER_LOG_FORMAT=json` switches to one JSON object per line.
pub fn init(default_filter: &str) {
    let filter = EnvFilter::try_from_env("PRIMER_LOG").unwrap_or_else(|_| EnvFilter::new(default_filter));
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

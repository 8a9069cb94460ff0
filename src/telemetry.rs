//! Logs (tracing, text or JSON) and metrics (Prometheus text at `/metrics`).

use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the log subscriber; `RUST_LOG` refines the default `info` level.
/// Starts logging; `bulk` for commands whose statements are long by design (`demo`), so slow
/// statements are not reported.
pub fn init_logging(format: LogFormat, bulk: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        let sqlx = if bulk { "error" } else { "warn" };
        EnvFilter::new(format!(
            "info,sqlx={sqlx},tower_sessions=warn,tower_sessions_core=warn"
        ))
    });
    // Colour only for a person at a terminal: no escape codes in files, journald or CI logs.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
    std::panic::set_hook(Box::new(|info| {
        let location = info.location().map(ToString::to_string).unwrap_or_default();
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        tracing::error!(panic.message = %message, panic.location = %location, "panic");
    }));
}

/// The process-wide Prometheus recorder, installed on first use.
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("http_request_duration_seconds".to_owned()),
                    &[
                        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                    ],
                )
                .expect("the bucket list is not empty")
                .build_recorder();
            let handle = recorder.handle();
            // Only fails when another recorder is installed, and then ours just sees nothing.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// Counts requests and measures their duration per route pattern, method and status; logs a
/// failed request (5xx) with its id, so that it can be found without a span on every request.
/// The metric handles are looked up once per route, method and status and kept: building the
/// labels and finding them in the registry for every request cost about a tenth of a GET's
/// throughput (BENCHMARKS.md).
pub async fn record_http_metrics(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().cloned();
    let method = request.method().clone();
    let id = request.headers().get("x-request-id").cloned();
    let started = Instant::now();
    let uri = request.uri().clone();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    let (counter, histogram) = handles(route, &method, status);
    counter.increment(1);
    histogram.record(started.elapsed().as_secs_f64());
    if response.status().is_server_error() {
        let id = id
            .as_ref()
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        tracing::error!(request.id = %id, method = %method, path = %uri.path(),
            status, "request failed");
    }
    response
}

type Handles = (metrics::Counter, metrics::Histogram);
/// Per route pattern: the handles of each method and status seen.
type HandleCache = RwLock<HashMap<String, Vec<(axum::http::Method, u16, Handles)>>>;

/// The counter and histogram of one route, method and status, registered on first use.
fn handles(route: &str, method: &axum::http::Method, status: u16) -> Handles {
    static CACHE: OnceLock<HandleCache> = OnceLock::new();
    let cache = CACHE.get_or_init(RwLock::default);
    let found = cache
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(route)
        .and_then(|known| {
            known
                .iter()
                .find(|(m, s, _)| m == method && *s == status)
                .map(|(_, _, h)| h.clone())
        });
    if let Some(found) = found {
        return found;
    }
    let labels = [
        ("method", method.to_string()),
        ("route", route.to_owned()),
        ("status", status.to_string()),
    ];
    let made = (
        metrics::counter!("http_requests_total", &labels),
        metrics::histogram!("http_request_duration_seconds", &labels),
    );
    cache
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .entry(route.to_owned())
        .or_default()
        .push((method.clone(), status, made.clone()));
    made
}

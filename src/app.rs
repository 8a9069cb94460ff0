//! The router with its middleware stack, the probes, and `serve()` with graceful shutdown.
//! Both faces (api/, web/) are merged here; nothing else knows about layers. The state they
//! share is in `state.rs`.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sqlx::PgPool;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::compression::Predicate as _;
use tower_http::csrf::CsrfLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;
use utoipa_swagger_ui::SwaggerUi;

use crate::config::ServeArgs;
use crate::error::{AppError, bare_problem, problem_response};
use crate::http::BODY_LIMIT;
use crate::state::{AppState, Settings};

/// A request taking longer than this is answered `408` (uploads: `http::files::time_limit`).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// A browser session ends after this long without a request.
pub const SESSION_IDLE: time::Duration = time::Duration::hours(10);

/// The whole application: API, pages, docs, probes, static files and the middleware stack.
pub fn router(state: AppState) -> anyhow::Result<Router> {
    let (api, openapi) = crate::api::router().split_for_parts();
    let openapi = crate::api::document(&openapi)?;
    let api = api.layer(middleware::from_fn(crate::api::problem_json_errors));

    let sessions = SessionManagerLayer::new(PostgresStore::new(state.db.pool().clone()))
        .with_name("leitstand_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.settings.secure_cookies)
        .with_expiry(Expiry::OnInactivity(SESSION_IDLE));
    let web = crate::web::router().layer(sessions);

    let routes = Router::new()
        .merge(api)
        .merge(web)
        .merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", openapi))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .fallback(not_found);
    with_middleware(routes, state)
}

/// The middleware every request passes through, outermost first: sensitive headers hidden
/// from logs, request id, trace span, panic → `500` problem+json, metrics, timeout,
/// compression, cross-site request refusal, body limit; then error pages for browsers.
pub fn with_middleware(routes: Router<AppState>, state: AppState) -> anyhow::Result<Router> {
    let mut csrf = CsrfLayer::new();
    for origin in &state.settings.trusted_origins {
        csrf = csrf
            .add_trusted_origin(origin)
            .map_err(|e| anyhow::anyhow!("LEITSTAND_TRUSTED_ORIGINS: {e}"))?;
    }
    let csrf = csrf.with_rejection_response(|_| AppError::Forbidden.into_response());
    let settings = state.settings.clone();
    let app = routes
        .with_state(state)
        .layer(middleware::from_fn(crate::input_guard::refuse_nul))
        .layer(middleware::from_fn(crate::web::error_pages))
        .layer(
            ServiceBuilder::new()
                .layer(SetSensitiveRequestHeadersLayer::new([header::AUTHORIZATION, header::COOKIE]))
                .layer(SetRequestIdLayer::new(REQUEST_ID.clone(), NewRequestId))
                .layer(PropagateRequestIdLayer::new(REQUEST_ID.clone()))
                // The request span is at debug level: formatting its fields for every request
                // cost 15% of a GET's throughput (BENCHMARKS.md). A failed request is logged at
                // error level with its id and path all the same (`telemetry::record_http_metrics`).
                .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
                    let id = request.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or_default();
                    tracing::debug_span!("request", method = %request.method(), path = %request.uri().path(),
                        request.id = %id, user.id = tracing::field::Empty)
                }))
                .layer(CatchPanicLayer::custom(|_| {
                    let status = StatusCode::INTERNAL_SERVER_ERROR;
                    problem_response(status, &bare_problem(status, None))
                }))
                .layer(middleware::from_fn(crate::telemetry::record_http_metrics))
                // 30 s for a request; uploads longer, as long as their bytes keep coming.
                .layer(middleware::from_fn(crate::http::files::time_limit))
                // Downloads (attachments) go as they are: mostly compressed already, and
                // gzip would cap a large file's speed.
                .layer(CompressionLayer::new().compress_when(
                    tower_http::compression::predicate::DefaultPredicate::new().and(
                        |_: StatusCode, _: axum::http::Version, headers: &axum::http::HeaderMap, _: &axum::http::Extensions| {
                            !headers.contains_key(header::CONTENT_DISPOSITION)
                        },
                    ),
                ))
                .layer(csrf)
                .layer(DefaultBodyLimit::max(BODY_LIMIT)),
        )
        // Outermost, so every response carries them, error pages and refusals included.
        .layer(middleware::from_fn_with_state(settings, security_headers));
    Ok(app)
}

static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Request ids are UUIDv7: unique, and they sort by time in the logs.
#[derive(Clone, Copy)]
struct NewRequestId;

impl MakeRequestId for NewRequestId {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let millis = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        let id = uuid::Builder::from_unix_timestamp_millis(millis, &request_id_bits()).into_uuid();
        let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
        HeaderValue::from_str(id.hyphenated().encode_lower(&mut text))
            .ok()
            .map(RequestId::new)
    }
}

/// The random part of a request id, from a generator per thread (splitmix64) seeded once from
/// the system's randomness: a request id must be unique, not secret, and asking the kernel
/// for randomness on every request cost a `getrandom` call each (10% of the server's system
/// call time under load, `strace -c`).
fn request_id_bits() -> [u8; 10] {
    use std::cell::Cell;
    thread_local! {
        static STATE: Cell<u64> = Cell::new(u64::from_le_bytes(
            uuid::Uuid::now_v7().as_bytes()[8..16].try_into().unwrap_or([0x5a; 8]),
        ));
    }
    let next = || {
        STATE.with(|state| {
            let mut z = state.get().wrapping_add(0x9e37_79b9_7f4a_7c15);
            state.set(z);
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        })
    };
    let (a, b) = (next().to_le_bytes(), next().to_le_bytes());
    let mut bits = [0u8; 10];
    bits[..8].copy_from_slice(&a);
    bits[8..].copy_from_slice(&b[..2]);
    bits
}

/// `200` while the process runs.
async fn healthz() -> &'static str {
    "ok"
}

/// `200` when the database answers within two seconds, else `503`.
async fn readyz(State(db): State<crate::db::Db>) -> Response {
    let check = tokio::time::timeout(
        Duration::from_secs(2),
        sqlx::query("select 1").execute(db.pool()),
    )
    .await;
    match check {
        Ok(Ok(_)) => (StatusCode::OK, "ready").into_response(),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response(),
    }
}

/// Prometheus text: request counts and latencies per route, and the connection pool. With a
/// metrics token set, only for requests that bear it.
async fn metrics(State(state): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    if let Some(token) = &state.settings.metrics_token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        if !constant_time_eq(given.as_bytes(), token.as_bytes()) {
            return AppError::Unauthorized.into_response();
        }
    }
    #[expect(clippy::cast_precision_loss, reason = "pool sizes are small")]
    {
        metrics::gauge!("db_pool_connections").set(f64::from(state.db.size()));
        metrics::gauge!("db_pool_idle_connections").set(state.db.num_idle() as f64);
        metrics::gauge!("db_pool_max_connections")
            .set(f64::from(state.db.options().get_max_connections()));
        if let Ok(mut conn) = state.db.acquire().await
            && let Ok((outbox, pending, overdue)) = crate::store::webhooks::lag(&mut conn).await
        {
            metrics::gauge!("outbox_lag_seconds").set(outbox);
            metrics::gauge!("webhook_deliveries_pending").set(pending as f64);
            metrics::gauge!("webhook_delivery_overdue_seconds").set(overdue);
        }
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}

/// Compares two secrets in time that depends on their lengths only.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The Content-Security-Policy of pages and JSON: scripts and styles from our own files only,
/// never framed.
const CSP_PAGES: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";
/// Swagger UI (`/api/docs`) sets styles and starts itself inline; it gets what it needs to run.
const CSP_DOCS: &str = "default-src 'self'; script-src 'self' 'unsafe-inline'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
     object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// Security headers on every response: the CSP, no MIME sniffing, no referrer to other sites,
/// no framing, and HSTS when the site is served over HTTPS (secure cookies on).
async fn security_headers(
    State(settings): State<Arc<Settings>>,
    request: Request,
    next: axum::middleware::Next,
) -> Response {
    let docs = request.uri().path().starts_with("/api/docs");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let csp = if docs { CSP_DOCS } else { CSP_PAGES };
    // A response with a policy of its own (a download: `default-src 'none'; sandbox`)
    // keeps it.
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(csp));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if settings.secure_cookies {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    response
}

/// Unknown paths: a problem document under `/api`, a page elsewhere (see `web::error_pages`).
async fn not_found() -> AppError {
    AppError::NotFound
}

/// Serves until SIGINT or SIGTERM, then finishes the requests in flight.
pub async fn serve(db: PgPool, args: ServeArgs) -> anyhow::Result<()> {
    let mut settings = Settings::from(&args);
    if let Some(url) = &args.read_database_url {
        let options = url
            .parse::<sqlx::postgres::PgConnectOptions>()
            .map_err(|_| {
                anyhow::anyhow!("LEITSTAND_READ_DATABASE_URL is not a valid PostgreSQL URL")
            })?;
        settings.insight_reads = Some(crate::db::replica(
            options,
            db.options().get_max_connections(),
        ));
        tracing::info!(
            replica = %crate::config::redact_url(url),
            "service insight reads its figures from the replica"
        );
    }
    let state = AppState::new(db.clone(), settings);
    let kept_db = state.db.clone();
    let app = router(state)?;
    let mut conn = db.acquire().await?;
    if crate::store::users::count(&mut conn).await? == 0 {
        tracing::warn!(
            "there are no users yet; create the first admin with: leitstand user create \
             --email admin@example.com --name Admin --role admin --password '<at least 12 characters>'"
        );
    }
    drop(conn);
    let sla_worker = tokio::spawn(crate::worker::sla_clock::worker(
        db.clone(),
        Duration::from_secs(5),
    ));
    let auto_close = tokio::spawn(crate::worker::auto_close::run(
        kept_db.clone(),
        args.auto_close_days,
    ));
    let deliverer = crate::worker::webhooks::Deliverer::new(
        args.webhook_allow.clone(),
        Duration::from_secs(args.webhook_timeout),
    )?;
    let webhooks = tokio::spawn(crate::worker::webhooks::run(db.clone(), deliverer));
    let mail = tokio::spawn(crate::worker::mail::run(kept_db.clone()));
    let mail_out = if let Some(url) = &args.smtp_url {
        let mailer =
            crate::worker::mail_out::Mailer::new(url, &args.mail_from, args.public_url.clone())?;
        Some(tokio::spawn(crate::worker::mail_out::run(
            db.clone(),
            mailer,
        )))
    } else {
        tracing::info!("no LEITSTAND_SMTP_URL: no notifications are sent by mail");
        None
    };
    let imap = tokio::spawn(crate::worker::imap::run(
        kept_db.clone(),
        crate::worker::imap::tls_config(args.imap_ca.as_deref())?,
    ));
    let housekeeping = tokio::spawn(crate::worker::housekeeping::run(kept_db.clone()));
    let insight = args
        .insight_fold
        .then(|| tokio::spawn(crate::worker::insight::run(db.clone())));
    if !args.insight_fold {
        tracing::info!(
            "LEITSTAND_INSIGHT_FOLD=false: this process leaves the insight facts to others"
        );
    }
    let virus_scan = kept_db.storage().scanner.clone().map(|scanner| {
        tracing::info!(clamd = %scanner.clamd, fail_closed = scanner.fail_closed, "files are scanned for viruses");
        tokio::spawn(crate::worker::virus_scan::run(kept_db.clone(), scanner))
    });
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .map_err(|e| anyhow::anyhow!("could not listen on {}: {e}", args.bind))?;
    tracing::info!(address = %listener.local_addr()?, "Leitstand is listening on http://{}", listener.local_addr()?);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    housekeeping.abort();
    if let Some(insight) = insight {
        insight.abort();
    }
    if let Some(virus_scan) = virus_scan {
        virus_scan.abort();
    }
    webhooks.abort();
    mail.abort();
    imap.abort();
    if let Some(mail_out) = mail_out {
        mail_out.abort();
    }
    auto_close.abort();
    sla_worker.abort();
    tracing::info!("stopped serving");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_distinct_uuid_v7_in_time_order() {
        let request = axum::http::Request::new(());
        let ids: Vec<uuid::Uuid> = (0..1000)
            .map(|_| {
                let id = NewRequestId.make_request_id(&request).expect("an id");
                id.header_value()
                    .to_str()
                    .expect("text")
                    .parse()
                    .expect("a uuid")
            })
            .collect();
        assert!(ids.iter().all(|id| id.get_version_num() == 7));
        let distinct: std::collections::HashSet<_> = ids.iter().collect();
        assert_eq!(distinct.len(), ids.len());
        let millis = |id: &uuid::Uuid| id.get_timestamp().map(|t| t.to_unix()).expect("v7 time");
        assert!(ids.windows(2).all(|w| millis(&w[0]) <= millis(&w[1])));
    }
}

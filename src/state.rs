//! The state every request handler can reach: the pool, the server's settings, the metrics
//! handle and the token cache. Both faces (api/, web/) import it from here; `app.rs` builds the
//! router around it.

use std::sync::Arc;

use axum::extract::FromRef;
use metrics_exporter_prometheus::PrometheusHandle;
use sqlx::PgPool;

use crate::config::ServeArgs;

#[derive(Clone, FromRef)]
pub struct AppState {
    /// The pool, with connections kept warm between reads (`db::Db`).
    pub db: crate::db::Db,
    pub settings: Arc<Settings>,
    pub metrics: PrometheusHandle,
    /// API tokens and session users verified from memory, invalidated by the database
    /// (`service::auth_cache`).
    pub auth: Arc<crate::service::auth_cache::AuthCache>,
}

/// Settings of a running server (the parts of `ServeArgs` that requests need).
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub secure_cookies: bool,
    pub trusted_origins: Vec<String>,
    pub trust_proxy: bool,
    pub group_write_scope: bool,
    /// The bearer token `/metrics` asks for, when set.
    pub metrics_token: Option<String>,
    /// Private addresses webhook endpoints may name after all.
    pub webhook_allow: Vec<crate::domain::webhook::Network>,
    /// Where attachments keep their content, and their limits.
    pub attachments: crate::store::attachments::Storage,
    /// A streaming replica service insight reads its figures from (`LEITSTAND_READ_DATABASE_URL`).
    pub insight_reads: Option<PgPool>,
}

impl From<&ServeArgs> for Settings {
    fn from(args: &ServeArgs) -> Self {
        Settings {
            secure_cookies: args.secure_cookies,
            trusted_origins: args.trusted_origins.clone(),
            trust_proxy: args.trust_proxy,
            group_write_scope: args.group_write_scope,
            metrics_token: args.metrics_token.clone(),
            webhook_allow: args.webhook_allow.clone(),
            attachments: args.attachments.storage(),
            insight_reads: None,
        }
    }
}

impl AppState {
    pub fn new(db: PgPool, settings: Settings) -> Self {
        let db = crate::db::Db::new(db)
            .with_storage(settings.attachments.clone())
            .with_insight_reads(settings.insight_reads.clone());
        AppState {
            auth: crate::service::changes::start(&db),
            db,
            settings: Arc::new(settings),
            metrics: crate::telemetry::metrics_handle(),
        }
    }
}

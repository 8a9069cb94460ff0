//! Leitstand, an ITIL service desk. The map:
//!
//! - `domain/`  pure rules: roles, what people may type (no I/O, unit-tested beside the code)
//! - `store/`   all SQL, one module per aggregate; functions take a connection
//! - `service/` one async function per operation; checks the role, validates, owns the transaction
//! - `api/`     the JSON face (`/api/v1`, problem+json errors, OpenAPI from the code)
//! - `web/`     the HTML face (askama pages, sessions, forms), calling the same services
//! - `state.rs` what every handler can reach (`AppState`, `Settings`)
//! - `app.rs`   router assembly and the middleware stack; the probes; `serve()`
//! - `http/`    HTTP pieces both faces share (the client's address)
//! - `worker/`  work that runs by itself in every server process (SLA clock, housekeeping)
//! - `db/`      the connection pool, migrations and the private PostgreSQL cluster
//! - `cli.rs`   the subcommands; `config.rs` their flags
//! - `input_guard.rs` refuses input PostgreSQL cannot store (NUL), naming the field
//! - `url.rs`   percent-encoding for links
//! - `i18n/`    English and German text; `telemetry.rs` logs and metrics; `error.rs` the one error type

pub mod api;
pub mod app;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod http;
pub mod i18n;
pub mod input_guard;
pub mod service;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod url;
pub mod web;
pub mod worker;

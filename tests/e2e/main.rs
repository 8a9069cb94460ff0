//! End-to-end tests: Debian's Chromium drives the pages of a real server, as agents, callers
//! and admins would (`scripts/install-test-deps` installs it; without it they say so and pass).

#![allow(
    clippy::unwrap_used,
    clippy::too_many_lines,
    reason = "tests read best as straight-line stories"
)]

#[path = "../support/mod.rs"]
#[allow(
    dead_code,
    unused_imports,
    reason = "each test binary uses part of the shared support"
)]
mod support;

mod browser;
mod files;
mod insight;

//! Performance: every list query must run on its index at 100,000 incidents (`plans`), and the
//! benchmarks (`bench`, ignored unless asked for; they print figures and never fail on timing).
//! `.ci/run` runs this binary once, not once per database server.

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

mod bench;
mod plans;

//! Integration tests: one binary, each test against a real server and its own database.

#![allow(
    clippy::unwrap_used,
    clippy::too_many_lines,
    reason = "tests read best as straight-line stories"
)]

mod access;
mod bench;
mod browser;
mod cli;
mod confidential;
mod demo;
mod frame;
mod helpers;
mod incident_pages;
mod incidents;
mod plans;
mod problem_pages;
mod problems;
mod reference;
mod sla;
mod web;

/// Percent-encodes a query value for test URLs.
pub fn leitstand_url(text: &str) -> String {
    leitstand::url::encode(text)
}

//! API and page tests: one binary, each test against a real server and its own database.
//! Chromium drives the pages in `tests/e2e`; the plan test and benchmarks are in `tests/perf`.

#![allow(
    clippy::unwrap_used,
    clippy::too_many_lines,
    reason = "tests read best as straight-line stories"
)]

#[path = "../support/mod.rs"]
mod support;

mod access;
mod approvals;
mod attachments;
mod cli;
mod confidential;
mod demo;
mod departments;
mod feedback;
mod frame;
mod imap;
mod improvements;
mod incident_pages;
mod incidents;
mod insight;
mod insight_figures;
mod mail;
mod portal;
mod problem_pages;
mod problems;
mod reference;
mod replica;
mod request_pages;
mod requests;
mod shares;
mod sla;
mod tasks;
mod web;
mod webhooks;

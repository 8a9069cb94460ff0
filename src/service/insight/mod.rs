//! Service insight (issue 15): the facts the figures of `docs/metrics.md` are counted from,
//! kept current as the desk works.

pub mod breakdown;
pub mod facts;
pub mod figures;
pub mod flow;
pub mod journey;
pub mod markers;
pub mod problems;
pub mod rollups;

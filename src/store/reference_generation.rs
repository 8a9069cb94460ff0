//! Whether a kept copy of the reference data (`store::reference`) is stale: a count of the
//! changes this process made or heard of. The stores that write reference data bump it as they
//! write; the listening connection (`service::changes`) bumps it when the database announces a
//! change on [`CHANNEL`]. Apart from `store::reference` so that those stores need not import
//! the module that reads them.

use std::sync::atomic::{AtomicU64, Ordering};

/// The channel the database announces changes to reference data on.
pub const CHANNEL: &str = "leitstand_reference";

/// Counts the changes this process made or heard of; a copy read at an older count is stale.
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// The count of changes so far: read it before loading, keep the copy with it.
pub fn generation() -> u64 {
    GENERATION.load(Ordering::Acquire)
}

/// Reference data changed (or may have): every kept copy in this process is stale.
pub fn changed() {
    GENERATION.fetch_add(1, Ordering::AcqRel);
}

//! The names a record shows for what it points at — service and group keys, user e-mails,
//! incident and problem numbers — by id, kept by the process once read.
//!
//! None of them ever changes once given: keys and e-mails are not editable (`store::services`,
//! `store::groups`, `store::users` update names, roles and flags, never the key or the
//! address), numbers are fixed at creation, and ids are UUIDv7, unique across tables and
//! databases. So an entry is never stale and nothing has to invalidate it; the cache is only
//! bounded (cleared when full).

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use uuid::Uuid;

/// Most names kept (about 100 bytes each).
const CAPACITY: usize = 50_000;

static NAMES: LazyLock<Mutex<HashMap<Uuid, String>>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// The names of `ids` that the process has read before.
pub fn cached<const N: usize>(ids: &[Option<Uuid>; N]) -> [Option<String>; N] {
    let cache = NAMES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    ids.map(|id| id.and_then(|id| cache.get(&id).cloned()))
}

/// Keeps the names read for `ids`.
pub fn remember(ids: &[Option<Uuid>], names: &[Option<String>]) {
    let mut cache = NAMES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if cache.len() + ids.len() > CAPACITY {
        cache.clear();
    }
    for (id, name) in ids.iter().zip(names) {
        if let (Some(id), Some(name)) = (id, name) {
            cache.insert(*id, name.clone());
        }
    }
}

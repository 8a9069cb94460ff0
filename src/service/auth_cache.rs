//! API tokens verified from memory: the actor of a token is read from the database once, then
//! served from this cache until the database announces a change to its user (migration 20:
//! role, groups, activity, password, a token revoked) on the `leitstand_auth` channel, which
//! every server process listens to. The cache is used only while that listening connection is
//! up: when it drops, everything cached is forgotten and every request reads the database
//! until it listens again. Entries also expire after `MAX_AGE`, a safety net for a
//! notification lost in between.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use sqlx::PgPool;
use uuid::Uuid;

use super::Actor;
use crate::error::AppResult;

/// The longest a cached actor is trusted without a fresh read.
pub const MAX_AGE: Duration = Duration::from_mins(1);
/// How often a token's `last_used_at` is written while it is served from the cache.
const LAST_USED_EVERY: Duration = Duration::from_mins(1);
/// The channel the database announces changes to users and tokens on.
pub const CHANNEL: &str = "leitstand_auth";

struct Entry {
    actor: Actor,
    fetched: Instant,
    last_used_written: Instant,
}

/// The per-process cache of token → actor.
#[derive(Default)]
pub struct TokenCache {
    entries: RwLock<HashMap<Vec<u8>, Entry>>,
    /// Whether the invalidating connection is listening now.
    listening: AtomicBool,
}

impl TokenCache {
    /// A cache whose invalidations come from `db`: the listening task runs until the runtime
    /// ends.
    pub fn start(db: &PgPool) -> Arc<TokenCache> {
        let cache = Arc::new(TokenCache::default());
        tokio::spawn(listen(db.clone(), Arc::downgrade(&cache)));
        let mut caches = CACHES
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        caches.retain(|c| c.strong_count() > 0);
        caches.push(Arc::downgrade(&cache));
        cache
    }

    /// The active owner of an unrevoked API token: from the cache when it may be trusted, else
    /// from the database.
    pub async fn actor(&self, db: &PgPool, token: &str) -> AppResult<Actor> {
        let hash = super::actor::hash_token(token);
        if self.listening.load(Ordering::Acquire)
            && let Some(actor) = self.cached(db, &hash)
        {
            return Ok(actor);
        }
        let actor = super::actor::actor_by_token_hash(db, &hash).await?;
        if self.listening.load(Ordering::Acquire) {
            let now = Instant::now();
            self.write().insert(
                hash,
                Entry {
                    actor: actor.clone(),
                    fetched: now,
                    last_used_written: now,
                },
            );
        }
        Ok(actor)
    }

    /// A fresh cached actor; writes `last_used_at` in the background once a minute.
    fn cached(&self, db: &PgPool, hash: &[u8]) -> Option<Actor> {
        let now = Instant::now();
        let (actor, stale_use) = {
            let entries = self.read();
            let entry = entries.get(hash)?;
            if now.duration_since(entry.fetched) > MAX_AGE {
                return None;
            }
            (
                entry.actor.clone(),
                now.duration_since(entry.last_used_written) > LAST_USED_EVERY,
            )
        };
        if stale_use {
            if let Some(entry) = self.write().get_mut(hash) {
                entry.last_used_written = now;
            }
            let (db, hash) = (db.clone(), hash.to_vec());
            tokio::spawn(async move {
                if let Ok(mut conn) = db.acquire().await {
                    let _ = crate::store::tokens::touch(&mut conn, &hash).await;
                }
            });
        }
        Some(actor)
    }

    /// Forgets every token of `user`.
    pub fn forget_user(&self, user: Uuid) {
        self.write().retain(|_, entry| entry.actor.id != user);
    }

    fn forget_all(&self) {
        self.write().clear();
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<Vec<u8>, Entry>> {
        self.entries
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<Vec<u8>, Entry>> {
        self.entries
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether cached actors are being served (the listening connection is up).
    pub fn is_listening(&self) -> bool {
        self.listening.load(Ordering::Acquire)
    }
}

/// The caches of this process, so a change made here takes effect here before the reply goes
/// out; other processes learn of it from the database's notification within milliseconds.
static CACHES: std::sync::Mutex<Vec<std::sync::Weak<TokenCache>>> =
    std::sync::Mutex::new(Vec::new());

/// Drops `user`'s tokens from every cache of this process: called by the operations that
/// change a user or revoke a token, after their commit.
pub fn changed_here(user: Uuid) {
    let caches = CACHES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for cache in caches.iter().filter_map(std::sync::Weak::upgrade) {
        cache.forget_user(user);
    }
}

/// Listens for changes to users and tokens and drops what they make stale; reconnects after a
/// failure. Ends when the cache is gone.
async fn listen(db: PgPool, cache: std::sync::Weak<TokenCache>) {
    loop {
        let mut listener = match sqlx::postgres::PgListener::connect_with(&db).await {
            Ok(mut listener) => listener.listen(CHANNEL).await.is_ok().then_some(listener),
            Err(_) => None,
        };
        match listener.as_mut() {
            Some(listener) => {
                let Some(strong) = cache.upgrade() else {
                    return;
                };
                // What was cached before listening may have missed a change.
                strong.forget_all();
                strong.listening.store(true, Ordering::Release);
                drop(strong);
                loop {
                    let received = listener.try_recv().await;
                    let Some(cache) = cache.upgrade() else { return };
                    match received {
                        Ok(Some(notification)) => match notification.payload().parse::<Uuid>() {
                            Ok(user) => cache.forget_user(user),
                            Err(_) => cache.forget_all(),
                        },
                        // The connection was lost and is made again: notifications may have
                        // been missed meanwhile.
                        Ok(None) => cache.forget_all(),
                        Err(error) => {
                            cache.listening.store(false, Ordering::Release);
                            cache.forget_all();
                            tracing::warn!(%error, "token cache: the invalidation channel failed; reading tokens from the database");
                            break;
                        }
                    }
                }
            }
            None => {
                if cache.upgrade().is_none() {
                    return;
                }
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

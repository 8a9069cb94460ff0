//! API tokens and browser sessions verified from memory: the actor of a token or of a session's
//! user is read from the database once, then served from this cache until the database
//! announces a change to its user (migration 20: role, groups, activity, password, a token
//! revoked) on the `leitstand_auth` channel, which every server process listens to
//! (`service::changes`). The cache is used only while that listening connection is up: when
//! it drops, everything cached is forgotten and every request reads the database until it
//! listens again. Entries also expire after `MAX_AGE`, a safety net for a
//! notification lost in between.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use sqlx::PgPool;
use uuid::Uuid;

use super::Actor;
use crate::db::Db;
use crate::error::AppResult;

/// The longest a cached actor is trusted without a fresh read.
pub const MAX_AGE: Duration = Duration::from_mins(1);
/// How often a token's `last_used_at` is written while it is served from the cache.
const LAST_USED_EVERY: Duration = Duration::from_mins(1);
/// The channel the database announces changes to users and tokens on (`service::changes`
/// listens).
pub const CHANNEL: &str = "leitstand_auth";

/// What an actor was found by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    /// The SHA-256 of an API token (`actor::hash_token`).
    Token(Vec<u8>),
    /// The user of a browser session.
    User(Uuid),
}

struct Entry {
    actor: Actor,
    fetched: Instant,
    last_used_written: Instant,
}

/// The per-process cache of token or session user → actor.
#[derive(Default)]
pub struct AuthCache {
    entries: RwLock<HashMap<Key, Entry>>,
    /// Whether the invalidating connection is listening now.
    listening: AtomicBool,
}

impl AuthCache {
    /// A new, empty cache that serves nothing until its listening connection is up
    /// (`service::changes::start` makes both).
    pub(super) fn new() -> Arc<AuthCache> {
        let cache = Arc::new(AuthCache::default());
        let mut caches = CACHES
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        caches.retain(|c| c.strong_count() > 0);
        caches.push(Arc::downgrade(&cache));
        cache
    }

    /// The active owner of an unrevoked API token: from the cache when it may be trusted, else
    /// from the database.
    pub async fn token_actor(&self, db: &PgPool, token: &str) -> AppResult<Actor> {
        let key = Key::Token(super::actor::hash_token(token));
        if let Some(actor) = self.cached(db, &key) {
            return Ok(actor);
        }
        let Key::Token(hash) = &key else {
            unreachable!("made above")
        };
        let actor = super::actor::actor_by_token_hash(db, hash).await?;
        self.remember(key, &actor);
        Ok(actor)
    }

    /// The active user with this id, for a browser session (`None` when gone or disabled):
    /// from the cache when it may be trusted, else from the database.
    pub async fn session_actor(&self, db: &Db, user: Uuid) -> AppResult<Option<Actor>> {
        let key = Key::User(user);
        if let Some(actor) = self.cached(db, &key) {
            return Ok(Some(actor));
        }
        let actor = super::actor::actor_by_id(db, user).await?;
        if let Some(actor) = &actor {
            self.remember(key, actor);
        }
        Ok(actor)
    }

    fn remember(&self, key: Key, actor: &Actor) {
        if self.listening.load(Ordering::Acquire) {
            let now = Instant::now();
            self.write().insert(
                key,
                Entry {
                    actor: actor.clone(),
                    fetched: now,
                    last_used_written: now,
                },
            );
        }
    }

    /// A fresh cached actor, while the cache listens; for a token, writes `last_used_at` in
    /// the background once a minute.
    fn cached(&self, db: &PgPool, key: &Key) -> Option<Actor> {
        if !self.listening.load(Ordering::Acquire) {
            return None;
        }
        let now = Instant::now();
        let (actor, stale_use) = {
            let entries = self.read();
            let entry = entries.get(key)?;
            if now.duration_since(entry.fetched) > MAX_AGE {
                return None;
            }
            (
                entry.actor.clone(),
                now.duration_since(entry.last_used_written) > LAST_USED_EVERY,
            )
        };
        if let (true, Key::Token(hash)) = (stale_use, key) {
            if let Some(entry) = self.write().get_mut(key) {
                entry.last_used_written = now;
            }
            let (db, hash) = (db.clone(), hash.clone());
            tokio::spawn(async move {
                if let Ok(mut conn) = db.acquire().await {
                    let _ = crate::store::tokens::touch(&mut conn, &hash).await;
                }
            });
        }
        Some(actor)
    }

    /// Forgets every token and the session actor of `user`.
    pub fn forget_user(&self, user: Uuid) {
        self.write().retain(|_, entry| entry.actor.id != user);
    }

    pub(super) fn forget_all(&self) {
        self.write().clear();
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<Key, Entry>> {
        self.entries
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<Key, Entry>> {
        self.entries
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether cached actors are being served (the listening connection is up).
    pub fn is_listening(&self) -> bool {
        self.listening.load(Ordering::Acquire)
    }

    /// Serves cached actors while the listening connection is up; either way forgets what was
    /// cached, as it may have missed a change.
    pub(super) fn set_listening(&self, listening: bool) {
        self.forget_all();
        self.listening.store(listening, Ordering::Release);
    }
}

/// The caches of this process, so a change made here takes effect here before the reply goes
/// out; other processes learn of it from the database's notification within milliseconds.
static CACHES: std::sync::Mutex<Vec<std::sync::Weak<AuthCache>>> =
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

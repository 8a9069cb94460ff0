//! The connection that hears the database announce changes, one per server process: to users
//! and tokens on `leitstand_auth` (migration 20), for the [`AuthCache`], and to reference data
//! on `leitstand_reference` (migration 22), for the copy each pool keeps
//! (`store::reference`). What is kept in memory is only served while this connection listens:
//! when it drops, everything kept is forgotten and requests read the database until it
//! listens again.

use std::sync::{Arc, Weak};
use std::time::Duration;

use sqlx::postgres::PgListener;
use uuid::Uuid;

use super::auth_cache::{self, AuthCache};
use crate::db::Db;
use crate::store;

/// The auth cache of a new server state, with the task that listens for changes on `db` and
/// drops what they make stale; the task runs until the cache is gone.
pub fn start(db: &Db) -> Arc<AuthCache> {
    let cache = AuthCache::new();
    tokio::spawn(listen(db.clone(), Arc::downgrade(&cache)));
    cache
}

/// Listens for changes and drops what they make stale; reconnects a second after a failure.
/// Ends when the auth cache is gone.
async fn listen(db: Db, auth: Weak<AuthCache>) {
    loop {
        let listener = match PgListener::connect_with(&db).await {
            Ok(mut listener) => listener
                .listen_all([auth_cache::CHANNEL, store::reference_generation::CHANNEL])
                .await
                .is_ok()
                .then_some(listener),
            Err(_) => None,
        };
        if let Some(mut listener) = listener {
            let Some(cache) = auth.upgrade() else { return };
            cache.set_listening(true);
            db.reference().set_listening(true);
            drop(cache);
            loop {
                let received = listener.try_recv().await;
                let Some(cache) = auth.upgrade() else {
                    db.reference().set_listening(false);
                    return;
                };
                match received {
                    Ok(Some(notification))
                        if notification.channel() == store::reference_generation::CHANNEL =>
                    {
                        store::reference_generation::changed();
                    }
                    Ok(Some(notification)) => match notification.payload().parse::<Uuid>() {
                        Ok(user) => cache.forget_user(user),
                        Err(_) => cache.forget_all(),
                    },
                    // The connection was lost and is made again: notifications may have been
                    // missed meanwhile.
                    Ok(None) => {
                        cache.forget_all();
                        store::reference_generation::changed();
                    }
                    Err(error) => {
                        cache.set_listening(false);
                        db.reference().set_listening(false);
                        tracing::warn!(%error, "the invalidation channel failed; reading users, tokens and reference data from the database");
                        break;
                    }
                }
            }
        } else if auth.upgrade().is_none() {
            return;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

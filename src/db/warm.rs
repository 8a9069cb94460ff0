//! The pool as requests use it, with a few connections kept warm between reads.
//!
//! sqlx tests every connection on its way back into its pool with a round trip (a `Sync`
//! message and its `ReadyForQuery`, in a spawned task: `Floating::return_to_pool` in
//! sqlx-core 0.8), because a future dropped in the middle of a query can leave the protocol
//! half way. For a one-query read that doubles the round trips to PostgreSQL (seen with
//! `strace -c`: two `sendto` per `GET /api/v1/incidents/{number}`). A read that finished its
//! queries hands its connection back with [`Warm::done`] instead: it goes onto a short stack,
//! untested, because nothing is in flight on it. Anything else — an error, a cancelled
//! request, a transaction — drops the connection the usual way, and sqlx tests it.
//!
//! At most half the pool waits on the stack, so the session store, transactions and
//! everything else that takes connections from the pool directly always find the other half.

use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex};

use sqlx::pool::PoolConnection;
use sqlx::{PgConnection, PgPool, Postgres};

/// The connection pool with its warm stack. Derefs to the pool for everything else.
#[derive(Clone, Debug)]
pub struct Db {
    pool: PgPool,
    warm: Arc<Stack>,
    /// The reference data this pool's database holds, kept in memory (`store::reference`).
    reference: Arc<crate::store::reference::Kept>,
    /// Where this database's attachments keep their content, and their limits.
    storage: Arc<crate::store::attachments::Storage>,
}

#[derive(Debug)]
struct Stack {
    connections: Mutex<Vec<PoolConnection<Postgres>>>,
    capacity: usize,
}

impl Db {
    pub fn new(pool: PgPool) -> Self {
        let capacity = usize::try_from(pool.options().get_max_connections() / 2).unwrap_or(0);
        Db {
            pool,
            warm: Arc::new(Stack {
                connections: Mutex::new(Vec::with_capacity(capacity)),
                capacity,
            }),
            reference: Arc::default(),
            storage: Arc::default(),
        }
    }

    /// The same pool with attachments kept as `storage` says (the default: in PostgreSQL,
    /// with the default limits).
    #[must_use]
    pub fn with_storage(mut self, storage: crate::store::attachments::Storage) -> Self {
        self.storage = Arc::new(storage);
        self
    }

    /// Where attachments keep their content, and their limits.
    pub fn storage(&self) -> &crate::store::attachments::Storage {
        &self.storage
    }

    /// The reference data kept in memory for this database.
    pub fn reference(&self) -> &crate::store::reference::Kept {
        &self.reference
    }

    /// A connection for reads: a warm one when there is one, else one from the pool.
    pub async fn read(&self) -> Result<Warm, sqlx::Error> {
        let warm = self
            .warm
            .connections
            .lock()
            .ok()
            .and_then(|mut stack| stack.pop());
        let connection = match warm {
            Some(connection) => connection,
            None => self.pool.acquire().await?,
        };
        Ok(Warm {
            connection: Some(connection),
            stack: self.warm.clone(),
        })
    }

    /// The pool itself.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

impl Deref for Db {
    type Target = PgPool;

    fn deref(&self) -> &PgPool {
        &self.pool
    }
}

/// A connection taken with [`Db::read`]. Call [`Warm::done`] when its queries have finished;
/// dropped without it, the connection goes back to the pool the usual (tested) way.
pub struct Warm {
    connection: Option<PoolConnection<Postgres>>,
    stack: Arc<Stack>,
}

impl Warm {
    /// Every query on this connection has finished: keep it warm for the next read.
    pub fn done(mut self) {
        let Some(connection) = self.connection.take() else {
            return;
        };
        if let Ok(mut stack) = self.stack.connections.lock()
            && stack.len() < self.stack.capacity
        {
            stack.push(connection);
        }
    }
}

impl Deref for Warm {
    type Target = PgConnection;

    fn deref(&self) -> &PgConnection {
        self.connection
            .as_deref()
            .unwrap_or_else(|| unreachable!("a Warm connection is only emptied by done()"))
    }
}

impl DerefMut for Warm {
    fn deref_mut(&mut self) -> &mut PgConnection {
        self.connection
            .as_deref_mut()
            .unwrap_or_else(|| unreachable!("a Warm connection is only emptied by done()"))
    }
}

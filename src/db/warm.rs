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
use std::sync::atomic::{AtomicU64, Ordering};
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
    /// A streaming replica service insight reads from, and until when (milliseconds since
    /// the epoch) it is left alone after it did not answer.
    insight: Option<(PgPool, Arc<AtomicU64>)>,
}

#[derive(Debug)]
struct Stack {
    connections: Mutex<Vec<PoolConnection<Postgres>>>,
    capacity: usize,
}

impl Db {
    pub fn new(pool: PgPool) -> Self {
        Db {
            warm: Stack::for_pool(&pool),
            pool,
            reference: Arc::default(),
            storage: Arc::default(),
            insight: None,
        }
    }

    /// The same pool, with service insight's reads sent to `replica` when given.
    #[must_use]
    pub fn with_insight_reads(mut self, replica: Option<PgPool>) -> Self {
        self.insight = replica.map(|pool| (pool, Arc::new(AtomicU64::new(0))));
        self
    }

    /// A connection for service insight's reads: from the replica when there is one and it
    /// answers, else as `read` gives it. The figures come from facts the worker keeps a second
    /// behind the desk anyway, so the replica's lag does not change what they promise. A
    /// replica's connections are tested on the way out of their pool and never kept warm, so
    /// a replica that went away is noticed before a query is sent to it.
    pub async fn insight(&self) -> Result<Warm, sqlx::Error> {
        if let Some((pool, away_until)) = &self.insight
            && now_millis() >= away_until.load(Ordering::Relaxed)
        {
            match pool.acquire().await {
                Ok(connection) => {
                    return Ok(Warm {
                        connection: Some(connection),
                        stack: Arc::new(Stack {
                            connections: Mutex::new(Vec::new()),
                            capacity: 0,
                        }),
                    });
                }
                Err(error) => {
                    away_until.store(now_millis() + REPLICA_PAUSE_MILLIS, Ordering::Relaxed);
                    tracing::warn!(error = %error, "the insight replica does not answer; reading from the primary for 30 s");
                }
            }
        }
        self.read().await
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
        take(&self.pool, &self.warm).await
    }

    /// The pool itself.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

/// How long insight reads stay on the primary after the replica did not answer.
const REPLICA_PAUSE_MILLIS: u64 = 30_000;

fn now_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl Stack {
    /// A stack for half of the pool's connections.
    fn for_pool(pool: &PgPool) -> Arc<Stack> {
        let capacity = usize::try_from(pool.options().get_max_connections() / 2).unwrap_or(0);
        Arc::new(Stack {
            connections: Mutex::new(Vec::with_capacity(capacity)),
            capacity,
        })
    }
}

/// A warm connection from `stack` when there is one, else one from `pool`.
async fn take(pool: &PgPool, stack: &Arc<Stack>) -> Result<Warm, sqlx::Error> {
    let warm = stack
        .connections
        .lock()
        .ok()
        .and_then(|mut connections| connections.pop());
    let connection = match warm {
        Some(connection) => connection,
        None => pool.acquire().await?,
    };
    Ok(Warm {
        connection: Some(connection),
        stack: stack.clone(),
    })
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

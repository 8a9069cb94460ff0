//! `Idempotency-Key` for creating requests: the first answer is stored in the creating
//! transaction and replayed to every retry; a key reused with another body is `422`.

use serde::Serialize;
use serde_json::Value;
use sqlx::PgConnection;

use crate::error::{AppError, AppResult};
use crate::service::Actor;
use crate::store::{self, idempotency::Claim};

/// An `Idempotency-Key` with the hash of the request it came with.
#[derive(Debug, Clone)]
pub struct Idempotency {
    pub key: String,
    /// The method and path the key was sent to; keys are scoped to it.
    pub operation: String,
    pub request_hash: Vec<u8>,
}

/// What a creating request produced: something new, or the stored answer to a retry.
pub enum Created<T> {
    New(T),
    Replayed { status: u16, body: Value },
}

/// Claims an `Idempotency-Key` in the creating transaction: `Some` is the stored answer to
/// replay; a key used for another request is `422`.
pub async fn replay_or_claim<T>(
    tx: &mut PgConnection,
    actor: &Actor,
    idempotency: Option<&Idempotency>,
) -> AppResult<Option<Created<T>>> {
    if let Some(key) = idempotency {
        match store::idempotency::claim(tx, actor.id, &key.operation, &key.key, &key.request_hash)
            .await?
        {
            Claim::Fresh => {}
            Claim::Replay { status, response } => {
                return Ok(Some(Created::Replayed {
                    status,
                    body: response,
                }));
            }
            Claim::Mismatch => {
                return Err(AppError::field(
                    "Idempotency-Key",
                    "error.idempotency_mismatch",
                ));
            }
        }
    }
    Ok(None)
}

/// Stores the answer to replay for an `Idempotency-Key`, in the creating transaction.
pub async fn store_answer<T: Serialize>(
    tx: &mut PgConnection,
    actor: &Actor,
    idempotency: Option<&Idempotency>,
    view: &T,
) -> AppResult<()> {
    if let Some(key) = idempotency {
        let body = serde_json::to_value(view).map_err(anyhow::Error::from)?;
        store::idempotency::complete(tx, actor.id, &key.operation, &key.key, 201, &body).await?;
    }
    Ok(())
}

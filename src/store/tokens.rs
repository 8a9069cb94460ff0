//! API tokens. Only their SHA-256 is stored; the token is shown once, when it is made.

use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub user_email: String,
    pub name: String,
    pub created_at: jiff_sqlx::Timestamp,
    pub last_used_at: Option<jiff_sqlx::Timestamp>,
    pub revoked_at: Option<jiff_sqlx::Timestamp>,
}

const SELECT: &str = "select t.id, t.user_id, u.email as user_email, t.name, t.created_at, t.last_used_at, \
     t.revoked_at from api_tokens t join users u on u.id = t.user_id";

pub async fn insert(
    conn: &mut PgConnection,
    user_id: Uuid,
    name: &str,
    token_hash: &[u8],
) -> sqlx::Result<Uuid> {
    let id = Uuid::now_v7();
    sqlx::query("insert into api_tokens (id, user_id, name, token_hash) values ($1, $2, $3, $4)")
        .bind(id)
        .bind(user_id)
        .bind(name)
        .bind(token_hash)
        .execute(conn)
        .await?;
    Ok(id)
}

pub async fn find(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<TokenRow>> {
    sqlx::query_as(&format!("{SELECT} where t.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Tokens, newest first; of one user, or of everyone.
pub async fn list(conn: &mut PgConnection, user_id: Option<Uuid>) -> sqlx::Result<Vec<TokenRow>> {
    sqlx::query_as(&format!(
        "{SELECT} where ($1::uuid is null or t.user_id = $1) order by t.created_at desc, t.id desc"
    ))
    .bind(user_id)
    .fetch_all(conn)
    .await
}

/// Records that a token was used now (at most once a minute is asked for).
pub async fn touch(conn: &mut PgConnection, token_hash: &[u8]) -> sqlx::Result<()> {
    sqlx::query(
        "update api_tokens set last_used_at = now() where token_hash = $1 \
         and (last_used_at is null or last_used_at <= now() - interval '1 minute')",
    )
    .bind(token_hash)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn revoke(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<()> {
    sqlx::query("update api_tokens set revoked_at = coalesce(revoked_at, now()) where id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

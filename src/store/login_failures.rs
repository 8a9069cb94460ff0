//! Failed sign-ins, for rate limiting per account and per client address.

use sqlx::PgConnection;

pub async fn record(conn: &mut PgConnection, email: &str, address: &str) -> sqlx::Result<()> {
    sqlx::query("insert into login_failures (email, address) values ($1, $2)")
        .bind(email)
        .bind(address)
        .execute(conn)
        .await?;
    Ok(())
}

/// Failures within the last `window_secs` for the account and for the address, and the
/// seconds until the oldest of them leaves the window.
pub async fn recent(
    conn: &mut PgConnection,
    email: &str,
    address: &str,
    window_secs: i32,
) -> sqlx::Result<Recent> {
    let (by_email, by_address, oldest_age): (i64, i64, Option<f64>) = sqlx::query_as(
        "select count(*) filter (where email = $1), count(*) filter (where address = $2), \
                extract(epoch from now() - min(at))::float8 \
         from login_failures \
         where (email = $1 or address = $2) and at > now() - make_interval(secs => $3::int)",
    )
    .bind(email)
    .bind(address)
    .bind(window_secs)
    .fetch_one(conn)
    .await?;
    Ok(Recent {
        by_email,
        by_address,
        oldest_age_secs: oldest_age.unwrap_or(0.0),
    })
}

pub struct Recent {
    pub by_email: i64,
    pub by_address: i64,
    pub oldest_age_secs: f64,
}

/// Forgets an account's failures after it signed in successfully.
pub async fn clear(conn: &mut PgConnection, email: &str) -> sqlx::Result<()> {
    sqlx::query("delete from login_failures where email = $1")
        .bind(email)
        .execute(conn)
        .await?;
    Ok(())
}

/// Drops failures older than a day; called by the housekeeping task.
pub async fn prune(conn: &mut PgConnection) -> sqlx::Result<u64> {
    Ok(
        sqlx::query("delete from login_failures where at < now() - interval '1 day'")
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

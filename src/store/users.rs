//! Users and their group memberships.

use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use uuid::Uuid;

use super::codec::at;
use crate::domain::{Locale, Role};

/// A user as stored. `groups` are the keys of the groups they belong to, sorted.
#[derive(Debug, Clone)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub locale: Locale,
    pub password_hash: Option<String>,
    pub active: bool,
    pub groups: Vec<String>,
    /// Who approves for them in `manager` approval stages.
    pub manager_id: Option<Uuid>,
    pub manager: Option<String>,
    /// Whether they want notifications by e-mail.
    pub notify_email: bool,
    /// Why mail to them bounces, while it does.
    pub email_undeliverable: Option<String>,
    pub created_at: jiff::Timestamp,
    pub updated_at: jiff::Timestamp,
}

impl<'r> sqlx::FromRow<'r, PgRow> for User {
    fn from_row(row: &'r PgRow) -> sqlx::Result<Self> {
        Ok(User {
            id: row.try_get("id")?,
            email: row.try_get("email")?,
            name: row.try_get("name")?,
            role: row.try_get("role")?,
            locale: row.try_get("locale")?,
            password_hash: row.try_get("password_hash")?,
            active: row.try_get("active")?,
            groups: row.try_get("groups")?,
            manager_id: row.try_get("manager_id")?,
            manager: row.try_get("manager")?,
            notify_email: row.try_get("notify_email")?,
            email_undeliverable: row.try_get("email_undeliverable")?,
            created_at: at(row, "created_at")?,
            updated_at: at(row, "updated_at")?,
        })
    }
}

const COLUMNS: &str = "u.id, u.email, u.name, u.role, u.locale, u.password_hash, u.active, \
     array(select g.key from group_members m join groups g on g.id = m.group_id \
           where m.user_id = u.id order by g.key) as groups, \
     u.manager_id, (select boss.email from users boss where boss.id = u.manager_id) as manager, \
     u.notify_email, \
     case when u.email_undeliverable_at is not null then coalesce(u.email_undeliverable_reason, '') end \
         as email_undeliverable, \
     u.created_at, u.updated_at";

pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub locale: Locale,
    pub password_hash: Option<&'a str>,
}

pub async fn insert(conn: &mut PgConnection, new: &NewUser<'_>) -> sqlx::Result<Uuid> {
    let id = Uuid::now_v7();
    sqlx::query("insert into users (id, email, name, role, locale, password_hash) values ($1, $2, $3, $4, $5, $6)")
        .bind(id)
        .bind(new.email)
        .bind(new.name)
        .bind(new.role)
        .bind(new.locale)
        .bind(new.password_hash)
        .execute(conn)
        .await?;
    Ok(id)
}

pub async fn find_by_email(conn: &mut PgConnection, email: &str) -> sqlx::Result<Option<User>> {
    sqlx::query_as(&format!("select {COLUMNS} from users u where u.email = $1"))
        .bind(email)
        .fetch_optional(conn)
        .await
}

/// The owner of an unrevoked API token with this hash, in one read-only round trip. The token
/// is marked used at most once a minute, with a second statement only then, so a busy
/// integration neither writes nor pays for a writing statement on every request.
pub async fn find_by_token(
    conn: &mut PgConnection,
    token_hash: &[u8],
) -> sqlx::Result<Option<User>> {
    #[derive(sqlx::FromRow)]
    struct Found {
        #[sqlx(flatten)]
        user: User,
        token_id: Uuid,
        token_fresh: bool,
    }
    let found: Option<Found> = sqlx::query_as(&format!(
        "select {COLUMNS}, t.token_id, t.token_fresh from users u join (select id as token_id, user_id, \
                   coalesce(last_used_at > now() - interval '1 minute', false) as token_fresh \
                   from api_tokens where token_hash = $1 and revoked_at is null) t on t.user_id = u.id"
    ))
    .bind(token_hash)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(found) = found else {
        return Ok(None);
    };
    if !found.token_fresh {
        sqlx::query(
            "update api_tokens set last_used_at = now() where id = $1 \
             and (last_used_at is null or last_used_at <= now() - interval '1 minute')",
        )
        .bind(found.token_id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(Some(found.user))
}

pub async fn find_by_id(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<User>> {
    sqlx::query_as(&format!("select {COLUMNS} from users u where u.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Users ordered by e-mail, starting after `after`; `limit + 1` rows at most.
pub async fn list(
    conn: &mut PgConnection,
    after: Option<&str>,
    limit: i64,
) -> sqlx::Result<Vec<User>> {
    sqlx::query_as(&format!(
        "select {COLUMNS} from users u where ($1::text is null or u.email > $1) order by u.email limit $2"
    ))
    .bind(after)
    .bind(limit + 1)
    .fetch_all(conn)
    .await
}

/// Writes the changeable fields of `user` back.
pub async fn update(conn: &mut PgConnection, user: &User) -> sqlx::Result<()> {
    sqlx::query(
        "update users set name = $2, role = $3, locale = $4, password_hash = $5, active = $6, manager_id = $7, \
         updated_at = now() where id = $1",
    )
    .bind(user.id)
    .bind(&user.name)
    .bind(user.role)
    .bind(user.locale)
    .bind(&user.password_hash)
    .bind(user.active)
    .bind(user.manager_id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_locale(conn: &mut PgConnection, id: Uuid, locale: Locale) -> sqlx::Result<()> {
    sqlx::query("update users set locale = $2, updated_at = now() where id = $1")
        .bind(id)
        .bind(locale)
        .execute(conn)
        .await?;
    Ok(())
}

/// Replaces the user's group memberships.
pub async fn set_groups(
    conn: &mut PgConnection,
    user_id: Uuid,
    group_ids: &[Uuid],
) -> sqlx::Result<()> {
    super::reference_generation::changed();
    sqlx::query("delete from group_members where user_id = $1 and group_id <> all($2)")
        .bind(user_id)
        .bind(group_ids)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "insert into group_members (group_id, user_id) select unnest($2::uuid[]), $1 on conflict do nothing",
    )
    .bind(user_id)
    .bind(group_ids)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn count(conn: &mut PgConnection) -> sqlx::Result<i64> {
    sqlx::query_scalar("select count(*) from users")
        .fetch_one(conn)
        .await
}

/// Whether the user belongs to the group.
pub async fn is_member(
    conn: &mut PgConnection,
    user_id: Uuid,
    group_id: Uuid,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "select exists (select 1 from group_members where user_id = $1 and group_id = $2)",
    )
    .bind(user_id)
    .bind(group_id)
    .fetch_one(conn)
    .await
}

/// Active users whose e-mail or name contains `text`, for caller and assignee pickers; with
/// `workers_only`, only those who may work incidents (not viewers).
pub async fn search(
    conn: &mut PgConnection,
    text: &str,
    group_id: Option<Uuid>,
    workers_only: bool,
    limit: i64,
) -> sqlx::Result<Vec<(String, String)>> {
    let pattern = format!(
        "%{}%",
        text.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    sqlx::query_as(
        "select u.email, u.name from users u where u.active and (not $4 or u.role <> 'viewer') \
         and (u.email ilike $1 or u.name ilike $1) \
         and ($2::uuid is null or exists (select 1 from group_members m where m.user_id = u.id and m.group_id = $2)) \
         order by u.name, u.email limit $3",
    )
    .bind(pattern)
    .bind(group_id)
    .bind(limit)
    .bind(workers_only)
    .fetch_all(conn)
    .await
}

/// Turns the user's e-mail notifications on or off.
pub async fn set_notify_email(conn: &mut PgConnection, id: Uuid, on: bool) -> sqlx::Result<()> {
    sqlx::query("update users set notify_email = $2, updated_at = now() where id = $1")
        .bind(id)
        .bind(on)
        .execute(conn)
        .await?;
    Ok(())
}

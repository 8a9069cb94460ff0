//! Who is acting: the signed-in user a request acts for, found by browser session or by API
//! token, and the role and write-scope checks both faces use (`require`, `may_change`); what a
//! reader may read is `service::scope::ReadScope`.

use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

use crate::db::Db;
use crate::domain::{Locale, Permission, Role};
use crate::error::{AppError, AppResult};
use crate::store;

/// The signed-in user a request acts for.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub locale: Locale,
    pub groups: Vec<String>,
    /// Changes when the password changes, which ends the user's browser sessions.
    pub session_stamp: String,
    /// The desk's group write scope is on: below admin, the actor changes only incidents of
    /// their own groups (or of no group yet). Set by the face from the server's settings.
    pub group_write_scope: bool,
}

impl Actor {
    /// The one role check: `Forbidden` unless the actor's role allows `permission`.
    pub fn require(&self, permission: Permission) -> AppResult<()> {
        if self.role.allows(permission) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub fn can(&self, permission: Permission) -> bool {
        self.role.allows(permission)
    }

    /// `None` when the actor's role reads every record, `Some(id)` when only the records whose
    /// caller is the actor (a caller); `ReadScope` adds the confidential departments.
    pub fn own_records_only(&self) -> Option<Uuid> {
        (!self.can(Permission::Read)).then_some(self.id)
    }

    /// The write-scope check for a record of `group` (its key): with the group write scope
    /// on, only members of the group (and admins) change it; a record of no group is open to
    /// every agent, so the desk can triage it.
    pub fn may_change(&self, group: Option<&str>) -> AppResult<()> {
        match group {
            Some(group)
                if self.group_write_scope
                    && !self.can(Permission::Administer)
                    && !self.groups.iter().any(|g| g == group) =>
            {
                Err(AppError::OutsideGroups(group.to_owned()))
            }
            _ => Ok(()),
        }
    }

    /// Whether the actor reads internal content (work notes).
    pub fn reads_internal(&self) -> bool {
        self.can(Permission::ReadInternal)
    }

    pub(super) fn from_user(user: store::users::User) -> Option<Self> {
        user.active.then(|| Actor {
            session_stamp: session_stamp(user.password_hash.as_deref()),
            id: user.id,
            email: user.email,
            name: user.name,
            role: user.role,
            locale: user.locale,
            groups: user.groups,
            group_write_scope: false,
        })
    }
}

/// A short digest of the password hash, kept in the session: a new password ends old sessions.
fn session_stamp(password_hash: Option<&str>) -> String {
    let digest = Sha256::digest(password_hash.unwrap_or_default().as_bytes());
    hex::encode(&digest[..8])
}

/// The active user with this id, for a browser session; `None` when gone or disabled.
pub async fn actor_by_id(db: &Db, id: Uuid) -> AppResult<Option<Actor>> {
    let mut conn = db.read().await?;
    let user = store::users::find_by_id(&mut conn, id).await?;
    conn.done();
    Ok(user.and_then(Actor::from_user))
}

/// The active owner of the unrevoked API token with this hash (`hash_token`).
pub async fn actor_by_token_hash(db: &PgPool, token_hash: &[u8]) -> AppResult<Actor> {
    let mut conn = db.acquire().await?;
    let user = store::users::find_by_token(&mut conn, token_hash)
        .await?
        .ok_or(AppError::Unauthorized)?;
    Actor::from_user(user).ok_or(AppError::Unauthorized)
}

/// What is stored of an API token: the SHA-256 of its text (surrounding blanks ignored).
pub fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.trim().as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_password_changes_the_session_stamp() {
        assert_ne!(
            session_stamp(Some("$argon2id$a")),
            session_stamp(Some("$argon2id$b"))
        );
        assert_eq!(
            session_stamp(Some("$argon2id$a")),
            session_stamp(Some("$argon2id$a"))
        );
    }
}

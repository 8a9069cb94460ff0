//! Signing in: password sign-in with rate limiting, API tokens made, listed and revoked. Who
//! is acting, and what they may do, is `actor.rs`.

use base64::Engine as _;
use serde::Serialize;
use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::{Email, Invalid, Locale, Permission, validation::required_text};
use crate::error::{AppError, AppResult};
use crate::service::Actor;
use crate::service::actor::hash_token;
use crate::store;

/// Failed sign-ins tolerated per account within the window.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
/// Failed sign-ins tolerated per client address within the window.
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
/// The rate-limiting window.
pub const FAILURE_WINDOW_SECS: i32 = 15 * 60;

/// Checks an e-mail and password. Refuses with 429 once the account or the address has failed
/// too often; a wrong password, an unknown account and a disabled one all answer alike.
pub async fn sign_in(db: &PgPool, email: &str, password: &str, address: &str) -> AppResult<Actor> {
    let email = email.trim().to_lowercase();
    let mut conn = db.acquire().await?;
    let recent =
        store::login_failures::recent(&mut conn, &email, address, FAILURE_WINDOW_SECS).await?;
    if recent.by_email >= MAX_FAILURES_PER_ACCOUNT || recent.by_address >= MAX_FAILURES_PER_ADDRESS
    {
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "seconds within the window"
        )]
        let retry_after_secs = (f64::from(FAILURE_WINDOW_SECS) - recent.oldest_age_secs)
            .ceil()
            .max(1.0) as u64;
        return Err(AppError::TooManyRequests { retry_after_secs });
    }
    let user = store::users::find_by_email(&mut conn, &email).await?;
    let hash = user.as_ref().and_then(|u| u.password_hash.clone());
    let password_ok = verify_password(hash, password.to_owned()).await?;
    if let Some(actor) = user.filter(|_| password_ok).and_then(Actor::from_user) {
        store::login_failures::clear(&mut conn, &email).await?;
        Ok(actor)
    } else {
        store::login_failures::record(&mut conn, &email, address).await?;
        Err(AppError::Unauthorized)
    }
}

/// Hashes a password with Argon2id (OWASP's parameters), off the async threads.
pub async fn hash_password(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::{PasswordHasher, phc::PasswordHash};
        let hash: PasswordHash = argon2::Argon2::default()
            .hash_password(password.as_bytes())
            .map_err(|e| anyhow::anyhow!("argon2: {e}"))?;
        Ok(hash.to_string())
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))?
}

/// Checks a password against a stored hash. Without a hash it still spends the time of one
/// check, so response times do not tell which accounts exist.
async fn verify_password(hash: Option<String>, password: String) -> AppResult<bool> {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = if let Some(dummy) = DUMMY.get() {
        dummy.clone()
    } else {
        let made = hash_password("not the password of anyone".to_owned()).await?;
        DUMMY.get_or_init(|| made).clone()
    };
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::{PasswordVerifier, phc::PasswordHash};
        let (stored, real) = match &hash {
            Some(hash) => (hash.as_str(), true),
            None => (dummy.as_str(), false),
        };
        let Ok(parsed) = PasswordHash::new(stored) else {
            return false;
        };
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
            && real
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))
}

/// Tokens are `lst_` and 43 characters of base64url: 256 random bits.
fn new_token_secret() -> AppResult<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(format!(
        "lst_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    ))
}

/// An API token as listed (never the secret).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TokenView {
    pub id: Uuid,
    pub name: String,
    /// The e-mail of the user the token acts as.
    pub user: String,
    pub created_at: jiff::Timestamp,
    pub last_used_at: Option<jiff::Timestamp>,
    pub revoked_at: Option<jiff::Timestamp>,
}

impl From<store::tokens::TokenRow> for TokenView {
    fn from(row: store::tokens::TokenRow) -> Self {
        TokenView {
            id: row.id,
            name: row.name,
            user: row.user_email,
            created_at: row.created_at.to_jiff(),
            last_used_at: row.last_used_at.map(jiff_sqlx::Timestamp::to_jiff),
            revoked_at: row.revoked_at.map(jiff_sqlx::Timestamp::to_jiff),
        }
    }
}

/// A new token and its secret, which is shown this once.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NewToken {
    #[serde(flatten)]
    pub token: TokenView,
    /// The bearer token. It is not stored and cannot be shown again.
    pub secret: String,
}

/// Makes a token for `owner` (the actor themself unless given); only admins make tokens for others.
pub async fn create_token(
    db: &PgPool,
    actor: &Actor,
    owner: Option<&str>,
    name: &str,
) -> AppResult<NewToken> {
    let mut invalid = Invalid::default();
    let name = invalid.check("name", required_text(name, 100));
    let owner = owner.and_then(|o| invalid.check("email", Email::parse(o)));
    let name = invalid.finish(|| name.unwrap_or_default())?;
    let mut tx = db.begin().await?;
    let owner_id = match owner {
        Some(email) if email.as_str() != actor.email => {
            actor.require(Permission::Administer)?;
            let user = store::users::find_by_email(&mut tx, email.as_str()).await?;
            user.ok_or_else(|| AppError::field("email", "error.unknown_user"))?
                .id
        }
        _ => actor.id,
    };
    let secret = new_token_secret()?;
    let id = store::tokens::insert(&mut tx, owner_id, &name, &hash_token(&secret)).await?;
    let row = store::tokens::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    tracing::info!(token.id = %id, user.id = %owner_id, "API token created");
    Ok(NewToken {
        token: row.into(),
        secret,
    })
}

/// Makes a token for the operator at the command line.
pub async fn create_token_as_operator(db: &PgPool, email: &str, name: &str) -> AppResult<NewToken> {
    let email = Email::parse(email).map_err(|key| AppError::field("email", key))?;
    let owner = {
        let mut conn = db.acquire().await?;
        store::users::find_by_email(&mut conn, email.as_str()).await?
    };
    let owner = owner.ok_or_else(|| AppError::field("email", "error.unknown_user"))?;
    let actor =
        Actor::from_user(owner).ok_or_else(|| AppError::field("email", "error.user_inactive"))?;
    create_token(db, &actor, None, name).await
}

/// The actor's tokens; with `everyone`, an admin sees all tokens.
pub async fn list_tokens(db: &PgPool, actor: &Actor, everyone: bool) -> AppResult<Vec<TokenView>> {
    if everyone {
        actor.require(Permission::Administer)?;
    }
    let mut conn = db.acquire().await?;
    let rows = store::tokens::list(&mut conn, (!everyone).then_some(actor.id)).await?;
    Ok(rows.into_iter().map(TokenView::from).collect())
}

/// Revokes a token of the actor's own, or any token for an admin. Revoking twice is harmless.
pub async fn revoke_token(db: &PgPool, actor: &Actor, id: Uuid) -> AppResult<TokenView> {
    let mut tx = db.begin().await?;
    let row = store::tokens::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if row.user_id != actor.id {
        // Someone else's token: only admins may know it exists.
        if !actor.can(Permission::Administer) {
            return Err(AppError::NotFound);
        }
    }
    store::tokens::revoke(&mut tx, id).await?;
    let row = store::tokens::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    super::auth_cache::changed_here(row.user_id);
    tracing::info!(token.id = %id, "API token revoked");
    Ok(row.into())
}

/// Changes the actor's language.
pub async fn set_locale(db: &PgPool, actor: &Actor, locale: Locale) -> AppResult<()> {
    let mut conn = db.acquire().await?;
    store::users::set_locale(&mut conn, actor.id, locale).await?;
    super::auth_cache::changed_here(actor.id);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_secrets_are_random_and_hash_stably() {
        let a = new_token_secret().unwrap();
        let b = new_token_secret().unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("lst_") && a.len() == 47, "{a}");
        assert_eq!(hash_token(&a), hash_token(&format!(" {a}\n")));
        assert_ne!(hash_token(&a), hash_token(&b));
    }

    #[tokio::test]
    async fn passwords_round_trip_through_argon2id() {
        let hash = hash_password("correct horse battery".to_owned())
            .await
            .unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(
            verify_password(Some(hash.clone()), "correct horse battery".to_owned())
                .await
                .unwrap()
        );
        assert!(
            !verify_password(Some(hash), "wrong horse battery".to_owned())
                .await
                .unwrap()
        );
        assert!(
            !verify_password(None, "not the password of anyone".to_owned())
                .await
                .unwrap()
        );
    }
}

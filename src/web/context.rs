//! What every page needs: the reader's language, the signed-in user, flash messages.

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use uuid::Uuid;

use crate::domain::{Locale, Permission};
use crate::error::AppError;
use crate::i18n::Tr;
use crate::service::{self, Actor};
use crate::state::AppState;

/// The cookie holding the language of people who are not signed in (and a copy for signed-in ones).
pub const LOCALE_COOKIE: &str = "leitstand_locale";
const SESSION_USER: &str = "user";
const SESSION_FLASH: &str = "flash";
/// When a signed-in session was last written back (Unix seconds).
const SESSION_TOUCHED: &str = "touched";
/// A session nothing changed in is written back at most this often, to move its expiry
/// (and the cookie's) forward: reading a page costs no write to the session table.
const SESSION_TOUCH_SECONDS: i64 = 300;

/// What the session remembers about the signed-in user.
#[derive(Debug, Serialize, Deserialize)]
struct SessionUser {
    id: Uuid,
    stamp: String,
}

/// A message shown once on the next page.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    /// `success` or `error`.
    pub kind: String,
    pub text: String,
}

/// The page context; `user` is `None` on anonymous pages.
pub struct Ctx {
    pub tr: Tr,
    pub user: Option<Actor>,
    pub flashes: Vec<Flash>,
    /// The path of the page, for the language switch to come back to.
    pub path: String,
    /// The user's saved queue views, for the navigation.
    pub views: Vec<crate::store::saved_views::SavedView>,
    /// The largest file an upload may bring, in bytes (the file pickers say so, and check it
    /// before sending).
    pub file_limit: u64,
    session: Option<Session>,
}

impl Ctx {
    /// A context without session, for error pages.
    pub fn bare(tr: Tr, path: String) -> Self {
        Ctx {
            tr,
            user: None,
            flashes: Vec::new(),
            path,
            views: Vec::new(),
            file_limit: crate::domain::attachment::Limits::default().file,
            session: None,
        }
    }

    /// The largest file an upload may bring, as people read it.
    pub fn file_limit_text(&self) -> String {
        crate::domain::attachment::human_size(self.file_limit)
    }

    /// The versioned URL of a file in `static/` (`web::asset_url`).
    pub fn static_url(&self, file: &str) -> String {
        super::asset_url(file)
    }

    /// Staff who read every record (not a caller), for the navigation.
    pub fn reads_all(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.can(Permission::Read))
    }

    /// Staff who read internal content (agents and up): the desk's own pages.
    pub fn reads_internal(&self) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| u.can(Permission::ReadInternal))
    }

    pub fn is_admin(&self) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| u.can(Permission::Administer))
    }

    pub fn session(&self) -> Result<&Session, AppError> {
        self.session
            .as_ref()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no session layer")))
    }

    /// Queues a message for the next page.
    pub async fn flash(&self, kind: &str, text: String) -> Result<(), AppError> {
        let session = self.session()?;
        let mut flashes: Vec<Flash> = session
            .get(SESSION_FLASH)
            .await
            .map_err(session_error)?
            .unwrap_or_default();
        flashes.push(Flash {
            kind: kind.to_owned(),
            text,
        });
        session
            .insert(SESSION_FLASH, flashes)
            .await
            .map_err(session_error)
    }

    /// Starts a signed-in session (with a new session id, against fixation).
    pub async fn sign_in(&self, actor: &Actor) -> Result<(), AppError> {
        let session = self.session()?;
        session.cycle_id().await.map_err(session_error)?;
        let user = SessionUser {
            id: actor.id,
            stamp: actor.session_stamp.clone(),
        };
        session
            .insert(SESSION_USER, user)
            .await
            .map_err(session_error)?;
        session
            .insert(SESSION_TOUCHED, jiff::Timestamp::now().as_second())
            .await
            .map_err(session_error)
    }

    pub async fn sign_out(&self) -> Result<(), AppError> {
        self.session()?.flush().await.map_err(session_error)
    }
}

#[expect(
    clippy::needless_pass_by_value,
    reason = "used as map_err(session_error)"
)]
fn session_error(error: tower_sessions::session::Error) -> AppError {
    AppError::Internal(anyhow::anyhow!("session: {error}"))
}

/// The language for someone not signed in: the cookie, then `Accept-Language`, then English.
pub fn anonymous_locale(headers: &HeaderMap) -> Locale {
    let from_cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|cookies| {
            cookies.split(';').find_map(|pair| {
                let (name, value) = pair.trim().split_once('=')?;
                (name == LOCALE_COOKIE)
                    .then(|| Locale::parse(value).ok())
                    .flatten()
            })
        });
    from_cookie
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Locale::from_accept_language)
        })
        .unwrap_or_else(super::default_locale)
}

/// The messages waiting in the session, removed from it. The session is only changed (and
/// so written back) when there were any.
async fn take_flashes(session: &Session) -> Result<Vec<Flash>, AppError> {
    let flashes = session
        .get::<Vec<Flash>>(SESSION_FLASH)
        .await
        .map_err(session_error)?;
    if flashes.is_some() {
        session
            .remove_value(SESSION_FLASH)
            .await
            .map_err(session_error)?;
    }
    Ok(flashes.unwrap_or_default())
}

/// Marks a signed-in session as used when it was last written back long enough ago, so it
/// stays alive while its user works without a write per page.
async fn keep_alive(session: &Session) -> Result<(), AppError> {
    let now = jiff::Timestamp::now().as_second();
    let touched = session
        .get::<i64>(SESSION_TOUCHED)
        .await
        .map_err(session_error)?;
    if needs_touch(touched, now) {
        session
            .insert(SESSION_TOUCHED, now)
            .await
            .map_err(session_error)?;
    }
    Ok(())
}

fn needs_touch(touched: Option<i64>, now: i64) -> bool {
    touched.is_none_or(|at| !(0..SESSION_TOUCH_SECONDS).contains(&(now - at)))
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, text)| AppError::Internal(anyhow::anyhow!("session: {text}")))?;
        let user = match session
            .get::<SessionUser>(SESSION_USER)
            .await
            .map_err(session_error)?
        {
            Some(remembered) => {
                let actor = state.auth.session_actor(&state.db, remembered.id).await?;
                // A disabled user or a changed password ends the session.
                let actor = actor
                    .filter(|a| a.session_stamp == remembered.stamp)
                    .map(|mut a| {
                        a.group_write_scope = state.settings.group_write_scope;
                        a
                    });
                if actor.is_none() {
                    session.flush().await.map_err(session_error)?;
                }
                actor
            }
            None => None,
        };
        if let Some(actor) = &user {
            tracing::Span::current().record("user.id", tracing::field::display(actor.id));
            keep_alive(&session).await?;
        }
        // Messages are shown by the next page a person looks at, not spent by a form post
        // or by an htmx request for a piece of a page.
        let whole_page =
            parts.method == axum::http::Method::GET && !parts.headers.contains_key("hx-request");
        let flashes = if whole_page {
            take_flashes(&session).await?
        } else {
            Vec::new()
        };
        let locale = user
            .as_ref()
            .map_or_else(|| anonymous_locale(&parts.headers), |u| u.locale);
        let path = parts
            .uri
            .path_and_query()
            .map_or_else(|| "/".to_owned(), ToString::to_string);
        let views = match &user {
            Some(actor) => service::saved_views::for_actor(&state.db, actor).await?,
            None => Vec::new(),
        };
        Ok(Ctx {
            tr: Tr::new(locale),
            user,
            flashes,
            path,
            views,
            file_limit: state.db.storage().limits.file,
            session: Some(session),
        })
    }
}

/// A page for signed-in users only; others are sent to the sign-in page and brought back.
pub struct SignedIn {
    pub ctx: Ctx,
    pub actor: Actor,
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        if let Some(actor) = ctx.user.clone() {
            Ok(SignedIn { ctx, actor })
        } else {
            let next = crate::url::encode_path(&ctx.path);
            Err(super::see_other(&format!("/login?next={next}")))
        }
    }
}

impl OptionalFromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(ctx.user.clone().map(|actor| SignedIn { ctx, actor }))
    }
}

#[cfg(test)]
mod tests {
    use super::{SESSION_TOUCH_SECONDS, needs_touch};

    #[test]
    fn a_session_is_written_back_only_when_its_touch_is_old() {
        let now = 1_800_000_000;
        assert!(needs_touch(None, now), "never touched");
        assert!(!needs_touch(Some(now), now));
        assert!(!needs_touch(Some(now - SESSION_TOUCH_SECONDS + 1), now));
        assert!(needs_touch(Some(now - SESSION_TOUCH_SECONDS), now));
        assert!(
            needs_touch(Some(now + 60), now),
            "a touch from the future (clock moved back)"
        );
    }
}

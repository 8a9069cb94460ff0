//! Extractors for the JSON face. Each rejects in problem+json: a body that is not JSON is
//! `400`, a body over 1 MiB `413`, a wrong type or unknown field `422` naming the field.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::domain::FieldError;
use crate::error::AppError;
use crate::service::Actor;
use crate::state::AppState;

/// A JSON body parsed into `T`.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| {
                let mime = mime.trim();
                mime == "application/json"
                    || (mime.starts_with("application/") && mime.ends_with("+json"))
            });
        if !is_json {
            return Err(AppError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    AppError::PayloadTooLarge
                } else {
                    AppError::BadRequest(rejection.body_text())
                }
            })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// A JSON body parsed into `T`, with the SHA-256 of its canonical form: the same JSON sent
/// twice (whatever its key order or spacing) has the same hash, for `Idempotency-Key`.
pub struct HashedJson<T> {
    pub value: T,
    pub hash: Vec<u8>,
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for HashedJson<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        use sha2::{Digest, Sha256};
        let ApiJson(raw) = ApiJson::<serde_json::Value>::from_request(request, state).await?;
        // serde_json keeps object keys sorted, so this serialisation is canonical.
        let canonical = serde_json::to_vec(&raw).map_err(|e| AppError::Internal(e.into()))?;
        let value = parse_json(&canonical)?;
        Ok(HashedJson {
            value,
            hash: Sha256::digest(&canonical).to_vec(),
        })
    }
}

/// The `Idempotency-Key` header (at most 255 characters) with the operation it was sent to:
/// the method and path, so a key reused on another operation is a separate request.
pub struct IdempotencyKey(pub Option<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get("idempotency-key") else {
            return Ok(IdempotencyKey(None));
        };
        // 1 to 255 visible ASCII characters, inner spaces allowed (the OpenAPI pattern).
        let key = value.to_str().unwrap_or_default();
        let visible = |b: &u8| (0x21..=0x7e).contains(b);
        let bytes = key.as_bytes();
        if bytes.is_empty()
            || bytes.len() > 255
            || !bytes.first().is_some_and(visible)
            || !bytes.last().is_some_and(visible)
            || !bytes.iter().all(|b| *b == b' ' || visible(b))
        {
            return Err(AppError::InvalidParameter(FieldError::new(
                "Idempotency-Key",
                "error.idempotency_key",
            )));
        }
        let operation = format!("{} {}", parts.method, parts.uri.path());
        Ok(IdempotencyKey(Some((key.to_owned(), operation))))
    }
}

/// The version in `If-Match` (`"3"`, `W/"3"`; `*` matches any): `None` when absent.
pub struct IfMatch(pub Option<i64>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(header::IF_MATCH) else {
            return Ok(IfMatch(None));
        };
        let text = value.to_str().unwrap_or_default();
        if text == "*" {
            return Ok(IfMatch(None));
        }
        // An entity tag as ETag sends it: `"3"`, or weak `W/"3"`; the quotes may be left out
        // (the OpenAPI pattern).
        let tag = text.strip_prefix("W/").unwrap_or(text);
        let tag = tag.strip_prefix('"').unwrap_or(tag);
        let digits = Some(tag.strip_suffix('"').unwrap_or(tag))
            .filter(|d| (1..=18).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()));
        digits
            .and_then(|d| d.parse::<i64>().ok())
            .map(|v| IfMatch(Some(v)))
            .ok_or_else(|| {
                AppError::InvalidParameter(FieldError::new("If-Match", "error.if_match"))
            })
    }
}

/// Refuses an empty value for the named query parameters (`?sort=`): their syntax (an enum, a
/// number, a timestamp) has no empty form. The pages' filter forms send empty fields and go
/// through `ListQuery::from_pairs`, which skips them; the API says what is wrong instead.
pub fn refuse_empty(pairs: &[(String, String)], names: &[&str]) -> Result<(), AppError> {
    match pairs
        .iter()
        .find(|(name, value)| value.is_empty() && names.contains(&name.as_str()))
    {
        Some((name, _)) => Err(AppError::InvalidParameter(FieldError::new(
            name.clone(),
            "error.empty_parameter",
        ))),
        None => Ok(()),
    }
}

/// Parses JSON, naming the offending field when the shape is wrong.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    // JSON carries a NUL only escaped; PostgreSQL cannot store it in text.
    if bytes.windows(6).any(|w| w == br"\u0000")
        && let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes)
        && let Some(field) = crate::input_guard::nul_in_json(&value)
    {
        let field = if field.is_empty() {
            "body".to_owned()
        } else {
            field
        };
        return Err(AppError::Validation(vec![FieldError::new(
            field,
            crate::input_guard::NUL_KEY,
        )]));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize(&mut deserializer) {
        Ok(value) => Ok(value),
        Err(error) => {
            let path = error.path().to_string();
            let inner = error.into_inner();
            // An array longer than its shape allows (a pair given three items) is reported as
            // "trailing characters" inside it: well-formed JSON of the wrong shape, so 422.
            let nested = !(path == "." || path.is_empty());
            if nested && inner.to_string().starts_with("trailing characters") {
                return Err(AppError::Validation(vec![FieldError::new(
                    path,
                    "error.wrong_type",
                )]));
            }
            if inner.is_syntax() || inner.is_eof() || inner.is_io() {
                return Err(AppError::BadRequest(format!(
                    "the body is not valid JSON: {inner}"
                )));
            }
            let message = inner.to_string();
            // serde names missing and unknown fields only in its message: `missing field `title``.
            let named = ["missing field `", "unknown field `"]
                .iter()
                .find_map(|prefix| {
                    let rest = message.strip_prefix(prefix)?;
                    Some((
                        rest.split('`').next().unwrap_or_default().to_owned(),
                        *prefix,
                    ))
                });
            let (field, key) = match named {
                Some((name, prefix)) => {
                    // For an unknown field the path already ends with its name.
                    let field = if path == "." || path.is_empty() {
                        name
                    } else if path == name || path.ends_with(&format!(".{name}")) {
                        path
                    } else {
                        format!("{path}.{name}")
                    };
                    (
                        field,
                        if prefix.starts_with("missing") {
                            "error.required"
                        } else {
                            "error.unknown_field"
                        },
                    )
                }
                // At the root, or inside an array given where an object belongs.
                None if path == "." || path.is_empty() || path.starts_with('[') => {
                    return Err(AppError::BadRequest(format!(
                        "the body has the wrong shape: {message}"
                    )));
                }
                None => (path, "error.wrong_type"),
            };
            Err(AppError::Validation(vec![FieldError::new(field, key)]))
        }
    }
}

/// The user an API request acts for, from `Authorization: Bearer <token>`.
pub struct ApiActor(pub Actor);

impl FromRequestParts<AppState> for ApiActor {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer_token(parts).ok_or(AppError::Unauthorized)?;
        let mut actor = state.auth.token_actor(&state.db, token).await?;
        actor.group_write_scope = state.settings.group_write_scope;
        tracing::Span::current().record("user.id", tracing::field::display(actor.id));
        Ok(ApiActor(actor))
    }
}

/// No `Authorization` header: `None`; a header with a bad token is still `401`.
impl axum::extract::OptionalFromRequestParts<AppState> for ApiActor {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        if parts.headers.contains_key(header::AUTHORIZATION) {
            <Self as FromRequestParts<AppState>>::from_request_parts(parts, state)
                .await
                .map(Some)
        } else {
            Ok(None)
        }
    }
}

fn bearer_token(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty()).then(|| token.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        title: String,
        count: Option<u32>,
    }

    fn field_of(result: Result<Body, AppError>) -> (u16, Vec<String>) {
        match result {
            Err(AppError::Validation(fields)) => {
                (422, fields.into_iter().map(|f| f.field).collect())
            }
            Err(other) => (other.status().as_u16(), Vec::new()),
            Ok(_) => (200, Vec::new()),
        }
    }

    #[test]
    fn json_errors_name_the_field() {
        assert_eq!(field_of(parse_json(br#"{"title": "x"}"#)).0, 200);
        assert_eq!(
            field_of(parse_json(br"{}")),
            (422, vec!["title".to_owned()])
        );
        assert_eq!(
            field_of(parse_json(br#"{"title": "x", "colour": 1}"#)),
            (422, vec!["colour".to_owned()])
        );
        assert_eq!(
            field_of(parse_json(br#"{"title": "x", "count": "many"}"#)),
            (422, vec!["count".to_owned()])
        );
        assert_eq!(field_of(parse_json(br#"{"title": "#)).0, 400);
        assert_eq!(field_of(parse_json(br"[1, 2]")).0, 400);
    }
}

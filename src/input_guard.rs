//! Input PostgreSQL cannot store is refused at the edge, naming the field: a NUL character
//! (`%00` in a query string or form, `\u0000` in JSON) is a `400`/`422`, never a `500` from
//! the database. `error.rs` maps the database's own refusals of values as a last line.

use axum::body::Body;
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;

use crate::domain::FieldError;
use crate::error::AppError;

/// The catalogue key of the message.
pub const NUL_KEY: &str = "error.nul";

/// Refuses a NUL character in the query string (`400` naming the parameter) or in a form body
/// (`422` naming the field). JSON bodies are checked where they are parsed (`api::extract`).
pub async fn refuse_nul(request: Request, next: Next) -> Result<Response, AppError> {
    if let Some(name) = request.uri().query().and_then(nul_pair) {
        return Err(AppError::InvalidParameter(FieldError::new(name, NUL_KEY)));
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok(next.run(request).await);
    }
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, crate::http::BODY_LIMIT)
        .await
        .map_err(|_| AppError::PayloadTooLarge)?;
    if let Some(name) = nul_pair(&String::from_utf8_lossy(&bytes)) {
        return Err(AppError::field(&name, NUL_KEY));
    }
    Ok(next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await)
}

/// The name of the first `name=value` pair of an urlencoded text holding `%00`.
fn nul_pair(encoded: &str) -> Option<String> {
    encoded.split('&').find_map(|pair| {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let nul = |s: &str| s.to_ascii_lowercase().contains("%00");
        (nul(name) || nul(value)).then(|| {
            let name = name.replace("%00", "").replace('+', " ");
            if name.is_empty() {
                "query".to_owned()
            } else {
                name
            }
        })
    })
}

/// The path of the first string (or object key) holding a NUL in a JSON value, e.g. `title`
/// or `groups[1]`.
pub fn nul_in_json(value: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::String(s) => s.contains('\0').then(String::new),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(n, item)| nul_in_json(item).map(|rest| format!("[{n}]{}", dotted(&rest)))),
        Value::Object(map) => map.iter().find_map(|(key, item)| {
            if key.contains('\0') {
                return Some(key.replace('\0', ""));
            }
            nul_in_json(item).map(|rest| format!("{key}{}", dotted(&rest)))
        }),
        _ => None,
    }
}

fn dotted(rest: &str) -> String {
    if rest.is_empty() || rest.starts_with('[') {
        rest.to_owned()
    } else {
        format!(".{rest}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_characters_are_found_and_named() {
        assert_eq!(nul_pair("q=%C3%91%00&limit=5").as_deref(), Some("q"));
        assert_eq!(
            nul_pair("title=ok&description=a%00b").as_deref(),
            Some("description")
        );
        assert_eq!(nul_pair("q=fine&state=new"), None);
        let json = serde_json::json!({"title": "ok", "groups": ["a", "b\u{0}"]});
        assert_eq!(nul_in_json(&json).as_deref(), Some("groups[1]"));
        let json = serde_json::json!({"week": [["08:00", "x\u{0}"]]});
        assert_eq!(nul_in_json(&json).as_deref(), Some("week[0][1]"));
        assert_eq!(nul_in_json(&serde_json::json!({"title": "ok"})), None);
    }
}

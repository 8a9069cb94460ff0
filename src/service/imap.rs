//! A mailbox's IMAP settings as admins give them (pages and `/api/v1/mailboxes`) and as they
//! are shown: the password or token is never shown again, only whether fetching works.

use serde::{Deserialize, Serialize};

use crate::domain::Invalid;
use crate::store::mail::{ImapRow, ImapValues};

/// How a mailbox's mail is fetched from an IMAP server. Sent again on a change; `secret` may
/// be left out then to keep the current one.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImapInput {
    /// The server's name, e.g. `imap.example.com`.
    pub host: Option<String>,
    /// Default 993 for `imaps`, 143 otherwise.
    pub port: Option<i64>,
    /// `imaps` (TLS from the start, default), `starttls`, or `none` (only to a loopback
    /// address: the password would cross the network in the clear).
    pub security: Option<String>,
    pub username: Option<String>,
    /// `password` (default) or `xoauth2` (Microsoft 365, Google).
    pub auth: Option<String>,
    /// The password; for `xoauth2` an access token, or with `token_url` a refresh token.
    /// Never shown again.
    pub secret: Option<String>,
    /// Default `INBOX`.
    pub folder: Option<String>,
    /// `xoauth2`: the OAuth 2.0 token endpoint a refresh token is exchanged at (HTTPS).
    pub token_url: Option<String>,
    pub client_id: Option<String>,
    /// Never shown again.
    pub client_secret: Option<String>,
}

/// A mailbox's IMAP settings and how fetching goes, without the secrets.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImapView {
    pub host: String,
    pub port: u16,
    pub security: String,
    pub username: String,
    pub auth: String,
    pub folder: String,
    pub token_url: Option<String>,
    pub client_id: Option<String>,
    /// When the server was last read successfully.
    pub checked_at: Option<jiff::Timestamp>,
    /// The last failure (cannot connect, sign-in refused, …), until a fetch succeeds.
    pub error: Option<String>,
    /// Failures in a row; the next try waits longer each time (up to an hour).
    pub failures: i32,
    pub retry_at: Option<jiff::Timestamp>,
    /// Whether the server offered IDLE (new mail arrives at once, not at the next poll).
    pub idle: Option<bool>,
    /// The highest UID stored from the folder.
    pub last_uid: i64,
}

impl From<&ImapRow> for ImapView {
    fn from(row: &ImapRow) -> Self {
        ImapView {
            host: row.host.clone(),
            port: row.port,
            security: row.security.clone(),
            username: row.username.clone(),
            auth: row.auth.clone(),
            folder: row.folder.clone(),
            token_url: row.token_url.clone(),
            client_id: row.client_id.clone(),
            checked_at: row.checked_at,
            error: row.error.clone(),
            failures: row.failures,
            retry_at: row.retry_at,
            idle: row.idle,
            last_uid: row.last_uid,
        }
    }
}

fn text(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// Whether a host name is this machine (`localhost`, 127.0.0.0/8, `::1`).
pub fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The OAuth 2.0 client of XOAUTH2 with a refresh token: the token endpoint (HTTPS), the
/// client ID it needs and the client secret (kept when not sent).
fn oauth(
    invalid: &mut Invalid,
    input: &ImapInput,
    current: Option<&ImapRow>,
    auth: &str,
) -> (Option<String>, Option<String>, Option<String>) {
    let token_url = text(input.token_url.as_deref()).or_else(|| {
        current
            .filter(|_| input.token_url.is_none())
            .and_then(|c| c.token_url.clone())
    });
    if let Some(url) = &token_url {
        let https = url::Url::parse(url).ok().filter(|u| {
            u.scheme() == "https" || (u.scheme() == "http" && u.host_str().is_some_and(is_loopback))
        });
        if https.is_none() {
            invalid.add("imap.token_url", "error.token_url");
        }
        if auth != "xoauth2" {
            invalid.add("imap.token_url", "error.token_url_needs_xoauth2");
        }
    }
    let client_id = text(input.client_id.as_deref()).or_else(|| {
        current
            .filter(|_| input.client_id.is_none())
            .and_then(|c| c.client_id.clone())
    });
    let client_secret = input
        .client_secret
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .or_else(|| current.and_then(|c| c.client_secret.clone()));
    if token_url.is_some() && client_id.is_none() {
        invalid.add("imap.client_id", "error.required");
    }
    (token_url, client_id, client_secret)
}

/// The settings to store: `None` when nothing changes, `Some(None)` to stop fetching.
/// Errors are named on `imap.<field>`.
pub fn values(
    invalid: &mut Invalid,
    sent: Option<Option<&ImapInput>>,
    current: Option<&ImapRow>,
) -> Option<Option<ImapValues>> {
    let input = sent?;
    let Some(input) = input else {
        return current.map(|_| None);
    };
    let host = text(input.host.as_deref()).or_else(|| current.map(|c| c.host.clone()));
    let host = match host {
        None => {
            invalid.add("imap.host", "error.required");
            String::new()
        }
        Some(h)
            if h.len() > 253 || h.chars().any(|c| c.is_whitespace() || c == '/' || c == '@') =>
        {
            invalid.add("imap.host", "error.host");
            h
        }
        Some(h) => h.to_lowercase(),
    };
    let security = text(input.security.as_deref())
        .or_else(|| current.map(|c| c.security.clone()))
        .unwrap_or_else(|| "imaps".to_owned());
    if !matches!(security.as_str(), "imaps" | "starttls" | "none") {
        invalid.add("imap.security", "error.imap_security");
    } else if security == "none" && !host.is_empty() && !is_loopback(&host) {
        invalid.add("imap.security", "error.imap_cleartext");
    }
    let port = match input.port {
        Some(p) => u16::try_from(p).ok().filter(|p| *p > 0).unwrap_or_else(|| {
            invalid.add("imap.port", "error.port");
            0
        }),
        None => current
            .filter(|c| c.security == security)
            .map_or(if security == "imaps" { 993 } else { 143 }, |c| c.port),
    };
    let username = text(input.username.as_deref())
        .or_else(|| current.map(|c| c.username.clone()))
        .unwrap_or_else(|| {
            invalid.add("imap.username", "error.required");
            String::new()
        });
    if username.chars().count() > 320 {
        invalid.add("imap.username", "error.too_long");
    }
    let auth = text(input.auth.as_deref())
        .or_else(|| current.map(|c| c.auth.clone()))
        .unwrap_or_else(|| "password".to_owned());
    if !matches!(auth.as_str(), "password" | "xoauth2") {
        invalid.add("imap.auth", "error.imap_auth");
    }
    let secret = input
        .secret
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .or_else(|| current.map(|c| c.secret.clone()))
        .unwrap_or_else(|| {
            invalid.add("imap.secret", "error.required");
            String::new()
        });
    if secret.len() > 8192 {
        invalid.add("imap.secret", "error.too_long");
    }
    let folder = text(input.folder.as_deref())
        .or_else(|| current.map(|c| c.folder.clone()))
        .unwrap_or_else(|| "INBOX".to_owned());
    if folder.chars().count() > 200 || folder.chars().any(|c| c.is_control() || c == '"') {
        invalid.add("imap.folder", "error.imap_folder");
    }
    let (token_url, client_id, client_secret) = oauth(invalid, input, current, &auth);
    let next = ImapValues {
        host,
        port,
        security,
        username,
        auth,
        secret,
        folder,
        token_url,
        client_id,
        client_secret,
    };
    if current.is_some_and(|c| ImapValues::from(c) == next) {
        return None;
    }
    Some(Some(next))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(host: &str, security: &str) -> ImapInput {
        ImapInput {
            host: Some(host.to_owned()),
            security: Some(security.to_owned()),
            username: Some("desk".to_owned()),
            secret: Some("pw".to_owned()),
            ..ImapInput::default()
        }
    }

    #[test]
    fn a_password_crosses_the_network_only_encrypted() {
        let mut invalid = Invalid::default();
        values(
            &mut invalid,
            Some(Some(&settings("imap.example.com", "none"))),
            None,
        );
        assert!(invalid.finish(|| ()).is_err());
        let mut invalid = Invalid::default();
        let v = values(
            &mut invalid,
            Some(Some(&settings("127.0.0.1", "none"))),
            None,
        );
        assert!(invalid.finish(|| ()).is_ok());
        assert_eq!(v.unwrap().unwrap().port, 143);
        let mut invalid = Invalid::default();
        let v = values(
            &mut invalid,
            Some(Some(&settings("IMAP.example.com", "imaps"))),
            None,
        );
        let v = v.unwrap().unwrap();
        assert_eq!(
            (v.host.as_str(), v.port, v.folder.as_str()),
            ("imap.example.com", 993, "INBOX")
        );
    }

    #[test]
    fn unchanged_settings_are_no_change_and_the_secret_is_kept() {
        let mut invalid = Invalid::default();
        let v = values(
            &mut invalid,
            Some(Some(&settings("imap.example.com", "imaps"))),
            None,
        )
        .unwrap()
        .unwrap();
        let row = ImapRow {
            host: v.host,
            port: v.port,
            security: v.security,
            username: v.username,
            auth: v.auth,
            secret: v.secret,
            folder: v.folder,
            token_url: None,
            client_id: None,
            client_secret: None,
            uidvalidity: None,
            last_uid: 0,
            failures: 0,
            error: None,
            checked_at: None,
            retry_at: None,
            idle: None,
        };
        let again = ImapInput {
            secret: None,
            ..settings("imap.example.com", "imaps")
        };
        assert!(values(&mut invalid, Some(Some(&again)), Some(&row)).is_none());
        assert!(values(&mut invalid, None, Some(&row)).is_none());
        assert_eq!(values(&mut invalid, Some(None), Some(&row)), Some(None));
        assert!(invalid.finish(|| ()).is_ok());
    }
}

//! Fetches mailboxes' mail from IMAP servers into the one inbound pipeline
//! (`service::mail::receive`). Every `leitstand serve` takes part: a mailbox is leased to one
//! process at a time (`SKIP LOCKED`), which signs in (IMAPS or STARTTLS; a password or
//! XOAUTH2), stores each unseen message, then flags it seen and remembers its UID, and waits
//! for more with IDLE when the server offers it (polling a minute otherwise). Stored first,
//! flagged after: a process killed in between fetches the message again next time, and the
//! pipeline's deduplication (Message-ID, the raw bytes' hash) keeps it one message.

use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use async_imap::{Authenticator, Client, Session};
use futures_util::TryStreamExt;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use uuid::Uuid;

use crate::db::Db;
use crate::error::AppError;
use crate::service::mail::{self, MAX_MESSAGE, Via};
use crate::store;
use crate::store::mail::{ImapRow, MailboxRow};

/// How long a process holds a mailbox between renewals.
const LEASE_SECONDS: f64 = 180.0;
/// How long one IDLE waits before the lease is renewed and the folder read again.
const IDLE: Duration = Duration::from_mins(1);
/// How often a server without IDLE is asked for new mail.
const POLL: Duration = Duration::from_mins(1);
/// The longest a server may take to answer anything but IDLE.
const ANSWER: Duration = Duration::from_mins(1);
/// Messages fetched per round trip.
const BATCH: usize = 20;

/// Anything that carries an IMAP conversation: TCP, or TLS over it.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send + Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + Debug> Stream for T {}

type ImapSession = Session<Box<dyn Stream>>;

/// Why fetching a mailbox stopped.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// The server (or the way to it) failed: kept on the mailbox, tried again later.
    #[error("{0}")]
    Server(String),
    /// The database: tried again later, nothing is lost.
    #[error(transparent)]
    Db(#[from] AppError),
}

impl From<async_imap::error::Error> for Failure {
    fn from(e: async_imap::error::Error) -> Self {
        Failure::Server(format!("IMAP: {e}"))
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Server(format!("connection: {e}"))
    }
}

impl From<sqlx::Error> for Failure {
    fn from(e: sqlx::Error) -> Self {
        Failure::Db(e.into())
    }
}

async fn answer<T, E: Into<Failure>>(
    what: &str,
    future: impl Future<Output = Result<T, E>>,
) -> Result<T, Failure> {
    match tokio::time::timeout(ANSWER, future).await {
        Ok(result) => result.map_err(Into::into),
        Err(_) => Err(Failure::Server(format!(
            "{what}: no answer within {ANSWER:?}"
        ))),
    }
}

/// The TLS settings for IMAP servers: the system's trusted roots and, for a desk's own mail
/// server with a private CA, the certificates in `extra_ca` (PEM).
pub fn tls_config(extra_ca: Option<&std::path::Path>) -> anyhow::Result<Arc<rustls::ClientConfig>> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let extra: Vec<CertificateDer<'static>> = match extra_ca {
        Some(path) => CertificateDer::pem_file_iter(path)
            .and_then(Iterator::collect)
            .map_err(|e| anyhow::anyhow!("LEITSTAND_IMAP_CA {}: {e}", path.display()))?,
        None => Vec::new(),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier =
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra, provider.clone())?;
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// SASL XOAUTH2 (Google, Microsoft): the user and a bearer token in one answer; the
/// server's error challenge after a refused token is answered empty, as the mechanism asks.
struct XOAuth2 {
    answer: Option<String>,
}

impl Authenticator for &mut XOAuth2 {
    type Response = String;
    fn process(&mut self, _challenge: &[u8]) -> String {
        self.answer.take().unwrap_or_default()
    }
}

/// The initial answer of XOAUTH2 for a user and access token.
pub fn xoauth2(user: &str, token: &str) -> String {
    format!("user={user}\x01auth=Bearer {token}\x01\x01")
}

/// An access token for XOAUTH2: the stored one, or one a refresh token is exchanged for at
/// the mailbox's token endpoint.
pub async fn access_token(imap: &ImapRow) -> Result<String, Failure> {
    let Some(url) = &imap.token_url else {
        return Ok(imap.secret.clone());
    };
    let body = {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", "refresh_token")
            .append_pair("refresh_token", &imap.secret);
        if let Some(id) = &imap.client_id {
            form.append_pair("client_id", id);
        }
        if let Some(secret) = &imap.client_secret {
            form.append_pair("client_secret", secret);
        }
        form.finish()
    };
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(15))
        .build()
        .map_err(|e| Failure::Server(format!("token endpoint: {e}")))?;
    let response = client
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .map_err(|e| Failure::Server(format!("token endpoint: {e}")))?;
    let status = response.status();
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    match body.get("access_token").and_then(serde_json::Value::as_str) {
        Some(token) if status.is_success() => Ok(token.to_owned()),
        _ => Err(Failure::Server(format!(
            "token endpoint answered {status}: {}",
            body.get("error_description")
                .or_else(|| body.get("error"))
                .and_then(serde_json::Value::as_str)
                .unwrap_or("no access_token")
        ))),
    }
}

/// Connects and signs in; whether the server offers IDLE.
async fn sign_in(
    imap: &ImapRow,
    tls: &Arc<rustls::ClientConfig>,
) -> Result<(ImapSession, bool), Failure> {
    let tcp = answer(
        "connect",
        TcpStream::connect((imap.host.as_str(), imap.port)),
    )
    .await?;
    let connector = tokio_rustls::TlsConnector::from(tls.clone());
    let name = ServerName::try_from(imap.host.clone())
        .map_err(|e| Failure::Server(format!("host name: {e}")))?;
    let client: Client<Box<dyn Stream>> = match imap.security.as_str() {
        "imaps" => {
            let stream = answer("TLS", connector.connect(name, tcp)).await?;
            let mut client = Client::new(Box::new(stream) as Box<dyn Stream>);
            answer("greeting", client.read_response()).await?;
            client
        }
        "starttls" => {
            let mut client = Client::new(tcp);
            answer("greeting", client.read_response()).await?;
            answer(
                "STARTTLS",
                client.run_command_and_check_ok("STARTTLS", None),
            )
            .await?;
            let stream = answer("TLS", connector.connect(name, client.into_inner())).await?;
            Client::new(Box::new(stream) as Box<dyn Stream>)
        }
        _ => {
            let mut client = Client::new(Box::new(tcp) as Box<dyn Stream>);
            answer("greeting", client.read_response()).await?;
            client
        }
    };
    let signed_in = if imap.auth == "xoauth2" {
        let token = access_token(imap).await?;
        let mut auth = XOAuth2 {
            answer: Some(xoauth2(&imap.username, &token)),
        };
        answer("sign-in", async {
            Ok::<_, Failure>(client.authenticate("XOAUTH2", &mut auth).await)
        })
        .await?
    } else {
        answer("sign-in", async {
            Ok::<_, Failure>(client.login(&imap.username, &imap.secret).await)
        })
        .await?
    };
    let mut session =
        signed_in.map_err(|(e, _)| Failure::Server(format!("sign-in refused: {e}")))?;
    let idle = answer("CAPABILITY", session.capabilities())
        .await?
        .has_str("IDLE");
    Ok((session, idle))
}

/// What one reading of a folder did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Fetched {
    /// New messages stored.
    pub stored: usize,
    /// Messages the mailbox had already (fetched again after a crash, or sent twice).
    pub duplicates: usize,
    /// Messages over the size limit, kept as failed with their header.
    pub too_large: usize,
}

/// Selects the folder and stores its unseen mail after the last UID stored; each message is
/// flagged seen on the server after it is stored.
async fn read_folder(
    db: &Db,
    mailbox: &MailboxRow,
    imap: &ImapRow,
    session: &mut ImapSession,
    idle: bool,
) -> Result<Fetched, Failure> {
    let selected = answer("SELECT", session.select(&imap.folder)).await?;
    let uidvalidity = i64::from(selected.uid_validity.unwrap_or(0));
    let last = {
        let mut conn = db.acquire().await?;
        store::mail::imap_selected(&mut conn, mailbox.id, uidvalidity, idle).await?
    };
    let mut uids: Vec<u32> = answer(
        "SEARCH",
        session.uid_search(format!("UID {}:* UNSEEN", last + 1)),
    )
    .await?
    .into_iter()
    .filter(|uid| i64::from(*uid) > last)
    .collect();
    uids.sort_unstable();
    let mut fetched = Fetched::default();
    for batch in uids.chunks(BATCH) {
        let set = batch
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let sizes: Vec<(u32, u32)> = answer("FETCH", async {
            session
                .uid_fetch(&set, "(UID RFC822.SIZE)")
                .await?
                .try_collect::<Vec<_>>()
                .await
        })
        .await?
        .iter()
        .filter_map(|f| Some((f.uid?, f.size.unwrap_or(0))))
        .collect();
        for (uid, size) in sizes {
            let too_large = usize::try_from(size).unwrap_or(usize::MAX) > MAX_MESSAGE;
            let part = if too_large {
                "BODY.PEEK[HEADER]"
            } else {
                "BODY.PEEK[]"
            };
            let bodies = answer("FETCH", async {
                session
                    .uid_fetch(uid.to_string(), part)
                    .await?
                    .try_collect::<Vec<_>>()
                    .await
            })
            .await?;
            let Some(raw) = bodies.iter().find_map(|f| f.body()) else {
                return Err(Failure::Server(format!(
                    "message UID {uid} came without its body"
                )));
            };
            if too_large {
                mail::refuse_too_large(db, &mailbox.key, Via::Imap, raw, u64::from(size)).await?;
                fetched.too_large += 1;
            } else {
                let stored = mail::receive(db, &mailbox.key, Via::Imap, raw).await?;
                if stored.duplicate {
                    fetched.duplicates += 1;
                } else {
                    fetched.stored += 1;
                }
            }
            // Stored: flagged seen on the server, and the next fetch starts after it.
            answer("STORE", async {
                session
                    .uid_store(uid.to_string(), "+FLAGS.SILENT (\\Seen)")
                    .await?
                    .try_collect::<Vec<_>>()
                    .await
            })
            .await?;
            let mut conn = db.acquire().await?;
            store::mail::imap_stored(&mut conn, mailbox.id, uidvalidity, i64::from(uid)).await?;
        }
    }
    let mut conn = db.acquire().await?;
    store::mail::imap_checked(&mut conn, mailbox.id).await?;
    Ok(fetched)
}

/// Reads a mailbox's IMAP folder once (sign in, store the unseen mail, sign out): what a
/// test or an admin's "fetch now" does; the worker keeps the connection open instead.
pub async fn fetch_once(
    db: &Db,
    key: &str,
    tls: &Arc<rustls::ClientConfig>,
) -> Result<Fetched, Failure> {
    let mailbox = {
        let mut conn = db.acquire().await?;
        store::mail::find_mailbox(&mut conn, key, false).await?
    }
    .ok_or(Failure::Db(AppError::NotFound))?;
    let Some(imap) = mailbox.imap.clone() else {
        return Err(Failure::Server("the mailbox has no IMAP server".to_owned()));
    };
    let (mut session, idle) = sign_in(&imap, tls).await?;
    let result = read_folder(db, &mailbox, &imap, &mut session, idle).await;
    let _ = answer("LOGOUT", session.logout()).await;
    result
}

/// Holds one claimed mailbox: reads the folder, waits (IDLE or a minute), reads again, while
/// the lease holds and the settings stay as they were.
async fn watch(
    db: &Db,
    mailbox: &MailboxRow,
    lease: Uuid,
    tls: &Arc<rustls::ClientConfig>,
) -> Result<(), Failure> {
    let Some(imap) = mailbox.imap.clone() else {
        return Ok(());
    };
    let (mut session, idle) = sign_in(&imap, tls).await?;
    loop {
        let fetched = read_folder(db, mailbox, &imap, &mut session, idle).await?;
        if fetched != Fetched::default() {
            tracing::info!(mailbox = %mailbox.key, ?fetched, "IMAP mail fetched");
        }
        if idle {
            let mut handle = session.idle();
            answer("IDLE", handle.init()).await?;
            let (wait, stop) = handle.wait_with_timeout(IDLE);
            let woke = wait.await;
            drop(stop);
            woke?;
            session = answer("DONE", handle.done()).await?;
        } else {
            tokio::time::sleep(POLL).await;
            answer("NOOP", session.noop()).await?;
        }
        let version = {
            let mut conn = db.acquire().await?;
            store::mail::renew_imap(&mut conn, mailbox.id, lease, LEASE_SECONDS).await?
        };
        if version != Some(mailbox.version) {
            // Disabled, changed or taken over: let go; the next claim reads the new settings.
            let _ = answer("LOGOUT", session.logout()).await;
            return Ok(());
        }
    }
}

/// Claims due mailboxes every ten seconds and watches each in its own task.
pub async fn run(db: Db, tls: Arc<rustls::ClientConfig>) {
    let lease = Uuid::now_v7();
    let mut tick = tokio::time::interval(Duration::from_secs(10));
    loop {
        tick.tick().await;
        let claimed = match db.acquire().await {
            Ok(mut conn) => store::mail::claim_imap(&mut conn, lease, LEASE_SECONDS, 10).await,
            Err(e) => Err(e),
        };
        let claimed = match claimed {
            Ok(claimed) => claimed,
            Err(error) => {
                tracing::warn!(%error, "IMAP: could not claim mailboxes; trying again");
                continue;
            }
        };
        for mailbox in claimed {
            let (db, tls) = (db.clone(), tls.clone());
            tokio::spawn(async move {
                let outcome = watch(&db, &mailbox, lease, &tls).await;
                let Ok(mut conn) = db.acquire().await else {
                    return;
                };
                let written = match &outcome {
                    Ok(()) => store::mail::release_imap(&mut conn, mailbox.id, lease).await,
                    Err(failure) => {
                        tracing::warn!(mailbox = %mailbox.key, %failure, "IMAP fetching failed");
                        store::mail::imap_failed(&mut conn, mailbox.id, lease, &failure.to_string())
                            .await
                    }
                };
                if let Err(error) = written {
                    tracing::warn!(%error, "IMAP: could not record how fetching went");
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn xoauth2_is_user_and_bearer_token_separated_by_ctrl_a() {
        // The example of Google's XOAUTH2 description, before base64.
        assert_eq!(
            super::xoauth2(
                "someuser@example.com",
                "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg"
            ),
            "user=someuser@example.com\u{1}auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\u{1}\u{1}"
        );
    }
}

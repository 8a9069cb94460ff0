//! Virus scanning, in every `leitstand serve` with `LEITSTAND_CLAMD` set: each content is
//! streamed to clamd once (`INSTREAM`, the same stream a download reads), claimed with a lease
//! so several processes share the work. Clean content is served; infected content is
//! quarantined (served to nobody, `409`) and the records carrying it say so in their journal
//! (a work note's file only on the file itself: a system entry reaches the caller too);
//! when clamd cannot say, the content is `error` and tried again with backoff. Content stored
//! before a scanner was configured is scanned too.

use std::time::Duration;

use axum::body::Bytes;
use futures_util::StreamExt;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::db::Db;
use crate::domain::attachment::{ClamdAddress, Scanner, Verdict, clamd_verdict};
use crate::domain::journal::SystemNote;
use crate::error::AppResult;
use crate::store;

/// How long one scan may take before it is tried again by anyone.
const LEASE: Duration = Duration::from_mins(10);
/// clamd's answer, after the last byte, within this (it scans as it reads).
const ANSWER: Duration = Duration::from_mins(2);
/// The pieces sent to clamd (its chunks are at most 4 GB; smaller keeps it streaming).
const PIECE: usize = 256 * 1024;

/// The wait after failed attempt `attempt`: 30 s, 1, 5, 15 minutes, then hourly.
fn backoff(attempt: i32) -> Duration {
    const SECONDS: [u64; 4] = [30, 60, 300, 900];
    let index = usize::try_from(attempt.max(0)).unwrap_or(0);
    Duration::from_secs(SECONDS.get(index).copied().unwrap_or(3600))
}

/// Streams `body` to clamd and reads its verdict; `Err` says why there is none.
pub async fn scan<S>(clamd: &ClamdAddress, body: S) -> Result<Verdict, String>
where
    S: futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Unpin,
{
    let connect = async {
        match clamd {
            ClamdAddress::Unix(path) => tokio::net::UnixStream::connect(path)
                .await
                .map(|c| Box::new(c) as Box<dyn Connection>),
            ClamdAddress::Tcp(address) => tokio::net::TcpStream::connect(address)
                .await
                .map(|c| Box::new(c) as Box<dyn Connection>),
        }
    };
    let connection = tokio::time::timeout(Duration::from_secs(10), connect)
        .await
        .map_err(|_| format!("clamd at {clamd} did not answer within 10 s"))?
        .map_err(|e| format!("clamd at {clamd}: {e}"))?;
    talk(connection, body).await
}

trait Connection: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Connection for T {}

async fn talk<S>(mut connection: Box<dyn Connection>, mut body: S) -> Result<Verdict, String>
where
    S: futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Unpin,
{
    let sent: Result<(), String> = async {
        connection
            .write_all(b"zINSTREAM\0")
            .await
            .map_err(|e| e.to_string())?;
        while let Some(piece) = body.next().await {
            let piece = piece.map_err(|e| format!("reading the content: {e}"))?;
            for part in piece.chunks(PIECE) {
                let length = u32::try_from(part.len()).unwrap_or(u32::MAX);
                connection
                    .write_all(&length.to_be_bytes())
                    .await
                    .map_err(|e| e.to_string())?;
                connection
                    .write_all(part)
                    .await
                    .map_err(|e| e.to_string())?;
            }
        }
        connection
            .write_all(&0u32.to_be_bytes())
            .await
            .map_err(|e| e.to_string())?;
        connection.flush().await.map_err(|e| e.to_string())
    }
    .await;
    // clamd may stop reading and answer early (a stream over its StreamMaxLength): its
    // answer says more than the broken pipe.
    let mut reply = Vec::new();
    let read = tokio::time::timeout(ANSWER, async {
        let mut buf = [0u8; 512];
        loop {
            let n = connection.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            reply.extend_from_slice(&buf[..n]);
            if reply.contains(&0) || reply.len() > 4096 {
                break;
            }
        }
        Ok::<_, std::io::Error>(())
    })
    .await;
    let reply = String::from_utf8_lossy(&reply).into_owned();
    match (sent, read) {
        (Err(reading), _) if reading.starts_with("reading the content") => Err(reading),
        (_, Err(_)) => Err(format!(
            "clamd gave no answer within {} s",
            ANSWER.as_secs()
        )),
        (Err(writing), Ok(_)) if reply.is_empty() => Err(format!("clamd: {writing}")),
        _ => clamd_verdict(&reply),
    }
}

/// Scans the contents due (a batch); returns how many were looked at.
pub async fn pass(db: &Db, scanner: &Scanner, now: jiff::Timestamp) -> AppResult<usize> {
    let due = {
        let mut conn = db.acquire().await?;
        let lease = jiff::SignedDuration::try_from(LEASE).unwrap_or_default();
        store::attachments::claim_to_scan(&mut conn, now, now + lease, 8).await?
    };
    for blob in &due {
        let verdict =
            match crate::service::attachments::content(db, &blob.location, blob.id, &blob.sha256)
                .await
            {
                Ok(body) => scan(&scanner.clamd, body).await,
                Err(error) => Err(format!("reading the content: {error}")),
            };
        let mut tx = db.begin().await?;
        match verdict {
            Ok(Verdict::Clean) => {
                store::attachments::scanned(&mut tx, blob.id, None).await?;
                metrics::counter!("attachment_scans_total", "outcome" => "clean").increment(1);
            }
            Ok(Verdict::Infected(signature)) => {
                store::attachments::scanned(&mut tx, blob.id, Some(&signature)).await?;
                for carrier in store::attachments::carrying_publicly(&mut tx, blob.id).await? {
                    let Some(subject) = carrier.subject() else {
                        continue;
                    };
                    let note = SystemNote::Quarantined {
                        file: carrier.filename.clone(),
                        signature: signature.clone(),
                    };
                    crate::service::journal::note(&mut tx, subject, None, &note).await?;
                }
                tracing::warn!(blob = %blob.id, signature = %signature, "virus found; the content is quarantined");
                metrics::counter!("attachment_scans_total", "outcome" => "infected").increment(1);
            }
            Err(error) => {
                let error: String = error.chars().filter(|c| *c != '\0').take(1000).collect();
                let wait =
                    jiff::SignedDuration::try_from(backoff(blob.scan_attempts)).unwrap_or_default();
                store::attachments::scan_failed(&mut tx, blob.id, &error, now + wait).await?;
                tracing::warn!(blob = %blob.id, error = %error, "virus scan failed; retrying later");
                metrics::counter!("attachment_scans_total", "outcome" => "error").increment(1);
            }
        }
        tx.commit().await?;
    }
    Ok(due.len())
}

pub async fn run(db: Db, scanner: Scanner) {
    loop {
        match pass(&db, &scanner, jiff::Timestamp::now()).await {
            Ok(0) => tokio::time::sleep(Duration::from_secs(1)).await,
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(error = %error, "virus scanning failed; retrying");
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
    }
}

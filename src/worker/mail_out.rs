//! Mail out, in every `leitstand serve` with an SMTP server configured: notifications are made
//! from the outbox's events (`service::notify`), then each due mail is claimed with a lease and
//! sent. The journal says "sent" only after the server's 250; a refusal (5xx) fails the mail,
//! anything else is retried with backoff for 48 hours, then failed. Failures are journaled on
//! the record and listed on `/admin/mail`.

use std::time::Duration;

use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::PgPool;

use crate::domain::journal::SystemNote;
use crate::domain::mail::LOOP_HEADER;
use crate::error::AppResult;
use crate::service::notify::{self, Sender};
use crate::store;
use crate::store::mail_out::Outgoing;

/// How a server sends mail: the SMTP transport and our From address.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: lettre::message::Mailbox,
    pub sender: Sender,
}

impl Mailer {
    /// From `smtp://host:25`, `smtp://host:587?tls=required`, `smtps://user:password@host`
    /// (lettre's URL form) and a From address such as `Service Desk <desk@example.com>`.
    pub fn new(url: &str, from: &str, public_url: Option<String>) -> anyhow::Result<Self> {
        crate::http::install_crypto_provider();
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("LEITSTAND_SMTP_URL: {e}"))?
            .timeout(Some(Duration::from_secs(30)))
            .build();
        let from: lettre::message::Mailbox = from
            .parse()
            .map_err(|e| anyhow::anyhow!("LEITSTAND_MAIL_FROM: {e}"))?;
        let domain = from.email.domain().to_owned();
        Ok(Mailer {
            transport,
            from,
            sender: Sender {
                domain,
                public_url: public_url.map(|u| u.trim_end_matches('/').to_owned()),
            },
        })
    }

    fn message(&self, mail: &Outgoing) -> Result<Message, String> {
        let to: lettre::message::Mailbox = mail.recipient.parse().map_err(|e| format!("{e}"))?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(format!("<{}>", mail.message_id)))
            .header(ContentType::TEXT_PLAIN)
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-generated".to_owned(),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str(LOOP_HEADER),
                "notification".to_owned(),
            ));
        if let Some(root) = &mail.in_reply_to {
            builder = builder
                .in_reply_to(format!("<{root}>"))
                .references(format!("<{root}>"));
        }
        builder.body(mail.body.clone()).map_err(|e| e.to_string())
    }
}

/// The wait after failed attempt `attempt`: 1, 5, 15, 30 minutes, 1, 2, 4 hours, then 6.
fn backoff(attempt: i32) -> Duration {
    const MINUTES: [u64; 7] = [1, 5, 15, 30, 60, 120, 240];
    let index = usize::try_from(attempt.max(1) - 1).unwrap_or(0);
    Duration::from_mins(MINUTES.get(index).copied().unwrap_or(360))
}

/// How long a mail may wait for the server before it is failed.
const GIVE_UP: jiff::SignedDuration = jiff::SignedDuration::from_hours(48);

/// Sends the mails due at `now` (a batch); returns how many were attempted.
pub async fn send_due(db: &PgPool, mailer: &Mailer, now: jiff::Timestamp) -> AppResult<usize> {
    let due = {
        let mut conn = db.acquire().await?;
        store::mail_out::claim_due(&mut conn, now, 50).await?
    };
    for mail in &due {
        let result = match mailer.message(mail) {
            Ok(message) => mailer
                .transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| (e.is_permanent(), e.to_string())),
            Err(error) => Err((true, error)),
        };
        let mut tx = db.begin().await?;
        match result {
            Ok(()) => {
                store::mail_out::finish(&mut tx, mail.id, "sent", None, None).await?;
                let note = SystemNote::MailSent {
                    to: mail.recipient.clone(),
                    subject: mail.subject.clone(),
                };
                notify::journal_outcome(&mut tx, mail.incident_id, mail.request_id, &note).await?;
                metrics::counter!("mail_sent_total", "outcome" => "sent").increment(1);
            }
            Err((permanent, error)) => {
                let error: String = error.chars().filter(|c| *c != '\0').take(1000).collect();
                let expired = now >= mail.created_at + GIVE_UP;
                if permanent || expired {
                    store::mail_out::finish(&mut tx, mail.id, "failed", Some(&error), None).await?;
                    let note = SystemNote::MailFailed {
                        to: mail.recipient.clone(),
                        error: error.clone(),
                    };
                    notify::journal_outcome(&mut tx, mail.incident_id, mail.request_id, &note)
                        .await?;
                    metrics::counter!("mail_sent_total", "outcome" => "failed").increment(1);
                } else {
                    let wait =
                        jiff::SignedDuration::try_from(backoff(mail.attempts)).unwrap_or_default();
                    store::mail_out::finish(
                        &mut tx,
                        mail.id,
                        "pending",
                        Some(&error),
                        Some(now + wait),
                    )
                    .await?;
                    metrics::counter!("mail_sent_total", "outcome" => "retry").increment(1);
                }
            }
        }
        tx.commit().await?;
    }
    Ok(due.len())
}

/// One pass: notifications made from new events, then what is due sent.
pub async fn pass(db: &PgPool, mailer: &Mailer, now: jiff::Timestamp) -> AppResult<usize> {
    let mut work = 0;
    loop {
        let made = notify::make_mails(db, &mailer.sender, 200).await?;
        work += made;
        if made < 200 {
            break;
        }
    }
    Ok(work + send_due(db, mailer, now).await?)
}

pub async fn run(db: PgPool, mailer: Mailer) {
    loop {
        match pass(&db, &mailer, jiff::Timestamp::now()).await {
            Ok(0) => tokio::time::sleep(Duration::from_secs(1)).await,
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(error = %error, "mail out failed; retrying");
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
    }
}

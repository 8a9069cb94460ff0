//! Reading an inbound e-mail: what it is (a person writing, a machine answering, a bounce),
//! which record it is about (threading), and the words that are new (quoted history
//! stripped). Pure code over the raw RFC 5322 bytes; the service decides what happens.

use mail_parser::{HeaderValue, MessageParser, MimeHeaders};

use super::ticket::{TicketRef, ticket_ref};

/// The header that marks mail Leitstand sent, so that it never answers itself.
pub const LOOP_HEADER: &str = "X-Leitstand-Loop";

/// The longest text of a mail kept as a comment or description.
pub const MAX_TEXT: usize = 20_000;

/// One inbound message, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbound {
    /// Without the angle brackets.
    pub message_id: Option<String>,
    /// `In-Reply-To` first, then `References` from the newest, without duplicates.
    pub thread_ids: Vec<String>,
    pub subject: String,
    /// The sender's address, lower case.
    pub from: Option<String>,
    pub from_name: Option<String>,
    /// The new words (quoted history stripped).
    pub text: String,
    /// The quoted history, when there was any.
    pub quoted: Option<String>,
    /// Why it is machine mail, when it is: never a conversation.
    pub automatic: Option<&'static str>,
    /// A delivery status notification saying a mail could not be delivered.
    pub bounce: Option<Bounce>,
    /// The files it carries, in the order they come.
    pub files: Vec<MailFile>,
}

/// A file a mail carries: an attachment, a forwarded message, or an image its HTML showed
/// (`cid:`, `inline`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailFile {
    pub name: String,
    pub content: Vec<u8>,
    pub inline: bool,
}

/// The files of a parsed message (empty parts left out).
fn files(message: &mail_parser::Message<'_>) -> Vec<MailFile> {
    use mail_parser::PartType;
    message
        .attachments()
        .filter_map(|part| {
            let (content, fallback): (&[u8], &str) = match &part.body {
                PartType::Message(inner) => (inner.raw_message.as_ref(), "message.eml"),
                _ => (part.contents(), "attachment"),
            };
            if content.is_empty() {
                return None;
            }
            let explicit_attachment = part
                .content_disposition()
                .is_some_and(|d| d.c_type.eq_ignore_ascii_case("attachment"));
            let inline = !explicit_attachment
                && (matches!(part.body, PartType::InlineBinary(_)) || part.content_id().is_some());
            let name = part
                .attachment_name()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .unwrap_or(fallback)
                .to_owned();
            Some(MailFile {
                name,
                content: content.to_vec(),
                inline,
            })
        })
        .collect()
}

/// What a delivery status notification (RFC 3464) says about a failed delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bounce {
    /// The address that could not be reached, lower case.
    pub recipient: String,
    /// The status code, such as `5.1.1`.
    pub status: String,
    pub diagnostic: Option<String>,
    /// The Message-ID of the mail that bounced, when the report carries it.
    pub original_message_id: Option<String>,
}

/// Why a message could not be read.
pub const UNREADABLE: &str = "not an RFC 5322 message (no header could be read)";

/// Reads a raw message. `Err` with the reason when it is none.
pub fn read(raw: &[u8]) -> Result<Inbound, &'static str> {
    let message = MessageParser::default().parse(raw).ok_or(UNREADABLE)?;
    if message.headers().is_empty() {
        return Err(UNREADABLE);
    }
    let ids = |value: &HeaderValue<'_>| -> Vec<String> {
        match value {
            HeaderValue::Text(t) => vec![clean_id(t)],
            HeaderValue::TextList(list) => list.iter().map(|t| clean_id(t)).collect(),
            _ => Vec::new(),
        }
    };
    let mut thread_ids = ids(message.in_reply_to());
    for id in ids(message.references()).into_iter().rev() {
        if !thread_ids.contains(&id) {
            thread_ids.push(id);
        }
    }
    thread_ids.retain(|id| !id.is_empty());
    let from = message.from().and_then(|a| a.first());
    // The address in the last angle brackets of the raw field, when there is one: a display
    // name with brackets of its own (`<b>Eve</b> <eve@example.net>`) must not bend it.
    let bracketed = message.header_raw("From").and_then(|raw| {
        let open = raw.rfind('<')?;
        let close = open + raw[open..].find('>')?;
        let inner = raw[open + 1..close].trim();
        (inner.contains('@') && !inner.contains(char::is_whitespace)).then(|| inner.to_owned())
    });
    let from_address = bracketed
        .or_else(|| from.and_then(|a| a.address.as_deref()).map(str::to_owned))
        .map(|a| a.trim().to_lowercase())
        .filter(|a| a.contains('@') && a.split('@').count() == 2);
    let from_name = from
        .and_then(|a| a.name.as_deref())
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    let subject = message.subject().unwrap_or_default().trim().to_owned();
    let body = message
        .body_text(0)
        .map(std::borrow::Cow::into_owned)
        .unwrap_or_default();
    let body = body.replace("\r\n", "\n");
    let (text, quoted) = strip_quoted(&body);
    let bounce = bounce(&message);
    let automatic = automatic(&message, from_address.as_deref(), bounce.is_some());
    Ok(Inbound {
        message_id: message.message_id().map(clean_id).filter(|m| !m.is_empty()),
        thread_ids,
        subject,
        from: from_address,
        from_name,
        text: truncate(text.trim(), MAX_TEXT),
        quoted: quoted.map(|q| truncate(&q, MAX_TEXT)),
        automatic,
        bounce,
        files: files(&message),
    })
}

fn clean_id(id: &str) -> String {
    id.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned()
}

fn truncate(text: &str, max: usize) -> String {
    text.chars().filter(|c| *c != '\0').take(max).collect()
}

/// Why a message is machine mail (RFC 3834 and the conventions around it), or `None` when a
/// person wrote it.
fn automatic(
    message: &mail_parser::Message<'_>,
    from: Option<&str>,
    bounce: bool,
) -> Option<&'static str> {
    let raw = |name: &str| {
        message
            .header_raw(name)
            .map(|v| v.trim().to_ascii_lowercase())
    };
    if message.header_raw(LOOP_HEADER).is_some() {
        return Some("our own mail came back");
    }
    if bounce {
        return Some("a delivery status notification");
    }
    if raw("Auto-Submitted").is_some_and(|v| !v.starts_with("no")) {
        return Some("Auto-Submitted");
    }
    if raw("Precedence").is_some_and(|v| matches!(v.as_str(), "bulk" | "list" | "junk")) {
        return Some("Precedence: bulk, list or junk");
    }
    if raw("X-Autoreply").is_some() || raw("X-Autorespond").is_some() {
        return Some("an automatic reply");
    }
    if raw("X-Auto-Response-Suppress")
        .is_some_and(|v| v.contains("all") || v.contains("oof") || v.contains("autoreply"))
        && raw("X-MS-Exchange-Inbox-Rules-Loop").is_some()
    {
        return Some("an Exchange rule's automatic reply");
    }
    if message.header_raw("List-Id").is_some() || message.header_raw("List-Unsubscribe").is_some() {
        return Some("a mailing list");
    }
    if let Some(path) = message.header_raw("Return-Path")
        && path
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .trim()
            .is_empty()
    {
        return Some("an empty Return-Path");
    }
    if message
        .content_type()
        .is_some_and(|ct| ct.ctype() == "multipart" && ct.subtype() == Some("report"))
    {
        return Some("a report (multipart/report)");
    }
    let local = from.and_then(|f| f.split('@').next()).unwrap_or_default();
    if matches!(
        local,
        "mailer-daemon" | "postmaster" | "noreply" | "no-reply" | "do-not-reply"
    ) {
        return Some("a system sender");
    }
    None
}

/// The failed delivery a DSN reports (`multipart/report; report-type=delivery-status`).
fn bounce(message: &mail_parser::Message<'_>) -> Option<Bounce> {
    let report = message.content_type().is_some_and(|ct| {
        ct.ctype() == "multipart"
            && ct.subtype() == Some("report")
            && ct
                .attribute("report-type")
                .is_some_and(|t| t.eq_ignore_ascii_case("delivery-status"))
    });
    if !report {
        return None;
    }
    let mut status_text = None;
    let mut original = None;
    for part in &message.parts {
        let Some(ct) = part.content_type() else {
            continue;
        };
        let subtype = ct.subtype().unwrap_or_default().to_ascii_lowercase();
        if ct.ctype() != "message" {
            continue;
        }
        match subtype.as_str() {
            "delivery-status" => {
                status_text = Some(String::from_utf8_lossy(part.contents()).into_owned());
            }
            "rfc822" => {
                original = part
                    .message()
                    .and_then(|m| m.message_id())
                    .map(clean_id)
                    .or(original);
            }
            "rfc822-headers" => {
                let headers = String::from_utf8_lossy(part.contents()).into_owned();
                original = field(&headers, "message-id")
                    .map(|m| clean_id(&m))
                    .or(original);
            }
            _ => {}
        }
    }
    let status_text = status_text?;
    let action = field(&status_text, "action").unwrap_or_default();
    if !action.eq_ignore_ascii_case("failed") {
        return None;
    }
    let recipient = field(&status_text, "final-recipient")
        .or_else(|| field(&status_text, "original-recipient"))?;
    let recipient = recipient
        .split_once(';')
        .map_or(recipient.as_str(), |(_, a)| a)
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_lowercase();
    Some(Bounce {
        recipient,
        status: field(&status_text, "status").unwrap_or_default(),
        diagnostic: field(&status_text, "diagnostic-code"),
        original_message_id: original,
    })
}

/// The value of a `Name: value` field in a block of fields (continuation lines joined).
fn field(block: &str, name: &str) -> Option<String> {
    let mut lines = block.lines().peekable();
    while let Some(line) = lines.next() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        if !key.trim().eq_ignore_ascii_case(name) {
            continue;
        }
        let mut value = value.trim().to_owned();
        while let Some(next) = lines.peek() {
            if next.starts_with([' ', '\t']) {
                value.push(' ');
                value.push_str(next.trim());
                lines.next();
            } else {
                break;
            }
        }
        return Some(value);
    }
    None
}

/// The record a subject's tag names: `[INC0001234]`, `[REQ…]`, `[PRB…]` (the form our own
/// mail carries). A number in running text is no tag.
pub fn subject_tag(subject: &str) -> Option<TicketRef> {
    let mut rest = subject;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let close = after.find(']')?;
        let inner = &after[..close];
        let exact = inner.len() == 10
            && inner[..3].bytes().all(|b| b.is_ascii_uppercase())
            && inner[3..].bytes().all(|b| b.is_ascii_digit());
        if exact && let Some(found) = ticket_ref(inner) {
            return Some(found);
        }
        rest = &after[close + 1..];
    }
    None
}

/// Splits a mail's text into the new words and the quoted history below them: from a line
/// "On … wrote:", "Am … schrieb …:", an Outlook header block (`From:` and `Sent:`,
/// `Von:` and `Gesendet:`), "-----Original Message-----" or "-----Ursprüngliche Nachricht-----", or a
/// block of `>` lines that runs to the end.
pub fn strip_quoted(text: &str) -> (String, Option<String>) {
    let lines: Vec<&str> = text.lines().collect();
    let starts_quote = |i: usize| -> bool {
        let line = lines[i].trim();
        let lower = line.to_lowercase();
        let next = |n: usize| {
            lines
                .get(i + n)
                .map(|l| l.trim().to_lowercase())
                .unwrap_or_default()
        };
        let wrote = (lower.starts_with("on ")
            && (lower.ends_with("wrote:") || next(1).ends_with("wrote:")))
            || (lower.starts_with("am ")
                && (lower.ends_with(':') && lower.contains("schrieb")
                    || next(1).contains("schrieb")));
        let separator = lower.starts_with("-----original message")
            || lower.starts_with("-----ursprüngliche nachricht")
            || lower.starts_with("________________________________");
        let outlook = (lower.starts_with("from:")
            && (next(1).starts_with("sent:") || next(2).starts_with("sent:")))
            || (lower.starts_with("von:")
                && (next(1).starts_with("gesendet:") || next(2).starts_with("gesendet:")));
        wrote || separator || outlook
    };
    let mut cut = (0..lines.len()).find(|&i| starts_quote(i));
    if cut.is_none() {
        // A `>` block that runs to the end (blank lines within it allowed).
        let mut start = None;
        for (i, line) in lines.iter().enumerate() {
            let t = line.trim();
            if t.starts_with('>') {
                start.get_or_insert(i);
            } else if !t.is_empty() {
                start = None;
            }
        }
        cut = start;
    }
    match cut {
        Some(at) if at > 0 => {
            let new = lines[..at].join("\n").trim_end().to_owned();
            let quoted = lines[at..].join("\n").trim().to_owned();
            if new.trim().is_empty() {
                (text.trim().to_owned(), None)
            } else {
                (new, Some(quoted))
            }
        }
        _ => (text.trim().to_owned(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_tags_name_a_record_only_in_our_own_form() {
        assert_eq!(
            subject_tag("Re: [INC0001234] VPN drops"),
            Some(TicketRef::Incident("INC0001234".to_owned()))
        );
        assert_eq!(
            subject_tag("AW: [ext] [REQ0000042] Neuer Laptop"),
            Some(TicketRef::Request("REQ0000042".to_owned()))
        );
        assert_eq!(
            subject_tag("About INC0001234"),
            None,
            "no tag in running text"
        );
        assert_eq!(subject_tag("[INC12] short"), None);
        assert_eq!(subject_tag("[inc0001234] lower case"), None);
        assert_eq!(subject_tag("[XYZ0001234]"), None);
        assert_eq!(subject_tag("[unclosed INC0001234"), None);
    }

    #[test]
    fn quoted_history_is_split_off_in_english_and_german() {
        let cases = [
            "Thanks, that worked.\n\nOn Tue, 1 Dec 2026 at 10:02, Service Desk <desk@example.com> wrote:\n> Please restart.\n",
            "Danke, klappt.\n\nAm 01.12.2026 um 10:02 schrieb Service Desk <desk@example.com>:\n> Bitte neu starten.",
            "Danke, klappt.\n\nVon: Service Desk <desk@example.com>\nGesendet: Dienstag, 1. Dezember 2026 10:02\nAn: Anna\nBetreff: [INC0000001]\n\nBitte neu starten.",
            "Thanks, that worked.\n\n-----Original Message-----\nFrom: Service Desk\nPlease restart.",
            "Thanks, that worked.\n\nFrom: Service Desk <desk@example.com>\nSent: Tuesday, December 1, 2026 10:02 AM\nTo: Anna\n\nPlease restart.",
            "Thanks, that worked.\n\n> Please restart.\n>\n> Service Desk",
        ];
        for text in cases {
            let (new, quoted) = strip_quoted(text);
            assert!(
                new == "Thanks, that worked." || new == "Danke, klappt.",
                "{text:?} -> {new:?}"
            );
            assert!(quoted.is_some_and(|q| !q.is_empty()), "{text:?}");
        }
        let (new, quoted) = strip_quoted("> only a quote\n> nothing new");
        assert_eq!(
            new, "> only a quote\n> nothing new",
            "nothing new: keep it all"
        );
        assert_eq!(quoted, None);
        let (new, quoted) = strip_quoted("Line one\n> a quote in the middle\nLine three");
        assert_eq!(new, "Line one\n> a quote in the middle\nLine three");
        assert_eq!(quoted, None);
    }

    fn mail(headers: &str, body: &str) -> Vec<u8> {
        format!("{headers}\r\n\r\n{body}")
            .replace('\n', "\r\n")
            .replace("\r\r\n", "\r\n")
            .into_bytes()
    }

    #[test]
    fn a_persons_mail_is_read_with_its_thread() {
        let raw = mail(
            "From: Anna Berg <Anna.Berg@Example.com>\nTo: desk@example.com\nSubject: Re: [INC0000007] Drucker\n\
             Message-ID: <abc@mail.example.com>\nIn-Reply-To: <out-2@leitstand>\n\
             References: <out-1@leitstand> <out-2@leitstand>\nContent-Type: text/plain; charset=utf-8",
            "Geht wieder, danke!\n\nAm 01.12.2026 um 10:02 schrieb Desk:\n> Bitte neu starten.",
        );
        let read = read(&raw).unwrap();
        assert_eq!(read.message_id.as_deref(), Some("abc@mail.example.com"));
        assert_eq!(read.thread_ids, ["out-2@leitstand", "out-1@leitstand"]);
        assert_eq!(read.from.as_deref(), Some("anna.berg@example.com"));
        assert_eq!(read.from_name.as_deref(), Some("Anna Berg"));
        assert_eq!(read.text, "Geht wieder, danke!");
        assert!(read.quoted.is_some());
        assert_eq!(read.automatic, None);
        assert_eq!(read.bounce, None);
    }

    #[test]
    fn html_mail_is_read_as_text_without_scripts_or_styles() {
        let raw = mail(
            "From: a@example.com\nSubject: HTML\nContent-Type: text/html; charset=utf-8",
            "<html><head><style>p{color:red}</style><script>alert(1)</script></head>\
             <body><p>Printer <b>jams</b></p><img src=\"https://tracker.example/x.png\"></body></html>",
        );
        let read = read(&raw).unwrap();
        assert!(
            read.text.contains("Printer") && read.text.contains("jams"),
            "{}",
            read.text
        );
        assert!(
            !read.text.contains("alert") && !read.text.contains("color"),
            "{}",
            read.text
        );
        assert!(!read.text.contains("tracker"), "{}", read.text);
    }

    #[test]
    fn garbage_is_no_message() {
        assert_eq!(read(b""), Err(UNREADABLE));
    }
}

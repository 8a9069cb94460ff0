//! The journal as the faces show it: one entry's view (work notes only for those who may read
//! them), what a comment request carries, and the `changes` of a change entry.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::journal::SystemNote;
use crate::i18n::Tr;
use crate::service::Actor;
use crate::store::{self, journal::Kind};

/// One journal entry as API.md shows it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JournalView {
    pub id: i64,
    pub at: jiff::Timestamp,
    /// The author's e-mail; `null` for entries the system wrote.
    pub author: Option<String>,
    #[serde(skip_serializing, default)]
    pub author_name: Option<String>,
    /// `comment`, `work_note`, `change`, `transition`, `link` or `system`.
    pub kind: String,
    pub body: Option<String>,
    /// For changes and transitions: each field with `{"from", "to"}`.
    #[schema(value_type = Option<Object>)]
    pub changes: Option<Value>,
    /// The files this entry carries, in the order they were attached (a removed one with
    /// `removed_at` and no content).
    #[serde(default)]
    pub attachments: Vec<crate::service::attachments::AttachmentView>,
    /// For an entry that came by mail: the quoted history below the new words, kept apart
    /// (shown on request).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quoted: Option<String>,
}

impl JournalView {
    /// The entries a reader may read: internal ones (work notes) only when `internal`, for
    /// agents and above whose own scope holds the record (not only a share or an approval).
    pub fn visible(entries: Vec<store::journal::EntryRow>, internal: bool) -> Vec<JournalView> {
        entries
            .into_iter()
            .filter(|e| internal || e.kind != Kind::WorkNote.as_str())
            .map(JournalView::from)
            .collect()
    }
}

impl From<store::journal::EntryRow> for JournalView {
    fn from(row: store::journal::EntryRow) -> Self {
        JournalView {
            id: row.id,
            at: row.at.to_jiff(),
            author: row.author,
            author_name: row.author_name,
            kind: row.kind,
            body: row.body,
            changes: row.changes,
            attachments: row
                .attachments
                .and_then(|files| serde_json::from_value(files).ok())
                .unwrap_or_default(),
            quoted: row.quoted,
        }
    }
}

impl JournalView {
    /// The catalogue key of the entry's kind.
    pub fn kind_key(&self) -> &'static str {
        match self.kind.as_str() {
            "comment" => "journal.comment",
            "work_note" => "journal.work_note",
            "transition" => "journal.transition",
            "link" => "journal.link",
            "system" => "journal.system_entry",
            _ => "journal.change",
        }
    }

    /// The body as a page shows it: a note the system wrote in the reader's language, the
    /// "created" note not at all (the entry's fields say what was logged), anything a person
    /// wrote as written.
    pub fn shown_body(&self, tr: &Tr) -> Option<String> {
        let body = self.body.as_deref()?;
        // A move the system made (no author) carries its note too, like its system entries;
        // comments are people's words and never read as a note.
        let system_move = self.kind == "transition" && self.author.is_none();
        if matches!(self.kind.as_str(), "system" | "change") || system_move {
            match SystemNote::parse(body) {
                Some(SystemNote::Created) => return None,
                Some(note) => {
                    let args = note.args();
                    let args: Vec<&str> = args.iter().map(String::as_str).collect();
                    return Some(tr.tn(note.key(), &args));
                }
                None => {}
            }
        }
        Some(body.to_owned())
    }

    /// The changed fields with their old and new values, for the timeline.
    pub fn change_list(&self) -> Vec<(String, String, String)> {
        let show = |v: &Value| match v {
            Value::Null => "–".to_owned(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        self.changes
            .as_ref()
            .and_then(Value::as_object)
            .map(|map| {
                map.iter()
                    .map(|(field, change)| {
                        (field.clone(), show(&change["from"]), show(&change["to"]))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A comment or work note, on any record kind.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentInput {
    pub body: Option<String>,
    /// `true`: a work note for agents; `false` (default): a comment the caller may see.
    #[serde(default)]
    pub internal: bool,
    /// Files the comment carries, stored already (`service::attachments::stage`); from a
    /// multipart upload or a mail, never from JSON.
    #[serde(skip)]
    #[schema(ignore)]
    pub files: Vec<crate::service::attachments::Staged>,
}

impl CommentInput {
    /// The comment's words: required, unless it carries files (then it may have none).
    pub fn text(&self) -> crate::error::AppResult<Option<String>> {
        let blank = self.body.as_deref().is_none_or(|b| b.trim().is_empty());
        if blank && !self.files.is_empty() {
            return Ok(None);
        }
        crate::service::fields::comment_body(self.body.as_deref()).map(Some)
    }
}

/// The journal's `changes`: each field whose value differs, as `{"from", "to"}`. Without a
/// `before` (a create), fields left empty are not listed.
pub fn field_changes(
    before: Option<&[(&'static str, serde_json::Value)]>,
    after: Vec<(&'static str, serde_json::Value)>,
) -> serde_json::Map<String, serde_json::Value> {
    use serde_json::{Value, json};
    let creating = before.is_none();
    let mut map = serde_json::Map::new();
    for (n, (field, to)) in after.into_iter().enumerate() {
        let from = before.as_ref().map_or(Value::Null, |old| old[n].1.clone());
        let empty = to.is_null() || to.as_str() == Some("") || to == json!(false);
        if from != to && !(creating && empty) {
            map.insert(field.to_owned(), json!({"from": from, "to": to}));
        }
    }
    map
}

/// Appends a comment by `actor` about `subject` (`internal`: a work note, for agents only),
/// with the files it carries (`413` past the record's limit), and returns it as the faces
/// show it. The record is locked by the caller.
pub async fn append_comment(
    conn: &mut sqlx::PgConnection,
    limits: &crate::domain::attachment::Limits,
    subject: crate::store::journal::Subject,
    actor: &Actor,
    body: Option<&str>,
    internal: bool,
    files: &[crate::service::attachments::Staged],
) -> crate::error::AppResult<JournalView> {
    let kind = if internal {
        Kind::WorkNote
    } else {
        Kind::Comment
    };
    let entry = crate::store::journal::append(
        conn,
        crate::store::journal::NewEntry {
            subject,
            author_id: Some(actor.id),
            kind,
            body,
            changes: None,
        },
    )
    .await?;
    let mut view = JournalView::from(entry);
    view.attachments =
        crate::service::attachments::attach(conn, limits, view.id, subject, Some(actor), files)
            .await?;
    Ok(view)
}

/// Appends a system note about `subject`, by `actor` (none: the system itself).
pub async fn note(
    conn: &mut sqlx::PgConnection,
    subject: crate::store::journal::Subject,
    actor: Option<&Actor>,
    note: &crate::domain::journal::SystemNote,
) -> crate::error::AppResult<()> {
    record(conn, subject, actor, Kind::System, Some(&note.text()), None).await
}

/// Appends one journal entry about `subject`, by `actor` (none: the system).
pub async fn record(
    conn: &mut sqlx::PgConnection,
    subject: crate::store::journal::Subject,
    actor: Option<&Actor>,
    kind: Kind,
    body: Option<&str>,
    changes: Option<Value>,
) -> crate::error::AppResult<()> {
    crate::store::journal::append(
        conn,
        crate::store::journal::NewEntry {
            subject,
            author_id: actor.map(|a| a.id),
            kind,
            body,
            changes,
        },
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::JournalView;
    use crate::domain::Locale;
    use crate::i18n::Tr;

    fn entry(kind: &str, body: &str) -> JournalView {
        JournalView {
            id: 1,
            at: jiff::Timestamp::UNIX_EPOCH,
            author: None,
            author_name: None,
            kind: kind.to_owned(),
            body: Some(body.to_owned()),
            changes: None,
            attachments: Vec::new(),
            quoted: None,
        }
    }

    #[test]
    fn system_notes_are_shown_in_the_readers_language_and_peoples_words_as_written() {
        let de = Tr::new(Locale::De);
        let en = Tr::new(Locale::En);
        let breached = entry("system", "resolution target breached");
        assert_eq!(
            breached.shown_body(&de).as_deref(),
            Some("Lösungsziel verletzt")
        );
        assert_eq!(
            breached.shown_body(&en).as_deref(),
            Some("Resolution target breached")
        );
        let workaround = entry("system", "Workaround from PRB0000007: Reboot: twice");
        assert_eq!(
            workaround.shown_body(&de).as_deref(),
            Some("Workaround aus PRB0000007: Reboot: twice")
        );
        assert_eq!(
            entry("change", "created").shown_body(&de),
            None,
            "the fields say it"
        );
        assert_eq!(
            entry(
                "change",
                "created from a cluster of 4 incidents around INC0000009"
            )
            .shown_body(&de)
            .as_deref(),
            Some("Aus einer Häufung von 4 ähnlichen Incidents um INC0000009 erstellt")
        );
        assert_eq!(
            entry(
                "transition",
                "approval asked from a@example.com for stage Manager"
            )
            .shown_body(&de)
            .as_deref(),
            Some("Genehmigung in Stufe Manager angefragt bei a@example.com"),
            "a move the system made says its note in the reader's language"
        );
        let comment = entry("comment", "resolution target breached");
        assert_eq!(
            comment.shown_body(&de).as_deref(),
            Some("resolution target breached"),
            "a person's words stay theirs"
        );
    }
}

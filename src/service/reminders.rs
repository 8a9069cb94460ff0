//! Half-way to closing by itself, the caller of a resolved incident or a fulfilled request is
//! reminded: a `system` journal entry (the portal's journey shows it in the caller's words)
//! saying when it closes unless they say it is not solved, once per resolution, and a
//! `close_reminder` event in the outbox for the channels that tell the caller. Half of the
//! working days of `LEITSTAND_AUTO_CLOSE_DAYS` in the record's service-level calendar, as the
//! closing itself counts them (`incidents::close_resolved`, `requests::close_fulfilled`).
//! Every `leitstand serve` runs it with the auto-close worker; records are claimed with
//! `SKIP LOCKED`, so each is reminded once.

use crate::db::Db;
use crate::domain::journal::SystemNote;
use crate::error::AppResult;
use crate::service::sla::PolicyCalendars;
use crate::store::{self, journal::Kind};

/// Records looked at per pass and kind.
const BATCH: i64 = 200;

/// Reminds the callers whose record is half-way to closing by itself after `days` working
/// days, one batch of each kind; how many it reminded. Fewer than 2 days: no reminder.
pub async fn remind_before_close(db: &Db, days: u32, now: jiff::Timestamp) -> AppResult<usize> {
    if days < 2 {
        return Ok(0);
    }
    let half = days / 2;
    let calendars = PolicyCalendars::load(db).await?;
    // Half-way is at least (half - 1) calendar days after the resolution's day; a record
    // resolved long before its close date is closed, not reminded (a generous bound: working
    // days with weekends and holidays).
    let before = now - jiff::SignedDuration::from_hours(24 * i64::from(half - 1));
    let after = now - jiff::SignedDuration::from_hours(24 * (2 * i64::from(days) + 7));
    let mut tx = db.begin().await?;
    let mut reminded = 0;
    for requests in [false, true] {
        let waiting =
            store::reminders::lock_unreminded(&mut tx, requests, after, before, BATCH).await?;
        for record in waiting {
            let calendar = calendars.of_policy(record.sla_policy_id);
            let due = calendar.after_working_days(record.resolved_at, half);
            let closes = calendar.after_working_days(record.resolved_at, days);
            let (Some(due), Some(closes)) = (due, closes) else {
                continue;
            };
            if due > now || closes <= now {
                continue;
            }
            let on = closes.strftime("%Y-%m-%d %H:%M").to_string();
            let payload = serde_json::json!({"closes_at": closes});
            store::events::add_event(&mut tx, "close_reminder", record.subject, payload).await?;
            let note = SystemNote::CloseReminder { on }.text();
            crate::service::journal::record(
                &mut tx,
                record.subject,
                None,
                Kind::System,
                Some(&note),
                None,
            )
            .await?;
            reminded += 1;
        }
    }
    tx.commit().await?;
    if reminded > 0 {
        tracing::info!(
            reminded,
            days,
            "callers reminded before their records close"
        );
    }
    Ok(reminded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reminder_note_is_what_the_store_looks_for() {
        let text = SystemNote::CloseReminder {
            on: "2026-12-10 17:00".to_owned(),
        }
        .text();
        assert!(text.starts_with(store::reminders::PREFIX), "{text}");
    }
}

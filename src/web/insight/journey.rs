//! An incident's journey: its swimlane timeline and the same as tables.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use jiff::Timestamp;

use super::hours;
use crate::error::AppResult;
use crate::i18n::Tr;
use crate::service::insight::figures;
use crate::service::insight::journey::{Bar, Journey, Lane, Stretch};
use crate::state::AppState;
use crate::web::chart::{LaneBar, swimlane};
use crate::web::{Ctx, SignedIn, render};

/// One stretch in words: lane, what, from, to, how long.
type Row = (String, String, String, String, String);

#[derive(Template)]
#[template(path = "insight/journey.html")]
struct JourneyPage {
    ctx: Ctx,
    number: String,
    chart: String,
    rows: Vec<Row>,
    contacts: Vec<(String, String)>,
}

/// Whether a stretch ends the incident's working life (it is not drawn to today).
fn last_word(kind: Stretch) -> bool {
    matches!(
        kind,
        Stretch::Resolved | Stretch::Closed | Stretch::Canceled
    )
}

/// Where a bar ends on the axis: its end, or today while it lasts (a final state: where it
/// began).
fn bar_end(bar: &Bar, now: Timestamp) -> Timestamp {
    match bar.to {
        Some(to) => to,
        None if last_word(bar.kind) => bar.from,
        None => now,
    }
}

fn stretch_label(tr: Tr, kind: Stretch) -> String {
    tr.t(match kind {
        Stretch::Work => "insight.work",
        Stretch::Queue => "insight.queue",
        Stretch::AwaitingCaller => "hold.awaiting_caller",
        Stretch::AwaitingVendor => "hold.awaiting_vendor",
        Stretch::AwaitingChange => "hold.awaiting_change",
        Stretch::AwaitingProblem => "hold.awaiting_problem",
        Stretch::Resolved => "state.resolved",
        Stretch::Closed => "state.closed",
        Stretch::Canceled => "state.canceled",
    })
    .to_owned()
}

fn lane_name(lane: &Lane) -> String {
    match (&lane.group, &lane.department) {
        (Some(g), Some(d)) => format!("{g} ({d})"),
        (Some(g), None) => g.clone(),
        (None, _) => "–".to_owned(),
    }
}

/// The time axis: from the first stretch to the end of the last that counts.
struct Axis {
    start: Timestamp,
    end: Timestamp,
    now: Timestamp,
    tz: jiff::tz::TimeZone,
}

impl Axis {
    fn of(journey: &Journey, now: Timestamp, tz: jiff::tz::TimeZone) -> Axis {
        let bars = || journey.lanes.iter().flat_map(|l| l.bars.iter());
        let start = bars().map(|b| b.from).min().unwrap_or(now);
        let end = bars()
            .map(|b| bar_end(b, now))
            .max()
            .unwrap_or(now)
            .max(start + jiff::SignedDuration::from_mins(1));
        Axis {
            start,
            end,
            now,
            tz,
        }
    }

    fn share(&self, t: Timestamp) -> f64 {
        t.duration_since(self.start).as_secs_f64()
            / self.end.duration_since(self.start).as_secs_f64()
    }

    fn shown(&self, t: Timestamp) -> String {
        t.to_zoned(self.tz.clone())
            .strftime("%Y-%m-%d %H:%M")
            .to_string()
    }

    fn shown_end(&self, t: Option<Timestamp>) -> String {
        t.map_or_else(|| "…".to_owned(), |t| self.shown(t))
    }
}

/// The lanes as the chart draws them, and every stretch as a table row.
fn lanes(tr: Tr, journey: &Journey, axis: &Axis) -> (Vec<(String, Vec<LaneBar>)>, Vec<Row>) {
    let mut rows = Vec::new();
    let lanes = journey
        .lanes
        .iter()
        .map(|lane| {
            let name = lane_name(lane);
            let bars = lane
                .bars
                .iter()
                .map(|b| {
                    let to = bar_end(b, axis.now);
                    let what = stretch_label(tr, b.kind);
                    let long = hours(to.duration_since(b.from).as_secs());
                    let (from_text, to_text) = (axis.shown(b.from), axis.shown_end(b.to));
                    let words = format!("{what}: {from_text} – {to_text} ({long} h)");
                    rows.push((name.clone(), what, from_text, to_text, format!("{long} h")));
                    LaneBar {
                        from: axis.share(b.from),
                        to: axis.share(to),
                        class: b.kind.as_str(),
                        words,
                    }
                })
                .collect();
            (name, bars)
        })
        .collect();
    (lanes, rows)
}

/// The journey of an incident: its swimlane timeline, and the same as tables.
pub(super) async fn journey(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    axum::extract::Path(number): axum::extract::Path<String>,
) -> AppResult<Response> {
    let journey = crate::service::insight::journey::incident(&state.db, &actor, &number).await?;
    let reference = crate::service::reference::data(&state.db).await?;
    let tz = jiff::tz::TimeZone::get(&figures::desk_time_zone_name(&reference))
        .unwrap_or(jiff::tz::TimeZone::UTC);
    let axis = Axis::of(&journey, Timestamp::now(), tz);
    let (lanes, rows) = lanes(ctx.tr, &journey, &axis);
    let word = |by_caller: bool| {
        ctx.tr.t(if by_caller {
            "insight.contact_caller"
        } else {
            "insight.contact_desk"
        })
    };
    let marks: Vec<(f64, &'static str, String)> = journey
        .contacts
        .iter()
        .map(|c| {
            let class = if c.by_caller { "by-caller" } else { "by-desk" };
            let words = format!("{} {}", word(c.by_caller), axis.shown(c.at));
            (axis.share(c.at), class, words)
        })
        .collect();
    let contacts = journey
        .contacts
        .iter()
        .map(|c| (axis.shown(c.at), word(c.by_caller).to_owned()))
        .collect();
    let chart = swimlane(
        &ctx.tr.t1("insight.journey_of", &number),
        &lanes,
        &marks,
        (&axis.shown(axis.start), &axis.shown(axis.end)),
    );
    let page = JourneyPage {
        ctx,
        number,
        chart,
        rows,
        contacts,
    };
    Ok(render(StatusCode::OK, &page))
}

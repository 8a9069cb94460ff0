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

/// One of the caller's incidents, as the page's table shows it.
struct CallerLine {
    number: String,
    title: String,
    /// The groups it passed through, in order.
    path: String,
    opened: String,
    contacts: usize,
}

#[derive(Template)]
#[template(path = "insight/caller_journey.html")]
struct CallerJourneyPage {
    ctx: Ctx,
    caller: String,
    from: String,
    to: String,
    chart: String,
    lines: Vec<CallerLine>,
    more: bool,
    /// The period refused, with the message.
    error: Option<String>,
}

/// A lane per incident of a caller's journey (its stretches in every group, clipped to the
/// axis), the contacts as marks, and the table's lines.
#[expect(clippy::type_complexity, reason = "the three parts of one drawing")]
fn caller_lanes(
    tr: Tr,
    shown: &crate::service::insight::journey::CallerJourney,
    axis: &Axis,
) -> (
    Vec<(String, Vec<LaneBar>)>,
    Vec<(f64, &'static str, String)>,
    Vec<CallerLine>,
) {
    let clip = |share: f64| share.clamp(0.0, 1.0);
    let mut lanes = Vec::new();
    let mut marks = Vec::new();
    let mut table = Vec::new();
    for incident in &shown.incidents {
        let journey = &incident.journey;
        let mut bars: Vec<LaneBar> = journey
            .lanes
            .iter()
            .flat_map(|lane| {
                let name = lane_name(lane);
                lane.bars.iter().map(move |b| (name.clone(), b))
            })
            .map(|(name, b)| LaneBar {
                from: clip(axis.share(b.from)),
                to: clip(axis.share(bar_end(b, axis.now))),
                class: b.kind.as_str(),
                words: format!(
                    "{} · {name} · {}: {} – {}",
                    journey.number,
                    stretch_label(tr, b.kind),
                    axis.shown(b.from),
                    axis.shown_end(b.to)
                ),
            })
            .collect();
        bars.sort_by(|a, b| a.from.total_cmp(&b.from));
        lanes.push((journey.number.clone(), bars));
        for c in &journey.contacts {
            let class = if c.by_caller { "by-caller" } else { "by-desk" };
            let who = tr.t(if c.by_caller {
                "insight.contact_caller"
            } else {
                "insight.contact_desk"
            });
            let share = axis.share(c.at);
            if (0.0..=1.0).contains(&share) {
                marks.push((
                    share,
                    class,
                    format!("{} · {who} {}", journey.number, axis.shown(c.at)),
                ));
            }
        }
        let opened = journey
            .lanes
            .iter()
            .flat_map(|l| l.bars.iter())
            .map(|b| b.from)
            .min();
        table.push(CallerLine {
            number: journey.number.clone(),
            title: incident.title.clone(),
            path: journey
                .lanes
                .iter()
                .map(|l| l.group.clone().unwrap_or_else(|| "–".to_owned()))
                .collect::<Vec<_>>()
                .join(" → "),
            opened: opened.map(|t| axis.shown(t)).unwrap_or_default(),
            contacts: journey.contacts.len(),
        });
    }
    (lanes, marks, table)
}

/// A caller's journey: all their incidents of a period on one timeline (a lane each), every
/// stretch coloured by what it was, every contact marked; and the same as a table.
pub(super) async fn caller_journey(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    axum::extract::Path(email): axum::extract::Path<String>,
    axum::extract::Query(query): axum::extract::Query<figures::FigureQuery>,
) -> AppResult<Response> {
    let shown =
        match crate::service::insight::journey::caller(&state.db, &actor, &email, &query).await {
            Ok(journey) => journey,
            Err(error) => {
                let (_, message) = super::refused(&ctx, error)?;
                let page = CallerJourneyPage {
                    caller: email,
                    from: query.from.unwrap_or_default(),
                    to: query.to.unwrap_or_default(),
                    chart: String::new(),
                    lines: Vec::new(),
                    more: false,
                    error: Some(message),
                    ctx,
                };
                return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
            }
        };
    let tz = jiff::tz::TimeZone::get(&shown.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let now = Timestamp::now();
    let (start, end) = crate::domain::insight::figures::Period {
        from: shown.period.from,
        to: shown.period.to,
    }
    .instants(&tz);
    let axis = Axis {
        start,
        end: end.min(now).max(start + jiff::SignedDuration::from_mins(1)),
        now,
        tz,
    };
    let (lanes, marks, table) = caller_lanes(ctx.tr, &shown, &axis);
    let title = ctx.tr.t1("insight.caller_journey_of", &shown.caller);
    let chart = if lanes.is_empty() {
        String::new()
    } else {
        swimlane(
            &title,
            &lanes,
            &marks,
            (&axis.shown(axis.start), &axis.shown(axis.end)),
        )
    };
    let page = CallerJourneyPage {
        caller: shown.caller,
        from: shown.period.from.to_string(),
        to: shown.period.to.to_string(),
        chart,
        lines: table,
        more: shown.more,
        error: None,
        ctx,
    };
    Ok(render(StatusCode::OK, &page))
}

//! Business calendars: working hours per weekday in a time zone, with holidays.

use std::collections::BTreeSet;

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::PgPool;

use crate::domain::sla::{Calendar, Interval};
use crate::domain::{Invalid, Permission};
use crate::error::{AppError, AppResult};
use crate::service::Actor;
use crate::store::{self};

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HolidayView {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CalendarView {
    pub key: String,
    pub name: String,
    /// An IANA time zone such as `Europe/Berlin`.
    pub time_zone: String,
    /// Seven lists, Monday first, of `["HH:MM", "HH:MM"]` working intervals.
    pub week: Vec<Vec<[String; 2]>>,
    pub holidays: Vec<HolidayView>,
    /// Around the clock (the built-in `24x7`).
    pub always: bool,
    /// Counts up with every change; sent as `ETag`, checked against `If-Match`.
    pub version: i64,
}

impl From<store::sla::CalendarRow> for CalendarView {
    fn from(row: store::sla::CalendarRow) -> Self {
        CalendarView {
            week: serde_json::from_value(row.week).unwrap_or_default(),
            holidays: serde_json::from_value(row.holidays).unwrap_or_default(),
            key: row.key,
            name: row.name,
            time_zone: row.time_zone,
            always: row.always,
            version: row.version,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarInput {
    pub key: Option<String>,
    pub name: Option<String>,
    pub time_zone: Option<String>,
    /// Seven lists, Monday first, of `["HH:MM", "HH:MM"]`; several intervals a day allowed.
    pub week: Option<Vec<Vec<[String; 2]>>>,
    pub holidays: Option<Vec<HolidayView>>,
}

fn parse_time(text: &str) -> Option<Time> {
    let (h, m) = text.trim().split_once(':')?;
    Time::new(h.parse().ok()?, m.parse().ok()?, 0, 0).ok()
}

/// The domain calendar of a stored one.
pub(crate) fn calendar_of(row: &store::sla::CalendarRow) -> AppResult<Calendar> {
    if row.always {
        return Ok(Calendar::always());
    }
    let view = CalendarView::from(row.clone());
    let (calendar, errors) = build_calendar(&view.time_zone, &view.week, &view.holidays);
    calendar.ok_or_else(|| {
        AppError::Internal(anyhow::anyhow!(
            "stored calendar {} is invalid: {errors:?}",
            row.key
        ))
    })
}

/// Checks a calendar's parts; the calendar, or the field errors.
pub(crate) fn build_calendar(
    time_zone: &str,
    week: &[Vec<[String; 2]>],
    holidays: &[HolidayView],
) -> (Option<Calendar>, Invalid) {
    let mut invalid = Invalid::default();
    let tz = TimeZone::get(time_zone.trim()).ok();
    if tz.is_none() {
        invalid.add("time_zone", "error.time_zone");
    }
    if week.len() != 7 {
        invalid.add("week", "error.week");
    }
    let mut days: [Vec<Interval>; 7] = Default::default();
    for (n, day) in week.iter().take(7).enumerate() {
        for [start, end] in day {
            match (parse_time(start), parse_time(end)) {
                (Some(start), Some(end)) => match Interval::new(start, end) {
                    Ok(interval) => days[n].push(interval),
                    Err(key) => invalid.add(format!("week[{n}]"), key),
                },
                _ => invalid.add(format!("week[{n}]"), "error.time_of_day"),
            }
        }
    }
    let mut dates = BTreeSet::new();
    for (n, holiday) in holidays.iter().enumerate() {
        match holiday.date.parse::<Date>() {
            Ok(date) => {
                dates.insert(date);
            }
            Err(_) => invalid.add(format!("holidays[{n}].date"), "error.date"),
        }
    }
    let calendar = match (tz, invalid.is_empty()) {
        (Some(tz), true) => match Calendar::new(tz, days, dates) {
            Ok(calendar) => Some(calendar),
            Err(key) => {
                invalid.add("week", key);
                None
            }
        },
        _ => None,
    };
    (calendar, invalid)
}

pub async fn create_calendar(
    db: &PgPool,
    actor: &Actor,
    input: CalendarInput,
) -> AppResult<CalendarView> {
    actor.require(Permission::Administer)?;
    let mut invalid = Invalid::default();
    let (key, name) = crate::service::fields::new_key_and_name(
        &mut invalid,
        input.key.as_deref(),
        input.name.as_deref(),
        200,
    );
    let time_zone = input.time_zone.unwrap_or_default();
    let week = input.week.unwrap_or_default();
    let holidays = input.holidays.unwrap_or_default();
    let (_, problems) = build_calendar(&time_zone, &week, &holidays);
    invalid.0.extend(problems.0);
    let (Some(key), Some(name), true) = (key, name, invalid.is_empty()) else {
        return Err(invalid.into());
    };
    let mut tx = db.begin().await?;
    let new = store::sla::NewCalendar {
        key: key.as_str(),
        name: &name,
        time_zone: time_zone.trim(),
        week: json!(week),
        holidays: json!(holidays),
    };
    store::sla::insert_calendar(&mut tx, new)
        .await
        .map_err(|e| unique_to_conflict(e, "error.calendar_key_taken"))?;
    let row = store::sla::calendar_by_key(&mut tx, key.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(row.into())
}

pub async fn calendars(db: &PgPool, actor: &Actor) -> AppResult<Vec<CalendarView>> {
    actor.require(Permission::Read)?;
    let mut conn = db.acquire().await?;
    Ok(store::sla::calendars(&mut conn)
        .await?
        .into_iter()
        .map(CalendarView::from)
        .collect())
}

pub(crate) fn unique_to_conflict(error: sqlx::Error, key: &'static str) -> AppError {
    match &error {
        sqlx::Error::Database(db) if db.code().as_deref() == Some("23505") => {
            AppError::Conflict(key)
        }
        _ => error.into(),
    }
}

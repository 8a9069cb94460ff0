//! What the dashboard counts: the KPIs with figures, the period chosen and the one before it,
//! in the desk's days.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

text_enum! {
    /// The KPIs of `docs/metrics.md` the dashboard shows as figures.
    pub enum KpiId (error = "error.kpi", label = "kpi") {
        Mtta = "mtta",
        Mttr = "mttr",
        SlaResponse = "sla_response",
        SlaResolution = "sla_resolution",
        Backlog = "backlog",
        Fcr = "fcr",
        FcrSelfService = "fcr_self_service",
        #[serde(rename = "reopen_7d")]
        Reopen7d = "reopen_7d",
        Reassignments = "reassignments",
        PingPong = "ping_pong",
        CallerHoursLost = "caller_hours_lost",
    }
}

/// A KPI with a figure, by its id (`KpiId` in the API document, beside the catalogue's `Kpi`,
/// its definition).
pub type Kpi = KpiId;

text_enum! {
    /// What a figure can be broken down by: the place an incident was at the moment counted.
    pub enum Dimension (error = "error.dimension", label = "insight.by") {
        Department = "department",
        Group = "group",
        Service = "service",
        Priority = "priority",
        Category = "category",
    }
}

impl Dimension {
    /// Its value in the facts' span `x`, as text.
    pub fn column(self) -> &'static str {
        match self {
            Dimension::Department => "x.department_id::text",
            Dimension::Group => "x.group_id::text",
            Dimension::Service => "x.service_id::text",
            Dimension::Priority => "x.priority::text",
            Dimension::Category => "x.category",
        }
    }
}

/// What a figure is measured in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// The median duration, hours (business clock).
    Hours,
    Percent,
    Incidents,
    /// Mean per resolved incident.
    PerIncident,
    CallerHours,
}

impl Kpi {
    pub fn unit(self) -> Unit {
        match self {
            Kpi::Mtta | Kpi::Mttr => Unit::Hours,
            Kpi::SlaResponse
            | Kpi::SlaResolution
            | Kpi::Fcr
            | Kpi::FcrSelfService
            | Kpi::Reopen7d
            | Kpi::PingPong => Unit::Percent,
            Kpi::Backlog => Unit::Incidents,
            Kpi::Reassignments => Unit::PerIncident,
            Kpi::CallerHoursLost => Unit::CallerHours,
        }
    }

    /// Whether a higher figure is the better one.
    pub fn higher_is_better(self) -> bool {
        matches!(
            self,
            Kpi::SlaResponse | Kpi::SlaResolution | Kpi::Fcr | Kpi::FcrSelfService
        )
    }

    /// Whether its values are durations (shown as hours in both clocks).
    pub fn durations(self) -> bool {
        matches!(self, Kpi::Mtta | Kpi::Mttr)
    }
}

/// The longest period one view counts over.
pub const MAX_DAYS: i32 = 731;
/// The period when none is chosen: the last four weeks, today included.
pub const DEFAULT_DAYS: i32 = 28;

/// Whole days of the desk, `from` to `to`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: Date,
    pub to: Date,
}

impl Period {
    /// The period as chosen (`YYYY-MM-DD` each); the default ends today. Errors name the
    /// field: `from`, `to`.
    pub fn parse(
        from: Option<&str>,
        to: Option<&str>,
        today: Date,
    ) -> Result<Period, Vec<(&'static str, &'static str)>> {
        let date = |text: Option<&str>, field| match text.map(str::trim).filter(|t| !t.is_empty()) {
            None => Ok(None),
            Some(t) => t
                .parse::<Date>()
                .map(Some)
                .map_err(|_| (field, "error.date")),
        };
        let (from, to) = match (date(from, "from"), date(to, "to")) {
            (Ok(f), Ok(t)) => (f, t),
            (f, t) => return Err([f.err(), t.err()].into_iter().flatten().collect()),
        };
        let to = to.unwrap_or(today);
        let from = match from {
            Some(from) => from,
            None => to
                .checked_sub(jiff::Span::new().days(DEFAULT_DAYS - 1))
                .map_err(|_| vec![("to", "error.date")])?,
        };
        if from > to {
            return Err(vec![("to", "error.period_order")]);
        }
        let period = Period { from, to };
        if period.days() > MAX_DAYS {
            return Err(vec![("from", "error.period_too_long")]);
        }
        Ok(period)
    }

    /// Its length in days.
    pub fn days(&self) -> i32 {
        (self.to - self.from).get_days() + 1
    }

    /// The period of the same length just before it.
    #[must_use]
    pub fn previous(&self) -> Period {
        let length = jiff::Span::new().days(self.days());
        Period {
            from: self.from.checked_sub(length).unwrap_or(self.from),
            to: self
                .to
                .checked_sub(jiff::Span::new().days(self.days()))
                .unwrap_or(self.to),
        }
    }

    /// `[start of from, start of the day after to)` in the desk's time zone (a DST day is
    /// still one day).
    pub fn instants(&self, tz: &TimeZone) -> (Timestamp, Timestamp) {
        let start = |d: Date| {
            d.to_zoned(tz.clone())
                .map_or(Timestamp::UNIX_EPOCH, |z| z.timestamp())
        };
        let end = self.to.tomorrow().unwrap_or(self.to);
        (start(self.from), start(end))
    }
}

/// The change from `before` to `now`, as a share of `before` (`None` when there was nothing
/// to compare with).
pub fn change(now: Option<f64>, before: Option<f64>) -> Option<f64> {
    match (now, before) {
        (Some(n), Some(b)) if b.abs() > f64::EPSILON => Some((n - b) / b * 100.0),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn a_period_defaults_to_four_weeks_and_is_checked_by_field() {
        let today = date(2026, 12, 7);
        let p = Period::parse(None, None, today).unwrap();
        assert_eq!((p.from, p.to, p.days()), (date(2026, 11, 10), today, 28));
        assert_eq!(
            p.previous(),
            Period {
                from: date(2026, 10, 13),
                to: date(2026, 11, 9)
            }
        );
        assert_eq!(
            Period::parse(Some("2026-13-01"), Some("x"), today).unwrap_err(),
            vec![("from", "error.date"), ("to", "error.date")]
        );
        assert_eq!(
            Period::parse(Some("2026-12-08"), Some("2026-12-07"), today).unwrap_err(),
            vec![("to", "error.period_order")]
        );
        assert_eq!(
            Period::parse(Some("2020-01-01"), None, today).unwrap_err(),
            vec![("from", "error.period_too_long")]
        );
        let one = Period::parse(Some("2026-03-29"), Some("2026-03-29"), today).unwrap();
        let (from, to) = one.instants(&TimeZone::get("Europe/Berlin").unwrap());
        assert_eq!(to.duration_since(from).as_hours(), 23, "the DST day");
    }

    #[test]
    fn a_change_is_relative_to_the_previous_figure() {
        assert_eq!(change(Some(15.0), Some(10.0)), Some(50.0));
        assert_eq!(change(Some(1.0), Some(0.0)), None);
        assert_eq!(change(None, Some(1.0)), None);
    }
}

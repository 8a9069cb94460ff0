//! PDCA markers: process owners (problem managers and admins) record a change to the way the
//! desk works; the trend charts draw it, and its page compares the weeks before it with the
//! weeks after (`domain::insight::verdict`). Everyone who reads the figures reads the
//! markers, but a marker of a confidential department only its members.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::figures::{Chosen, FigureQuery, choose, weeks};
use crate::db::Db;
use crate::domain::insight::figures::{Kpi, Period};
use crate::domain::insight::verdict::{Comparison, Statistic, compare};
use crate::domain::validation::{Invalid, required_text};
use crate::domain::{Permission, Role};
use crate::error::{AppError, AppResult};
use crate::service::{Actor, Page};
use crate::store::{self, insight_markers::MarkerRow, reference::Reference};

/// A marker as sent.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct MarkerInput {
    /// The day the change took effect (`YYYY-MM-DD`, the desk's days).
    pub effective_on: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    /// The KPI it should move (an id of `GET /api/v1/insight/kpis` that has a figure).
    pub kpi: Option<String>,
    /// `up` or `down`: the way it should move.
    pub expected: Option<String>,
    /// Weeks compared on each side, 1 to 26 (default 6).
    pub weeks: Option<i64>,
    /// Where the change applies: a department, group or service key (none: the whole desk).
    pub department: Option<String>,
    pub group: Option<String>,
    pub service: Option<String>,
    /// The done idea of the improvement register this change carries out (its number); the
    /// idea then links to the marker.
    pub improvement: Option<String>,
}

/// A marker, and when read one by one, its before/after comparison.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MarkerView {
    pub id: Uuid,
    #[schema(value_type = String, format = Date)]
    pub effective_on: jiff::civil::Date,
    pub title: String,
    pub description: String,
    pub kpi: crate::domain::insight::figures::KpiId,
    pub expected: String,
    pub weeks: i16,
    pub department: Option<String>,
    pub group: Option<String>,
    pub service: Option<String>,
    pub created_by: String,
    pub created_at: jiff::Timestamp,
    /// The weeks before and after compared (after: up to today).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<super::figures::PeriodView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<super::figures::PeriodView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comparison: Option<Comparison>,
}

impl From<MarkerRow> for MarkerView {
    fn from(row: MarkerRow) -> Self {
        MarkerView {
            id: row.id,
            effective_on: row.effective_on.to_jiff(),
            title: row.title,
            description: row.description,
            kpi: Kpi::parse(&row.kpi).unwrap_or(Kpi::Mttr),
            expected: row.expected,
            weeks: row.weeks,
            department: row.department,
            group: row.group_key,
            service: row.service,
            created_by: row.created_by,
            created_at: row.created_at.to_jiff(),
            before: None,
            after: None,
            comparison: None,
        }
    }
}

/// Whether the reader may see a marker: not one of a confidential department they are not a
/// member of (the marker's own, or its group's or service's).
fn visible(row: &MarkerRow, reference: &Reference, hidden: &[Uuid]) -> bool {
    let department = row
        .department_id
        .or_else(|| reference.department_of(row.service_id, row.group_id));
    department.is_none_or(|d| !hidden.contains(&d))
}

fn key_of<'a>(
    invalid: &mut Invalid,
    field: &str,
    sent: Option<&str>,
    find: impl Fn(&str) -> Option<Uuid> + 'a,
) -> Option<Uuid> {
    let key = sent.map(str::trim).filter(|k| !k.is_empty())?;
    let found = find(key);
    if found.is_none() {
        let message = match field {
            "department" => "error.unknown_department",
            "group" => "error.unknown_group",
            _ => "error.unknown_service",
        };
        invalid.add(field, message);
    }
    found
}

/// Records a marker (problem managers and admins). `422` names every refused field.
pub async fn create(db: &Db, actor: &Actor, input: MarkerInput) -> AppResult<MarkerView> {
    actor.require(Permission::ManageProblems)?;
    let reference = crate::service::reference::data(db).await?;
    let mut invalid = Invalid::default();
    let effective_on = match input.effective_on.as_deref().map(str::trim) {
        None | Some("") => {
            invalid.add("effective_on", "error.required");
            None
        }
        Some(text) => invalid.check(
            "effective_on",
            text.parse::<jiff::civil::Date>().map_err(|_| "error.date"),
        ),
    };
    let title = invalid.check(
        "title",
        required_text(input.title.as_deref().unwrap_or_default(), 200),
    );
    let description = input.description.unwrap_or_default().trim().to_owned();
    if description.chars().count() > 4000 {
        invalid.add("description", "error.too_long");
    }
    let kpi = invalid.check("kpi", Kpi::parse(input.kpi.as_deref().unwrap_or_default()));
    let expected = input
        .expected
        .as_deref()
        .map(str::trim)
        .filter(|e| matches!(*e, "up" | "down"))
        .map(str::to_owned);
    if expected.is_none() {
        invalid.add("expected", "error.expected");
    }
    let weeks = match input.weeks {
        None => Some(6),
        Some(w @ 1..=26) => i16::try_from(w).ok(),
        Some(_) => {
            invalid.add("weeks", "error.weeks");
            None
        }
    };
    let department = key_of(
        &mut invalid,
        "department",
        input.department.as_deref(),
        |k| reference.department_by_key(k).map(|d| d.id),
    );
    let group = key_of(&mut invalid, "group", input.group.as_deref(), |k| {
        reference.group(k).map(|g| g.id)
    });
    let service = key_of(&mut invalid, "service", input.service.as_deref(), |k| {
        reference.service(k).map(|s| s.id)
    });
    let (Some(effective_on), Some(title), Some(kpi), Some(expected), Some(weeks)) =
        (effective_on, title, kpi, expected, weeks)
    else {
        return Err(AppError::Validation(invalid.0));
    };
    if !invalid.is_empty() {
        return Err(AppError::Validation(invalid.0));
    }
    let mut tx = db.begin().await?;
    let row = store::insight_markers::insert(
        &mut tx,
        &store::insight_markers::NewMarker {
            effective_on,
            title: &title,
            description: &description,
            kpi: kpi.as_str(),
            expected: &expected,
            weeks,
            department_id: department,
            group_id: group,
            service_id: service,
            created_by_id: actor.id,
        },
    )
    .await?;
    if let Some(number) = input
        .improvement
        .as_deref()
        .filter(|n| !n.trim().is_empty())
    {
        let hidden = reference.hidden_departments(&actor.groups);
        crate::service::improvements::became_marker(&mut tx, actor, &hidden, number, row.id)
            .await?;
    }
    tx.commit().await?;
    Ok(row.into())
}

/// The markers the reader may see, newest first.
pub async fn list(
    db: &Db,
    actor: &Actor,
    after: Option<&str>,
    limit: i64,
) -> AppResult<Page<MarkerView>> {
    actor.require(Permission::Read)?;
    let reference = crate::service::reference::data(db).await?;
    let hidden = reference.hidden_departments(&actor.groups);
    let after = match after {
        None => None,
        Some(key) => Some(
            key.split_once('|')
                .and_then(|(d, id)| Some((d.parse().ok()?, id.parse().ok()?)))
                .ok_or_else(|| AppError::field("cursor", "error.cursor"))?,
        ),
    };
    let mut conn = db.read().await?;
    let rows = store::insight_markers::list(&mut conn, after, limit).await?;
    // A hidden one still moves the page on; it is only left out of what is shown.
    let page = Page::from_rows(
        rows,
        limit,
        |r| format!("{}|{}", r.effective_on.to_jiff(), r.id),
        |r| visible(&r, &reference, &hidden).then(|| MarkerView::from(r)),
    );
    Ok(Page {
        items: page.items.into_iter().flatten().collect(),
        next: page.next,
    })
}

/// The markers the reader may see that took effect within a period, oldest first: the
/// charts draw them.
pub(crate) async fn within(db: &Db, actor: &Actor, period: Period) -> AppResult<Vec<MarkerView>> {
    let reference = crate::service::reference::data(db).await?;
    let hidden = reference.hidden_departments(&actor.groups);
    let mut conn = db.read().await?;
    Ok(
        store::insight_markers::between(&mut conn, period.from, period.to)
            .await?
            .into_iter()
            .filter(|r| visible(r, &reference, &hidden))
            .map(MarkerView::from)
            .collect(),
    )
}

async fn find_visible(db: &Db, actor: &Actor, id: Uuid) -> AppResult<MarkerRow> {
    actor.require(Permission::Read)?;
    let reference = crate::service::reference::data(db).await?;
    let hidden = reference.hidden_departments(&actor.groups);
    let mut conn = db.read().await?;
    store::insight_markers::find(&mut conn, id)
        .await?
        .filter(|r| visible(r, &reference, &hidden))
        .ok_or(AppError::NotFound)
}

/// One marker with its before/after comparison, counted in the reader's scope (an agent's
/// own groups; a marker of another group is `403` for them).
pub async fn get(db: &Db, actor: &Actor, id: Uuid) -> AppResult<MarkerView> {
    let row = find_visible(db, actor, id).await?;
    let query = FigureQuery {
        department: row.department.clone(),
        group: row.group_key.clone(),
        service: row.service.clone(),
        ..FigureQuery::default()
    };
    let chosen = choose(db, actor, &query).await?;
    let mut view = MarkerView::from(row);
    let (before, after) = windows(&view, &chosen);
    let seed = {
        let bits = view.id.as_u128();
        u64::try_from(bits >> 64).unwrap_or(0)
            ^ u64::try_from(bits & u128::from(u64::MAX)).unwrap_or(0)
    };
    let kpi = view.kpi;
    // Both sides at once, each on its own connection.
    let (before_values, after_values) =
        tokio::try_join!(values(db, &chosen, kpi, before), async {
            match after {
                Some(after) => values(db, &chosen, kpi, after).await,
                None => Ok(Vec::new()),
            }
        })?;
    let statistic = if kpi.durations() {
        Statistic::Median
    } else {
        Statistic::Mean
    };
    view.comparison = Some(compare(
        &before_values,
        &after_values,
        statistic,
        kpi.higher_is_better(),
        seed,
    ));
    view.before = Some(before.into());
    view.after = after.map(Into::into);
    Ok(view)
}

/// The weeks before the change and the weeks after it (up to today; none before it began).
fn windows(marker: &MarkerView, chosen: &Chosen) -> (Period, Option<Period>) {
    let days = i64::from(marker.weeks) * 7;
    let start = marker.effective_on;
    let before = Period {
        from: start
            .checked_sub(jiff::Span::new().days(days))
            .unwrap_or(start),
        to: start.yesterday().unwrap_or(start),
    };
    let today = chosen.base.now.to_zoned(chosen.time_zone.clone()).date();
    let end = start
        .checked_add(jiff::Span::new().days(days - 1))
        .unwrap_or(start)
        .min(today);
    let after = (start <= today).then_some(Period {
        from: start,
        to: end,
    });
    (before, after)
}

/// What a window contributes to the comparison: each counted row's value, or for the
/// backlog and caller hours lost each week's figure.
async fn values(db: &Db, chosen: &Chosen, kpi: Kpi, period: Period) -> AppResult<Vec<f64>> {
    if matches!(kpi, Kpi::Backlog | Kpi::CallerHoursLost) {
        let within = Chosen {
            period,
            time_zone: chosen.time_zone.clone(),
            time_zone_name: chosen.time_zone_name.clone(),
            base: chosen.base.clone(),
            groups: chosen.groups.clone(),
        };
        return Ok(weeks(db, &within, kpi)
            .await?
            .into_iter()
            .filter_map(|w| w.value)
            .collect());
    }
    let mut conn = db.read().await?;
    Ok(store::insight_figures::values(&mut conn, kpi, &chosen.selection(period)).await?)
}

/// Deletes a marker (problem managers and admins).
pub async fn delete(db: &Db, actor: &Actor, id: Uuid) -> AppResult<()> {
    actor.require(Permission::ManageProblems)?;
    find_visible(db, actor, id).await?;
    let mut conn = db.pool().acquire().await?;
    if store::insight_markers::delete(&mut conn, id).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Whether the reader records markers (the page offers the form).
pub fn may_record(actor: &Actor) -> bool {
    actor.role >= Role::ProblemManager
}

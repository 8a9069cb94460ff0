//! A figure broken down by where its rows counted: by department, group, service, priority or
//! category, and within each by a second of them. Each part is the figure of its rows alone,
//! counted by the same query as the figure (`store::insight_figures::counted`), so a part
//! links to the list of exactly its rows: the dashboard's filters with the part's place
//! added.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::Db;
use crate::domain::FieldError;
use crate::domain::insight::figures::{Dimension, Kpi};
use crate::error::{AppError, AppResult};
use crate::service::Actor;
use crate::service::csv::{csv_cell, optional};
use crate::store::{self, reference::Reference};

use super::figures::{FigureQuery, choose, figure_value};

/// The breakdown chosen: by what, then by what (optional).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BreakdownQuery {
    /// The first level: department, group, service, priority or category (default: group).
    #[param(value_type = Option<Dimension>)]
    pub by: Option<String>,
    /// The second level within each part of the first (optional; not the same as `by`).
    #[param(value_type = Option<Dimension>)]
    pub then: Option<String>,
}

impl BreakdownQuery {
    /// The API's check: a level sent empty is malformed (`400` naming it), as the document's
    /// enum says; the page's form sends an empty second level for "none".
    pub fn refuse_empty(&self) -> AppResult<()> {
        for (name, value) in [("by", &self.by), ("then", &self.then)] {
            if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
                return Err(AppError::InvalidParameter(FieldError::new(
                    name,
                    "error.dimension",
                )));
            }
        }
        Ok(())
    }

    /// The two levels; an unknown one is `400` naming it, the same twice `422`.
    pub fn levels(&self) -> AppResult<(Dimension, Option<Dimension>)> {
        let parse = |name: &'static str, value: Option<&str>| {
            value
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| {
                    Dimension::parse(v)
                        .map_err(|key| AppError::InvalidParameter(FieldError::new(name, key)))
                })
                .transpose()
        };
        let by = parse("by", self.by.as_deref())?.unwrap_or(Dimension::Group);
        let then = parse("then", self.then.as_deref())?;
        if then == Some(by) {
            return Err(AppError::field("then", "error.same_dimension"));
        }
        Ok((by, then))
    }
}

/// One place of a breakdown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Place {
    /// The key the dashboard filters by (a department's, group's or service's key, the
    /// priority 1–5, the category); `null`: incidents without one.
    pub key: Option<String>,
    /// Its name (departments, groups and services); otherwise the key.
    pub label: Option<String>,
}

/// One part of a breakdown, and its parts by the second level.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BreakdownPart {
    pub place: Place,
    /// The figure over this part's rows alone (as the dashboard's `value`).
    pub value: Option<f64>,
    /// The rows counted.
    pub count: i64,
    /// Of those, how many met the KPI's condition.
    pub met: i64,
    /// By the second level, most rows first (empty without one).
    #[schema(no_recursion)]
    pub parts: Vec<BreakdownPart>,
}

/// A figure broken down, most rows first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Breakdown {
    pub period: super::figures::PeriodView,
    /// The desk's time zone, whose midnight the period's days begin at.
    pub time_zone: String,
    pub kpi: crate::domain::insight::figures::KpiId,
    pub by: Dimension,
    pub then: Option<Dimension>,
    pub parts: Vec<BreakdownPart>,
}

/// The key and name of a place as the facts hold it (ids for departments, groups and
/// services; text for priority and category).
fn place(reference: &Reference, dimension: Dimension, value: Option<&str>) -> Place {
    let Some(value) = value else {
        return Place {
            key: None,
            label: None,
        };
    };
    let id = value.parse::<Uuid>().ok();
    let named = match dimension {
        Dimension::Department => id
            .and_then(|id| reference.department(id))
            .map(|d| (d.key.clone(), d.name.clone())),
        Dimension::Group => id
            .and_then(|id| reference.group_by_id(id))
            .map(|g| (g.key.clone(), g.name.clone())),
        Dimension::Service => id
            .and_then(|id| reference.service_by_id(id))
            .map(|s| (s.key.clone(), s.name.clone())),
        Dimension::Priority | Dimension::Category => Some((value.to_owned(), value.to_owned())),
    };
    let (key, label) = named.unwrap_or_else(|| (value.to_owned(), value.to_owned()));
    Place {
        key: Some(key),
        label: Some(label),
    }
}

/// A KPI over the chosen period, broken down by `by` and then by `then`.
pub async fn breakdown(
    db: &Db,
    actor: &Actor,
    query: &FigureQuery,
    kpi: Kpi,
    levels: &BreakdownQuery,
) -> AppResult<Breakdown> {
    let (by, then) = levels.levels()?;
    let chosen = choose(db, actor, query).await?;
    let reference = crate::service::reference::data(db).await?;
    let mut conn = db.insight().await?;
    let rows = store::insight_figures::breakdown(
        &mut conn,
        kpi,
        &chosen.selection(chosen.period),
        by,
        then,
    )
    .await?;
    let part =
        |dimension: Dimension, value: Option<&str>, a: &store::insight_figures::Aggregate| {
            BreakdownPart {
                place: place(&reference, dimension, value),
                value: figure_value(kpi, a),
                count: a.count,
                met: a.met,
                parts: Vec::new(),
            }
        };
    let (outer, inner): (Vec<_>, Vec<_>) = rows.into_iter().partition(|r| !r.inner);
    let mut parts: Vec<BreakdownPart> = outer
        .iter()
        .map(|r| {
            let mut p = part(by, r.first.as_deref(), &r.aggregate);
            if let Some(then) = then {
                p.parts = inner
                    .iter()
                    .filter(|i| i.first == r.first)
                    .map(|i| part(then, i.second.as_deref(), &i.aggregate))
                    .collect();
                p.parts.sort_by(|a, b| {
                    b.count
                        .cmp(&a.count)
                        .then(a.place.label.cmp(&b.place.label))
                });
            }
            p
        })
        .collect();
    parts.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(a.place.label.cmp(&b.place.label))
    });
    Ok(Breakdown {
        period: chosen.period.into(),
        time_zone: chosen.time_zone_name.clone(),
        kpi,
        by,
        then,
        parts,
    })
}

/// A breakdown as CSV: one line per part, the second level's beneath their first.
pub fn breakdown_csv(breakdown: &Breakdown) -> String {
    let mut out = format!(
        "kpi,{},{},value,count,met\r\n",
        breakdown.by.as_str(),
        breakdown.then.map_or("then", Dimension::as_str)
    );
    let mut line = |first: &Place, second: Option<&Place>, p: &BreakdownPart| {
        let cells = [
            breakdown.kpi.as_str().to_owned(),
            csv_cell(first.key.as_deref().unwrap_or_default()),
            csv_cell(second.and_then(|s| s.key.as_deref()).unwrap_or_default()),
            optional(p.value.map(|v| format!("{v:.2}"))),
            p.count.to_string(),
            p.met.to_string(),
        ];
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    };
    for p in &breakdown.parts {
        line(&p.place, None, p);
        for inner in &p.parts {
            line(&p.place, Some(&inner.place), inner);
        }
    }
    out
}

//! Service insight's KPI catalogue: the definitions every figure follows, read from
//! `docs/metrics.md` itself (compiled in), so the document people read, the page and
//! `GET /api/v1/insight/kpis` can never say different things.
//!
//! The document's shape: a title ending in `(catalogue version N)`; under `## KPIs`, one
//! third-level section per KPI, headed by its id in backticks, a colon and its name, whose
//! top-level bullets are `- **Label**: text` (continued on indented lines, numbered
//! sub-points included).

pub mod facts;
pub mod figures;
pub mod rollup;
pub mod verdict;

use std::sync::LazyLock;

/// The document, as compiled in.
pub const SOURCE: &str = include_str!("../../../docs/metrics.md");

/// One KPI's definition.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Kpi {
    /// Never changes meaning; a changed definition is a new catalogue version.
    pub id: String,
    pub name: String,
    /// The formula in words.
    pub formula: Option<String>,
    /// The unit, and the clocks and statistics where it has them.
    pub unit: Option<String>,
    /// Which period an incident counts in.
    pub counted_in: Option<String>,
    pub included: Option<String>,
    pub excluded: Option<String>,
    /// The definition's other points, in order (`label`, `text`; an unlabelled point has an
    /// empty label).
    pub notes: Vec<Note>,
}

/// A point of a definition besides the standard ones.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Note {
    pub label: String,
    pub text: String,
}

/// The catalogue.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Catalogue {
    /// Figures say which version they were computed under.
    pub version: u32,
    pub kpis: Vec<Kpi>,
}

/// The catalogue of `docs/metrics.md`.
pub fn catalogue() -> &'static Catalogue {
    static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(|| parse(SOURCE));
    &CATALOGUE
}

/// Reads a catalogue document (see the module's doc for its shape).
pub fn parse(text: &str) -> Catalogue {
    let version = text
        .lines()
        .next()
        .and_then(|title| title.split("catalogue version ").nth(1))
        .and_then(|rest| rest.trim_end_matches(')').trim().parse().ok())
        .unwrap_or(0);
    let body = text.split_once("\n## KPIs").map_or("", |(_, rest)| rest);
    // The KPI sections end at the next second-level heading.
    let body = body.split("\n## ").next().unwrap_or_default();
    let mut kpis = Vec::new();
    for section in body.split("\n### ").skip(1) {
        let (heading, rest) = section.split_once('\n').unwrap_or((section, ""));
        let Some((id, name)) = heading.split_once(':') else {
            continue;
        };
        let mut kpi = Kpi {
            id: id.trim().trim_matches('`').to_owned(),
            name: name.trim().to_owned(),
            formula: None,
            unit: None,
            counted_in: None,
            included: None,
            excluded: None,
            notes: Vec::new(),
        };
        for (label, text) in points(rest) {
            let slot = match label.as_str() {
                "Formula" => &mut kpi.formula,
                "Unit" => &mut kpi.unit,
                "Counted in the period" => &mut kpi.counted_in,
                "Included" => &mut kpi.included,
                "Excluded" => &mut kpi.excluded,
                _ => {
                    kpi.notes.push(Note { label, text });
                    continue;
                }
            };
            *slot = Some(text);
        }
        kpis.push(kpi);
    }
    Catalogue { version, kpis }
}

/// A section's top-level bullets as (label, text): `- **Label**: text` or `- text`, with the
/// lines indented under it joined (a numbered sub-point starts a new line).
fn points(section: &str) -> Vec<(String, String)> {
    let mut points: Vec<(String, String)> = Vec::new();
    for line in section.lines() {
        if let Some(item) = line.strip_prefix("- ") {
            let (label, text) = match item
                .strip_prefix("**")
                .and_then(|rest| rest.split_once("**"))
            {
                Some((label, text)) => (
                    label.trim().to_owned(),
                    text.trim_start_matches([':', ',']).trim().to_owned(),
                ),
                None => (String::new(), item.trim().to_owned()),
            };
            points.push((label, text));
        } else if let Some((_, text)) = points.last_mut() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let numbered = line
                .split_once(". ")
                .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
            text.push(if numbered { '\n' } else { ' ' });
            text.push_str(line);
        }
    }
    points
}

/// HTML of a definition's text: escaped, with its `code`, **bold** and *emphasis* spans
/// marked up and its lines kept.
pub fn inline_html(text: &str) -> String {
    let mut html = String::with_capacity(text.len() + 16);
    let (mut code, mut bold, mut em) = (false, false, false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '`' => {
                html.push_str(if code { "</code>" } else { "<code>" });
                code = !code;
            }
            '*' if !code && chars.peek() == Some(&'*') => {
                chars.next();
                html.push_str(if bold { "</strong>" } else { "<strong>" });
                bold = !bold;
            }
            // A single star opens emphasis before a word and closes it after one (not the
            // multiplication in "a * b").
            '*' if !code && (em || chars.peek().is_some_and(|c| !c.is_whitespace())) => {
                html.push_str(if em { "</em>" } else { "<em>" });
                em = !em;
            }
            '\n' => html.push_str("<br>"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '&' => html.push_str("&amp;"),
            '"' => html.push_str("&quot;"),
            '\'' => html.push_str("&#39;"),
            c => html.push(c),
        }
    }
    if code {
        html.push_str("</code>");
    }
    if em {
        html.push_str("</em>");
    }
    if bold {
        html.push_str("</strong>");
    }
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_has_every_kpi_the_process_owners_need_each_fully_defined() {
        let catalogue = catalogue();
        assert_eq!(catalogue.version, 3);
        let ids: Vec<&str> = catalogue.kpis.iter().map(|k| k.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "mtta",
                "mttr",
                "sla_response",
                "sla_resolution",
                "backlog",
                "fcr",
                "fcr_self_service",
                "reopen_7d",
                "reassignments",
                "ping_pong",
                "time_in_state",
                "problem_yield",
                "caller_hours_lost"
            ]
        );
        for kpi in &catalogue.kpis {
            assert!(
                kpi.id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{}",
                kpi.id
            );
            assert!(!kpi.name.is_empty(), "{}", kpi.id);
            // Every KPI says how it is computed and in which period it counts.
            assert!(
                kpi.formula.is_some() || kpi.notes.iter().any(|n| !n.label.is_empty()),
                "{}: no formula",
                kpi.id
            );
            assert!(
                kpi.counted_in.is_some() || kpi.id == "problem_yield",
                "{}: no period rule",
                kpi.id
            );
        }
        let fcr = catalogue.kpis.iter().find(|k| k.id == "fcr").unwrap();
        let rule = &fcr.notes[0];
        assert!(
            rule.text.contains("\n1. ") && rule.text.contains("\n3. "),
            "{rule:?}"
        );
        assert!(
            fcr.excluded
                .as_deref()
                .unwrap()
                .contains("fcr_self_service")
        );
    }

    #[test]
    fn a_catalogue_reads_labelled_points_continuations_and_numbered_sub_points() {
        let text = "# KPIs (catalogue version 7)\n\n## Conventions\n\n- **Formula**: not a KPI\n\n\
                    ## KPIs\n\n### `a_b`: First one\n\n- **Formula**: x ÷ y\n  continued.\n\
                    - **Rule** when all hold:\n  1. one;\n  2. two.\n- plain point\n\n\
                    ### `c`: Second\n\n- **Unit**: hours\n\n## Changes\n\n- **Formula**: no\n";
        let catalogue = parse(text);
        assert_eq!(catalogue.version, 7);
        assert_eq!(catalogue.kpis.len(), 2);
        let a = &catalogue.kpis[0];
        assert_eq!((a.id.as_str(), a.name.as_str()), ("a_b", "First one"));
        assert_eq!(a.formula.as_deref(), Some("x ÷ y continued."));
        assert_eq!(
            a.notes,
            [
                Note {
                    label: "Rule".into(),
                    text: "when all hold:\n1. one;\n2. two.".into()
                },
                Note {
                    label: String::new(),
                    text: "plain point".into()
                }
            ]
        );
        assert_eq!(catalogue.kpis[1].unit.as_deref(), Some("hours"));
        assert_eq!(catalogue.kpis[1].formula, None);
    }

    #[test]
    fn definition_text_is_escaped_and_only_code_and_bold_are_marked_up() {
        assert_eq!(
            inline_html("**a** `<b>` & \"c\"\n1. d"),
            "<strong>a</strong> <code>&lt;b&gt;</code> &amp; &quot;c&quot;<br>1. d"
        );
        assert_eq!(inline_html("`open"), "<code>open</code>");
        assert_eq!(inline_html("*met* when 2 * 3"), "<em>met</em> when 2 * 3");
    }
}

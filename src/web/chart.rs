//! Charts drawn on the server as SVG: no script, no CDN, readable without JavaScript. Every
//! chart is an image with a title for screen readers; the page puts its data table beside it.

use std::fmt::Write as _;

/// Escapes text for SVG (XML) content and attributes.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A mark on a chart's time axis (a process change, say): the index of the point it falls
/// on, and its label.
pub struct Marker {
    pub at: usize,
    pub label: String,
}

const WIDTH: f64 = 320.0;
const HEIGHT: f64 = 110.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 8.0;
const BOTTOM: f64 = 20.0;

/// The smallest "nice" number (1, 2 or 5 times a power of ten) at or above `value`.
fn nice_ceiling(value: f64) -> f64 {
    if value <= 0.0 {
        return 1.0;
    }
    let power = 10f64.powf(value.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|v| *v >= value)
        .unwrap_or(value)
}

/// A line over the points (a gap where a value is missing), its axis from zero to a nice
/// ceiling, the first and last labels under it, and the markers as dashed lines.
/// `format` writes an axis value.
pub fn trend(
    title: &str,
    points: &[(String, Option<f64>)],
    markers: &[Marker],
    format: &dyn Fn(f64) -> String,
) -> String {
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let max = nice_ceiling(points.iter().filter_map(|(_, v)| *v).fold(0.0, f64::max));
    #[expect(clippy::cast_precision_loss, reason = "a few hundred points at most")]
    let x = |i: usize| {
        if points.len() <= 1 {
            LEFT + plot_w / 2.0
        } else {
            LEFT + plot_w * i as f64 / (points.len() - 1) as f64
        }
    };
    let y = |v: f64| TOP + plot_h - plot_h * (v / max).clamp(0.0, 1.0);
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"{}\" \
         xmlns=\"http://www.w3.org/2000/svg\"><title>{}</title>",
        escape(title),
        escape(title)
    );
    // Axis: zero and the ceiling.
    let _ = write!(
        svg,
        "<line class=\"axis\" x1=\"{LEFT}\" y1=\"{b:.1}\" x2=\"{r:.1}\" y2=\"{b:.1}\"/>\
         <line class=\"grid\" x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{r:.1}\" y2=\"{TOP}\"/>\
         <text class=\"tick\" x=\"{tx:.1}\" y=\"{by:.1}\" text-anchor=\"end\">{zero}</text>\
         <text class=\"tick\" x=\"{tx:.1}\" y=\"{ty:.1}\" text-anchor=\"end\">{top}</text>",
        b = TOP + plot_h,
        r = WIDTH - RIGHT,
        tx = LEFT - 4.0,
        by = TOP + plot_h + 3.0,
        ty = TOP + 8.0,
        zero = escape(&format(0.0)),
        top = escape(&format(max)),
    );
    for marker in markers.iter().filter(|m| m.at < points.len()) {
        let _ = write!(
            svg,
            "<line class=\"marker\" x1=\"{mx:.1}\" y1=\"{TOP}\" x2=\"{mx:.1}\" y2=\"{b:.1}\"><title>{}</title></line>",
            escape(&marker.label),
            mx = x(marker.at),
            b = TOP + plot_h,
        );
    }
    // The line, broken where a week has no value.
    let mut run: Vec<String> = Vec::new();
    let mut lines = Vec::new();
    for (i, (_, value)) in points.iter().enumerate() {
        match value {
            Some(v) => run.push(format!("{:.1},{:.1}", x(i), y(*v))),
            None => lines.push(std::mem::take(&mut run)),
        }
    }
    lines.push(run);
    for line in lines.into_iter().filter(|l| !l.is_empty()) {
        if line.len() == 1 {
            let (cx, cy) = line[0].split_once(',').unwrap_or(("0", "0"));
            let _ = write!(
                svg,
                "<circle class=\"point\" cx=\"{cx}\" cy=\"{cy}\" r=\"2.5\"/>"
            );
        } else {
            let _ = write!(
                svg,
                "<polyline class=\"line\" points=\"{}\"/>",
                line.join(" ")
            );
        }
    }
    if let (Some(first), Some(last)) = (points.first(), points.last()) {
        let ly = HEIGHT - 5.0;
        let _ = write!(
            svg,
            "<text class=\"tick\" x=\"{LEFT}\" y=\"{ly}\">{}</text>",
            escape(&first.0)
        );
        if points.len() > 1 {
            let _ = write!(
                svg,
                "<text class=\"tick\" x=\"{:.1}\" y=\"{ly}\" text-anchor=\"end\">{}</text>",
                WIDTH - RIGHT,
                escape(&last.0)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// Horizontal bars, one per item (label, value, the value as written), longest first as
/// given: the paths incidents took, say.
pub fn bars(title: &str, items: &[(String, f64, String)]) -> String {
    const ROW: f64 = 22.0;
    const LABEL: f64 = 0.0;
    const BAR_LEFT: f64 = 4.0;
    #[expect(clippy::cast_precision_loss, reason = "a few rows")]
    let height = ROW * items.len().max(1) as f64 * 2.0;
    let max = items
        .iter()
        .map(|(_, v, _)| *v)
        .fold(0.0, f64::max)
        .max(f64::EPSILON);
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg class=\"chart bars\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"{t}\" \
         xmlns=\"http://www.w3.org/2000/svg\"><title>{t}</title>",
        t = escape(title)
    );
    for (i, (label, value, text)) in items.iter().enumerate() {
        #[expect(clippy::cast_precision_loss, reason = "a few rows")]
        let top = i as f64 * ROW * 2.0;
        let width = ((WIDTH - BAR_LEFT - 60.0) * value / max).max(1.0);
        let _ = write!(
            svg,
            "<text class=\"label\" x=\"{LABEL}\" y=\"{ly:.1}\">{label}</text>\
             <rect class=\"bar\" x=\"{BAR_LEFT}\" y=\"{by:.1}\" width=\"{width:.1}\" height=\"{bh:.1}\"/>\
             <text class=\"tick\" x=\"{tx:.1}\" y=\"{ty:.1}\">{text}</text>",
            ly = top + 12.0,
            by = top + 16.0,
            bh = ROW - 8.0,
            tx = BAR_LEFT + width + 4.0,
            ty = top + 27.0,
            label = escape(label),
            text = escape(text),
        );
    }
    svg.push_str("</svg>");
    svg
}

/// One bar of a swimlane: where it begins and ends as shares of the time axis (0 to 1), its
/// class, and its words (a tooltip).
pub struct LaneBar {
    pub from: f64,
    pub to: f64,
    pub class: &'static str,
    pub words: String,
}

/// A swimlane timeline: a lane per label with its bars, and a row of marks above them (the
/// contacts with the caller), each at a share of the axis with its class and words.
pub fn swimlane(
    title: &str,
    lanes: &[(String, Vec<LaneBar>)],
    marks: &[(f64, &'static str, String)],
    ends: (&str, &str),
) -> String {
    const LANE: f64 = 26.0;
    const LABELS: f64 = 110.0;
    const W: f64 = 640.0;
    let plot = W - LABELS - 8.0;
    #[expect(clippy::cast_precision_loss, reason = "a few lanes")]
    let height = 24.0 + LANE * lanes.len() as f64 + 18.0;
    let x = |share: f64| LABELS + plot * share.clamp(0.0, 1.0);
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg class=\"chart swimlane\" viewBox=\"0 0 {W} {height}\" role=\"img\" aria-label=\"{t}\" \
         xmlns=\"http://www.w3.org/2000/svg\"><title>{t}</title>",
        t = escape(title)
    );
    for (share, class, words) in marks {
        let _ = write!(
            svg,
            "<circle class=\"contact {class}\" cx=\"{:.1}\" cy=\"12\" r=\"4\"><title>{}</title></circle>",
            x(*share),
            escape(words)
        );
    }
    for (i, (label, bars)) in lanes.iter().enumerate() {
        #[expect(clippy::cast_precision_loss, reason = "a few lanes")]
        let top = 24.0 + LANE * i as f64;
        let _ = write!(
            svg,
            "<line class=\"grid\" x1=\"{LABELS}\" y1=\"{b:.1}\" x2=\"{r:.1}\" y2=\"{b:.1}\"/>\
             <text class=\"label\" x=\"0\" y=\"{ty:.1}\">{}</text>",
            escape(label),
            b = top + LANE - 1.0,
            r = W - 8.0,
            ty = top + LANE / 2.0 + 4.0,
        );
        for bar in bars {
            let (x1, x2) = (x(bar.from), x(bar.to));
            let _ = write!(
                svg,
                "<rect class=\"stretch {}\" x=\"{x1:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"><title>{}</title></rect>",
                bar.class,
                top + 4.0,
                (x2 - x1).max(1.5),
                LANE - 10.0,
                escape(&bar.words)
            );
        }
    }
    let base = height - 4.0;
    let _ = write!(
        svg,
        "<text class=\"tick\" x=\"{LABELS}\" y=\"{base}\">{}</text>\
         <text class=\"tick\" x=\"{:.1}\" y=\"{base}\" text-anchor=\"end\">{}</text></svg>",
        escape(ends.0),
        W - 8.0,
        escape(ends.1)
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trend_is_an_svg_image_with_a_title_a_gap_and_escaped_text() {
        let points = vec![
            ("2026-03-02".to_owned(), Some(4.0)),
            ("2026-03-09".to_owned(), None),
            ("2026-03-16".to_owned(), Some(7.0)),
            ("2026-03-23".to_owned(), Some(3.0)),
        ];
        let markers = [Marker {
            at: 2,
            label: "Triage <group>".to_owned(),
        }];
        let svg = trend("MTTR & more", &points, &markers, &|v| format!("{v:.0} h"));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("<title>MTTR &amp; more</title>"));
        assert!(svg.contains("Triage &lt;group&gt;"));
        assert_eq!(svg.matches("<circle").count(), 1, "the lone first point");
        assert_eq!(svg.matches("<polyline").count(), 1);
        assert!(svg.contains(">10 h</text>"), "the nice ceiling above 7");
        assert!(!svg.contains("NaN"));
        assert!((nice_ceiling(0.0) - 1.0).abs() < 1e-9);
        assert!((nice_ceiling(230.0) - 500.0).abs() < 1e-9);
        assert!((nice_ceiling(100.0) - 100.0).abs() < 1e-9);
    }
}

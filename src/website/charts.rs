//! Trend charts for a client's page: SVG drawn with plotters, made accessible
//! (`role="img"`, `<title>`, `<desc>` summarising the data in words) and paired with a
//! data table carrying the same numbers, so a chart is never the only way to read them.
//!
//! Output is deterministic (same scorecards, same bytes) and never panics: missing
//! values leave gaps, non-finite numbers count as missing, one month still draws.
//!
//! Each SVG has a `viewBox` and no width or height: size it with CSS, e.g.
//! `svg { width: 100%; height: auto; }`. It draws no title of its own (the page shows
//! [`Chart::title`] as the figure caption) and holds no scripts, styles, links or fonts.

use crate::policy::Workload;
use crate::scorecard::{Domain, Scorecard};
use plotters::backend::SVGBackend;
use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde::Serialize;
use std::collections::BTreeSet;
use std::error::Error;

/// One trend chart: an accessible SVG and the table of the numbers it plots.
#[derive(Debug, Clone, Serialize)]
pub struct Chart {
    /// Stable id: `score`, `mfa`, `backup-success`, `restore-tests`. The SVG's title and
    /// desc elements have the ids `<id>-title` and `<id>-desc`.
    pub id: String,
    pub title: String,
    /// The data in words; also the SVG's `<desc>`.
    pub desc: String,
    /// A complete `<svg>` element, ready to inline (already escaped; mark it safe).
    pub svg: String,
    pub table: DataTable,
}

/// The chart's numbers: one row per month, oldest first; the first cell of a row is the
/// month. Missing values are "—"; percentages and scores have one decimal.
#[derive(Debug, Clone, Serialize)]
pub struct DataTable {
    pub caption: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Trend charts for one client, months oldest first. `accent` is the client's colour "#rrggbb".
pub fn client_charts(cards: &[&Scorecard], accent: &str) -> Vec<Chart> {
    if cards.is_empty() {
        return Vec::new();
    }
    let mut cards = cards.to_vec();
    cards.sort_by_key(|c| c.month);
    let months: Vec<String> = cards.iter().map(|c| c.month.to_string()).collect();
    let accent = readable(parse_colour(accent).unwrap_or(DEFAULT_ACCENT));
    let others = palette_apart_from(accent);
    vec![
        score_chart(&cards, &months, accent, &others),
        mfa_chart(&cards, &months, accent, &others),
        backup_chart(&cards, &months, &others),
        restore_chart(&cards, &months, accent),
    ]
}

// ---------------------------------------------------------------------------------------
// The four charts
// ---------------------------------------------------------------------------------------

fn score_chart(
    cards: &[&Scorecard],
    months: &[String],
    accent: RGBColor,
    others: &[RGBColor],
) -> Chart {
    let mut series = vec![Series {
        name: "Overall".into(),
        colour: accent,
        width: 4,
        marker: Marker::Dot,
        values: cards.iter().map(|c| finite(c.score)).collect(),
    }];
    for (i, d) in Domain::ALL.into_iter().enumerate() {
        let values: Vec<Option<f64>> = cards
            .iter()
            .map(|c| {
                finite(
                    c.domains
                        .iter()
                        .find(|s| s.domain == d)
                        .and_then(|s| s.score),
                )
            })
            .collect();
        if values.iter().any(Option::is_some) {
            series.push(Series {
                name: d.title().into(),
                colour: others[i % others.len()],
                width: 2,
                marker: DOMAIN_MARKERS[i % DOMAIN_MARKERS.len()],
                values,
            });
        }
    }
    let mut desc = trend_sentence("Overall score", "", months, &series[0].values);
    if let Some(last) = months.last() {
        let latest: Vec<String> = series[1..]
            .iter()
            .filter_map(|s| {
                s.values
                    .last()
                    .copied()
                    .flatten()
                    .map(|v| format!("{} {}", s.name, fmt1(v)))
            })
            .collect();
        if !latest.is_empty() {
            desc.push_str(&format!(" Domain scores in {last}: {}.", latest.join(", ")));
        }
    }
    let table = value_table(
        "Overall and domain scores by month (0–100)",
        months,
        &series,
        "",
    );
    let svg = render_lines(months, &series, Axis::Score);
    finish("score", "Score over time", desc, svg, table)
}

fn mfa_chart(
    cards: &[&Scorecard],
    months: &[String],
    accent: RGBColor,
    others: &[RGBColor],
) -> Chart {
    let series = [
        Series {
            name: "Admins".into(),
            colour: accent,
            width: 3,
            marker: Marker::Dot,
            values: cards
                .iter()
                .map(|c| finite(c.metrics.mfa_admins_percent))
                .collect(),
        },
        Series {
            name: "Members".into(),
            colour: others[1 % others.len()],
            width: 3,
            marker: Marker::Triangle,
            values: cards
                .iter()
                .map(|c| finite(c.metrics.mfa_users_percent))
                .collect(),
        },
    ];
    let desc = format!(
        "{} {}",
        trend_sentence("Admin MFA coverage", "%", months, &series[0].values),
        trend_sentence("Member MFA coverage", "%", months, &series[1].values)
    );
    let table = value_table(
        "MFA registration coverage by month (%)",
        months,
        &series,
        " (%)",
    );
    let svg = render_lines(months, &series, Axis::Percent);
    finish("mfa", "MFA coverage", desc, svg, table)
}

fn backup_chart(cards: &[&Scorecard], months: &[String], others: &[RGBColor]) -> Chart {
    let workloads: BTreeSet<Workload> = cards
        .iter()
        .flat_map(|c| c.metrics.backup_success_percent.iter())
        .filter(|(_, v)| v.is_finite())
        .map(|(w, _)| *w)
        .collect();
    let series: Vec<Series> = workloads
        .iter()
        .map(|w| {
            let i = Workload::ALL.iter().position(|x| x == w).unwrap_or(0);
            Series {
                name: w.title().into(),
                colour: others[i % others.len()],
                width: 3,
                marker: WORKLOAD_MARKERS[i % WORKLOAD_MARKERS.len()],
                values: cards
                    .iter()
                    .map(|c| finite(c.metrics.backup_success_percent.get(w).copied()))
                    .collect(),
            }
        })
        .collect();
    let desc = if series.is_empty() {
        format!("No backup job results recorded {}.", span(months))
    } else {
        series
            .iter()
            .map(|s| {
                trend_sentence(
                    &format!("{} backup job success", s.name),
                    "%",
                    months,
                    &s.values,
                )
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let table = value_table(
        "Backup job success rate by workload and month (%)",
        months,
        &series,
        " (%)",
    );
    let svg = render_lines(months, &series, Axis::Percent);
    finish(
        "backup-success",
        "Backup job success rate",
        desc,
        svg,
        table,
    )
}

fn restore_chart(cards: &[&Scorecard], months: &[String], accent: RGBColor) -> Chart {
    let done: Vec<u32> = cards.iter().map(|c| c.metrics.restore_tests_done).collect();
    let due: Vec<u32> = cards.iter().map(|c| c.metrics.restore_tests_due).collect();
    let (total_done, total_due) = (
        done.iter().map(|&v| u64::from(v)).sum::<u64>(),
        due.iter().map(|&v| u64::from(v)).sum::<u64>(),
    );
    let desc = match (months.len(), months.last()) {
        (_, None) => String::new(),
        _ if total_done == 0 && total_due == 0 => {
            format!("No restore tests due or done {}.", span(months))
        }
        (1, Some(m)) => format!("Restore tests in {m}: {total_done} done of {total_due} due."),
        (_, Some(m)) => format!(
            "Restore tests {}: {total_done} done of {total_due} due. In {m}: {} done of {} due.",
            span(months),
            done.last().copied().unwrap_or(0),
            due.last().copied().unwrap_or(0)
        ),
    };
    let table = DataTable {
        caption: "Restore tests done and due by month".into(),
        headers: vec!["Month".into(), "Done".into(), "Due".into()],
        rows: months
            .iter()
            .zip(done.iter().zip(&due))
            .map(|(m, (d, u))| vec![m.clone(), d.to_string(), u.to_string()])
            .collect(),
    };
    let svg = render_bars(months, &done, &due, accent);
    finish(
        "restore-tests",
        "Restore tests done vs due",
        desc,
        svg,
        table,
    )
}

fn finish(
    id: &str,
    title: &str,
    desc: String,
    svg: Result<String, Box<dyn Error>>,
    table: DataTable,
) -> Chart {
    // Rendering into a String cannot fail in practice; should it, the page still gets a
    // well-formed, labelled (empty) image and the table.
    let raw = svg.unwrap_or_else(|_| {
        format!(
            r#"<svg viewBox="0 0 {WIDTH} {PLOT_HEIGHT}" xmlns="http://www.w3.org/2000/svg"></svg>"#
        )
    });
    let svg = accessible_svg(&raw, id, title, &desc);
    Chart {
        id: id.into(),
        title: title.into(),
        desc,
        svg,
        table,
    }
}

// ---------------------------------------------------------------------------------------
// Words and tables
// ---------------------------------------------------------------------------------------

const MISSING: &str = "—";

fn finite(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite())
}

/// One decimal, without "-0.0".
fn fmt1(v: f64) -> String {
    let s = format!("{v:.1}");
    if s == "-0.0" { "0.0".into() } else { s }
}

fn span(months: &[String]) -> String {
    match (months.first(), months.last()) {
        (Some(a), Some(b)) if a != b => format!("from {a} to {b}"),
        (Some(a), _) => format!("in {a}"),
        _ => String::new(),
    }
}

/// "Overall score from 61.2 in 2026-06 to 88.4 in 2026-11, lowest 55.0 in 2026-08; no data for 2026-09."
fn trend_sentence(name: &str, unit: &str, months: &[String], values: &[Option<f64>]) -> String {
    let known: Vec<(&str, f64)> = months
        .iter()
        .zip(values)
        .filter_map(|(m, v)| v.map(|v| (m.as_str(), v)))
        .collect();
    let missing: Vec<&str> = months
        .iter()
        .zip(values)
        .filter(|(_, v)| v.is_none())
        .map(|(m, _)| m.as_str())
        .collect();
    let mut s = match known.as_slice() {
        [] => return format!("{name}: no data {}.", span(months)),
        [(m, v)] => format!("{name} {}{unit} in {m}", fmt1(*v)),
        [(m0, v0), .., (m1, v1)] => {
            let mut s = format!(
                "{name} from {}{unit} in {m0} to {}{unit} in {m1}",
                fmt1(*v0),
                fmt1(*v1)
            );
            // The first lowest month, when it is below both ends.
            let low = known
                .iter()
                .fold(known[0], |a, b| if b.1 < a.1 { *b } else { a });
            if low.1 < *v0 && low.1 < *v1 {
                s.push_str(&format!(", lowest {}{unit} in {}", fmt1(low.1), low.0));
            }
            s
        }
    };
    if !missing.is_empty() {
        s.push_str(&format!("; no data for {}", missing.join(", ")));
    }
    s.push('.');
    s
}

fn value_table(caption: &str, months: &[String], series: &[Series], unit: &str) -> DataTable {
    let mut headers = vec!["Month".to_owned()];
    headers.extend(series.iter().map(|s| format!("{}{unit}", s.name)));
    let rows = months
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let mut row = vec![m.clone()];
            row.extend(series.iter().map(|s| {
                s.values
                    .get(i)
                    .copied()
                    .flatten()
                    .map_or_else(|| MISSING.to_owned(), fmt1)
            }));
            row
        })
        .collect();
    DataTable {
        caption: caption.into(),
        headers,
        rows,
    }
}

// ---------------------------------------------------------------------------------------
// Accessibility post-processing
// ---------------------------------------------------------------------------------------

/// Escapes text for XML content and attribute values, dropping characters XML 1.0 forbids.
fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Value of attribute `name` in an opening tag.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

/// Rewrites the root `<svg>` of `raw` so the image is accessible and scales with CSS:
/// `viewBox` kept (derived from width/height when absent), width and height dropped,
/// `role="img"`, `aria-labelledby` naming the `<title>` and `<desc>` inserted as the
/// first children. Text is XML-escaped.
fn accessible_svg(raw: &str, id: &str, title: &str, desc: &str) -> String {
    let (tag, body) = match raw.find("<svg") {
        Some(start) => match raw[start..].find('>') {
            Some(len) => {
                let end = start + len + 1;
                let tag = &raw[start..end];
                // A self-closing root has no body.
                if tag.ends_with("/>") {
                    (tag, "</svg>\n")
                } else {
                    (tag, &raw[end..])
                }
            }
            None => ("", "</svg>\n"),
        },
        None => ("", "</svg>\n"),
    };
    let view_box = attr(tag, "viewBox").map(str::to_owned).unwrap_or_else(|| {
        let num = |n| {
            attr(tag, n)
                .and_then(|v| v.trim_end_matches("px").parse::<f64>().ok())
                .filter(|v| v.is_finite() && *v > 0.0)
        };
        format!(
            "0 0 {} {}",
            num("width").unwrap_or(f64::from(WIDTH)),
            num("height").unwrap_or(f64::from(PLOT_HEIGHT))
        )
    });
    let id = xml_escape(id);
    let body = body.strip_prefix('\n').unwrap_or(body);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"{}\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" font-family=\"sans-serif\">\n<title id=\"{id}-title\">{}</title>\n<desc id=\"{id}-desc\">{}</desc>\n{body}",
        xml_escape(&view_box),
        xml_escape(title),
        xml_escape(desc),
    )
}

// ---------------------------------------------------------------------------------------
// Colours
// ---------------------------------------------------------------------------------------

const DEFAULT_ACCENT: RGBColor = RGBColor(0x1f, 0x4e, 0x79);
const INK: RGBColor = RGBColor(0x37, 0x41, 0x51);
const GRID: RGBColor = RGBColor(0xe5, 0xe7, 0xeb);
const AXIS: RGBColor = RGBColor(0x6b, 0x72, 0x80);
const DUE_FILL: RGBColor = RGBColor(0xe5, 0xe7, 0xeb);
const DUE_EDGE: RGBColor = RGBColor(0x4b, 0x55, 0x63);

/// Colour-blind-safe hues (Okabe–Ito, darkened where needed), each at least 3:1 against
/// white.
const PALETTE: [RGBColor; 8] = [
    RGBColor(0x00, 0x72, 0xb2),
    RGBColor(0xd5, 0x5e, 0x00),
    RGBColor(0x00, 0x9e, 0x73),
    RGBColor(0xcc, 0x79, 0xa7),
    RGBColor(0x8a, 0x6d, 0x00),
    RGBColor(0x6a, 0x3d, 0x9a),
    RGBColor(0xc2, 0x18, 0x5b),
    RGBColor(0x4b, 0x55, 0x63),
];

/// The WCAG arithmetic lives in [`super::colour`], shared with the page theme.
fn parse_colour(s: &str) -> Option<RGBColor> {
    super::colour::parse(s).map(|c| RGBColor(c.0, c.1, c.2))
}

fn luminance(c: RGBColor) -> f64 {
    super::colour::luminance(super::colour::Rgb(c.0, c.1, c.2))
}

/// Darkens a colour until it has at least 3:1 contrast against white (WCAG non-text
/// contrast), so a pale brand colour still draws a visible line.
fn readable(mut c: RGBColor) -> RGBColor {
    for _ in 0..40 {
        if 1.05 / (luminance(c) + 0.05) >= 3.0 {
            break;
        }
        let dark = |v: u8| (f64::from(v) * 0.9).floor() as u8;
        c = RGBColor(dark(c.0), dark(c.1), dark(c.2));
    }
    c
}

/// The palette without the hues too close to the accent, so series stay distinguishable.
fn palette_apart_from(accent: RGBColor) -> Vec<RGBColor> {
    let dist = |a: RGBColor, b: RGBColor| {
        let d = |x: u8, y: u8| (f64::from(x) - f64::from(y)).powi(2);
        (d(a.0, b.0) + d(a.1, b.1) + d(a.2, b.2)).sqrt()
    };
    let apart: Vec<RGBColor> = PALETTE
        .iter()
        .copied()
        .filter(|c| dist(*c, accent) > 90.0)
        .collect();
    if apart.len() >= 6 {
        apart
    } else {
        PALETTE.to_vec()
    }
}

// ---------------------------------------------------------------------------------------
// Drawing
// ---------------------------------------------------------------------------------------

/// Width of every chart and height of its plot (the legend adds rows above).
const WIDTH: u32 = 640;
const PLOT_HEIGHT: u32 = 300;
const LEGEND_ROW: u32 = 22;
const LEGEND_PAD: u32 = 8;
/// Plotters divides font sizes by 1.24 in SVG: this gives 13.2px text.
const FONT: f64 = 16.368;
/// Estimated width of a character at that size, for laying out the legend.
const CHAR_W: f64 = 7.4;
const PAD_X: i32 = 12;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Marker {
    Dot,
    Ring,
    Triangle,
    Square,
    Diamond,
    Cross,
}

const DOMAIN_MARKERS: [Marker; 6] = [
    Marker::Ring,
    Marker::Triangle,
    Marker::Square,
    Marker::Diamond,
    Marker::Cross,
    Marker::Ring,
];
const WORKLOAD_MARKERS: [Marker; 4] = [
    Marker::Dot,
    Marker::Triangle,
    Marker::Square,
    Marker::Diamond,
];

struct Series {
    name: String,
    colour: RGBColor,
    width: u32,
    marker: Marker,
    /// One value per month; `None` leaves a gap.
    values: Vec<Option<f64>>,
}

#[derive(Clone, Copy, PartialEq)]
enum Axis {
    Score,
    Percent,
}

enum Swatch {
    Line(RGBColor, u32, Marker),
    Filled(RGBColor),
    Outlined,
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type Drawn = Result<(), Box<dyn Error>>;

fn text_style(colour: RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    ("sans-serif", FONT)
        .into_font()
        .color(&colour)
        .pos(Pos::new(h, v))
}

fn text_width(s: &str) -> i32 {
    (s.chars().count() as f64 * CHAR_W).ceil() as i32
}

/// Legend entries placed left to right, wrapping; positions relative to the legend band.
fn legend_layout(items: &[(String, Swatch)]) -> (Vec<(i32, i32)>, u32) {
    let (mut x, mut row) = (PAD_X, 0);
    let mut at = Vec::new();
    for (name, _) in items {
        let w = 30 + text_width(name);
        if x > PAD_X && x + w > WIDTH as i32 - PAD_X {
            x = PAD_X;
            row += 1;
        }
        at.push((x, (LEGEND_PAD + row * LEGEND_ROW + LEGEND_ROW / 2) as i32));
        x += w + 18;
    }
    let rows = if items.is_empty() { 0 } else { row + 1 };
    (
        at,
        if rows == 0 {
            LEGEND_PAD
        } else {
            LEGEND_PAD * 2 + rows * LEGEND_ROW
        },
    )
}

fn draw_legend(root: &Area, items: &[(String, Swatch)], at: &[(i32, i32)]) -> Drawn {
    for ((name, swatch), &(x, y)) in items.iter().zip(at) {
        match *swatch {
            Swatch::Line(c, w, m) => {
                root.draw(&PathElement::new(
                    vec![(x, y), (x + 22, y)],
                    c.stroke_width(w),
                ))?;
                draw_marker(root, m, (x + 11, y), c)?;
            }
            Swatch::Filled(c) => root.draw(&Rectangle::new(
                [(x + 4, y - 7), (x + 18, y + 7)],
                c.filled(),
            ))?,
            Swatch::Outlined => {
                root.draw(&Rectangle::new(
                    [(x + 4, y - 7), (x + 18, y + 7)],
                    DUE_FILL.filled(),
                ))?;
                root.draw(&Rectangle::new(
                    [(x + 4, y - 7), (x + 18, y + 7)],
                    DUE_EDGE.stroke_width(2),
                ))?;
            }
        }
        root.draw(&Text::new(
            name.clone(),
            (x + 28, y),
            text_style(INK, HPos::Left, VPos::Center),
        ))?;
    }
    Ok(())
}

/// A marker centred on a pixel position.
fn draw_marker(root: &Area, m: Marker, (x, y): (i32, i32), c: RGBColor) -> Drawn {
    match m {
        Marker::Dot => root.draw(&Circle::new((x, y), 5, c.filled()))?,
        Marker::Ring => {
            root.draw(&Circle::new((x, y), 4, WHITE.filled()))?;
            root.draw(&Circle::new((x, y), 4, c.stroke_width(2)))?;
        }
        Marker::Triangle => root.draw(&Polygon::new(
            vec![(x, y - 6), (x + 5, y + 4), (x - 5, y + 4)],
            c.filled(),
        ))?,
        Marker::Square => root.draw(&Rectangle::new(
            [(x - 4, y - 4), (x + 4, y + 4)],
            c.filled(),
        ))?,
        Marker::Diamond => root.draw(&Polygon::new(
            vec![(x, y - 6), (x + 6, y), (x, y + 6), (x - 6, y)],
            c.filled(),
        ))?,
        Marker::Cross => {
            root.draw(&PathElement::new(
                vec![(x - 5, y - 5), (x + 5, y + 5)],
                c.stroke_width(3),
            ))?;
            root.draw(&PathElement::new(
                vec![(x - 5, y + 5), (x + 5, y - 5)],
                c.stroke_width(3),
            ))?;
        }
    }
    Ok(())
}

/// A linear `f64` axis with exactly the given ticks (plotters' own `with_key_points`
/// on `f64` ranges cannot take a label formatter).
struct Keyed {
    lo: f64,
    hi: f64,
    keys: Vec<f64>,
}

impl Ranged for Keyed {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let span = self.hi - self.lo;
        if span.is_nan() || span <= 0.0 || !v.is_finite() {
            return limit.0;
        }
        let r = (v - self.lo) / span;
        limit.0 + (f64::from(limit.1 - limit.0) * r).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.keys.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

fn month_axis(n: usize) -> Keyed {
    Keyed {
        lo: -0.5,
        hi: n as f64 - 0.5,
        keys: x_key_points(n),
    }
}

/// Month indices to label: at most what fits, always including the latest month.
fn x_key_points(n: usize) -> Vec<f64> {
    let fit = ((WIDTH as usize - 80) / 64).max(1);
    let step = n.div_ceil(fit).max(1);
    let mut keys: Vec<f64> = (0..n).rev().step_by(step).map(|i| i as f64).collect();
    keys.reverse();
    keys
}

fn month_label(months: &[String], v: f64) -> String {
    let i = v.round();
    if i < 0.0 || (v - i).abs() > 0.01 {
        return String::new();
    }
    months.get(i as usize).cloned().unwrap_or_default()
}

/// Line chart on a 0–100 axis, one line per series, broken where a value is missing.
fn render_lines(
    months: &[String],
    series: &[Series],
    axis: Axis,
) -> Result<String, Box<dyn Error>> {
    let items: Vec<(String, Swatch)> = series
        .iter()
        .map(|s| (s.name.clone(), Swatch::Line(s.colour, s.width, s.marker)))
        .collect();
    let (legend_at, legend_h) = legend_layout(&items);
    let height = legend_h + PLOT_HEIGHT;
    let n = months.len().max(1);
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE)?;
        draw_legend(&root, &items, &legend_at)?;
        let (_, plot) = root.split_vertically(legend_h);
        let mut chart = ChartBuilder::on(&plot)
            .margin_left(8)
            .margin_right(32)
            .margin_top(10)
            .margin_bottom(6)
            .x_label_area_size(30)
            .y_label_area_size(48)
            .build_cartesian_2d(
                month_axis(n),
                Keyed {
                    lo: 0.0,
                    hi: 100.0,
                    keys: vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0],
                },
            )?;
        let x_fmt = |v: &f64| month_label(months, *v);
        let y_fmt = |v: &f64| {
            if axis == Axis::Percent {
                format!("{v:.0}%")
            } else {
                format!("{v:.0}")
            }
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .bold_line_style(GRID.stroke_width(1))
            .light_line_style(TRANSPARENT)
            .axis_style(AXIS.stroke_width(1))
            .label_style(text_style(INK, HPos::Center, VPos::Center))
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .draw()?;

        let px = |i: usize, v: f64| chart.backend_coord(&(i as f64, v.clamp(0.0, 100.0)));
        if series.iter().all(|s| s.values.iter().all(Option::is_none)) {
            let mid = chart.backend_coord(&((n as f64 - 1.0) / 2.0, 50.0));
            root.draw(&Text::new(
                "No data for these months",
                mid,
                text_style(AXIS, HPos::Center, VPos::Center),
            ))?;
        }
        // The first series (overall, admins) is drawn last, on top.
        for s in series.iter().rev() {
            let mut run: Vec<(i32, i32)> = Vec::new();
            for (i, v) in s.values.iter().enumerate() {
                match v {
                    Some(v) => run.push(px(i, *v)),
                    None => draw_run(&root, &mut run, s)?,
                }
            }
            draw_run(&root, &mut run, s)?;
            for (i, v) in s.values.iter().enumerate() {
                if let Some(v) = v {
                    draw_marker(&root, s.marker, px(i, *v), s.colour)?;
                }
            }
        }
        root.present()?;
    }
    Ok(buf)
}

/// Draws one unbroken stretch of a line (two points or more) and empties it.
fn draw_run(root: &Area, run: &mut Vec<(i32, i32)>, s: &Series) -> Drawn {
    if run.len() >= 2 {
        root.draw(&PathElement::new(
            std::mem::take(run),
            s.colour.stroke_width(s.width),
        ))?;
    }
    run.clear();
    Ok(())
}

/// Count axis: a step of 1, 2, 5, 10, 20, 50… giving at most six ticks.
fn count_axis(max: u32) -> (f64, Vec<f64>) {
    let max = u64::from(max.max(1));
    let mut scale = 1u64;
    let step = loop {
        if let Some(k) = [1, 2, 5].into_iter().find(|k| max.div_ceil(k * scale) <= 5) {
            break k * scale;
        }
        scale *= 10;
    };
    let top = max.div_ceil(step) * step;
    let keys = (0..=top / step).map(|i| (i * step) as f64).collect();
    (top as f64, keys)
}

/// Grouped bars: tests done (filled, accent) beside tests due (outlined) for each month.
fn render_bars(
    months: &[String],
    done: &[u32],
    due: &[u32],
    accent: RGBColor,
) -> Result<String, Box<dyn Error>> {
    let items = vec![
        ("Done".to_owned(), Swatch::Filled(accent)),
        ("Due".to_owned(), Swatch::Outlined),
    ];
    let (legend_at, legend_h) = legend_layout(&items);
    let height = legend_h + PLOT_HEIGHT;
    let n = months.len().max(1);
    let max = done.iter().chain(due).copied().max().unwrap_or(0);
    let (top, keys) = count_axis(max);
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE)?;
        draw_legend(&root, &items, &legend_at)?;
        let (_, plot) = root.split_vertically(legend_h);
        let mut chart = ChartBuilder::on(&plot)
            .margin_left(8)
            .margin_right(32)
            .margin_top(10)
            .margin_bottom(6)
            .x_label_area_size(30)
            .y_label_area_size(48)
            .build_cartesian_2d(
                month_axis(n),
                Keyed {
                    lo: 0.0,
                    hi: top * 1.1,
                    keys,
                },
            )?;
        let x_fmt = |v: &f64| month_label(months, *v);
        let y_fmt = |v: &f64| format!("{v:.0}");
        chart
            .configure_mesh()
            .disable_x_mesh()
            .bold_line_style(GRID.stroke_width(1))
            .light_line_style(TRANSPARENT)
            .axis_style(AXIS.stroke_width(1))
            .label_style(text_style(INK, HPos::Center, VPos::Center))
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .draw()?;
        let labels = n <= 12;
        for (i, (&d, &u)) in done.iter().zip(due).enumerate() {
            let x = i as f64;
            let (d, u) = (f64::from(d), f64::from(u));
            let bar = |x0: f64, x1: f64, v: f64| {
                (
                    chart.backend_coord(&(x0, v)),
                    chart.backend_coord(&(x1, 0.0)),
                )
            };
            let (a, b) = bar(x - 0.36, x - 0.02, d);
            if d > 0.0 {
                root.draw(&Rectangle::new([a, b], accent.filled()))?;
            }
            let (c, e) = bar(x + 0.02, x + 0.36, u);
            if u > 0.0 {
                root.draw(&Rectangle::new([c, e], DUE_FILL.filled()))?;
                root.draw(&Rectangle::new([c, e], DUE_EDGE.stroke_width(2)))?;
            }
            if labels {
                let style = text_style(INK, HPos::Center, VPos::Bottom);
                root.draw(&Text::new(
                    format!("{d:.0}"),
                    ((a.0 + b.0) / 2, a.1 - 3),
                    style.clone(),
                ))?;
                root.draw(&Text::new(
                    format!("{u:.0}"),
                    ((c.0 + e.0) / 2, c.1 - 3),
                    style,
                ))?;
            }
        }
        root.present()?;
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controls::testing::Fx;
    use crate::month::Month;
    use std::sync::OnceLock;

    fn base() -> &'static Scorecard {
        static BASE: OnceLock<Scorecard> = OnceLock::new();
        BASE.get_or_init(|| Fx::new().with_prev().scorecard())
    }

    fn card(month: &str, score: Option<f64>, admins: Option<f64>, users: Option<f64>) -> Scorecard {
        let mut c = base().clone();
        c.month = Month::parse(month).unwrap();
        c.score = score;
        c.metrics.mfa_admins_percent = admins;
        c.metrics.mfa_users_percent = users;
        c
    }

    fn six_months() -> Vec<Scorecard> {
        let mut cards: Vec<Scorecard> = [
            "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11",
        ]
        .iter()
        .enumerate()
        .map(|(i, m)| {
            card(
                m,
                Some(61.2 + 5.44 * i as f64),
                Some(100.0),
                Some(80.0 + i as f64),
            )
        })
        .collect();
        cards[5].score = Some(88.4);
        cards[2].score = Some(55.0);
        for (i, c) in cards.iter_mut().enumerate() {
            c.metrics
                .backup_success_percent
                .insert(Workload::Exchange, 95.0 + i as f64 * 0.5);
            c.metrics.restore_tests_done = (i % 2) as u32;
            c.metrics.restore_tests_due = 1;
        }
        cards
    }

    fn charts(cards: &[Scorecard], accent: &str) -> Vec<Chart> {
        client_charts(&cards.iter().collect::<Vec<_>>(), accent)
    }

    fn root_tag(svg: &str) -> &str {
        &svg[..svg.find('>').unwrap() + 1]
    }

    /// Elements of the given tag name drawn in `colour` (plotters writes upper-case hex).
    fn count(svg: &str, tag: &str, colour: &str) -> usize {
        svg.lines()
            .filter(|l| l.starts_with(&format!("<{tag} ")) && l.contains(&format!("\"{colour}\"")))
            .count()
    }

    #[test]
    fn four_charts_with_stable_ids_and_matching_tables() {
        let cards = six_months();
        let charts = charts(&cards, "#0b6e99");
        let ids: Vec<&str> = charts.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["score", "mfa", "backup-success", "restore-tests"]);
        for c in &charts {
            assert_eq!(c.table.rows.len(), 6, "{}", c.id);
            assert_eq!(c.table.rows[0][0], "2026-06");
            assert_eq!(c.table.rows[5][0], "2026-11");
            for r in &c.table.rows {
                assert_eq!(r.len(), c.table.headers.len(), "{}", c.id);
            }
            assert!(
                c.svg
                    .contains(&format!("aria-labelledby=\"{0}-title {0}-desc\"", c.id))
            );
        }
        assert_eq!(
            charts[0].table.headers[..3],
            ["Month", "Overall", "Governance"]
        );
        assert_eq!(charts[0].table.rows[0][1], "61.2");
        assert_eq!(charts[0].table.rows[0][2], "100.0");
        assert_eq!(
            charts[1].table.headers,
            ["Month", "Admins (%)", "Members (%)"]
        );
        assert_eq!(charts[1].table.rows[1], ["2026-07", "100.0", "81.0"]);
        assert_eq!(charts[2].table.headers, ["Month", "Exchange Online (%)"]);
        assert_eq!(charts[2].table.rows[1], ["2026-07", "95.5"]);
        assert_eq!(charts[3].table.rows[1], ["2026-07", "1", "1"]);
    }

    #[test]
    fn descriptions_summarise_the_data() {
        let cards = six_months();
        let charts = charts(&cards, "#0b6e99");
        assert!(
            charts[0].desc.starts_with(
                "Overall score from 61.2 in 2026-06 to 88.4 in 2026-11, lowest 55.0 in 2026-08."
            ),
            "{}",
            charts[0].desc
        );
        assert!(
            charts[0]
                .desc
                .contains("Domain scores in 2026-11: Governance 100.0"),
            "{}",
            charts[0].desc
        );
        assert!(
            charts[1]
                .desc
                .contains("Member MFA coverage from 80.0% in 2026-06 to 85.0% in 2026-11."),
            "{}",
            charts[1].desc
        );
        assert_eq!(
            charts[2].desc,
            "Exchange Online backup job success from 95.0% in 2026-06 to 97.5% in 2026-11."
        );
        assert_eq!(
            charts[3].desc,
            "Restore tests from 2026-06 to 2026-11: 3 done of 6 due. In 2026-11: 1 done of 1 due."
        );
    }

    #[test]
    fn svgs_are_accessible_scalable_and_self_contained() {
        for c in charts(&six_months(), "#0b6e99") {
            let root = root_tag(&c.svg);
            assert!(root.contains(&format!("viewBox=\"0 0 {WIDTH} ")), "{root}");
            assert!(root.contains("role=\"img\""), "{root}");
            assert!(
                !root.contains(" width=") && !root.contains(" height="),
                "{root}"
            );
            let after = &c.svg[root.len()..];
            assert!(
                after.starts_with(&format!(
                    "\n<title id=\"{0}-title\">{1}</title>\n<desc id=\"{0}-desc\">",
                    c.id, c.title
                )),
                "{after}"
            );
            assert!(c.svg.contains(&xml_escape(&c.desc)));
            assert!(c.svg.trim_end().ends_with("</svg>"));
            assert_eq!(c.svg.matches("<svg").count(), 1);
            for bad in [
                "<script",
                "href",
                "style=",
                "url(",
                "@import",
                "<image",
                "<foreignObject",
                "NaN",
                "inf",
            ] {
                assert!(!c.svg.contains(bad), "{} contains {bad}", c.id);
            }
            assert_eq!(c.svg.matches("http").count(), 1, "only the xmlns");
        }
    }

    #[test]
    fn title_and_desc_are_escaped() {
        let raw = r##"<svg width="640" height="330" viewBox="0 0 640 330" xmlns="http://www.w3.org/2000/svg">
<rect x="0" y="0" width="640" height="330" fill="#FFFFFF"/>
</svg>
"##;
        let svg = accessible_svg(raw, "x", "Score <b>&", "say \"hi\" & <bye>\u{1}");
        assert_eq!(
            svg,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 640 330\" role=\"img\" aria-labelledby=\"x-title x-desc\" font-family=\"sans-serif\">\n\
             <title id=\"x-title\">Score &lt;b&gt;&amp;</title>\n\
             <desc id=\"x-desc\">say &quot;hi&quot; &amp; &lt;bye&gt;</desc>\n\
             <rect x=\"0\" y=\"0\" width=\"640\" height=\"330\" fill=\"#FFFFFF\"/>\n</svg>\n"
        );
        // Without a viewBox, one is derived from the size; odd input still gives one root.
        assert!(
            accessible_svg(r#"<svg width="10" height="20"/>"#, "y", "t", "d")
                .starts_with(r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 20" "#)
        );
        let junk = accessible_svg("not svg", "z", "t", "d");
        assert_eq!(junk.matches("<svg").count(), 1);
        assert!(junk.ends_with("</svg>\n"));
    }

    #[test]
    fn rendering_is_deterministic() {
        let cards = six_months();
        let a = serde_json::to_string(&charts(&cards, "#0b6e99")).unwrap();
        let b = serde_json::to_string(&charts(&cards, "#0b6e99")).unwrap();
        assert_eq!(a, b);
        // Input order does not matter: months are sorted.
        let mut reversed = cards.clone();
        reversed.reverse();
        assert_eq!(
            a,
            serde_json::to_string(&charts(&reversed, "#0b6e99")).unwrap()
        );
    }

    #[test]
    fn a_missing_value_leaves_a_gap_never_a_zero() {
        let cards = vec![
            card("2026-09", Some(90.0), Some(100.0), Some(90.0)),
            card("2026-10", Some(90.0), None, Some(91.0)),
            card("2026-11", Some(90.0), Some(50.0), Some(92.0)),
        ];
        let accent = "#123456";
        let mfa = &charts(&cards, accent)[1];
        assert_eq!(mfa.table.rows[1], ["2026-10", "—", "91.0"]);
        assert!(mfa.desc.contains("no data for 2026-10"), "{}", mfa.desc);
        // Two admin points (filled circles in the accent colour; one more in the legend),
        // and no admin line at all: each stretch has a single point.
        assert_eq!(count(&mfa.svg, "circle", "#123456"), 2 + 1);
        assert_eq!(
            count(&mfa.svg, "polyline", "#123456"),
            1,
            "only the legend swatch"
        );
        // The members line is unbroken: one polyline through three points, plus the legend.
        let members = mfa
            .svg
            .lines()
            .filter(|l| l.starts_with("<polyline") && l.contains("\"#D55E00\""))
            .collect::<Vec<_>>();
        assert_eq!(members.len(), 2, "{members:#?}");
        assert!(members.iter().any(|l| l.matches(',').count() == 3));
        // Nothing of the accent is drawn on the zero line.
        let zero_y = {
            // The y of the "0%" tick label is the zero line.
            let i = mfa.svg.find(">\n0%\n</text>").unwrap();
            let tag = &mfa.svg[mfa.svg[..i].rfind("<text").unwrap()..i];
            attr(tag, "y").unwrap().to_owned()
        };
        for l in mfa
            .svg
            .lines()
            .filter(|l| l.starts_with("<circle") && l.contains("#123456"))
        {
            assert_ne!(attr(l, "cy").unwrap(), zero_y, "{l}");
        }
    }

    #[test]
    fn backup_chart_shows_only_workloads_with_data() {
        let mut cards = six_months();
        cards[0]
            .metrics
            .backup_success_percent
            .insert(Workload::Teams, 80.0);
        let c = &charts(&cards, "#0b6e99")[2];
        assert_eq!(
            c.table.headers,
            ["Month", "Exchange Online (%)", "Teams (%)"]
        );
        assert_eq!(c.table.rows[1][2], "—");
        for c in &mut cards {
            c.metrics.backup_success_percent.clear();
        }
        let c = &charts(&cards, "#0b6e99")[2];
        assert_eq!(c.table.headers, ["Month"]);
        assert_eq!(
            c.desc,
            "No backup job results recorded from 2026-06 to 2026-11."
        );
        assert!(c.svg.contains("No data for these months"));
    }

    #[test]
    fn a_single_month_renders() {
        let cards = vec![card("2026-11", Some(88.4), Some(100.0), None)];
        let charts = charts(&cards, "#0b6e99");
        assert_eq!(charts.len(), 4);
        assert_eq!(
            charts[0].desc.split('.').next().unwrap(),
            "Overall score 88"
        );
        assert!(charts[0].desc.starts_with("Overall score 88.4 in 2026-11."));
        assert!(
            charts[1]
                .desc
                .contains("Member MFA coverage: no data in 2026-11."),
            "{}",
            charts[1].desc
        );
        for c in &charts {
            assert_eq!(c.table.rows.len(), 1);
            assert!(
                c.svg.contains(">\n2026-11\n</text>"),
                "{}: month label",
                c.id
            );
        }
        assert_eq!(charts[3].desc, "Restore tests in 2026-11: 1 done of 1 due.");
    }

    #[test]
    fn no_cards_no_charts_and_odd_input_never_panics() {
        assert!(client_charts(&[], "#000000").is_empty());
        let mut cards: Vec<Scorecard> =
            std::iter::successors(Some(Month::parse("2024-01").unwrap()), |m| Some(m.next()))
                .take(40)
                .map(|m| card(&m.to_string(), Some(f64::NAN), Some(150.0), Some(-5.0)))
                .collect();
        cards[3]
            .metrics
            .backup_success_percent
            .insert(Workload::OneDrive, f64::INFINITY);
        cards[4].metrics.restore_tests_due = u32::MAX;
        cards[4].metrics.restore_tests_done = u32::MAX;
        for c in &mut cards[5].domains {
            c.score = None;
        }
        for accent in [
            "", "red", "#zzzzzz", "#fff", "#ffffff", "#FFFF00", "#1f4e79", "#é",
        ] {
            let charts = charts(&cards, accent);
            assert_eq!(charts.len(), 4);
            assert_eq!(charts[0].table.rows[0][1], "—", "NaN is missing");
            assert_eq!(charts[1].table.rows[0][1..], ["150.0", "-5.0"]);
            assert_eq!(
                charts[2].table.headers,
                ["Month", "Exchange Online (%)"],
                "infinite is no data"
            );
            for c in &charts {
                assert!(!c.svg.contains("NaN"));
            }
        }
    }

    #[test]
    fn pale_accents_are_darkened_and_spaced_from_the_palette() {
        let c = readable(parse_colour("#ffff00").unwrap());
        assert!(1.05 / (luminance(c) + 0.05) >= 3.0);
        assert_eq!(readable(DEFAULT_ACCENT), DEFAULT_ACCENT);
        assert_eq!(parse_colour("#abc"), Some(RGBColor(0xaa, 0xbb, 0xcc)));
        assert!(
            !palette_apart_from(RGBColor(0x00, 0x72, 0xb2)).contains(&RGBColor(0x00, 0x72, 0xb2))
        );
        assert_eq!(count_axis(0), (1.0, vec![0.0, 1.0]));
        assert_eq!(count_axis(4).0, 4.0);
        assert_eq!(count_axis(12), (15.0, vec![0.0, 5.0, 10.0, 15.0]));
        assert_eq!(count_axis(u32::MAX).1.len(), 6);
    }
}

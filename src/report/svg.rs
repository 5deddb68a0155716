//! Hand-written SVG for the report's plots: scales (linear, log, categories) with readable ticks,
//! a [`Chart`] that draws a titled frame with labelled axes and takes marks in data coordinates,
//! legends, and colours readable by colour-blind viewers (Okabe and Ito's palette for categories,
//! viridis for values). Every mark can carry a `<title>`, which browsers show on hover, so the
//! page needs no script. Used by every plot of [`crate::report`].

use std::fmt::Write as _;

/// Okabe and Ito's colour-blind-safe palette (black first left out: it is the axes' colour).
pub const PALETTE: [&str; 7] = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
];

/// The colour of the `k`-th series.
#[must_use]
pub fn series_colour(k: usize) -> &'static str {
    PALETTE[k % PALETTE.len()]
}

/// Viridis at `t` in `[0, 1]` (dark purple to yellow), from nine of its stops.
#[must_use]
pub fn viridis(t: f64) -> String {
    const STOPS: [(f64, f64, f64); 9] = [
        (68.0, 1.0, 84.0),
        (71.0, 44.0, 122.0),
        (59.0, 81.0, 139.0),
        (44.0, 113.0, 142.0),
        (33.0, 144.0, 141.0),
        (39.0, 173.0, 129.0),
        (92.0, 200.0, 99.0),
        (170.0, 220.0, 50.0),
        (253.0, 231.0, 37.0),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let at = t * (STOPS.len() - 1) as f64;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let k = (at.floor() as usize).min(STOPS.len() - 2);
    let f = at - k as f64;
    let (a, b) = (STOPS[k], STOPS[k + 1]);
    let mix = |x: f64, y: f64| {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let v = (x + f * (y - x)).round() as u8;
        v
    };
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(a.0, b.0),
        mix(a.1, b.1),
        mix(a.2, b.2)
    )
}

/// `text` safe inside an HTML or SVG element or a quoted attribute.
#[must_use]
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A number for a tick or a tooltip: at most four significant digits, exponents when small or
/// large.
#[must_use]
pub fn number(x: f64) -> String {
    if x == 0.0 {
        return String::from("0");
    }
    if !x.is_finite() {
        return x.to_string();
    }
    let magnitude = x.abs().log10().floor();
    if !(-3.0..6.0).contains(&magnitude) {
        let text = format!("{x:.2e}");
        // 1.00e-4 → 1e-4
        return match text.split_once('e') {
            Some((m, e)) => {
                let m = m.trim_end_matches('0').trim_end_matches('.');
                format!("{m}e{e}")
            }
            None => text,
        };
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let decimals = (3.0 - magnitude).max(0.0) as usize;
    let text = format!("{x:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

/// How values map onto an axis.
#[derive(Debug, Clone, PartialEq)]
pub enum Scale {
    /// `low` to `high`, evenly.
    Linear {
        /// The value at the axis's start.
        low: f64,
        /// The value at its end.
        high: f64,
    },
    /// `low` to `high` (both > 0), evenly in the logarithm.
    Log {
        /// The value at the axis's start.
        low: f64,
        /// The value at its end.
        high: f64,
    },
    /// Named categories, evenly spaced; a value is a category's index.
    Categories(Vec<String>),
}

impl Scale {
    /// A linear scale over `values` with a little room at both ends (a single value gets a range
    /// around it).
    #[must_use]
    pub fn linear_over(values: impl IntoIterator<Item = f64>) -> Scale {
        let (low, high) = extent(values).unwrap_or((0.0, 1.0));
        let span = high - low;
        let pad = if span > 0.0 {
            span * 0.05
        } else {
            low.abs().max(1.0) * 0.5
        };
        Scale::Linear {
            low: low - pad,
            high: high + pad,
        }
    }

    /// A log scale over the positive `values` (a linear one when none is positive).
    #[must_use]
    pub fn log_over(values: impl IntoIterator<Item = f64>) -> Scale {
        let values: Vec<f64> = values.into_iter().collect();
        match extent(values.iter().copied().filter(|v| *v > 0.0)) {
            Some((low, high)) => {
                let (low, high) = if high > low {
                    (low, high)
                } else {
                    (low / 2.0, high * 2.0)
                };
                let pad = (high / low).powf(0.05);
                Scale::Log {
                    low: low / pad,
                    high: high * pad,
                }
            }
            None => Scale::linear_over(values),
        }
    }

    /// Where `v` sits along the axis, 0 at its start and 1 at its end.
    #[must_use]
    pub fn position(&self, v: f64) -> f64 {
        match self {
            Scale::Linear { low, high } => {
                if high > low {
                    (v - low) / (high - low)
                } else {
                    0.5
                }
            }
            Scale::Log { low, high } => {
                if high > low && v > 0.0 {
                    (v.ln() - low.ln()) / (high.ln() - low.ln())
                } else {
                    0.0
                }
            }
            Scale::Categories(names) => {
                #[allow(clippy::cast_precision_loss)]
                let n = names.len().max(1) as f64;
                (v + 0.5) / n
            }
        }
    }

    /// The ticks: (value, label), about five on a numeric axis, one per category.
    #[must_use]
    pub fn ticks(&self) -> Vec<(f64, String)> {
        match self {
            Scale::Linear { low, high } => linear_ticks(*low, *high),
            Scale::Log { low, high } => log_ticks(*low, *high),
            Scale::Categories(names) => names
                .iter()
                .enumerate()
                .map(|(k, name)| {
                    #[allow(clippy::cast_precision_loss)]
                    let k = k as f64;
                    (k, name.clone())
                })
                .collect(),
        }
    }
}

/// The smallest and largest finite values, if any.
fn extent(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// Ticks at multiples of 1, 2 or 5 × 10ᵏ, five to eleven of them.
fn linear_ticks(low: f64, high: f64) -> Vec<(f64, String)> {
    let span = high - low;
    if span.is_nan() || span <= 0.0 {
        return vec![(low, number(low))];
    }
    let raw = span / 6.0;
    let power = 10f64.powf(raw.log10().floor());
    // The tolerance keeps 2 × 0.1 from counting as less than 0.2.
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|s| *s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * power);
    let first = (low / step).ceil();
    let mut ticks = Vec::new();
    let mut k = first;
    while k * step <= high + step * 1e-9 && ticks.len() < 12 {
        let v = k * step;
        // -0 and 1e-17 print as 0.
        let v = if v.abs() < step * 1e-9 { 0.0 } else { v };
        ticks.push((v, number(v)));
        k += 1.0;
    }
    ticks
}

/// Ticks at powers of ten, or at 1, 2 and 5 × 10ᵏ when the range spans less than two decades.
fn log_ticks(low: f64, high: f64) -> Vec<(f64, String)> {
    let (from, to) = (low.log10().floor() as i32, high.log10().ceil() as i32);
    let multiples: &[f64] = if to - from <= 2 {
        &[1.0, 2.0, 5.0]
    } else {
        &[1.0]
    };
    let mut ticks = Vec::new();
    for e in from..=to {
        for m in multiples {
            let v = m * 10f64.powi(e);
            if v >= low && v <= high {
                ticks.push((v, number(v)));
            }
        }
    }
    if ticks.len() < 2 {
        return linear_ticks(low, high);
    }
    ticks
}

/// The shape a legend entry shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// A filled circle.
    Dot,
    /// A line.
    Line,
    /// A dashed line.
    Dashed,
    /// A filled square (bars).
    Square,
    /// A diamond.
    Diamond,
}

/// A plot being drawn: a titled frame with labelled axes; marks are added in data coordinates.
#[derive(Debug, Clone)]
pub struct Chart {
    /// Total width in pixels.
    pub width: f64,
    /// Total height in pixels.
    pub height: f64,
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
    /// The horizontal scale.
    pub x: Scale,
    /// The vertical scale.
    pub y: Scale,
    body: String,
    legend: Vec<(String, String, Mark)>,
}

/// What a chart shows: its title and axis labels (with units).
#[derive(Debug, Clone, Copy)]
pub struct Labels<'a> {
    /// The plot's title.
    pub title: &'a str,
    /// The horizontal axis's label.
    pub x: &'a str,
    /// The vertical axis's label.
    pub y: &'a str,
}

impl Chart {
    /// A `width` × `height` chart with the scales `x` and `y`; its frame is drawn now.
    #[must_use]
    pub fn new(width: f64, height: f64, x: Scale, y: Scale, labels: Labels<'_>) -> Chart {
        let left = match &y {
            Scale::Categories(names) => {
                let longest = names.iter().map(|n| n.chars().count()).max().unwrap_or(4);
                #[allow(clippy::cast_precision_loss)]
                let w = (longest.min(28) as f64) * 7.0 + 24.0;
                w.max(64.0)
            }
            _ => 64.0,
        };
        let mut chart = Chart {
            width,
            height,
            left,
            right: 16.0,
            top: 52.0,
            bottom: 48.0,
            x,
            y,
            body: String::new(),
            legend: Vec::new(),
        };
        chart.frame(labels);
        chart
    }

    /// The pixel column of `v`.
    #[must_use]
    pub fn px(&self, v: f64) -> f64 {
        self.left + self.x.position(v) * (self.width - self.left - self.right)
    }

    /// The pixel row of `v`.
    #[must_use]
    pub fn py(&self, v: f64) -> f64 {
        let h = self.height - self.top - self.bottom;
        match self.y {
            // Categories read top to bottom.
            Scale::Categories(_) => self.top + self.y.position(v) * h,
            _ => self.height - self.bottom - self.y.position(v) * h,
        }
    }

    /// The width of one category on the horizontal axis, in pixels.
    #[must_use]
    pub fn x_band(&self) -> f64 {
        match &self.x {
            Scale::Categories(names) => {
                #[allow(clippy::cast_precision_loss)]
                let n = names.len().max(1) as f64;
                (self.width - self.left - self.right) / n
            }
            _ => 0.0,
        }
    }

    /// The height of one category on the vertical axis, in pixels.
    #[must_use]
    pub fn y_band(&self) -> f64 {
        match &self.y {
            Scale::Categories(names) => {
                #[allow(clippy::cast_precision_loss)]
                let n = names.len().max(1) as f64;
                (self.height - self.top - self.bottom) / n
            }
            _ => 0.0,
        }
    }

    fn frame(&mut self, labels: Labels<'_>) {
        let (w, h) = (self.width, self.height);
        let (x0, x1) = (self.left, w - self.right);
        let (y0, y1) = (h - self.bottom, self.top);
        let b = &mut self.body;
        let _ = write!(
            b,
            r#"<text class="title" x="{}" y="20" text-anchor="middle">{}</text>"#,
            w / 2.0,
            esc(labels.title)
        );
        let x_ticks = self.x.ticks();
        let y_ticks = self.y.ticks();
        let mut grid = String::new();
        for (v, label) in &x_ticks {
            let px = self.left + self.x.position(*v) * (x1 - x0);
            let _ = write!(
                grid,
                r#"<line class="grid" x1="{px:.1}" y1="{y0}" x2="{px:.1}" y2="{y1}"/><text class="tick" x="{px:.1}" y="{}" text-anchor="middle">{}</text>"#,
                y0 + 16.0,
                esc(label)
            );
        }
        let plot_h = y0 - y1;
        for (v, label) in &y_ticks {
            let py = match self.y {
                Scale::Categories(_) => y1 + self.y.position(*v) * plot_h,
                _ => y0 - self.y.position(*v) * plot_h,
            };
            let _ = write!(
                grid,
                r#"<line class="grid" x1="{x0}" y1="{py:.1}" x2="{x1}" y2="{py:.1}"/><text class="tick" x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
                x0 - 6.0,
                py + 4.0,
                esc(label)
            );
        }
        b.push_str(&grid);
        let _ = write!(
            b,
            r#"<line class="axis" x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}"/><line class="axis" x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}"/>"#
        );
        let _ = write!(
            b,
            r#"<text class="label" x="{}" y="{}" text-anchor="middle">{}</text>"#,
            (x0 + x1) / 2.0,
            h - 10.0,
            esc(labels.x)
        );
        let _ = write!(
            b,
            r#"<text class="label" transform="translate(14 {}) rotate(-90)" text-anchor="middle">{}</text>"#,
            (y0 + y1) / 2.0,
            esc(labels.y)
        );
    }

    /// A circle at `(x, y)` in data coordinates, with a hover text.
    pub fn dot(&mut self, x: f64, y: f64, r: f64, fill: &str, tip: &str) {
        let (px, py) = (self.px(x), self.py(y));
        let _ = write!(
            self.body,
            r#"<circle cx="{px:.1}" cy="{py:.1}" r="{r}" fill="{fill}"><title>{}</title></circle>"#,
            esc(tip)
        );
    }

    /// A diamond at `(x, y)`, outlined, with a hover text.
    pub fn diamond(&mut self, x: f64, y: f64, r: f64, stroke: &str, tip: &str) {
        let (px, py) = (self.px(x), self.py(y));
        let _ = write!(
            self.body,
            r#"<path class="prediction" d="M{:.1} {py:.1}L{px:.1} {:.1}L{:.1} {py:.1}L{px:.1} {:.1}Z" stroke="{stroke}"><title>{}</title></path>"#,
            px - r,
            py - r,
            px + r,
            py + r,
            esc(tip)
        );
    }

    /// A line through `points` in data coordinates (non-finite points break it).
    pub fn line(&mut self, points: &[(f64, f64)], stroke: &str, dashed: bool, tip: &str) {
        let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
        for &(x, y) in points {
            if x.is_finite() && y.is_finite() {
                if let Some(run) = runs.last_mut() {
                    run.push((self.px(x), self.py(y)));
                }
            } else if runs.last().is_some_and(|r| !r.is_empty()) {
                runs.push(Vec::new());
            }
        }
        for run in runs.into_iter().filter(|r| !r.is_empty()) {
            let coords: Vec<String> = run.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
            let _ = write!(
                self.body,
                r#"<polyline class="{}" points="{}" stroke="{stroke}"><title>{}</title></polyline>"#,
                if dashed { "series dashed" } else { "series" },
                coords.join(" "),
                esc(tip)
            );
        }
    }

    /// A straight line between two pixel positions (marks sized in pixels, such as a tick).
    pub fn pixel_line(
        &mut self,
        (x0, y0): (f64, f64),
        (x1, y1): (f64, f64),
        stroke: &str,
        tip: &str,
    ) {
        let _ = write!(
            self.body,
            r#"<polyline class="series" points="{x0:.1},{y0:.1} {x1:.1},{y1:.1}" stroke="{stroke}"><title>{}</title></polyline>"#,
            esc(tip)
        );
    }

    /// A rectangle spanning `x0..x1` and `y0..y1` in data coordinates.
    pub fn rect(&mut self, (x0, x1): (f64, f64), (y0, y1): (f64, f64), fill: &str, tip: &str) {
        self.pixel_rect(
            (self.px(x0), self.px(x1)),
            (self.py(y0), self.py(y1)),
            fill,
            tip,
        );
    }

    /// A rectangle in pixels (for bars placed inside a category's band).
    pub fn pixel_rect(
        &mut self,
        (x0, x1): (f64, f64),
        (y0, y1): (f64, f64),
        fill: &str,
        tip: &str,
    ) {
        let (left, top) = (x0.min(x1), y0.min(y1));
        let _ = write!(
            self.body,
            r#"<rect x="{left:.1}" y="{top:.1}" width="{:.1}" height="{:.1}" fill="{fill}"><title>{}</title></rect>"#,
            (x1 - x0).abs().max(1.0),
            (y1 - y0).abs(),
            esc(tip)
        );
    }

    /// Text at a pixel position.
    pub fn text(&mut self, (x, y): (f64, f64), anchor: &str, text: &str) {
        let _ = write!(
            self.body,
            r#"<text class="note" x="{x:.1}" y="{y:.1}" text-anchor="{anchor}">{}</text>"#,
            esc(text)
        );
    }

    /// Adds a legend entry.
    pub fn legend(&mut self, label: &str, colour: &str, mark: Mark) {
        self.legend
            .push((label.to_owned(), colour.to_owned(), mark));
    }

    /// The finished `<svg>` element, labelled for screen readers by its title.
    #[must_use]
    pub fn finish(self, title: &str) -> String {
        let mut out = format!(
            r#"<svg class="plot" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{}">"#,
            esc(title),
            w = self.width,
            h = self.height
        );
        out.push_str(&self.body);
        let mut x = self.left;
        for (label, colour, mark) in &self.legend {
            let y = 38.0;
            let symbol = match mark {
                Mark::Dot => format!(
                    r#"<circle cx="{:.1}" cy="{y}" r="4" fill="{colour}"/>"#,
                    x + 6.0
                ),
                Mark::Line => format!(
                    r#"<line class="series" x1="{x:.1}" y1="{y}" x2="{:.1}" y2="{y}" stroke="{colour}"/>"#,
                    x + 14.0
                ),
                Mark::Dashed => format!(
                    r#"<line class="series dashed" x1="{x:.1}" y1="{y}" x2="{:.1}" y2="{y}" stroke="{colour}"/>"#,
                    x + 14.0
                ),
                Mark::Square => format!(
                    r#"<rect x="{:.1}" y="{}" width="10" height="10" fill="{colour}"/>"#,
                    x + 1.0,
                    y - 5.0
                ),
                Mark::Diamond => format!(
                    r#"<path class="prediction" d="M{:.1} {y}L{:.1} {}L{:.1} {y}L{:.1} {}Z" stroke="{colour}"/>"#,
                    x + 2.0,
                    x + 7.0,
                    y - 5.0,
                    x + 12.0,
                    x + 7.0,
                    y + 5.0
                ),
            };
            out.push_str(&symbol);
            let _ = write!(
                out,
                r#"<text class="legend" x="{:.1}" y="{}">{}</text>"#,
                x + 18.0,
                y + 4.0,
                esc(label)
            );
            #[allow(clippy::cast_precision_loss)]
            let advance = 30.0 + label.chars().count() as f64 * 6.5;
            x += advance;
        }
        out.push_str("</svg>");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_numbers_inside_the_range() {
        let ticks = linear_ticks(0.03, 0.97);
        let values: Vec<f64> = ticks.iter().map(|t| t.0).collect();
        assert_eq!(values, [0.2, 0.4, 0.6000000000000001, 0.8]);
        let labels: Vec<&str> = ticks.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(labels, ["0.2", "0.4", "0.6", "0.8"]);
        let log: Vec<String> = log_ticks(1e-4, 0.5).into_iter().map(|t| t.1).collect();
        assert_eq!(log, ["1e-4", "0.001", "0.01", "0.1"]);
    }

    #[test]
    fn scales_place_values_and_categories() {
        let log = Scale::Log {
            low: 1.0,
            high: 100.0,
        };
        assert!((log.position(10.0) - 0.5).abs() < 1e-12);
        let names = Scale::Categories(vec!["a".into(), "b".into()]);
        assert!((names.position(1.0) - 0.75).abs() < 1e-12);
    }

    #[test]
    fn text_is_escaped_and_colours_are_hex() {
        assert_eq!(esc("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
        assert_eq!(viridis(0.0), "#440154");
        assert_eq!(viridis(1.0), "#fde725");
        assert_eq!(number(0.000_12), "1.2e-4");
        assert_eq!(number(12.5), "12.5");
        assert_eq!(number(1_234_567.0), "1.23e6");
    }
}

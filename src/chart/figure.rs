//! A chart as data: a title, columns of panels, and in each panel the series, bands, reference
//! lines and notes to draw. Lesson charts and `plot` build a [`Figure`]; one renderer
//! (`render.rs`, used by [`super::render_svg`] and [`super::write_chart`]) draws any figure to
//! SVG or PNG. A figure holds no plotting code, so a test can check what a chart says without
//! drawing it.

use super::style::{Quantity, Rgb, BAND_FILLS, INK};
use crate::simulation::Band as CowsBand;

/// A whole chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// The takeaway, one line.
    pub title: String,
    /// What was simulated, one line.
    pub subtitle: String,
    /// Columns side by side, left to right.
    pub columns: Vec<Column>,
    /// The small print at the bottom (the disclaimer).
    pub footer: String,
}

/// A column of panels stacked top to bottom.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Heading above the column, if any.
    pub heading: Option<String>,
    /// Relative width.
    pub weight: f64,
    /// The panels, top first.
    pub panels: Vec<Panel>,
}

impl Column {
    /// A column with a heading and a relative width.
    pub fn headed(heading: &str, weight: f64, panels: Vec<Panel>) -> Column {
        Column {
            heading: Some(heading.to_string()),
            weight,
            panels,
        }
    }

    /// The only column of a figure: no heading, full width.
    pub fn single(panels: Vec<Panel>) -> Column {
        Column {
            heading: None,
            weight: 1.0,
            panels,
        }
    }
}

/// One plot area with its axes.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    /// Name shown above the plot, left of the legend.
    pub title: String,
    /// Relative height within the column.
    pub weight: f64,
    /// Horizontal axis.
    pub x: Axis,
    /// Vertical axis.
    pub y: Axis,
    /// Whether the x tick labels and description are drawn (off for upper panels sharing the
    /// time axis of the panel below).
    pub x_labels: bool,
    /// Horizontal shaded bands (e.g. COWS severity), drawn first.
    pub bands: Vec<HBand>,
    /// Vertical shaded spans (e.g. the days of use).
    pub spans: Vec<Span>,
    /// Shaded areas between two curves (e.g. percentile bands of a cohort), drawn under the
    /// grid in order, so a narrower band drawn later shows on a wider one.
    pub ribbons: Vec<Ribbon>,
    /// Horizontal reference lines (baseline, thresholds).
    pub hlines: Vec<Rule>,
    /// Vertical reference lines (the last dose).
    pub vlines: Vec<Rule>,
    /// Data lines.
    pub series: Vec<Series>,
    /// Point markers.
    pub markers: Vec<Markers>,
    /// Dose times, drawn as small ticks along the bottom.
    pub dose_ticks: Vec<f64>,
    /// Text annotations.
    pub notes: Vec<Note>,
    /// Whether labelled series get a legend in the panel header.
    pub legend: bool,
}

impl Panel {
    /// An empty panel with axes.
    pub fn new(title: impl Into<String>, x: Axis, y: Axis) -> Panel {
        Panel {
            title: title.into(),
            weight: 1.0,
            x,
            y,
            x_labels: true,
            bands: Vec::new(),
            spans: Vec::new(),
            ribbons: Vec::new(),
            hlines: Vec::new(),
            vlines: Vec::new(),
            series: Vec::new(),
            markers: Vec::new(),
            dose_ticks: Vec::new(),
            notes: Vec::new(),
            legend: true,
        }
    }

    /// Adds the breathing bands that fall within the y axis, labelled: below the model's
    /// life-threatening level, and up to twice it (severely depressed).
    pub fn with_breathing_bands(mut self, life_threatening_pct: f64) -> Panel {
        let fills = [BAND_FILLS[4], BAND_FILLS[2]];
        let bands = [
            (0.0, life_threatening_pct, "life-threatening"),
            (
                life_threatening_pct,
                2.0 * life_threatening_pct,
                "severely depressed",
            ),
        ];
        for ((lo, hi, name), fill) in bands.into_iter().zip(fills) {
            if lo < self.y.max && hi > self.y.min {
                self.bands.push(HBand {
                    lo: lo.max(self.y.min),
                    hi: hi.min(self.y.max),
                    fill,
                    label: Some(name.to_string()),
                });
            }
        }
        self
    }

    /// Adds the COWS severity bands that fall within the y axis, labelled.
    pub fn with_cows_bands(mut self) -> Panel {
        for (band, fill) in CowsBand::ALL.iter().zip(BAND_FILLS) {
            let (lo, hi) = band.range();
            if lo >= self.y.max {
                continue;
            }
            self.bands.push(HBand {
                lo,
                hi: hi.min(self.y.max),
                fill,
                label: Some(band.name().to_string()),
            });
        }
        self
    }
}

/// How values map to positions along an axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Evenly spaced values.
    Linear,
    /// Evenly spaced decades.
    Log10,
}

/// An axis: description with unit, range, scale and tick positions.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// Description with the unit in brackets, e.g. "Time since the first dose (days)".
    pub label: String,
    /// Lowest value shown.
    pub min: f64,
    /// Highest value shown.
    pub max: f64,
    /// Linear or logarithmic.
    pub scale: Scale,
    /// Labelled ticks (data values).
    pub ticks: Vec<f64>,
    /// Unlabelled minor grid lines (data values).
    pub minor: Vec<f64>,
}

impl Axis {
    /// A linear axis from `min` to `max` with labelled ticks every `step` and no minor ticks.
    pub fn linear(label: impl Into<String>, min: f64, max: f64, step: f64) -> Axis {
        Axis {
            label: label.into(),
            min,
            max,
            scale: Scale::Linear,
            ticks: steps(min, max, step),
            minor: Vec::new(),
        }
    }

    /// A linear axis with about `n` ticks at round values (1, 2, 2.5 or 5 times a power of ten).
    pub fn nice(label: impl Into<String>, min: f64, max: f64, n: usize) -> Axis {
        Axis::linear(label, min, max, nice_step((max - min) / n.max(1) as f64))
    }

    /// A logarithmic axis with a labelled tick at each power of ten and minor lines at 2..9 times
    /// it. `min` and `max` must be positive.
    pub fn log(label: impl Into<String>, min: f64, max: f64) -> Axis {
        let mut ticks = Vec::new();
        let mut minor = Vec::new();
        let lo = min.log10().floor() as i32;
        let hi = max.log10().ceil() as i32;
        for e in lo..=hi {
            let decade = 10f64.powi(e);
            if decade >= min * (1.0 - 1e-9) && decade <= max * (1.0 + 1e-9) {
                ticks.push(decade);
            }
            for m in 2..10 {
                let v = decade * f64::from(m);
                if v > min && v < max {
                    minor.push(v);
                }
            }
        }
        Axis {
            label: label.into(),
            min,
            max,
            scale: Scale::Log10,
            ticks,
            minor,
        }
    }

    /// The value's position in the axis' own (possibly logarithmic) coordinate, clamped to the
    /// axis range.
    pub fn to_coord(&self, v: f64) -> f64 {
        let v = if v.is_nan() { self.min } else { v };
        let v = v.clamp(self.min, self.max);
        match self.scale {
            Scale::Linear => v,
            Scale::Log10 => v.log10(),
        }
    }

    /// The axis of a withdrawal score: from 0 to the top of the first COWS band that leaves
    /// headroom above `peak`, with ticks at the band boundaries (from [`CowsBand::range`]).
    pub fn cows(label: impl Into<String>, peak: f64) -> Axis {
        let top = CowsBand::ALL[1..]
            .iter()
            .map(|b| b.range().1)
            .find(|&hi| hi >= peak * 1.15 + 1.0)
            .unwrap_or(crate::model::dynamics::COWS_MAX);
        let mut ticks: Vec<f64> = CowsBand::ALL.iter().map(|b| b.range().0).collect();
        ticks.push(crate::model::dynamics::COWS_MAX);
        ticks.retain(|&t| t <= top);
        Axis {
            label: label.into(),
            min: 0.0,
            max: top,
            scale: Scale::Linear,
            ticks,
            minor: Vec::new(),
        }
    }

    /// The value's position in the axis' own coordinate, not clamped (zero and below on a log
    /// axis map far below the range).
    pub fn to_coord_unclamped(&self, v: f64) -> f64 {
        match self.scale {
            Scale::Linear => v,
            Scale::Log10 if v > 0.0 => v.log10(),
            Scale::Log10 => self.min.log10() - 1e3,
        }
    }

    /// The axis range in its own coordinate.
    pub fn coord_range(&self) -> (f64, f64) {
        (self.to_coord(self.min), self.to_coord(self.max))
    }

    /// A tick label: as many decimals as the tick spacing needs, no trailing zeros.
    pub fn format(&self, v: f64) -> String {
        format_tick(v, self.decimals())
    }

    fn decimals(&self) -> usize {
        let needed = |t: f64| {
            (0..4)
                .find(|&d| {
                    let scaled = t * 10f64.powi(d);
                    (scaled - scaled.round()).abs() < 1e-6 * scaled.abs().max(1.0)
                })
                .unwrap_or(4) as usize
        };
        self.ticks.iter().map(|&t| needed(t)).max().unwrap_or(0)
    }
}

/// Values `min, min + step, ...` up to `max` (rounded to the step to avoid 0.30000000000000004).
pub fn steps(min: f64, max: f64, step: f64) -> Vec<f64> {
    if !(step > 0.0 && step.is_finite() && max >= min) {
        return vec![min, max];
    }
    let first = (min / step - 1e-9).ceil() as i64;
    let last = (max / step + 1e-9).floor() as i64;
    (first..=last)
        .map(|k| round_to(k as f64 * step, step))
        .collect()
}

fn round_to(v: f64, step: f64) -> f64 {
    let digits = (-step.log10().floor()).max(0.0) as i32 + 2;
    let p = 10f64.powi(digits);
    (v * p).round() / p
}

/// A round step near `raw`: 1, 2, 2.5 or 5 times a power of ten.
pub fn nice_step(raw: f64) -> f64 {
    if !(raw > 0.0 && raw.is_finite()) {
        return 1.0;
    }
    let p = 10f64.powf(raw.log10().floor());
    let f = raw / p;
    let m = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 2.5 {
        2.5
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    m * p
}

/// A number with `decimals` decimals, trailing zeros and a negative zero removed.
pub fn format_tick(v: f64, decimals: usize) -> String {
    crate::output::format_decimals(v, decimals)
}

/// A horizontal shaded band.
#[derive(Debug, Clone, PartialEq)]
pub struct HBand {
    /// Bottom (data value).
    pub lo: f64,
    /// Top (data value).
    pub hi: f64,
    /// Fill colour.
    pub fill: Rgb,
    /// Label drawn inside the band at the right edge, when it fits.
    pub label: Option<String>,
}

/// A shaded area between a lower and an upper curve sampled at the same x values.
#[derive(Debug, Clone, PartialEq)]
pub struct Ribbon {
    /// Fill color (opaque: plotters' bitmap backend does not blend polygons).
    pub fill: Rgb,
    /// The x values.
    pub x: Vec<f64>,
    /// The lower curve, one value per x.
    pub lower: Vec<f64>,
    /// The upper curve, one value per x.
    pub upper: Vec<f64>,
}

/// A vertical shaded span.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    /// Left edge (data value).
    pub from: f64,
    /// Right edge (data value).
    pub to: f64,
    /// Fill colour.
    pub fill: Rgb,
    /// Label drawn at the top left inside the span.
    pub label: Option<String>,
}

/// Dash pattern of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dash {
    /// Continuous.
    Solid,
    /// Long dashes.
    Dashed,
    /// Short dashes.
    Dotted,
}

/// A reference line across the panel.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Where (data value on the axis it crosses).
    pub at: f64,
    /// Label, drawn near the line's top (vertical) or right end (horizontal).
    pub label: Option<String>,
    /// Colour.
    pub color: Rgb,
    /// Pattern.
    pub dash: Dash,
}

impl Rule {
    /// A dashed ink-coloured rule.
    pub fn new(at: f64, label: Option<String>) -> Rule {
        Rule {
            at,
            label,
            color: INK,
            dash: Dash::Dashed,
        }
    }
}

/// A data line.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend label (`None`: not in the legend).
    pub label: Option<String>,
    /// Colour.
    pub color: Rgb,
    /// Pattern.
    pub dash: Dash,
    /// Relative width (1 = a main series).
    pub weight: f64,
    /// Points in data values, in drawing order.
    pub points: Vec<(f64, f64)>,
    /// Marker shape shown with the line in the legend (the markers themselves are a
    /// [`Markers`] set without a label, so that they need not sit on every point).
    pub mark: Option<Shape>,
}

impl Series {
    /// A solid main line in a quantity's colour.
    pub fn of(quantity: Quantity, label: Option<String>, points: Vec<(f64, f64)>) -> Series {
        Series::line(label, quantity.color(), Dash::Solid, points)
    }

    /// A main-weight line.
    pub fn line(label: Option<String>, color: Rgb, dash: Dash, points: Vec<(f64, f64)>) -> Series {
        Series {
            label,
            color,
            dash,
            weight: 1.0,
            points,
            mark: None,
        }
    }
}

/// Marker shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Filled circle.
    Circle,
    /// Filled square.
    Square,
    /// Filled triangle.
    Triangle,
    /// Filled diamond.
    Diamond,
}

/// Point markers.
#[derive(Debug, Clone, PartialEq)]
pub struct Markers {
    /// Legend label (`None`: not in the legend).
    pub label: Option<String>,
    /// Colour.
    pub color: Rgb,
    /// Shape.
    pub shape: Shape,
    /// Points in data values.
    pub points: Vec<(f64, f64)>,
}

/// Where a note sits relative to its point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// The note's left edge at the point, vertically centred.
    Left,
    /// The note's right edge at the point, vertically centred.
    Right,
    /// Centred above the point.
    Above,
    /// Centred below the point.
    Below,
    /// The note's bottom-left corner at the point.
    AboveRight,
    /// The note's bottom-right corner at the point.
    AboveLeft,
    /// The note's top-left corner at the point.
    BelowRight,
    /// The note's top-right corner at the point.
    BelowLeft,
}

/// A text annotation at a data point, on a white box so that it stays legible over grid lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    /// The text (one line; use several notes for several lines).
    pub text: String,
    /// Data position.
    pub at: (f64, f64),
    /// Placement relative to the position.
    pub anchor: Anchor,
    /// Colour.
    pub color: Rgb,
    /// Whether a dot marks the point itself.
    pub dot: bool,
}

impl Note {
    /// An ink-coloured note without a dot.
    pub fn new(text: impl Into<String>, at: (f64, f64), anchor: Anchor) -> Note {
        Note {
            text: text.into(),
            at,
            anchor,
            color: INK,
            dot: false,
        }
    }

    /// The same note in a colour, with a dot at its point.
    pub fn marked(mut self, color: Rgb) -> Note {
        self.color = color;
        self.dot = true;
        self
    }

    /// The same note in a colour.
    pub fn colored(mut self, color: Rgb) -> Note {
        self.color = color;
        self
    }
}

/// Thins a densely sampled line to at most about `2 * buckets` points over `[x0, x1]`, keeping
/// in each bucket the lowest and the highest point in their time order. Peaks as brief as one
/// sample survive, so a dose's spike stays visible on a weeks-long axis. Points outside the
/// window are dropped, except the nearest one on each side so the line reaches the edges.
pub fn envelope(xs: &[f64], ys: &[f64], x0: f64, x1: f64, buckets: usize) -> Vec<(f64, f64)> {
    let n = xs.len().min(ys.len());
    let buckets = buckets.max(1);
    let width = (x1 - x0) / buckets as f64;
    let mut out = Vec::with_capacity(2 * buckets + 2);
    let start = xs[..n].partition_point(|&x| x < x0);
    let end = xs[..n].partition_point(|&x| x <= x1);
    if start > 0 {
        out.push((xs[start - 1], ys[start - 1]));
    }
    let mut i = start;
    while i < end {
        let b = (((xs[i] - x0) / width).floor() as usize).min(buckets - 1);
        let (mut lo, mut hi) = (i, i);
        let mut j = i + 1;
        while j < end && ((((xs[j] - x0) / width).floor() as usize).min(buckets - 1)) == b {
            if ys[j] < ys[lo] {
                lo = j;
            }
            if ys[j] > ys[hi] {
                hi = j;
            }
            j += 1;
        }
        let (first, second) = if lo <= hi { (lo, hi) } else { (hi, lo) };
        out.push((xs[first], ys[first]));
        if second != first {
            out.push((xs[second], ys[second]));
        }
        i = j;
    }
    if end < n {
        out.push((xs[end], ys[end]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_keeps_a_one_sample_spike() {
        let xs: Vec<f64> = (0..10_000).map(f64::from).collect();
        let mut ys = vec![0.0; 10_000];
        ys[5_003] = 1.0;
        let e = envelope(&xs, &ys, 0.0, 9_999.0, 100);
        assert!(e.len() <= 202);
        assert!(e.contains(&(5_003.0, 1.0)));
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(steps(0.0, 1.0, 0.25), vec![0.0, 0.25, 0.5, 0.75, 1.0]);
        assert_eq!(steps(0.0, 0.9, 0.3), vec![0.0, 0.3, 0.6, 0.9]);
        assert_eq!(nice_step(0.23), 0.25);
        assert_eq!(nice_step(7.0), 10.0);
        let a = Axis::log("c", 0.1, 1000.0);
        assert_eq!(a.ticks, vec![0.1, 1.0, 10.0, 100.0, 1000.0]);
        assert_eq!(a.format(0.1), "0.1");
        assert_eq!(a.format(1000.0), "1000");
        let b = Axis::linear("x", 0.0, 1.0, 0.25);
        assert_eq!(b.format(0.5), "0.5");
    }
}

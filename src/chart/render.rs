//! Draws a [`Figure`] on any plotters backend: the one place that knows plotters' API.
//!
//! Layout, top to bottom: the title and subtitle; the columns, each with an optional heading and
//! its panels (a header line with the panel's name and legend, then the plot); the footer. Every
//! size comes from the [`Canvas`], so text grows with the canvas. Panels in one column share the
//! width of their y label area, so plots stacked on a shared time axis line up.
//!
//! Two details keep the bitmaps clean. Lines are clipped to the plot and split where they turn
//! back sharply (plotters turns thick lines into polygons, and a spike's inner corner would
//! otherwise shoot out across the chart). Notes and line labels are placed by trying a few
//! positions around their point and keeping the one that covers the fewest data points and no
//! other label, inside the plot.

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::figure::{Anchor, Axis, Column, Dash, Figure, Panel, Shape};
use super::style::{Canvas, Rgb, Text as Role, FONT, INK, MUTED, WHITE};
use super::ChartError;

fn color(c: Rgb) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

fn failed<E: std::fmt::Display>(e: E) -> ChartError {
    ChartError::Render {
        reason: e.to_string(),
    }
}

fn font_sized(size: f64, role: Role) -> FontDesc<'static> {
    let style = match role {
        Role::Title | Role::Heading | Role::PanelTitle => FontStyle::Bold,
        _ => FontStyle::Normal,
    };
    FontDesc::new(FontFamily::Name(FONT), size, style)
}

fn font(canvas: &Canvas, role: Role) -> FontDesc<'static> {
    font_sized(canvas.text(role), role)
}

/// Width and height of a line of text (px).
fn text_size(canvas: &Canvas, role: Role, text: &str) -> Result<(i32, i32), ChartError> {
    let (w, h) = font(canvas, role).box_size(text).map_err(failed)?;
    Ok((w as i32, h as i32))
}

/// The role's font, shrunk (to no less than 60%) so that `text` fits in `width` pixels.
fn fitted(
    canvas: &Canvas,
    role: Role,
    text: &str,
    width: i32,
) -> Result<FontDesc<'static>, ChartError> {
    let size = canvas.text(role);
    let (w, _) = text_size(canvas, role, text)?;
    if w <= width || w == 0 {
        return Ok(font_sized(size, role));
    }
    let factor = (f64::from(width) / f64::from(w)).max(0.6);
    Ok(font_sized((size * factor * 0.99).floor(), role))
}

const WHITE_RGB: RGBColor = RGBColor(WHITE.0, WHITE.1, WHITE.2);

/// Draws a figure on a drawing area the size of the canvas.
pub(crate) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    fig: &Figure,
    canvas: &Canvas,
) -> Result<(), ChartError> {
    root.fill(&WHITE_RGB).map_err(failed)?;
    let outer = canvas.ipx(22.0);
    let (w, h) = (canvas.width as i32, canvas.height as i32);
    let inner_w = w - 2 * outer;

    // Title and subtitle, shrunk to fit the width.
    root.draw(&Text::new(
        fig.title.clone(),
        (outer, outer),
        fitted(canvas, Role::Title, &fig.title, inner_w)?.color(&color(INK)),
    ))
    .map_err(failed)?;
    let mut top = outer + canvas.ipx(38.0 * 1.3);
    if !fig.subtitle.is_empty() {
        root.draw(&Text::new(
            fig.subtitle.clone(),
            (outer, top),
            fitted(canvas, Role::Subtitle, &fig.subtitle, inner_w)?.color(&color(MUTED)),
        ))
        .map_err(failed)?;
        top += canvas.ipx(24.0 * 1.35);
    }
    top += canvas.ipx(12.0);

    // Footer.
    let footer_h = canvas.ipx(17.0 * 1.7);
    root.draw(&Text::new(
        fig.footer.clone(),
        (outer, h - outer / 2 - footer_h / 2),
        fitted(canvas, Role::Footer, &fig.footer, inner_w)?
            .color(&color(MUTED))
            .pos(Pos::new(HPos::Left, VPos::Center)),
    ))
    .map_err(failed)?;
    let bottom = h - outer / 2 - footer_h;

    // Columns.
    let gap = canvas.ipx(40.0);
    let total_weight: f64 = fig.columns.iter().map(|c| c.weight).sum();
    let usable = (inner_w - gap * (fig.columns.len() as i32 - 1)).max(1);
    let mut x = outer;
    for column in &fig.columns {
        let cw = ((f64::from(usable) * column.weight / total_weight).round() as i32).max(1);
        let area = root
            .clone()
            .shrink((x, top), (cw as u32, (bottom - top).max(1) as u32));
        draw_column(&area, column, canvas)?;
        x += cw + gap;
    }
    Ok(())
}

fn draw_column<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    column: &Column,
    canvas: &Canvas,
) -> Result<(), ChartError> {
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let mut y = 0;
    if let Some(heading) = &column.heading {
        area.draw(&Text::new(
            heading.clone(),
            (0, 0),
            fitted(canvas, Role::Heading, heading, w)?.color(&color(INK)),
        ))
        .map_err(failed)?;
        y += canvas.ipx(27.0 * 1.45);
    }
    let y_label_w = y_label_width(column, canvas)?;
    // Fixed heights (headers, x label areas, gaps), then the plots share the rest by weight.
    let gap = canvas.ipx(12.0);
    let mut fixed = gap * (column.panels.len() as i32 - 1).max(0);
    let mut headers = Vec::new();
    for panel in &column.panels {
        let lines = legend_lines(panel, canvas, w - y_label_w)?;
        let header_h = header_height(canvas, lines.len());
        fixed += header_h + x_label_height(panel, canvas);
        headers.push((lines, header_h));
    }
    let total_weight: f64 = column.panels.iter().map(|p| p.weight).sum();
    let free = (h - y - fixed).max(10 * column.panels.len() as i32);
    for (panel, (lines, header_h)) in column.panels.iter().zip(headers) {
        let plot_h = ((f64::from(free) * panel.weight / total_weight).round() as i32).max(10);
        let panel_h = header_h + plot_h + x_label_height(panel, canvas);
        let panel_area = area
            .clone()
            .shrink((0, y), (w as u32, panel_h.max(1) as u32));
        draw_header(&panel_area, panel, &lines, y_label_w, canvas)?;
        let plot_area = panel_area.clone().shrink(
            (0, header_h),
            (w as u32, (panel_h - header_h).max(1) as u32),
        );
        draw_plot(&plot_area, panel, y_label_w, canvas)?;
        y += panel_h + gap;
    }
    Ok(())
}

fn right_margin(canvas: &Canvas) -> i32 {
    canvas.ipx(12.0)
}

fn tick_len(canvas: &Canvas) -> i32 {
    canvas.ipx(7.0)
}

/// Width of the y label area: the widest tick label of any panel in the column, the tick marks
/// and the rotated axis description.
fn y_label_width(column: &Column, canvas: &Canvas) -> Result<i32, ChartError> {
    let mut widest = 0;
    for panel in &column.panels {
        for &t in &panel.y.ticks {
            widest = widest.max(text_size(canvas, Role::Tick, &panel.y.format(t))?.0);
        }
    }
    Ok(widest + tick_len(canvas) + canvas.ipx(10.0) + canvas.ipx(22.0 * 1.5))
}

fn x_label_height(panel: &Panel, canvas: &Canvas) -> i32 {
    if panel.x_labels {
        tick_len(canvas) + canvas.ipx(22.0 * 1.3) + canvas.ipx(22.0 * 1.5)
    } else {
        tick_len(canvas)
    }
}

fn header_height(canvas: &Canvas, lines: usize) -> i32 {
    canvas.ipx(24.0 * 1.45) * lines.max(1) as i32
}

/// One legend entry: the label and how its swatch looks.
#[derive(Debug, Clone)]
struct Entry {
    label: String,
    color: Rgb,
    /// Line pattern, or no line (markers only).
    dash: Option<Dash>,
    shape: Option<Shape>,
    width: i32,
}

/// Lays the panel title and legend entries out in lines that fit the width.
fn legend_lines(panel: &Panel, canvas: &Canvas, width: i32) -> Result<Vec<Vec<Entry>>, ChartError> {
    let mut entries = Vec::new();
    if panel.legend {
        for s in &panel.series {
            if let Some(label) = &s.label {
                entries.push(Entry {
                    label: label.clone(),
                    color: s.color,
                    dash: Some(s.dash),
                    shape: s.mark,
                    width: 0,
                });
            }
        }
        for m in &panel.markers {
            if let Some(label) = &m.label {
                entries.push(Entry {
                    label: label.clone(),
                    color: m.color,
                    dash: None,
                    shape: Some(m.shape),
                    width: 0,
                });
            }
        }
    }
    let spacing = canvas.ipx(26.0);
    for e in &mut entries {
        e.width =
            swatch_width(canvas) + canvas.ipx(8.0) + text_size(canvas, Role::Legend, &e.label)?.0;
    }
    let mut used = if panel.title.is_empty() {
        0
    } else {
        text_size(canvas, Role::PanelTitle, &panel.title)?.0 + spacing
    };
    let mut lines: Vec<Vec<Entry>> = vec![Vec::new()];
    for e in entries {
        let need = e.width + spacing;
        if used > 0 && used + need - spacing > width {
            lines.push(Vec::new());
            used = 0;
        }
        used += need;
        if let Some(line) = lines.last_mut() {
            line.push(e);
        }
    }
    Ok(lines)
}

fn swatch_width(canvas: &Canvas) -> i32 {
    canvas.ipx(40.0)
}

fn draw_header<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &Panel,
    lines: &[Vec<Entry>],
    indent: i32,
    canvas: &Canvas,
) -> Result<(), ChartError> {
    let line_h = header_height(canvas, 1);
    let spacing = canvas.ipx(26.0);
    let mut x = indent;
    let mid = line_h / 2;
    if !panel.title.is_empty() {
        area.draw(&Text::new(
            panel.title.clone(),
            (x, mid),
            font(canvas, Role::PanelTitle)
                .color(&color(INK))
                .pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(failed)?;
        x += text_size(canvas, Role::PanelTitle, &panel.title)?.0 + spacing;
    }
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            x = indent;
        }
        let cy = mid + line_h * i as i32;
        for e in line {
            draw_swatch(area, e, (x, cy), canvas)?;
            area.draw(&Text::new(
                e.label.clone(),
                (x + swatch_width(canvas) + canvas.ipx(8.0), cy),
                font(canvas, Role::Legend)
                    .color(&color(INK))
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(failed)?;
            x += e.width + spacing;
        }
    }
    Ok(())
}

fn draw_swatch<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    e: &Entry,
    (x, y): (i32, i32),
    canvas: &Canvas,
) -> Result<(), ChartError> {
    let w = swatch_width(canvas);
    if let Some(dash) = e.dash {
        let style = color(e.color).stroke_width(canvas.line(1.0));
        let pieces: Vec<(i32, i32)> = match dash {
            Dash::Solid => vec![(0, w)],
            Dash::Dashed => vec![(0, w * 2 / 5), (w * 3 / 5, w)],
            Dash::Dotted => (0..4).map(|k| (k * w / 4, k * w / 4 + w / 8)).collect(),
        };
        for (a, b) in pieces {
            area.draw(&PathElement::new(vec![(x + a, y), (x + b, y)], style))
                .map_err(failed)?;
        }
    }
    if let Some(shape) = e.shape {
        draw_marker(area, (x + w / 2, y), shape, e.color, canvas)?;
    }
    Ok(())
}

fn draw_marker<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
    shape: Shape,
    c: Rgb,
    canvas: &Canvas,
) -> Result<(), ChartError> {
    let r = canvas.ipx(8.0);
    let fill = color(c).filled();
    let outline = color(WHITE).stroke_width(canvas.line(0.4));
    let points: Vec<(i32, i32)> = match shape {
        Shape::Circle => {
            area.draw(&Circle::new((x, y), r, fill)).map_err(failed)?;
            area.draw(&Circle::new((x, y), r, outline))
                .map_err(failed)?;
            return Ok(());
        }
        Shape::Square => {
            let s = r * 85 / 100;
            vec![
                (x - s, y - s),
                (x + s, y - s),
                (x + s, y + s),
                (x - s, y + s),
            ]
        }
        Shape::Triangle => {
            let s = r * 115 / 100;
            vec![(x, y - s), (x + s, y + s * 3 / 4), (x - s, y + s * 3 / 4)]
        }
        Shape::Diamond => {
            let s = r * 125 / 100;
            vec![(x, y - s), (x + s, y), (x, y + s), (x - s, y)]
        }
    };
    area.draw(&Polygon::new(points.clone(), fill))
        .map_err(failed)?;
    let mut closed = points.clone();
    closed.push(points[0]);
    area.draw(&PathElement::new(closed, outline))
        .map_err(failed)?;
    Ok(())
}

/// The data value of a key point: the tick it came from, so that labels print 0.1, not
/// 0.09999999999999999.
fn tick_value(axis: &Axis, coord: f64) -> f64 {
    axis.ticks
        .iter()
        .copied()
        .find(|&t| (axis.to_coord(t) - coord).abs() < 1e-9)
        .unwrap_or(coord)
}

/// A pixel rectangle: left, top, right, bottom.
type Rect = (i32, i32, i32, i32);

fn overlaps(a: Rect, b: Rect) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

/// Where labels may go in one plot: its bounds, the data points they should not hide, and the
/// labels already placed.
struct Placement {
    bounds: Rect,
    data: Vec<(i32, i32)>,
    placed: Vec<Rect>,
}

impl Placement {
    /// Adds a line's pixels (every few pixels along each segment) as points to keep clear.
    fn add_line(&mut self, pts: &[(i32, i32)]) {
        for w in pts.windows(2) {
            let (a, b) = (w[0], w[1]);
            let len = (a.0 - b.0).abs().max((a.1 - b.1).abs());
            let n = (len / 6).max(1);
            for k in 0..n {
                self.data
                    .push((a.0 + (b.0 - a.0) * k / n, a.1 + (b.1 - a.1) * k / n));
            }
        }
        if let Some(&last) = pts.last() {
            self.data.push(last);
        }
    }

    /// How bad a box is: other labels and leaving the plot count most, then data points hidden.
    fn cost(&self, r: Rect) -> i64 {
        let b = self.bounds;
        let outside = r.0 < b.0 || r.1 < b.1 || r.2 > b.2 || r.3 > b.3;
        let clash = self.placed.iter().filter(|p| overlaps(**p, r)).count() as i64;
        let hidden = self
            .data
            .iter()
            .filter(|p| p.0 >= r.0 && p.0 <= r.2 && p.1 >= r.1 && p.1 <= r.3)
            .count() as i64;
        clash * 100_000 + i64::from(outside) * 1_000_000 + hidden
    }

    /// The best of the candidate boxes, or of the same moved inside the plot (the first wins
    /// ties), recorded as placed.
    fn choose(&mut self, candidates: &[(Rect, Anchor)]) -> (Rect, Anchor) {
        let mut all = candidates.to_vec();
        all.extend(
            candidates
                .iter()
                .map(|&(r, a)| (clamp_box(r, self.bounds), a)),
        );
        let mut best = all[0];
        let mut best_cost = i64::MAX;
        for &c in &all {
            let cost = self.cost(c.0);
            if cost < best_cost {
                best = c;
                best_cost = cost;
            }
        }
        self.placed.push(best.0);
        best
    }
}

/// The box of a text of size `(w, h)` placed at `p` with `anchor`, `gap` pixels off the point,
/// with `pad` pixels of margin.
fn note_box(p: (i32, i32), (w, h): (i32, i32), anchor: Anchor, gap: i32, pad: i32) -> Rect {
    let (w, h) = (w + 2 * pad, h + 2 * pad);
    let (left, top) = match anchor {
        Anchor::Left => (p.0 + gap, p.1 - h / 2),
        Anchor::Right => (p.0 - gap - w, p.1 - h / 2),
        Anchor::Above => (p.0 - w / 2, p.1 - gap - h),
        Anchor::Below => (p.0 - w / 2, p.1 + gap),
        Anchor::AboveRight => (p.0 + gap / 2, p.1 - gap / 2 - h),
        Anchor::AboveLeft => (p.0 - gap / 2 - w, p.1 - gap / 2 - h),
        Anchor::BelowRight => (p.0 + gap / 2, p.1 + gap / 2),
        Anchor::BelowLeft => (p.0 - gap / 2 - w, p.1 + gap / 2),
    };
    (left, top, left + w, top + h)
}

/// The box moved the least distance that puts it inside `bounds` (if it fits at all).
fn clamp_box(r: Rect, bounds: Rect) -> Rect {
    let dx = if r.0 < bounds.0 {
        bounds.0 - r.0
    } else if r.2 > bounds.2 {
        (bounds.2 - r.2).max(bounds.0 - r.0)
    } else {
        0
    };
    let dy = if r.1 < bounds.1 {
        bounds.1 - r.1
    } else if r.3 > bounds.3 {
        (bounds.3 - r.3).max(bounds.1 - r.1)
    } else {
        0
    };
    (r.0 + dx, r.1 + dy, r.2 + dx, r.3 + dy)
}

/// The preferred anchor first, then the others, nearest alternatives first.
fn anchors_from(preferred: Anchor) -> Vec<Anchor> {
    use Anchor::*;
    let all = match preferred {
        Left => [
            Left, AboveRight, BelowRight, Above, Below, Right, AboveLeft, BelowLeft,
        ],
        Right => [
            Right, AboveLeft, BelowLeft, Above, Below, Left, AboveRight, BelowRight,
        ],
        Above => [
            Above, AboveRight, AboveLeft, Left, Right, Below, BelowRight, BelowLeft,
        ],
        Below => [
            Below, BelowRight, BelowLeft, Left, Right, Above, AboveRight, AboveLeft,
        ],
        AboveRight => [
            AboveRight, Left, Above, BelowRight, AboveLeft, Right, Below, BelowLeft,
        ],
        AboveLeft => [
            AboveLeft, Right, Above, BelowLeft, AboveRight, Left, Below, BelowRight,
        ],
        BelowRight => [
            BelowRight, Left, Below, AboveRight, BelowLeft, Right, Above, AboveLeft,
        ],
        BelowLeft => [
            BelowLeft, Right, Below, AboveLeft, BelowRight, Left, Above, AboveRight,
        ],
    };
    all.to_vec()
}

/// Clips a line (in axis coordinates) to the rectangle `[x0, x1] x [y0, y1]`, returning the
/// visible runs.
fn clip_line(
    pts: &[(f64, f64)],
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
) -> Vec<Vec<(f64, f64)>> {
    let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut current: Vec<(f64, f64)> = Vec::new();
    for w in pts.windows(2) {
        let (a, b) = (w[0], w[1]);
        // Liang-Barsky.
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let mut t0: f64 = 0.0;
        let mut t1: f64 = 1.0;
        let mut visible = true;
        for (p, q) in [
            (-dx, a.0 - x0),
            (dx, x1 - a.0),
            (-dy, a.1 - y0),
            (dy, y1 - a.1),
        ] {
            if p == 0.0 {
                if q < 0.0 {
                    visible = false;
                }
            } else {
                let r = q / p;
                if p < 0.0 {
                    t0 = t0.max(r);
                } else {
                    t1 = t1.min(r);
                }
            }
        }
        if !visible || t0 > t1 || !(t0.is_finite() && t1.is_finite()) {
            if current.len() > 1 {
                runs.push(std::mem::take(&mut current));
            }
            current.clear();
            continue;
        }
        let start = (a.0 + t0 * dx, a.1 + t0 * dy);
        let end = (a.0 + t1 * dx, a.1 + t1 * dy);
        if current.is_empty() || t0 > 0.0 {
            if current.len() > 1 {
                runs.push(std::mem::take(&mut current));
            }
            current.clear();
            current.push(start);
        }
        current.push(end);
        if t1 < 1.0 {
            runs.push(std::mem::take(&mut current));
        }
    }
    if current.len() > 1 {
        runs.push(current);
    }
    runs
}

/// Splits a pixel path where it turns back by more than a right angle, and drops repeated
/// pixels, so that each piece can be drawn as a thick polygon without spikes.
fn split_sharp(pts: &[(i32, i32)]) -> Vec<Vec<(i32, i32)>> {
    let mut pieces = Vec::new();
    let mut current: Vec<(i32, i32)> = Vec::new();
    for &p in pts {
        if current.last() == Some(&p) {
            continue;
        }
        if current.len() >= 2 {
            let a = current[current.len() - 2];
            let b = current[current.len() - 1];
            let dot = i64::from(b.0 - a.0) * i64::from(p.0 - b.0)
                + i64::from(b.1 - a.1) * i64::from(p.1 - b.1);
            if dot < 0 {
                pieces.push(std::mem::take(&mut current));
                current.push(b);
            }
        }
        current.push(p);
    }
    if current.len() >= 2 {
        pieces.push(current);
    }
    pieces
}

/// The axis with labelled ticks dropped (to minor grid lines) where they would sit closer than
/// `min_gap` pixels on an axis `pixels` long, keeping the first.
fn thin_ticks(axis: &Axis, pixels: i32, min_gap: f64) -> Axis {
    let (lo, hi) = axis.coord_range();
    let scale = f64::from(pixels.max(1)) / (hi - lo).max(f64::MIN_POSITIVE);
    let mut out = axis.clone();
    out.ticks.clear();
    let mut last: Option<f64> = None;
    for &t in &axis.ticks {
        let at = axis.to_coord(t) * scale;
        if last.is_none_or(|l| at - l >= min_gap) {
            out.ticks.push(t);
            last = Some(at);
        } else {
            out.minor.push(t);
        }
    }
    out
}

fn draw_plot<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &Panel,
    y_label_w: i32,
    canvas: &Canvas,
) -> Result<(), ChartError> {
    // Fewer labelled ticks where the plot is too small for all of them.
    let (area_w, area_h) = area.dim_in_pixel();
    let plot_w = area_w as i32 - y_label_w - right_margin(canvas);
    let plot_h = area_h as i32 - x_label_height(panel, canvas);
    let widest_x = panel
        .x
        .ticks
        .iter()
        .map(|&t| text_size(canvas, Role::Tick, &panel.x.format(t)).map(|s| s.0))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .max()
        .unwrap_or(0);
    let thinned = Panel {
        x: thin_ticks(&panel.x, plot_w, f64::from(widest_x) + canvas.px(18.0)),
        y: thin_ticks(&panel.y, plot_h, canvas.text(Role::Tick) * 1.15),
        ..panel.clone()
    };
    let panel = &thinned;
    let (x0, x1) = panel.x.coord_range();
    let (y0, y1) = panel.y.coord_range();
    let mut chart = ChartBuilder::on(area)
        .margin_right(right_margin(canvas))
        .x_label_area_size(x_label_height(panel, canvas))
        .y_label_area_size(y_label_w)
        .build_cartesian_2d(Ticked::of(&panel.x), Ticked::of(&panel.y))
        .map_err(failed)?;
    let px = |x: f64| panel.x.to_coord(x);
    let py = |y: f64| panel.y.to_coord(y);

    // Shaded bands and spans go under the grid.
    for b in &panel.bands {
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(x0, py(b.lo)), (x1, py(b.hi))],
                color(b.fill).filled(),
            )))
            .map_err(failed)?;
    }
    for s in &panel.spans {
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(px(s.from), y0), (px(s.to), y1)],
                // Half transparent, so that bands under a span still show.
                color(s.fill).mix(0.5).filled(),
            )))
            .map_err(failed)?;
    }

    for r in &panel.ribbons {
        let mut outline: Vec<(f64, f64)> =
            r.x.iter()
                .zip(&r.lower)
                .map(|(&x, &y)| (px(x), py(y)))
                .collect();
        outline.extend(
            r.x.iter()
                .zip(&r.upper)
                .rev()
                .map(|(&x, &y)| (px(x), py(y))),
        );
        chart
            .draw_series(std::iter::once(Polygon::new(
                outline,
                color(r.fill).filled(),
            )))
            .map_err(failed)?;
    }

    let x_fmt = |v: &f64| {
        if panel.x_labels {
            panel.x.format(tick_value(&panel.x, *v))
        } else {
            String::new()
        }
    };
    let y_fmt = |v: &f64| panel.y.format(tick_value(&panel.y, *v));
    let x_desc = if panel.x_labels {
        panel.x.label.clone()
    } else {
        String::new()
    };
    // Grid lines darken what is under them, so they show on shaded bands too.
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(panel.y.label.clone())
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .label_style(font(canvas, Role::Tick).color(&color(INK)))
        .axis_desc_style(font(canvas, Role::AxisLabel).color(&color(INK)))
        .bold_line_style(BLACK.mix(0.13).stroke_width(1))
        .light_line_style(BLACK.mix(0.06).stroke_width(1))
        .axis_style(color(INK).stroke_width(canvas.line(0.5)))
        .set_all_tick_mark_size(tick_len(canvas))
        .draw()
        .map_err(failed)?;

    let o = {
        let (x, y) = area.get_pixel_range();
        (x.start, y.start)
    };
    let to_px = |cx: f64, cy: f64| {
        let (bx, by) = chart.backend_coord(&(cx, cy));
        (bx - o.0, by - o.1)
    };
    let (left, top) = to_px(x0, y1);
    let (right, bottom) = to_px(x1, y0);
    let mut place = Placement {
        bounds: (left, top, right, bottom),
        data: Vec::new(),
        placed: Vec::new(),
    };

    // Reference lines.
    for r in &panel.hlines {
        let pts = [(x0, py(r.at)), (x1, py(r.at))].map(|(a, b)| to_px(a, b));
        place.add_line(&pts);
        draw_line(area, &pts, r.color, r.dash, 0.55, canvas)?;
    }
    for r in &panel.vlines {
        let pts = [(px(r.at), y0), (px(r.at), y1)].map(|(a, b)| to_px(a, b));
        place.add_line(&pts);
        draw_line(area, &pts, r.color, r.dash, 0.55, canvas)?;
    }

    // Data.
    for s in &panel.series {
        let coords: Vec<(f64, f64)> = s
            .points
            .iter()
            .map(|&(x, y)| (panel.x.to_coord_unclamped(x), panel.y.to_coord_unclamped(y)))
            .collect();
        for run in clip_line(&coords, (x0, x1), (y0, y1)) {
            let pixels: Vec<(i32, i32)> = run.iter().map(|&(x, y)| to_px(x, y)).collect();
            place.add_line(&pixels);
            draw_line(area, &pixels, s.color, s.dash, s.weight, canvas)?;
        }
    }
    for m in &panel.markers {
        for &(x, y) in &m.points {
            let p = to_px(px(x), py(y));
            place.data.push(p);
            draw_marker(area, p, m.shape, m.color, canvas)?;
        }
    }

    // Band labels, inside each band when it is tall enough: at the right edge, or at the left
    // edge if the data runs through the right one; left out where the data crosses both.
    let note_h = canvas.text(Role::Note);
    for b in &panel.bands {
        let Some(label) = &b.label else { continue };
        let (_, band_top) = to_px(x1, py(b.hi));
        let (_, band_bottom) = to_px(x1, py(b.lo));
        if f64::from(band_bottom - band_top) < note_h * 0.95 {
            continue;
        }
        let mid = (band_top + band_bottom) / 2;
        let size = text_size(canvas, Role::Note, label)?;
        let inset = canvas.ipx(8.0);
        let candidates = [
            ((right - inset, mid), Anchor::Right, HPos::Right),
            ((left + inset, mid), Anchor::Left, HPos::Left),
        ];
        let free = candidates.into_iter().find(|(p, anchor, _)| {
            place.cost(note_box(*p, size, *anchor, 0, canvas.ipx(2.0))) == 0
        });
        let Some((p, anchor, hpos)) = free else {
            continue;
        };
        place
            .placed
            .push(note_box(p, size, anchor, 0, canvas.ipx(2.0)));
        area.draw(&Text::new(
            label.clone(),
            p,
            font(canvas, Role::Note)
                .color(&color(MUTED))
                .pos(Pos::new(hpos, VPos::Center)),
        ))
        .map_err(failed)?;
    }

    // Dose ticks along the bottom.
    let tick_style = color(MUTED).stroke_width(canvas.line(0.4));
    let dose_len = canvas.ipx(10.0);
    for &t in &panel.dose_ticks {
        if t < panel.x.min || t > panel.x.max {
            continue;
        }
        let (x, y) = to_px(px(t), y0);
        area.draw(&PathElement::new(
            vec![(x, y), (x, y - dose_len)],
            tick_style,
        ))
        .map_err(failed)?;
    }

    // Notes, then the labels of reference lines, each where it hides the least.
    let pad = canvas.ipx(4.0);
    let inset = canvas.ipx(6.0);
    // Dots first, so that no note covers another note's dot.
    let dot_r = canvas.ipx(6.0);
    for n in panel.notes.iter().filter(|n| n.dot) {
        let p = to_px(px(n.at.0), py(n.at.1));
        place
            .placed
            .push((p.0 - dot_r, p.1 - dot_r, p.0 + dot_r, p.1 + dot_r));
        area.draw(&Circle::new(p, dot_r, color(n.color).filled()))
            .map_err(failed)?;
    }
    for n in &panel.notes {
        let p = to_px(px(n.at.0), py(n.at.1));
        let gap = if n.dot {
            canvas.ipx(10.0)
        } else {
            canvas.ipx(4.0)
        };
        let size = text_size(canvas, Role::Note, &n.text)?;
        let candidates: Vec<(Rect, Anchor)> = anchors_from(n.anchor)
            .into_iter()
            .map(|a| (note_box(p, size, a, gap, pad), a))
            .collect();
        let (rect, _) = place.choose(&candidates);
        draw_note(area, &n.text, rect, n.color, canvas, pad)?;
    }
    for r in &panel.vlines {
        let Some(label) = &r.label else { continue };
        let size = text_size(canvas, Role::Note, label)?;
        let (x, _) = to_px(px(r.at), y1);
        let candidates: Vec<(Rect, Anchor)> = [Anchor::BelowRight, Anchor::BelowLeft]
            .into_iter()
            .flat_map(|a| {
                [top + inset, (top + bottom) / 2]
                    .map(|y| (note_box((x, y), size, a, inset, pad), a))
            })
            .collect();
        let (rect, _) = place.choose(&candidates);
        draw_note(area, label, rect, r.color, canvas, pad)?;
    }
    for r in &panel.hlines {
        let Some(label) = &r.label else { continue };
        let size = text_size(canvas, Role::Note, label)?;
        let (_, y) = to_px(x1, py(r.at));
        let candidates = [
            (
                note_box((right - inset, y), size, Anchor::AboveLeft, 2, pad),
                Anchor::AboveLeft,
            ),
            (
                note_box((left + inset, y), size, Anchor::AboveRight, 2, pad),
                Anchor::AboveRight,
            ),
            (
                note_box((right - inset, y), size, Anchor::BelowLeft, 2, pad),
                Anchor::BelowLeft,
            ),
            (
                note_box((left + inset, y), size, Anchor::BelowRight, 2, pad),
                Anchor::BelowRight,
            ),
        ];
        let (rect, _) = place.choose(&candidates);
        draw_note(area, label, rect, r.color, canvas, pad)?;
    }
    for s in &panel.spans {
        let Some(label) = &s.label else { continue };
        let size = text_size(canvas, Role::Note, label)?;
        let p = to_px(px(s.from), y1);
        let rect = note_box((p.0 + inset, p.1 + inset), size, Anchor::BelowRight, 0, pad);
        place.placed.push(rect);
        draw_note(area, label, rect, MUTED, canvas, pad)?;
    }
    Ok(())
}

/// Draws text in the box `rect` (which includes `pad` pixels of margin) on a white background.
fn draw_note<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    rect: Rect,
    c: Rgb,
    canvas: &Canvas,
    pad: i32,
) -> Result<(), ChartError> {
    area.draw(&Rectangle::new(
        [(rect.0, rect.1), (rect.2, rect.3)],
        color(WHITE).mix(0.85).filled(),
    ))
    .map_err(failed)?;
    area.draw(&Text::new(
        text.to_string(),
        (rect.0 + pad, (rect.1 + rect.3) / 2),
        font(canvas, Role::Note)
            .color(&color(c.readable()))
            .pos(Pos::new(HPos::Left, VPos::Center)),
    ))
    .map_err(failed)?;
    Ok(())
}

/// A linear coordinate (in the axis' own, possibly logarithmic, units) whose grid lines sit
/// exactly at the figure's ticks: labelled ones bold, minor ones light.
#[derive(Debug, Clone)]
struct Ticked {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
    minor: Vec<f64>,
}

impl Ticked {
    fn of(axis: &Axis) -> Ticked {
        let (lo, hi) = axis.coord_range();
        Ticked {
            lo,
            hi,
            ticks: axis.ticks.iter().map(|&t| axis.to_coord(t)).collect(),
            minor: axis.minor.iter().map(|&t| axis.to_coord(t)).collect(),
        }
    }
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let span = self.hi - self.lo;
        if span == 0.0 {
            return (limit.0 + limit.1) / 2;
        }
        let f = (v - self.lo) / span;
        limit.0 + (f64::from(limit.1 - limit.0) * f + 1e-3).floor() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.minor.clone()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

/// Draws a pixel path, split at sharp turns, solid or dashed.
fn draw_line<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    pts: &[(i32, i32)],
    c: Rgb,
    dash: Dash,
    weight: f64,
    canvas: &Canvas,
) -> Result<(), ChartError> {
    let style = color(c).stroke_width(canvas.line(weight));
    // Points closer than a few pixels add only jaggies to a thick line.
    let min_step = canvas.ipx(3.0);
    let mut kept: Vec<(i32, i32)> = Vec::with_capacity(pts.len());
    for (i, &p) in pts.iter().enumerate() {
        let far = kept
            .last()
            .is_none_or(|q| (p.0 - q.0).abs().max((p.1 - q.1).abs()) >= min_step);
        if far || i + 1 == pts.len() {
            kept.push(p);
        }
    }
    for piece in split_sharp(&kept) {
        match dash {
            Dash::Solid => area.draw(&PathElement::new(piece, style)),
            Dash::Dashed => area.draw(&DashedPathElement::new(
                piece,
                canvas.ipx(16.0),
                canvas.ipx(10.0),
                style,
            )),
            Dash::Dotted => area.draw(&DashedPathElement::new(
                piece,
                canvas.ipx(5.0),
                canvas.ipx(7.0),
                style,
            )),
        }
        .map_err(failed)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipping_cuts_at_the_edges() {
        let runs = clip_line(
            &[(0.0, -1.0), (1.0, 1.0), (2.0, 3.0), (3.0, 1.0)],
            (0.0, 3.0),
            (0.0, 2.0),
        );
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0][0], (0.5, 0.0));
        assert_eq!(runs[0].last(), Some(&(1.5, 2.0)));
        assert_eq!(runs[1][0], (2.5, 2.0));
    }

    #[test]
    fn spikes_split_into_pieces() {
        let pieces = split_sharp(&[(0, 10), (1, 0), (2, 10), (3, 10), (3, 10), (4, 10)]);
        assert_eq!(pieces.len(), 2);
        assert_eq!(pieces[0], vec![(0, 10), (1, 0)]);
        assert_eq!(pieces[1], vec![(1, 0), (2, 10), (3, 10), (4, 10)]);
    }
}

//! The validation report: one line per target on the terminal, and a Markdown page with a small
//! chart per target where a picture helps (the model's curve, with the published range shaded:
//! a horizontal band when the number is a level of the curve, a vertical span when it is a
//! time after the last dose).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::{format_range, format_value, Measure, Outcome, Verdict};
use crate::chart::figure::{Axis, Column, Figure, HBand, Panel, Rule, Series, Span};
use crate::chart::style::{okabe_ito, Rgb};
use crate::chart::{render_svg, ChartError, Size};
use crate::model::Model;
use crate::output::write_atomic;
use crate::report::DISCLAIMER;

/// The measured number with its unit, or why it was not measured.
fn value_text(o: &Outcome, failed: &str) -> String {
    match &o.value {
        Ok(v) => format!("{} {}", format_value(*v), o.target.unit),
        Err(e) => format!("{failed}: {e}"),
    }
}

/// One line per target: verdict, id, model value, range, statement.
pub fn terminal_lines(outcomes: &[Outcome]) -> String {
    let mut out = String::new();
    for o in outcomes {
        let t = &o.target;
        let value = value_text(o, "not measured");
        let _ = writeln!(
            out,
            "{:<9} {:<4} {value} (published {}{}) {}",
            o.verdict.word(),
            t.id,
            format_range(t.published),
            t.accepted
                .map_or(String::new(), |a| format!(", held to {}", format_range(a))),
            t.statement
        );
    }
    let count = |v: Verdict| outcomes.iter().filter(|o| o.verdict == v).count();
    let _ = writeln!(
        out,
        "{} targets: {} meet the published range, {} are known gaps, {} fail",
        outcomes.len(),
        count(Verdict::Meets),
        count(Verdict::KnownGap),
        count(Verdict::Fails)
    );
    out
}

/// The chart of one outcome, if the measure reads a curve.
pub fn figure(outcome: &Outcome, model: &Model) -> Option<Figure> {
    let curve = outcome.curve.as_ref()?;
    let t = &outcome.target;
    let t0 = curve.last_dose_h;
    let end = curve.time_h.last().copied()?;
    // Show hours after the last dose for short runs, days for long ones.
    let span = end - t0.min(end);
    let long = end > 72.0;
    let (scale, unit) = if long { (1.0 / 24.0, "d") } else { (1.0, "h") };
    let from = if long { 0.0 } else { t0 };
    let points: Vec<(f64, f64)> = curve
        .time_h
        .iter()
        .zip(&curve.values)
        .filter(|(time, v)| **time >= from - 1e-9 && v.is_finite())
        .map(|(time, v)| ((time - from) * scale, *v))
        .collect();
    let (mut lo, mut hi) = points
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), (_, v)| {
            (a.min(*v), b.max(*v))
        });
    let [plo, phi] = t.published;
    let band_is_level = matches!(
        t.measure,
        Measure::Peak { .. } | Measure::ValueAt { .. } | Measure::DosePeaks { .. }
    );
    if band_is_level {
        if plo.is_finite() {
            lo = lo.min(plo);
        }
        if phi.is_finite() {
            hi = hi.max(phi);
        }
    }
    if !(lo.is_finite() && hi.is_finite()) {
        return None;
    }
    if hi <= lo {
        hi = lo + 1.0;
    }
    let pad = 0.05 * (hi - lo);
    let x_max = if long { (end - from) * scale } else { span };
    let mut panel = Panel::new(
        curve.column.clone(),
        Axis::nice(
            format!(
                "time ({unit}){}",
                if long { "" } else { " after the last dose" }
            ),
            0.0,
            x_max.max(1e-6),
            8,
        ),
        Axis::nice(
            curve.column.clone(),
            (lo - pad).min(0.0_f64.max(lo - pad)),
            hi + pad,
            6,
        ),
    );
    let shade = Rgb(0xCF, 0xE8, 0xD8);
    if band_is_level {
        panel.bands.push(HBand {
            lo: if plo.is_finite() { plo } else { lo - pad },
            hi: if phi.is_finite() { phi } else { hi + pad },
            fill: shade,
            label: Some("published range".into()),
        });
    } else if t.measure.is_time()
        && matches!(
            t.measure,
            Measure::PeakTime { .. } | Measure::FirstAbove { .. }
        )
    {
        let to_hours = match t.unit.as_str() {
            "min" => 1.0 / 60.0,
            "d" => 24.0,
            _ => 1.0,
        };
        let offset = (t0 - from) * scale;
        panel.spans.push(Span {
            from: offset + plo.max(0.0) * to_hours * scale,
            to: offset + phi.min(x_max / scale / to_hours) * to_hours * scale,
            fill: shade,
            label: Some("published range".into()),
        });
    }
    if long && t0 > 0.0 {
        panel
            .vlines
            .push(Rule::new((t0 - from) * scale, Some("last dose".into())));
    }
    panel.series.push(Series::line(
        Some("model".into()),
        okabe_ito::BLUE,
        crate::chart::figure::Dash::Solid,
        points,
    ));
    let value = value_text(outcome, "not measured");
    Some(Figure {
        title: format!("{} ({}): {}", t.id, outcome.verdict.word(), t.statement),
        subtitle: format!(
            "{}: model {value}, published {}. Scenario: {}",
            t.quantity,
            format_range(t.published),
            t.scenario
        ),
        columns: vec![Column::single(vec![panel])],
        footer: crate::chart::footer(model),
    })
}

/// The Markdown report, with links to the charts named by [`chart_name`].
pub fn markdown(outcomes: &[Outcome], model_name: &str, charts: &[bool]) -> String {
    let mut out = String::new();
    let count = |v: Verdict| outcomes.iter().filter(|o| o.verdict == v).count();
    let _ = writeln!(out, "# Validation report\n");
    let _ = writeln!(
        out,
        "> **{DISCLAIMER}** These are model numbers for the \"{model_name}\" model, checked \
         against published ranges; a target the model meets is not evidence about any person.\n"
    );
    let _ = writeln!(
        out,
        "Written by `opioid-sim validate` from `models/validation.toml` (each target defined \
         once there: statement, quantity, scenario, published range, source, confidence). \
         {} targets: **{} meet** the published range, **{} are known gaps** (outside the \
         published range, inside the range the model is held to, for the reason given; \
         ARCHITECTURE.md, \"Known tensions\"), **{} fail**.\n",
        outcomes.len(),
        count(Verdict::Meets),
        count(Verdict::KnownGap),
        count(Verdict::Fails)
    );
    let _ = writeln!(
        out,
        "| Target | Verdict | Model | Published | Statement | Source (confidence) |\n|---|---|---|---|---|---|"
    );
    for o in outcomes {
        let t = &o.target;
        let value = value_text(o, "not measured");
        let _ = writeln!(
            out,
            "| [{id}](#target-{id}) | {} | {value} | {} {} | {} | {} ({:?}) |",
            o.verdict.word(),
            format_range(t.published),
            t.unit,
            t.statement.replace('|', "\\|"),
            t.source.replace('|', "\\|"),
            t.confidence,
            id = t.id
        );
    }
    let _ = writeln!(out);
    for (o, has_chart) in outcomes.iter().zip(charts) {
        let t = &o.target;
        let _ = writeln!(out, "## Target {}\n", t.id);
        let _ = writeln!(out, "{}\n", t.statement);
        let value = value_text(o, "not measured");
        let _ = writeln!(out, "- Quantity: {} ({})", t.quantity, t.unit);
        let _ = writeln!(out, "- Scenario: `{}`", t.scenario);
        if let Some(c) = &t.compare {
            let _ = writeln!(out, "- Compared with: `{c}`");
        }
        let _ = writeln!(out, "- Published: {}", format_range(t.published));
        if let (Some(a), Some(gap)) = (t.accepted, &t.gap) {
            let _ = writeln!(out, "- Held to: {} (known gap: {gap})", format_range(a));
        }
        let _ = writeln!(out, "- Model: {value}: **{}**", o.verdict.word());
        let _ = writeln!(
            out,
            "- Source: {} (confidence {:?})\n",
            t.source, t.confidence
        );
        if *has_chart {
            let _ = writeln!(out, "![target {}]({})\n", t.id, chart_name(&t.id));
        }
    }
    out
}

/// The file name of a target's chart.
pub fn chart_name(id: &str) -> String {
    format!("target-{id}.svg")
}

/// The size of the report's charts: small, as they sit in a page of text.
pub const CHART_SIZE: Size = Size::Custom {
    width: 960,
    height: 540,
};

/// Writes `README.md` and one SVG chart per target that has a curve into `dir` (created if
/// missing, when its parent exists). Returns the files written.
pub fn write(outcomes: &[Outcome], model: &Model, dir: &Path) -> Result<Vec<PathBuf>, ChartError> {
    if !dir.is_dir() {
        std::fs::create_dir(dir).map_err(|e| {
            ChartError::Output(crate::output::OutputError::Io {
                path: dir.display().to_string(),
                reason: e.to_string(),
            })
        })?;
    }
    let mut written = Vec::new();
    let mut has_chart = Vec::new();
    // Render every chart before writing any file: a drawing error writes nothing.
    let mut svgs = Vec::new();
    for o in outcomes {
        match figure(o, model) {
            Some(fig) => {
                svgs.push(Some(render_svg(&fig, CHART_SIZE)?));
                has_chart.push(true);
            }
            None => {
                svgs.push(None);
                has_chart.push(false);
            }
        }
    }
    for (o, svg) in outcomes.iter().zip(&svgs) {
        if let Some(svg) = svg {
            let path = dir.join(chart_name(&o.target.id));
            write_atomic(&path, svg.as_bytes())?;
            written.push(path);
        }
    }
    let path = dir.join("README.md");
    write_atomic(
        &path,
        markdown(outcomes, &model.name, &has_chart).as_bytes(),
    )?;
    written.push(path);
    Ok(written)
}

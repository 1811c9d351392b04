//! What the lesson charts share: running a scenario, thinning its lines, reading peaks and
//! troughs, the COWS axis, and small text helpers.

pub(super) use super::super::figure::{
    envelope, Anchor, Axis, Column, Dash, Figure, Markers, Note, Panel, Rule, Series, Shape,
};
pub(super) use super::super::style::{route_color, shades, Quantity, Rgb, INK, REFERENCE};
pub(super) use super::super::ChartError;
pub(super) use super::Built;
pub(super) use crate::dose::{Dose, Route};
pub(super) use crate::model::Model;
pub(super) use crate::regimen::Regimen;
use crate::report::DISCLAIMER;
pub(super) use crate::simulation::{
    peak_activation_after, probe, simulate, Band, SimOptions, Simulation, SummaryBuilder,
    Trajectory,
};

/// One minute in hours.
pub(super) const MIN: f64 = 1.0 / 60.0;
/// One day in hours.
pub(super) const DAY: f64 = 24.0;
/// Line detail: points kept per full-width panel (see [`envelope`]).
pub(super) const BUCKETS: usize = 800;

/// The footer of every chart.
pub(crate) fn footer(model: &Model) -> String {
    format!(
        "{DISCLAIMER} Not a way to judge a safe dose. Simulated with opioid-sim (built-in \"{}\" model): a simplified model, not patient data.",
        model.name
    )
}

/// A simulated scenario.
pub(super) struct Run {
    pub(super) regimen: Regimen,
    pub(super) traj: Trajectory,
    /// Time of the last dose (h; 0 without doses).
    pub(super) last_h: f64,
}

impl Run {
    pub(super) fn new(
        model: &Model,
        text: &str,
        observe_h: f64,
        dt_h: f64,
    ) -> Result<Run, ChartError> {
        let regimen = Regimen::parse(text)?;
        let opts = SimOptions {
            observe_h,
            dt_h,
            ..SimOptions::default()
        };
        let traj = simulate(model, &regimen, &opts)?;
        let last_h = regimen.last_dose_h().unwrap_or(0.0);
        Ok(Run {
            regimen,
            traj,
            last_h,
        })
    }

    /// Times in `unit_h` since `origin_h`.
    pub(super) fn times(&self, origin_h: f64, unit_h: f64) -> Vec<f64> {
        self.traj
            .time_h
            .iter()
            .map(|t| (t - origin_h) / unit_h)
            .collect()
    }

    /// A column as a line over `[from, to]` (in `unit_h` since `origin_h`), thinned for drawing.
    pub(super) fn line(
        &self,
        ys: &[f64],
        origin_h: f64,
        unit_h: f64,
        from: f64,
        to: f64,
    ) -> Vec<(f64, f64)> {
        self.line_detail(ys, origin_h, unit_h, from, to, BUCKETS)
    }

    pub(super) fn line_detail(
        &self,
        ys: &[f64],
        origin_h: f64,
        unit_h: f64,
        from: f64,
        to: f64,
        buckets: usize,
    ) -> Vec<(f64, f64)> {
        let times = self.times(origin_h, unit_h);
        let mut line = envelope(&times, ys, from, to, buckets);
        // Before the first sample the person is drug-free: extend the first value back.
        if let (Some(&t0), Some(&y0)) = (times.first(), ys.first()) {
            if from < t0 {
                line.insert(0, (from, y0));
            }
        }
        line
    }

    /// Dose times in `unit_h` since `origin_h`.
    pub(super) fn doses(&self, origin_h: f64, unit_h: f64) -> Vec<f64> {
        self.regimen
            .doses()
            .iter()
            .map(|d| (d.time_h - origin_h) / unit_h)
            .collect()
    }

    /// The highest value of a column from `from_h` to `to_h` and its time (h).
    pub(super) fn peak(&self, ys: &[f64], from_h: f64, to_h: f64) -> (f64, f64) {
        self.extreme(ys, from_h, to_h, |a, b| a > b)
    }

    /// The lowest value of a column from `from_h` to `to_h` and its time (h).
    pub(super) fn trough(&self, ys: &[f64], from_h: f64, to_h: f64) -> (f64, f64) {
        self.extreme(ys, from_h, to_h, |a, b| a < b)
    }

    pub(super) fn extreme(
        &self,
        ys: &[f64],
        from_h: f64,
        to_h: f64,
        better: fn(f64, f64) -> bool,
    ) -> (f64, f64) {
        let mut best: Option<(f64, f64)> = None;
        for (&t, &y) in self.traj.time_h.iter().zip(ys) {
            if t < from_h - 1e-9 || t > to_h + 1e-9 {
                continue;
            }
            if best.is_none_or(|(_, b)| better(y, b)) {
                best = Some((t, y));
            }
        }
        best.unwrap_or((from_h, f64::NAN))
    }

    /// The value of a column at the first sample at or after `t_h`.
    pub(super) fn at(&self, ys: &[f64], t_h: f64) -> f64 {
        let i = self.traj.time_h.partition_point(|&t| t < t_h - 1e-9);
        ys.get(i).or(ys.last()).copied().unwrap_or(f64::NAN)
    }

    /// The first time (h) at or after `from_h` when a column is below `level`.
    pub(super) fn first_below(&self, ys: &[f64], from_h: f64, level: f64) -> Option<f64> {
        self.traj
            .time_h
            .iter()
            .zip(ys)
            .find(|(&t, &y)| t >= from_h && y < level)
            .map(|(&t, _)| t)
    }
}

/// The y axis of a withdrawal panel (see [`Axis::cows`]).
pub(super) fn score_axis(peak: f64) -> Axis {
    Axis::cows("COWS score (0-48)", peak)
}

/// The lowest score of the COWS "mild" band: withdrawal counts as present from here.
pub(super) fn mild_threshold() -> f64 {
    Band::Mild.range().0
}

/// "no withdrawal", "mild withdrawal", ...
pub(super) fn verdict(score: f64) -> String {
    match Band::of(score) {
        Band::None => "no withdrawal".into(),
        b => format!("{} withdrawal", b.name()),
    }
}

/// A 0-1 axis for a fraction such as MOR activation or dependence.
pub(super) fn fraction_axis(name: &str) -> Axis {
    Axis::linear(format!("{name} (0-1)"), 0.0, 1.0, 0.25)
}

/// A round upper limit at or above `v`: 1, 2 or 5 times a power of ten.
pub(crate) fn round_up(v: f64) -> f64 {
    let p = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * p)
        .find(|&x| x >= v * (1.0 - 1e-9))
        .unwrap_or(10.0 * p)
}

pub(super) fn heroin(time_h: f64, amount_mg: f64, route: Route) -> Dose {
    Dose {
        time_h,
        amount_mg,
        drug: "heroin".into(),
        route,
    }
}

pub(super) fn route_label(route: Route) -> &'static str {
    match route {
        Route::Iv => "IV",
        Route::Smoked => "smoked",
        Route::Intranasal => "intranasal",
        Route::Oral => "oral",
        Route::Im => "IM",
        Route::Sublingual => "sublingual",
    }
}

/// A line in one of several shades of a quantity's colour.
pub(super) fn shaded(label: String, color: Rgb, dash: Dash, points: Vec<(f64, f64)>) -> Series {
    Series {
        label: Some(label),
        color,
        dash,
        weight: 1.0,
        points,
        mark: None,
    }
}

pub(super) fn plural(n: f64, one: &str, many: &str) -> String {
    if (n - 1.0).abs() < 1e-9 {
        format!("1 {one}")
    } else {
        format!("{} {many}", crate::chart::figure::format_tick(n, 1))
    }
}

/// The last dose of `drug` in a regimen.
pub(super) fn last_dose_of<'r>(regimen: &'r Regimen, drug: &str) -> Option<&'r Dose> {
    regimen.doses().iter().rev().find(|d| d.drug == drug)
}

/// An amount such as "10 mg" or "0.4 mg".
pub(super) fn mg_text(mg: f64) -> String {
    format!("{} mg", crate::chart::figure::format_tick(mg, 2))
}

/// A time span such as "45 min", "6 h" or "36 h" (whole hours from 1 h on).
pub(super) fn span_text(h: f64) -> String {
    if h < 1.0 {
        format!("{:.0} min", h * 60.0)
    } else {
        format!("{h:.0} h")
    }
}

/// A positive number with about two significant digits (0.0021 as "0.002", 0.22, 2.2, 15),
/// so that very small values do not print as 0.
pub(super) fn sig(v: f64) -> String {
    if v.is_nan() || v <= 0.0 {
        return "0".into();
    }
    let decimals = (1.0 - v.log10().floor()).clamp(0.0, 6.0) as usize;
    let decimals = if v < 0.01 { decimals - 1 } else { decimals };
    crate::chart::figure::format_tick(v, decimals)
}

/// Doses a day and their interval (h), for the charts of use 1-4 times a day.
pub(super) const DOSES_A_DAY: [(u32, u32); 4] = [(1, 24), (2, 12), (3, 8), (4, 6)];

/// How the line of the k-th of [`DOSES_A_DAY`] is drawn: colour (shades of the withdrawal
/// colour), dash and marker.
pub(super) fn doses_a_day_style(k: usize) -> (Rgb, Dash, Shape) {
    let colors = shades(Quantity::Withdrawal.color(), DOSES_A_DAY.len());
    let shapes = [
        Shape::Circle,
        Shape::Square,
        Shape::Triangle,
        Shape::Diamond,
    ];
    let dashes = [Dash::Dotted, Dash::Dashed, Dash::Solid, Dash::Solid];
    let k = k.min(DOSES_A_DAY.len() - 1);
    (colors[k], dashes[k], shapes[k])
}

/// One person taking 10 mg IV heroin every `q` hours, day by day; after each day in
/// `stop_days` (increasing), a fork of them stops and is followed for `observe_d` days. Returns
/// each fork's peak spontaneous withdrawal score after its last dose (the summary's definition).
/// Each fork is exactly the run of `10mg iv q{q}h x {d}d`, at a fraction of its cost.
pub(super) fn peaks_after_stopping(
    model: &Model,
    q: u32,
    stop_days: &[u32],
    observe_d: f64,
) -> Result<Vec<f64>, ChartError> {
    let dt_h = 15.0 * MIN;
    let mut sim = Simulation::new(model, SimOptions::default().tolerances);
    let mut peaks = Vec::with_capacity(stop_days.len());
    for d in 1..=stop_days.iter().copied().max().unwrap_or(0) {
        let regimen = Regimen::parse(&format!("10mg iv q{q}h x {d}d"))?;
        let day_start = f64::from(d - 1) * DAY;
        for dose in regimen.doses().iter().filter(|x| x.time_h >= day_start) {
            sim.give(dose)?;
        }
        let last = regimen.last_dose_h().unwrap_or(day_start);
        sim.advance(last, dt_h, &mut |_| {})?;
        if stop_days.contains(&d) {
            let mut fork = sim.clone();
            let mut builder = SummaryBuilder::new(model, &regimen);
            fork.advance(last + observe_d * DAY, dt_h, &mut |s| builder.push(s))?;
            peaks.push(builder.finish().peak_withdrawal_score);
        }
    }
    Ok(peaks)
}

//! Measurements: how a target's quantity is read from the model's output.
//!
//! A [`Measure`] is data (the `measure = { kind = ..., ... }` table of a target); each kind is a
//! few lines that read a simulated [`Trajectory`] or a [`Summary`]. Times in a measure (`at`,
//! `from`, `to`, `within`) are durations after the scenario's **last dose** (for a single dose:
//! after the dose), so a target can look at "4 h after the last maintenance dose" without
//! counting hours. Time-valued results are in hours; [`super::Target`] converts them to the
//! target's unit.

use serde::Deserialize;

use crate::model::Model;
use crate::regimen::{parse_duration_h, Regimen};
use crate::simulation::{simulate, summarize, SimOptions, Trajectory};

/// How to read one number from the model's output. `column` names a `simulate` column
/// (`heroin_ng_ml`, `mor_activation`, `withdrawal_score`, ...); `field` names a `summary
/// --json` field.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Measure {
    /// Half-life from two samples of a mono-exponential decline: `(to - from) ln 2 / ln(c(from)
    /// / c(to))` (h).
    HalfLife {
        /// The column.
        column: String,
        /// First sample time after the last dose.
        from: String,
        /// Second sample time after the last dose.
        to: String,
    },
    /// The value at `at`, as a fraction of the column's peak over the run.
    FractionOfPeakAt {
        /// The column.
        column: String,
        /// When, after the last dose.
        at: String,
    },
    /// The highest value in a window (the whole run after the last dose by default).
    Peak {
        /// The column.
        column: String,
        /// Window start after the last dose (default 0).
        from: Option<String>,
        /// Window end after the last dose (default: the end of the run).
        to: Option<String>,
    },
    /// When the column peaks, after the last dose (h).
    PeakTime {
        /// The column.
        column: String,
    },
    /// When `column` peaks minus when `minus` peaks (h): positive if `column` peaks later.
    PeakTimeGap {
        /// The later column.
        column: String,
        /// The earlier column.
        minus: String,
    },
    /// When the column peaks after the scenario's last dose minus when it peaks after the
    /// `compare` scenario's last dose (h).
    PeakTimeDifference {
        /// The column.
        column: String,
    },
    /// The value at a time after the last dose.
    ValueAt {
        /// The column.
        column: String,
        /// When, after the last dose.
        at: String,
    },
    /// The first time after the last dose at which the column exceeds `level` (h).
    FirstAbove {
        /// The column.
        column: String,
        /// The level.
        level: f64,
    },
    /// The smallest difference `column - minus` over a window after the last dose.
    MinGap {
        /// The column that should stay above.
        column: String,
        /// The column subtracted.
        minus: String,
        /// Window start.
        from: String,
        /// Window end.
        to: String,
    },
    /// The area under the column over a window (whole run by default) in the scenario, divided
    /// by the same area in the `compare` scenario.
    AreaRatio {
        /// The column.
        column: String,
        /// Window end after the last dose (default: the end of the run).
        to: Option<String>,
    },
    /// A `summary --json` field of the scenario.
    Summary {
        /// The field.
        field: String,
    },
    /// A `summary --json` field of the scenario minus the same field of `compare`.
    SummaryDifference {
        /// The field.
        field: String,
    },
    /// A `summary --json` field of the scenario divided by the same field of `compare`.
    SummaryRatio {
        /// The field.
        field: String,
    },
    /// For every dose of the scenario, the column's peak within `within` after that dose; the
    /// smallest (`lowest = true`) or largest of those peaks. Doses before `from_dose`
    /// (1-based) are skipped.
    DosePeaks {
        /// The column.
        column: String,
        /// How long after each dose to look.
        within: String,
        /// The smallest peak (true) or the largest (false).
        lowest: bool,
        /// The first dose counted (1-based; default 1).
        from_dose: Option<usize>,
    },
    /// The time (h from the start) at which the column first reaches halfway from its first
    /// to its last value: the half-time of a rise towards a plateau.
    HalfwayTime {
        /// The column.
        column: String,
    },
    /// The time after the last dose (h) at which the column's excess over `baseline` has
    /// fallen to half its value at the last dose.
    ExcessHalfTime {
        /// The column.
        column: String,
        /// The baseline (1 for the tolerance fold).
        baseline: f64,
    },
    /// The column's excess over `baseline` when withdrawal has resolved (the summary's
    /// `withdrawal_resolved_h`), as a fraction of its excess at the last dose.
    ExcessLeftWhenResolved {
        /// The column.
        column: String,
        /// The baseline.
        baseline: f64,
    },
    /// The peak in a window after the last dose minus the same peak in `compare` (each after
    /// its own last dose).
    PeakDifference {
        /// The column.
        column: String,
        /// Window end after the last dose.
        within: String,
    },
    /// The value `at` after the last dose minus the value at the last dose.
    ChangeAfterLastDose {
        /// The column.
        column: String,
        /// When, after the last dose.
        at: String,
    },
    /// The value `at` after the last dose divided by the value at the last dose.
    RatioAfterLastDose {
        /// The column.
        column: String,
        /// When, after the last dose.
        at: String,
    },
    /// The largest difference scenario minus `compare` at the same times (from the
    /// scenario's last dose to `within` after it; the scenarios share their start).
    LargestDifference {
        /// The column.
        column: String,
        /// Window end after the last dose.
        within: String,
    },
    /// The difference scenario minus `compare` at `at` after the scenario's last dose,
    /// divided by the largest such difference within `within` (how much of an effect is left).
    DifferenceLeft {
        /// The column.
        column: String,
        /// When the remaining difference is read.
        at: String,
        /// The window in which the largest difference is found.
        within: String,
    },
    /// The dose of `template` (with `{mg}` for the amount) whose area under the column over
    /// `over` matches the scenario's (mg), interpolated between the `doses` tried.
    MatchingDose {
        /// The column.
        column: String,
        /// The window, from the dose.
        over: String,
        /// The regimen tried, e.g. `{mg}mg morphine iv`.
        template: String,
        /// The amounts tried, in mg, increasing.
        doses: Vec<f64>,
    },
    /// `ln(column) / ln(over)` at `at` after the last dose: the ratio of two potency shifts
    /// on a log-concentration scale (1 when they are equal, 0 when `column` has not moved).
    LogRatioAt {
        /// The shift in the numerator (e.g. `breathing_tolerance_fold`).
        column: String,
        /// The shift in the denominator (e.g. `tolerance_fold`).
        over: String,
        /// When, after the last dose.
        at: String,
    },
    /// The lowest value within `within` after the last dose minus the same lowest value in
    /// `compare` (each after its own last dose): negative when the scenario dips deeper.
    LowestDifference {
        /// The column.
        column: String,
        /// Window end after the last dose.
        within: String,
    },
    /// The smallest of the `doses` (mg) tried in `template` (with `{mg}` for the amount) after
    /// whose last dose ventilation stays below the model's life-threatening level for long
    /// enough (`[breathing]` of the model file; the rule of `summary`'s `life_threatening`,
    /// read after the last dose only, so that earlier doses of a user's history do not count).
    SmallestLifeThreateningDose {
        /// The regimen tried, e.g. `{mg}mg fentanyl iv`.
        template: String,
        /// The amounts tried, in mg, increasing.
        doses: Vec<f64>,
    },
    /// The day (1-based) on which the trough (the value just before a dose) first reaches
    /// `fraction` of the last trough: how fast a daily regimen reaches steady state.
    SteadyStateDay {
        /// The column.
        column: String,
        /// The fraction of the final trough.
        fraction: f64,
    },
    /// Between people: a statistic of a `summary --json` field in a cohort of `subjects`
    /// virtual people (`opioid-sim cohort`, seed `seed`).
    Cohort {
        /// The field.
        field: String,
        /// Virtual people.
        subjects: u64,
        /// The cohort's seed.
        seed: u64,
        /// Which statistic.
        statistic: CohortStatistic,
    },
}

/// What a [`Measure::Cohort`] reads from the cohort's distribution of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CohortStatistic {
    /// The 95th minus the 5th percentile, in the field's unit.
    Spread,
    /// That width divided by the average person's value (the model as written).
    RelativeSpread,
    /// The median minus the average person's value.
    MedianMinusAverage,
}

/// The scenarios and settings one measurement runs.
#[derive(Debug, Clone, Copy)]
pub struct Runs<'a> {
    /// The model.
    pub model: &'a Model,
    /// The model's text, for the kinds that draw virtual people from it.
    pub model_text: &'a str,
    /// The scenario's regimen.
    pub scenario: &'a Regimen,
    /// The comparison regimen, for the kinds that compare.
    pub compare: Option<&'a Regimen>,
    /// How long to simulate after the last dose (h).
    pub observe_h: f64,
    /// The sampling step (h).
    pub dt_h: f64,
}

/// One column of a trajectory by name, with the times; undefined values are NaN.
#[derive(Debug, Clone)]
pub struct Curve {
    /// The column name.
    pub column: String,
    /// Time from the start (h).
    pub time_h: Vec<f64>,
    /// The values.
    pub values: Vec<f64>,
    /// The time of the last dose (h).
    pub last_dose_h: f64,
}

impl Curve {
    fn of(tr: &Trajectory, column: &str, last_dose_h: f64) -> Result<Curve, String> {
        let names = tr.column_names();
        let j = names.iter().position(|n| n == column).ok_or_else(|| {
            format!(
                "unknown column \"{column}\"; the columns are: {}",
                names.join(", ")
            )
        })?;
        Ok(Curve {
            column: column.to_string(),
            time_h: tr.time_h.clone(),
            values: (0..tr.len())
                .map(|i| tr.value(j, i).unwrap_or(f64::NAN))
                .collect(),
            last_dose_h,
        })
    }

    /// The value at the first sample at or after `t_h` (h from the start).
    fn at(&self, t_h: f64) -> Result<f64, String> {
        self.time_h
            .iter()
            .position(|&t| t >= t_h - 1e-9)
            .map(|i| self.values[i])
            .ok_or_else(|| format!("{:.2} h is after the end of the run", t_h))
    }

    /// Samples within `[t0, t1]` (h from the start).
    fn window(&self, t0: f64, t1: f64) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.time_h
            .iter()
            .copied()
            .zip(self.values.iter().copied())
            .filter(move |(t, _)| *t >= t0 - 1e-9 && *t <= t1 + 1e-9)
    }

    /// The largest value in `[t0, t1]` and its time.
    fn max_in(&self, t0: f64, t1: f64) -> Result<(f64, f64), String> {
        self.window(t0, t1)
            .fold(None, |best: Option<(f64, f64)>, (t, v)| match best {
                Some((bv, _)) if bv >= v => best,
                _ => Some((v, t)),
            })
            .ok_or_else(|| format!("no samples between {t0:.2} and {t1:.2} h"))
    }

    /// Trapezoid area over `[t0, t1]`.
    fn area(&self, t0: f64, t1: f64) -> f64 {
        let pts: Vec<(f64, f64)> = self.window(t0, t1).collect();
        pts.windows(2)
            .map(|w| 0.5 * (w[0].1 + w[1].1) * (w[1].0 - w[0].0))
            .sum()
    }

    fn end_h(&self) -> f64 {
        self.time_h.last().copied().unwrap_or(0.0)
    }
}

fn hours(text: &str) -> Result<f64, String> {
    parse_duration_h(text).map_err(|e| format!("duration \"{text}\": {e}"))
}

fn last_dose_h(regimen: &Regimen) -> f64 {
    regimen.last_dose_h().unwrap_or(0.0)
}

impl Measure {
    /// Whether the result is a time (in hours), converted to the target's time unit.
    pub fn is_time(&self) -> bool {
        matches!(
            self,
            Measure::HalfLife { .. }
                | Measure::PeakTime { .. }
                | Measure::PeakTimeGap { .. }
                | Measure::PeakTimeDifference { .. }
                | Measure::FirstAbove { .. }
                | Measure::HalfwayTime { .. }
                | Measure::ExcessHalfTime { .. }
        ) || matches!(self, Measure::Summary { field } if field.ends_with("_h"))
            || matches!(self, Measure::SummaryDifference { field } if field.ends_with("_h"))
    }

    /// Whether the kind needs a `compare` scenario.
    pub fn needs_compare(&self) -> bool {
        matches!(
            self,
            Measure::AreaRatio { .. }
                | Measure::PeakTimeDifference { .. }
                | Measure::SummaryDifference { .. }
                | Measure::SummaryRatio { .. }
                | Measure::PeakDifference { .. }
                | Measure::LargestDifference { .. }
                | Measure::DifferenceLeft { .. }
                | Measure::LowestDifference { .. }
        )
    }

    /// The column a chart of this measurement shows, if one helps.
    pub fn column(&self) -> Option<&str> {
        match self {
            Measure::HalfLife { column, .. }
            | Measure::FractionOfPeakAt { column, .. }
            | Measure::Peak { column, .. }
            | Measure::PeakTime { column }
            | Measure::PeakTimeGap { column, .. }
            | Measure::PeakTimeDifference { column }
            | Measure::ValueAt { column, .. }
            | Measure::FirstAbove { column, .. }
            | Measure::MinGap { column, .. }
            | Measure::AreaRatio { column, .. }
            | Measure::DosePeaks { column, .. }
            | Measure::HalfwayTime { column }
            | Measure::ExcessHalfTime { column, .. }
            | Measure::ExcessLeftWhenResolved { column, .. }
            | Measure::PeakDifference { column, .. }
            | Measure::ChangeAfterLastDose { column, .. }
            | Measure::RatioAfterLastDose { column, .. }
            | Measure::LargestDifference { column, .. }
            | Measure::DifferenceLeft { column, .. }
            | Measure::MatchingDose { column, .. }
            | Measure::LogRatioAt { column, .. }
            | Measure::LowestDifference { column, .. }
            | Measure::SteadyStateDay { column, .. } => Some(column),
            Measure::SmallestLifeThreateningDose { .. } => Some("ventilation_pct_baseline"),
            Measure::Cohort { .. } => None,
            Measure::Summary { field }
            | Measure::SummaryDifference { field }
            | Measure::SummaryRatio { field } => match field.as_str() {
                f if f.contains("withdrawal") || f.contains("precipitated") => {
                    Some("withdrawal_score")
                }
                f if f.contains("tolerance") => Some("tolerance_fold"),
                f if f.contains("dopamine") => Some("dopamine_pct_baseline"),
                f if f.contains("ventilation") || f.contains("life_threatening") => {
                    Some("ventilation_pct_baseline")
                }
                _ => None,
            },
        }
    }

    /// Reads the number (time-valued kinds in hours) and the curve of the scenario behind it.
    pub fn evaluate(&self, runs: &Runs<'_>) -> Result<(f64, Option<Curve>), String> {
        let run = |regimen: &Regimen, column: &str| -> Result<Curve, String> {
            let opts = SimOptions {
                observe_h: runs.observe_h,
                dt_h: runs.dt_h,
                ..SimOptions::default()
            };
            let tr = simulate(runs.model, regimen, &opts).map_err(|e| e.to_string())?;
            Curve::of(&tr, column, last_dose_h(regimen))
        };
        let compare = || {
            runs.compare
                .ok_or_else(|| "this kind of measure needs `compare`".to_string())
        };
        let summary_field = |regimen: &Regimen, field: &str| -> Result<f64, String> {
            let s = summarize(runs.model, regimen, runs.observe_h).map_err(|e| e.to_string())?;
            let json = serde_json::to_value(&s).map_err(|e| e.to_string())?;
            match json.get(field) {
                Some(serde_json::Value::Number(n)) => n
                    .as_f64()
                    .ok_or_else(|| format!("summary field {field} is not a number")),
                Some(serde_json::Value::Bool(b)) => Ok(f64::from(u8::from(*b))),
                Some(serde_json::Value::Null) => Err(format!(
                    "summary field {field} has no value for this scenario"
                )),
                _ => Err(format!("no summary field \"{field}\"")),
            }
        };
        let scenario = runs.scenario;
        let t0 = last_dose_h(scenario);
        let value = match self {
            Measure::HalfLife { column, from, to } => {
                let c = run(scenario, column)?;
                let (a, b) = (hours(from)?, hours(to)?);
                let (ca, cb) = (c.at(t0 + a)?, c.at(t0 + b)?);
                return Ok(((b - a) * std::f64::consts::LN_2 / (ca / cb).ln(), Some(c)));
            }
            Measure::FractionOfPeakAt { column, at } => {
                let c = run(scenario, column)?;
                let (peak, _) = c.max_in(0.0, c.end_h())?;
                return Ok((c.at(t0 + hours(at)?)? / peak, Some(c)));
            }
            Measure::Peak { column, from, to } => {
                let c = run(scenario, column)?;
                let a = from.as_deref().map_or(Ok(0.0), hours)?;
                let b = to.as_deref().map_or(Ok(c.end_h() - t0), hours)?;
                return Ok((c.max_in(t0 + a, t0 + b)?.0, Some(c)));
            }
            Measure::PeakTime { column } => {
                let c = run(scenario, column)?;
                let (_, t) = c.max_in(t0, c.end_h())?;
                return Ok((t - t0, Some(c)));
            }
            Measure::PeakTimeGap { column, minus } => {
                let c = run(scenario, column)?;
                let m = run(scenario, minus)?;
                let (_, tc) = c.max_in(t0, c.end_h())?;
                let (_, tm) = m.max_in(t0, m.end_h())?;
                return Ok((tc - tm, Some(c)));
            }
            Measure::PeakTimeDifference { column } => {
                let c = run(scenario, column)?;
                let r = run(compare()?, column)?;
                let (_, tc) = c.max_in(c.last_dose_h, c.end_h())?;
                let (_, tr) = r.max_in(r.last_dose_h, r.end_h())?;
                return Ok(((tc - c.last_dose_h) - (tr - r.last_dose_h), Some(c)));
            }
            Measure::ValueAt { column, at } => {
                let c = run(scenario, column)?;
                return Ok((c.at(t0 + hours(at)?)?, Some(c)));
            }
            Measure::FirstAbove { column, level } => {
                let c = run(scenario, column)?;
                let t = c
                    .window(t0, c.end_h())
                    .find(|(_, v)| v > level)
                    .map(|(t, _)| t - t0)
                    .ok_or_else(|| format!("{column} never exceeds {level}"))?;
                return Ok((t, Some(c)));
            }
            Measure::MinGap {
                column,
                minus,
                from,
                to,
            } => {
                let c = run(scenario, column)?;
                let m = run(scenario, minus)?;
                let (a, b) = (t0 + hours(from)?, t0 + hours(to)?);
                let gap = c
                    .window(a, b)
                    .zip(m.window(a, b))
                    .map(|((_, x), (_, y))| x - y)
                    .fold(f64::INFINITY, f64::min);
                return Ok((gap, Some(c)));
            }
            Measure::AreaRatio { column, to } => {
                let c = run(scenario, column)?;
                let r = run(compare()?, column)?;
                let end = |c: &Curve| -> Result<f64, String> {
                    to.as_deref()
                        .map_or(Ok(c.end_h()), |t| hours(t).map(|h| c.last_dose_h + h))
                };
                let a = c.area(c.last_dose_h, end(&c)?);
                let b = r.area(r.last_dose_h, end(&r)?);
                return Ok((a / b, Some(c)));
            }
            Measure::Summary { field } => summary_field(scenario, field)?,
            Measure::Cohort {
                field,
                subjects,
                seed,
                statistic,
            } => {
                use crate::cohort::{run_cohort, CohortReport, CohortSpec, Population};
                let population =
                    Population::new(runs.model_text, "model").map_err(|e| e.to_string())?;
                let spec = CohortSpec {
                    regimen: scenario,
                    observe_h: runs.observe_h,
                    seed: *seed,
                    subjects: *subjects,
                    shard: None,
                    bands: None,
                };
                let (table, _) =
                    run_cohort(&population, "model", &spec, &|| {}).map_err(|e| e.to_string())?;
                let d = CohortReport::of(&table)
                    .distribution(field)
                    .ok_or_else(|| format!("no subject has a value of {field}"))?;
                match statistic {
                    CohortStatistic::Spread => d.p95 - d.p5,
                    CohortStatistic::RelativeSpread => {
                        (d.p95 - d.p5) / summary_field(scenario, field)?
                    }
                    CohortStatistic::MedianMinusAverage => d.p50 - summary_field(scenario, field)?,
                }
            }
            Measure::SummaryDifference { field } => {
                summary_field(scenario, field)? - summary_field(compare()?, field)?
            }
            Measure::SummaryRatio { field } => {
                summary_field(scenario, field)? / summary_field(compare()?, field)?
            }
            Measure::DosePeaks {
                column,
                within,
                lowest,
                from_dose,
            } => {
                let c = run(scenario, column)?;
                let w = hours(within)?;
                let skip = from_dose.unwrap_or(1).saturating_sub(1);
                let mut peaks = Vec::new();
                for d in scenario.doses().iter().skip(skip) {
                    peaks.push(c.max_in(d.time_h, d.time_h + w)?.0);
                }
                let pick = if *lowest { f64::min } else { f64::max };
                let init = if *lowest {
                    f64::INFINITY
                } else {
                    f64::NEG_INFINITY
                };
                return Ok((peaks.into_iter().fold(init, pick), Some(c)));
            }
            Measure::HalfwayTime { column } => {
                let c = run(scenario, column)?;
                let first = c.values.first().copied().unwrap_or(f64::NAN);
                let last = c.values.last().copied().unwrap_or(f64::NAN);
                let half = first + 0.5 * (last - first);
                let t = c
                    .window(0.0, c.end_h())
                    .find(|(_, v)| (v - half) * (last - first).signum() >= 0.0)
                    .map(|(t, _)| t)
                    .ok_or_else(|| format!("{column} never reaches halfway"))?;
                return Ok((t, Some(c)));
            }
            Measure::ExcessHalfTime { column, baseline } => {
                let c = run(scenario, column)?;
                let excess = c.at(t0)? - baseline;
                let t = c
                    .window(t0, c.end_h())
                    .find(|(_, v)| v - baseline <= 0.5 * excess)
                    .map(|(t, _)| t - t0)
                    .ok_or_else(|| format!("{column} does not halve its excess within the run"))?;
                return Ok((t, Some(c)));
            }
            Measure::ExcessLeftWhenResolved { column, baseline } => {
                let c = run(scenario, column)?;
                let resolved = summary_field(scenario, "withdrawal_resolved_h")?;
                let left = (c.at(t0 + resolved)? - baseline) / (c.at(t0)? - baseline);
                return Ok((left, Some(c)));
            }
            Measure::PeakDifference { column, within } => {
                let w = hours(within)?;
                let c = run(scenario, column)?;
                let r = run(compare()?, column)?;
                let a = c.max_in(c.last_dose_h, c.last_dose_h + w)?.0;
                let b = r.max_in(r.last_dose_h, r.last_dose_h + w)?.0;
                return Ok((a - b, Some(c)));
            }
            Measure::ChangeAfterLastDose { column, at } => {
                let c = run(scenario, column)?;
                return Ok((c.at(t0 + hours(at)?)? - c.at(t0)?, Some(c)));
            }
            Measure::RatioAfterLastDose { column, at } => {
                let c = run(scenario, column)?;
                return Ok((c.at(t0 + hours(at)?)? / c.at(t0)?, Some(c)));
            }
            Measure::LargestDifference { column, within } => {
                let c = run(scenario, column)?;
                let r = run(compare()?, column)?;
                let w = hours(within)?;
                let mut largest = f64::NEG_INFINITY;
                for (t, v) in c.window(t0, t0 + w) {
                    largest = largest.max(v - r.at(t)?);
                }
                return Ok((largest, Some(c)));
            }
            Measure::DifferenceLeft { column, at, within } => {
                let c = run(scenario, column)?;
                let r = run(compare()?, column)?;
                let w = hours(within)?;
                let mut largest = 0.0_f64;
                for (t, v) in c.window(t0, t0 + w) {
                    largest = largest.max(v - r.at(t)?);
                }
                let t = t0 + hours(at)?;
                return Ok(((c.at(t)? - r.at(t)?) / largest, Some(c)));
            }
            Measure::MatchingDose {
                column,
                over,
                template,
                doses,
            } => {
                let c = run(scenario, column)?;
                let w = hours(over)?;
                let target = c.area(t0, t0 + w);
                let mut previous: Option<(f64, f64)> = None;
                for &mg in doses {
                    let text = template.replace("{mg}", &mg.to_string());
                    let regimen = Regimen::parse(&text).map_err(|e| format!("{text}: {e}"))?;
                    let r = run(&regimen, column)?;
                    let area = r.area(r.last_dose_h, r.last_dose_h + w);
                    if area >= target {
                        let (d0, a0) = previous.ok_or_else(|| {
                            format!("the smallest dose tried ({mg} mg) already matches")
                        })?;
                        return Ok((d0 + (target - a0) / (area - a0) * (mg - d0), Some(c)));
                    }
                    previous = Some((mg, area));
                }
                return Err("no dose tried matches".to_string());
            }
            Measure::LogRatioAt { column, over, at } => {
                let c = run(scenario, column)?;
                let o = run(scenario, over)?;
                let t = t0 + hours(at)?;
                return Ok((c.at(t)?.ln() / o.at(t)?.ln(), Some(c)));
            }
            Measure::LowestDifference { column, within } => {
                let w = hours(within)?;
                let c = run(scenario, column)?;
                let r = run(compare()?, column)?;
                let lowest = |c: &Curve| {
                    c.window(c.last_dose_h, c.last_dose_h + w)
                        .map(|(_, v)| v)
                        .fold(f64::INFINITY, f64::min)
                };
                return Ok((lowest(&c) - lowest(&r), Some(c)));
            }
            Measure::SmallestLifeThreateningDose { template, doses } => {
                let pd = &runs.model.pd;
                for &mg in doses {
                    let text = template.replace("{mg}", &mg.to_string());
                    let regimen = Regimen::parse(&text).map_err(|e| format!("{text}: {e}"))?;
                    let c = run(&regimen, "ventilation_pct_baseline")?;
                    // The longest stretch below the level after the last dose.
                    let (mut longest, mut start) = (0.0_f64, None);
                    let mut previous = c.last_dose_h;
                    for (t, v) in c.window(c.last_dose_h, c.end_h()) {
                        match (v < pd.life_threatening_pct, start) {
                            (true, None) => start = Some(t),
                            (false, Some(a)) => {
                                longest = longest.max(t - a);
                                start = None;
                            }
                            _ => {}
                        }
                        previous = t;
                    }
                    if let Some(a) = start {
                        longest = longest.max(previous - a);
                    }
                    if longest >= pd.life_threatening_after_h * (1.0 - 1e-9) {
                        return Ok((mg, Some(c)));
                    }
                }
                return Err("no dose tried is life-threatening".to_string());
            }
            Measure::SteadyStateDay { column, fraction } => {
                let c = run(scenario, column)?;
                // The trough before each dose after the first, and one interval after the
                // last dose.
                let mut times: Vec<f64> = scenario.doses().iter().map(|d| d.time_h).collect();
                if let [.., a, b] = times[..] {
                    times.push(2.0 * b - a);
                }
                let troughs = times
                    .iter()
                    .skip(1)
                    .map(|t| c.at(t - 0.5))
                    .collect::<Result<Vec<f64>, String>>()?;
                let last = troughs.last().copied().unwrap_or(f64::NAN);
                let day = troughs
                    .iter()
                    .position(|&v| v >= fraction * last)
                    .map(|i| (i + 1) as f64)
                    .ok_or_else(|| "no steady state".to_string())?;
                return Ok((day, Some(c)));
            }
        };
        Ok((value, None))
    }
}

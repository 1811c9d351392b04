//! Cohorts of virtual people: variability between people and irregular use, and what they do
//! to the headline numbers.
//!
//! A cohort runs one regimen for N subjects. Each subject is a reproducible draw
//! ([`people`]): the model's variable parameters (log-normal, the `variability` of a parameter
//! in the model file) and the regimen's irregular use (`~`, `skip`). Every subject's
//! [`Summary`](crate::simulation::Summary) becomes a row of a [`CohortTable`]; the
//! [`CohortReport`] gives the percentiles of every numeric field and the share of every yes/no
//! field and band.
//!
//! Invariants:
//! - a subject's results depend only on (model, regimen, window, seed, subject number): the
//!   same bytes whatever the number of threads, and a cohort run in shards and merged equals
//!   the cohort run at once;
//! - memory grows with the rows only (one row per subject); trajectories are kept, on a coarse
//!   grid, only when percentile bands are asked for ([`BandSpec`]).
//!
//! Subjects run in parallel on rayon's pool (each subject is an independent simulation); the
//! results are collected in subject order.

pub mod offers;
pub mod people;
pub mod stats;
pub mod table;

use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

pub use people::{realize_use, Population};
pub use stats::{CohortReport, Distribution};
pub use table::{parse_shard, shard_subjects, Cell, CohortMeta, CohortTable, SubjectRow};

use crate::model::ModelError;
use crate::regimen::Regimen;
use crate::simulation::{run_observables, SimError, SimOptions, SummaryBuilder};

/// The most subjects a cohort may have. A million 30-day subjects take hours on a laptop and
/// their table is about 300 MB; larger studies run in shards (`--shard K/N`) and merge.
pub const MAX_SUBJECTS: u64 = 1_000_000;

/// What can go wrong in a cohort run.
#[derive(Debug, thiserror::Error)]
pub enum CohortError {
    /// The number of subjects is out of range.
    #[error("--subjects: {0} is not allowed; expected a whole number from 1 to {MAX_SUBJECTS}")]
    Subjects(u64),
    /// A shard out of range, or more shards than subjects.
    #[error("--shard {shard}: expected K/N with 1 <= K <= N and N at most the number of subjects ({subjects}), e.g. 2/4")]
    Shard {
        /// The shard as given.
        shard: String,
        /// Subjects in the cohort.
        subjects: u64,
    },
    /// A drawn person is not a valid model (a draw far in a tail pushed a value out of its
    /// range).
    #[error("subject {subject}: the drawn person is not a valid model ({source}); lower that parameter's variability.cv in the model file")]
    Person {
        /// The subject.
        subject: u64,
        /// Why.
        source: ModelError,
    },
    /// A simulation failed.
    #[error("subject {subject}: {source}")]
    Simulation {
        /// The subject.
        subject: u64,
        /// Why.
        source: SimError,
    },
    /// A subject not run because another one had already failed (never returned by
    /// [`run_cohort`], which reports the first real error in subject order).
    #[error("not run: another subject failed")]
    Stopped,
}

/// Which quantities to keep over time for percentile bands, and on what grid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BandSpec {
    /// Grid spacing (h); a multiple of the one-minute summary grid.
    pub every_h: f64,
}

/// Percentile bands over time: for each grid time, the 5th, 25th, 50th, 75th and 95th
/// percentile of MOR activation and of the withdrawal score across subjects.
#[derive(Debug, Clone, PartialEq)]
pub struct Bands {
    /// Grid times (h).
    pub time_h: Vec<f64>,
    /// MOR activation (0-1): `[p5, p25, p50, p75, p95]`, each one value per grid time.
    pub activation: [Vec<f64>; 5],
    /// Withdrawal score (0-48), the same way.
    pub withdrawal: [Vec<f64>; 5],
}

/// The percentiles the bands show.
pub const BAND_PERCENTILES: [f64; 5] = [0.05, 0.25, 0.5, 0.75, 0.95];

/// A cohort to run.
#[derive(Debug, Clone)]
pub struct CohortSpec<'a> {
    /// The regimen as written (irregular use is drawn per subject).
    pub regimen: &'a Regimen,
    /// Observation window after the last dose (h).
    pub observe_h: f64,
    /// The seed.
    pub seed: u64,
    /// Subjects in the whole cohort.
    pub subjects: u64,
    /// The slice to run, `(k, n)`; `None` for all.
    pub shard: Option<(u64, u64)>,
    /// Bands to keep, if any (not for offered scenarios).
    pub bands: Option<BandSpec>,
    /// Doses offered after the regimen (use that follows wanting), if any.
    pub offers: Option<&'a crate::scenario::Offers>,
}

/// One subject's result.
struct Outcome {
    fields: Vec<String>,
    row: SubjectRow,
    series: Option<SeriesPair>,
}

/// Runs a cohort on the current rayon pool. `progress` is called once per finished subject (from
/// any thread); the table's rows and the bands come out in subject order.
pub fn run_cohort(
    population: &Population,
    model_label: &str,
    spec: &CohortSpec<'_>,
    progress: &(dyn Fn() + Sync),
) -> Result<(CohortTable, Option<Bands>), CohortError> {
    if !(1..=MAX_SUBJECTS).contains(&spec.subjects) {
        return Err(CohortError::Subjects(spec.subjects));
    }
    if let Some((k, n)) = spec.shard {
        if !(1..=n).contains(&k) || n > spec.subjects {
            return Err(CohortError::Shard {
                shard: format!("{k}/{n}"),
                subjects: spec.subjects,
            });
        }
    }
    let subjects: Vec<u64> = shard_subjects(spec.subjects, spec.shard).collect();
    let failed = AtomicBool::new(false);
    let outcomes: Vec<Result<Outcome, CohortError>> = subjects
        .par_iter()
        .map(|&subject| {
            if failed.load(Ordering::Relaxed) {
                return Err(CohortError::Stopped);
            }
            let outcome = run_subject(population, spec, subject);
            if outcome.is_err() {
                failed.store(true, Ordering::Relaxed);
            }
            progress();
            outcome
        })
        .collect();
    let mut rows = Vec::with_capacity(outcomes.len());
    let mut series = Vec::new();
    // The field names are the same for every subject.
    let mut fields = Vec::new();
    // The first real error in subject order (later subjects may only have been stopped).
    let mut first_error = None;
    for outcome in outcomes {
        match outcome {
            Ok(o) => {
                if fields.is_empty() {
                    fields = o.fields;
                }
                rows.push(o.row);
                if let Some(s) = o.series {
                    series.push(s);
                }
            }
            Err(CohortError::Stopped) => {}
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    let table = CohortTable {
        meta: CohortMeta {
            seed: spec.seed,
            subjects: spec.subjects,
            regimen: spec.regimen.describe(),
            observe_h: spec.observe_h,
            model: model_label.to_string(),
        },
        shard: spec.shard,
        params: population
            .variable()
            .iter()
            .map(|p| p.name.clone())
            .collect(),
        fields,
        rows,
    };
    let bands = spec.bands.map(|b| bands_of(&series, b));
    Ok((table, bands))
}

/// One subject: draw the person and their use, run, summarise.
fn run_subject(
    population: &Population,
    spec: &CohortSpec<'_>,
    subject: u64,
) -> Result<Outcome, CohortError> {
    let params = population.draw(spec.seed, subject);
    let model = population
        .model_for(&params)
        .map_err(|source| CohortError::Person { subject, source })?;
    let regimen = realize_use(spec.regimen, spec.seed, subject);
    if let Some(offers) = spec.offers {
        let (run, extra) =
            offers::run(&model, &regimen, offers, spec.observe_h, spec.seed, subject)?;
        let (names, fields) = table::summary_cells(&run.summary)
            .into_iter()
            .chain(extra)
            .unzip();
        return Ok(Outcome {
            fields: names,
            row: SubjectRow {
                subject,
                params,
                fields,
            },
            series: None,
        });
    }
    let opts = SimOptions {
        observe_h: spec.observe_h,
        ..SimOptions::fine()
    };
    let mut builder = SummaryBuilder::new(&model, &regimen);
    let mut series = spec.bands.map(|_| (Vec::new(), Vec::new()));
    let every_min = spec
        .bands
        .map_or(1, |b| (b.every_h * 60.0).round().max(1.0) as u64);
    let mut sample = 0u64;
    // Summary and bands read only the observables: no plasma columns (the same values bit for
    // bit, `tests/summary.rs`).
    run_observables(&model, &regimen, &opts, &mut |s| {
        builder.push(s);
        if let Some((activation, withdrawal)) = series.as_mut() {
            if sample % every_min == 0 {
                activation.push(s.obs.receptor.activation);
                withdrawal.push(s.obs.withdrawal_score);
            }
        }
        sample += 1;
    })
    .map_err(|source| CohortError::Simulation { subject, source })?;
    let (names, fields) = table::summary_cells(&builder.finish()).into_iter().unzip();
    Ok(Outcome {
        fields: names,
        row: SubjectRow {
            subject,
            params,
            fields,
        },
        series,
    })
}

/// One subject's two series (activation, withdrawal) on the sampling grid.
type SeriesPair = (Vec<f64>, Vec<f64>);

/// Percentile bands across subjects' series (each on the same grid; irregular use can make
/// runs end at different times, so the bands stop where the shortest run ends).
fn bands_of(series: &[SeriesPair], spec: BandSpec) -> Bands {
    let len = series.iter().map(|(a, _)| a.len()).min().unwrap_or(0);
    let pick = |which: fn(&SeriesPair) -> &Vec<f64>| -> [Vec<f64>; 5] {
        let mut out: [Vec<f64>; 5] = Default::default();
        let mut column = Vec::with_capacity(series.len());
        for i in 0..len {
            column.clear();
            column.extend(series.iter().map(|s| which(s)[i]));
            column.sort_by(f64::total_cmp);
            for (k, p) in BAND_PERCENTILES.iter().enumerate() {
                out[k].push(stats::percentile(&column, *p));
            }
        }
        out
    };
    Bands {
        time_h: (0..len).map(|i| i as f64 * spec.every_h).collect(),
        activation: pick(|s| &s.0),
        withdrawal: pick(|s| &s.1),
    }
}

/// A short, stable label of a model text: its name and a 64-bit FNV-1a hash of the text, so a
/// merge can tell that its slices ran the same model.
pub fn model_label(name: &str, text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{name} {hash:016x}")
}

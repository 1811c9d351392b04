//! Running a regimen through the model: dose events, integration segments and output samples.
//!
//! A regimen's doses become *inputs*: an amount (umol) added to one state at one time (a bolus into
//! plasma, or into an absorption depot after the route's lag). [`Simulation`] adds each input at
//! its exact time and, between inputs, follows the linear PK in closed form ([`PkPropagator`])
//! while the Dormand-Prince solver integrates the PD states. The PD reads the PK only
//! through the receptor's binding sums, which the closed form evaluates directly as probes,
//! prepared for all stages of a step at once ([`PkSegment::prepare_probes`]). Samples on the
//! regular output grid combine the closed-form PK with the solver's dense output; no step
//! crosses a dose, and after a dose the solver chooses its starting step afresh. A model without
//! a closed form (nearly equal rates in series, see [`Model::pk`]) is integrated whole instead.
//!
//! Output convention: a sample at the exact time of a dose shows the state *after* the dose.

mod offer;
mod probe;
mod summary;
mod trajectory;

pub use offer::{run_offered, Offer, OfferedUse, UNIFORM_SOURCE};
pub use probe::{peak_activation_after, probe};
pub use summary::{
    Band, BreathingBand, Summary, SummaryBuilder, NEAR_NORMAL_VENTILATION_PCT,
    PRECIPITATION_WINDOW_H, WITHDRAWAL_THRESHOLD,
};
pub use trajectory::Trajectory;

use std::cell::RefCell;

use nalgebra::{Const, DVector, Dyn, SVector};

use crate::dose::{Dose, Route};
use crate::model::dynamics::{Binding, Observables, BINDING_LEN};
use crate::model::{Model, PD_LEN};
use crate::pk::{PkPropagator, PkSegment};
use crate::regimen::Regimen;
use crate::solver::tableau::{stage_powers, C_DENOMINATOR, STAGES};
use crate::solver::{stage_time, DormandPrince, OdeRhs, SolverError, Tolerances};

/// Hours per minute.
const MIN: f64 = 1.0 / 60.0;

/// Most output samples one run may produce (guards memory for absurd `--dt`).
pub const MAX_SAMPLES: usize = 5_000_000;

/// The longest observation window after the last dose, in days. With the longest regimen
/// ([`MAX_SPAN_DAYS`](crate::regimen::MAX_SPAN_DAYS)) a run lasts at most two years, which a
/// summary's one-minute grid covers within [`MAX_SAMPLES`]; withdrawal resolves and tolerance
/// returns to baseline within weeks.
pub const MAX_OBSERVE_DAYS: f64 = 365.0;

/// What can go wrong when simulating.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimError {
    /// The regimen names a drug the model does not define.
    #[error("unknown drug \"{drug}\"; this model defines: {available}")]
    UnknownDrug {
        /// The name written.
        drug: String,
        /// The drugs defined.
        available: String,
    },
    /// The model has no such route for this drug.
    #[error(
        "{drug} cannot be taken by the {route} route in this model; routes for {drug}: {available}"
    )]
    UnknownRoute {
        /// The drug.
        drug: String,
        /// The route written.
        route: Route,
        /// The routes defined for that drug.
        available: String,
    },
    /// An option is out of range.
    #[error("{option}: {value} is not allowed; expected {expected}")]
    Option {
        /// Option name.
        option: &'static str,
        /// Value given.
        value: String,
        /// What is accepted.
        expected: String,
    },
    /// The integrator failed.
    /// (The solver's error is part of this message, not a separate cause, so that it is
    /// printed once.)
    #[error("the solver failed: {0}")]
    Solver(SolverError),
}

impl From<SolverError> for SimError {
    fn from(e: SolverError) -> Self {
        SimError::Solver(e)
    }
}

/// How to run and sample a simulation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimOptions {
    /// How long to keep simulating after the last dose (h).
    pub observe_h: f64,
    /// Output grid spacing (h).
    pub dt_h: f64,
    /// Integrator tolerances, for the PD states (fractions from 0 to 1, and dopamine and its
    /// feedback in % of baseline); the PK is exact.
    pub tolerances: Tolerances,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            observe_h: 240.0,
            dt_h: 5.0 * MIN,
            // Tight enough that outputs change by less than 1e-4 (relative) when tightened 10x:
            // the withdrawal score by about 1e-4 points, activation by about 2e-6
            // (tests/numerics.rs checks the score against a 1e-10 reference).
            tolerances: Tolerances {
                rtol: 1e-5,
                atol: 1e-7,
                ..Tolerances::default()
            },
        }
    }
}

impl SimOptions {
    /// Options with a one-minute grid, used for summaries (peaks are read from samples).
    pub fn fine() -> Self {
        SimOptions {
            dt_h: MIN,
            ..SimOptions::default()
        }
    }

    fn validate(&self) -> Result<(), SimError> {
        check_dt(self.dt_h)?;
        check_observe(self.observe_h)
    }
}

/// An observation window must be from 0 to [`MAX_OBSERVE_DAYS`].
pub fn check_observe(observe_h: f64) -> Result<(), SimError> {
    if observe_h.is_finite() && (0.0..=MAX_OBSERVE_DAYS * 24.0).contains(&observe_h) {
        Ok(())
    } else {
        Err(SimError::Option {
            option: "observe",
            value: format!("{} d", crate::output::format_decimals(observe_h / 24.0, 3)),
            expected: format!("a duration from 0 to {MAX_OBSERVE_DAYS} days, e.g. 10d"),
        })
    }
}

/// An output grid step must be finite and at least one second.
fn check_dt(dt_h: f64) -> Result<(), SimError> {
    if dt_h.is_finite() && dt_h >= 1.0 / 3600.0 {
        Ok(())
    } else {
        Err(SimError::Option {
            option: "dt",
            value: format!("{dt_h} h"),
            expected: "an output step of at least 1 s".into(),
        })
    }
}

/// An amount added to one state at one time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Input {
    /// When (h).
    pub time_h: f64,
    /// Which state.
    pub state: usize,
    /// How much (umol).
    pub amount_umol: f64,
}

/// Converts a dose into the input it causes (after bioavailability and lag).
pub fn dose_input(model: &Model, dose: &Dose) -> Result<Input, SimError> {
    let d = model
        .drug_index(&dose.drug)
        .ok_or_else(|| SimError::UnknownDrug {
            drug: dose.drug.clone(),
            available: model.drug_names().join(", "),
        })?;
    let drug = &model.drugs[d];
    let r = drug
        .route(dose.route)
        .ok_or_else(|| SimError::UnknownRoute {
            drug: drug.name.clone(),
            route: dose.route,
            available: drug
                .routes
                .iter()
                .map(|r| r.route.name())
                .collect::<Vec<_>>()
                .join(", "),
        })?;
    let state = match model.layout.depot_for(d, dose.route) {
        Some(i) => model.layout.depots[i].state,
        None => model.layout.central[r.enters],
    };
    Ok(Input {
        time_h: dose.time_h + r.lag_h,
        state,
        amount_umol: dose.amount_mg / drug.molar_mass * 1000.0 * r.bioavailability,
    })
}

/// One output sample, borrowed from the running simulation.
#[derive(Debug, Clone, Copy)]
pub struct Sample<'a> {
    /// Time since the start (h).
    pub time_h: f64,
    /// Plasma concentration of each species (ng/mL), in model order; empty in a run that asked
    /// for the observables only ([`run_observables`], [`Simulation::skip_plasma`]).
    pub plasma_ng_ml: &'a [f64],
    /// Everything else read from the state.
    pub obs: Observables,
    /// Doses taken so far (a dose at exactly this time counts).
    pub dose_number: usize,
    /// Hours since the most recent dose, `None` before the first.
    pub time_after_dose_h: Option<f64>,
}

/// A running simulation: the state, the solver and the inputs still to come. Cloning it forks
/// the person: the clone continues from the same state (used for dose-response probes).
#[derive(Debug, Clone)]
pub struct Simulation<'m> {
    model: &'m Model,
    time_h: f64,
    /// The whole state at `time_h` (PK states, then PD states).
    y: DVector<f64>,
    /// The solver and the states it integrates.
    integrated: Integrated,
    /// The closed-form PK of the current segment (reused between segments). The PD right-hand
    /// side and the samples both read it, one after the other, hence the cell.
    segment: RefCell<PkSegment>,
    /// The receptor's inputs as weights on the PK states ([`Model::binding_weights`]).
    binding_weights: Vec<f64>,
    /// Scratch: the whole state at an output time.
    y_sample: DVector<f64>,
    /// States a sample reads from the closed form: the central amounts (for the plasma
    /// columns, unless skipped) and the effect sites.
    sample_rows: Vec<usize>,
    step_h: f64,
    /// Pending inputs, sorted by time, latest last (popped from the end).
    pending: Vec<Input>,
    /// Times of the doses given (for dose_number), in order.
    dose_times: DoseClock,
    plasma: Vec<f64>,
    /// Output times of the current segment (reused between segments).
    out_times: Vec<f64>,
}

impl<'m> Simulation<'m> {
    /// A drug-naive person at time 0.
    pub fn new(model: &'m Model, tolerances: Tolerances) -> Self {
        let l = &model.layout;
        let y = model.initial_state();
        let integrated = match model.pk {
            Some(_) => Integrated::Pd {
                solver: DormandPrince::fixed(tolerances),
                z: SVector::from_column_slice(&y.as_slice()[l.pk_len..]),
            },
            None => Integrated::Whole {
                solver: DormandPrince::new(y.len(), tolerances),
                z: y.clone(),
            },
        };
        let mut sample_rows = l.central.clone();
        sample_rows.extend(l.effect.iter().flatten());
        Simulation {
            model,
            time_h: 0.0,
            integrated,
            y_sample: y.clone(),
            y,
            segment: RefCell::new(PkSegment::default()),
            binding_weights: model.binding_weights(),
            sample_rows,
            step_h: 0.0,
            pending: Vec::new(),
            dose_times: DoseClock::default(),
            plasma: vec![0.0; model.species.len()],
            out_times: Vec::new(),
        }
    }

    /// From now on, samples carry no plasma concentrations (`Sample::plasma_ng_ml` is empty)
    /// and skip the central compartments they would be read from: for runs that only read
    /// `Sample::obs`, such as a summary. Every other field of a sample is computed exactly as
    /// before, from the same states, so it is bit for bit the same (`tests/summary.rs`).
    pub fn skip_plasma(&mut self) {
        let l = &self.model.layout;
        self.plasma.clear();
        self.sample_rows.retain(|r| !l.central.contains(r));
    }

    /// Current time (h).
    pub fn time_h(&self) -> f64 {
        self.time_h
    }

    /// Current state vector (layout in [`Model::layout`]).
    pub fn state(&self) -> &DVector<f64> {
        &self.y
    }

    /// Solver counters (steps, rejections, right-hand-side evaluations) so far. They count the
    /// integration of the PD states (of the whole state for a model without a closed-form PK).
    pub fn solver_stats(&self) -> crate::solver::Stats {
        match &self.integrated {
            Integrated::Pd { solver, .. } => solver.stats(),
            Integrated::Whole { solver, .. } => solver.stats(),
        }
    }

    /// The model being simulated.
    pub fn model(&self) -> &'m Model {
        self.model
    }

    /// Schedules every dose of a regimen, shifted by `offset_h`.
    pub fn schedule(&mut self, regimen: &Regimen, offset_h: f64) -> Result<(), SimError> {
        for dose in regimen.doses() {
            let shifted = Dose {
                time_h: dose.time_h + offset_h,
                ..dose.clone()
            };
            self.give(&shifted)?;
        }
        Ok(())
    }

    /// Schedules one dose (at `dose.time_h`, which must not be in the past).
    pub fn give(&mut self, dose: &Dose) -> Result<(), SimError> {
        if dose.time_h.is_nan() || dose.time_h < self.time_h {
            return Err(SimError::Option {
                option: "dose time",
                value: format!("{} h", dose.time_h),
                expected: format!("a time at or after the current time {} h", self.time_h),
            });
        }
        let input = dose_input(self.model, dose)?;
        let at = self.pending.partition_point(|p| p.time_h > input.time_h);
        self.pending.insert(at, input);
        self.dose_times.insert(dose.time_h);
        Ok(())
    }

    /// Adds every input due by now. The solution has a kink there, so the solver's step size
    /// from before says nothing about the next one: it is forgotten, and the solver chooses a
    /// starting step afresh (one extra evaluation instead of a few rejected steps).
    fn apply_inputs_due(&mut self) {
        while let Some(p) = self.pending.last() {
            if p.time_h > self.time_h {
                break;
            }
            self.y[p.state] += p.amount_umol;
            self.pending.pop();
            self.step_h = 0.0;
        }
    }

    /// Advances to `t_end`, giving every input on the way at its exact time, and reports a sample
    /// at each grid time `k * dt_h` (k = 0, 1, ...) in `[now, t_end]` to `sink`.
    pub fn advance<S>(&mut self, t_end: f64, dt_h: f64, sink: &mut S) -> Result<(), SimError>
    where
        S: FnMut(&Sample<'_>),
    {
        check_dt(dt_h)?;
        if !t_end.is_finite() {
            return Err(SimError::Option {
                option: "end time",
                value: format!("{t_end} h"),
                expected: "a finite time".into(),
            });
        }
        let mut next_k = (self.time_h / dt_h).ceil() as u64;
        let grid = |k: u64| k as f64 * dt_h;
        loop {
            self.apply_inputs_due();
            // A sample exactly at a segment boundary shows the state after that boundary's inputs.
            if (grid(next_k) - self.time_h).abs() <= 1e-9 * dt_h.max(1.0) {
                self.emit(sink);
                next_k += 1;
            }
            let next_input = self.pending.last().map_or(f64::INFINITY, |p| p.time_h);
            let seg_end = next_input.min(t_end);
            if seg_end <= self.time_h {
                break;
            }
            self.out_times.clear();
            while grid(next_k) < seg_end - 1e-9 * dt_h.max(1.0) {
                self.out_times.push(grid(next_k));
                next_k += 1;
            }
            let result = match &self.model.pk {
                Some(pk) => self.segment_closed_form(pk, seg_end, dt_h, sink),
                None => self.segment_whole_system(seg_end, sink),
            };
            if let Err(e) = result {
                // Stay at the segment's start, where the whole state is known.
                let y = self.y.as_slice();
                match &mut self.integrated {
                    Integrated::Pd { z, .. } => {
                        z.as_mut_slice().copy_from_slice(&y[y.len() - PD_LEN..]);
                    }
                    Integrated::Whole { z, .. } => z.as_mut_slice().copy_from_slice(y),
                }
                return Err(e.into());
            }
            self.time_h = seg_end;
        }
        Ok(())
    }

    /// One segment from `time_h` to `t1` with the PK in closed form: the solver integrates the PD
    /// states, reading the receptor's inputs from the closed form. Leaves the whole state at `t1`
    /// in `y`.
    fn segment_closed_form<S>(
        &mut self,
        pk: &PkPropagator,
        t1: f64,
        dt_h: f64,
        sink: &mut S,
    ) -> Result<(), SolverError>
    where
        S: FnMut(&Sample<'_>),
    {
        let Simulation {
            model,
            time_h: t0,
            y,
            integrated,
            segment,
            binding_weights,
            y_sample,
            sample_rows,
            step_h,
            dose_times,
            plasma,
            out_times,
            ..
        } = self;
        let (model, t0) = (*model, *t0);
        let Integrated::Pd { solver, z } = integrated else {
            unreachable!("a model with a closed-form PK integrates its PD states");
        };
        let pk_len = model.layout.pk_len;
        {
            let seg = segment.get_mut();
            pk.start(&y.as_slice()[..pk_len], seg);
            seg.set_probes(binding_weights, BINDING_LEN);
            seg.set_grid(dt_h, sample_rows);
        }
        let mut rhs = PdSystem { model, segment, t0 };
        // Samples read only the central amounts and effect sites of the PK block, so only those
        // rows of `y_sample` are filled. The solver reports each output time once, in order: `j`
        // counts them (the grid path continues from the previous sample).
        let mut j = 0;
        let mut local_sink = |t: f64, z: &SVector<f64, PD_LEN>| {
            let (pk_part, pd_part) = y_sample.as_mut_slice().split_at_mut(pk_len);
            segment.borrow_mut().eval_rows_on_grid(j, t - t0, pk_part);
            j += 1;
            if let Some(pd) = pd_part.first_chunk_mut::<PD_LEN>() {
                *pd = z.data.0[0];
            }
            emit_sample(model, t, y_sample, dose_times, plasma, sink);
        };
        solver.integrate(&mut rhs, t0, t1, z, step_h, out_times, &mut local_sink)?;
        let y = y.as_mut_slice();
        segment.get_mut().eval_all(t1 - t0, &mut y[..pk_len]);
        y[pk_len..].copy_from_slice(z.as_slice());
        Ok(())
    }

    /// One segment from `time_h` to `t1` for a model without a closed form: the solver
    /// integrates the whole state. Leaves it at `t1` in `y`.
    fn segment_whole_system<S>(&mut self, t1: f64, sink: &mut S) -> Result<(), SolverError>
    where
        S: FnMut(&Sample<'_>),
    {
        let model = self.model;
        let Integrated::Whole { solver, z } = &mut self.integrated else {
            unreachable!("a model without a closed-form PK integrates its whole state");
        };
        let mut rhs = WholeSystem { model };
        let dose_times = &mut self.dose_times;
        let plasma = &mut self.plasma;
        let mut local_sink = |t: f64, y: &DVector<f64>| {
            emit_sample(model, t, y, dose_times, plasma, sink);
        };
        z.copy_from(&self.y);
        solver.integrate(
            &mut rhs,
            self.time_h,
            t1,
            z,
            &mut self.step_h,
            &self.out_times,
            &mut local_sink,
        )?;
        self.y.copy_from(z);
        Ok(())
    }

    fn emit<S>(&mut self, sink: &mut S)
    where
        S: FnMut(&Sample<'_>),
    {
        emit_sample(
            self.model,
            self.time_h,
            &self.y,
            &mut self.dose_times,
            &mut self.plasma,
            sink,
        );
    }
}

/// The times of the doses given, in order, with a cursor for counting those taken by a time:
/// samples come in time order, so the count only moves forward.
#[derive(Debug, Clone, Default)]
struct DoseClock {
    times: Vec<f64>,
    /// Doses at or before the last time asked about.
    taken: usize,
}

impl DoseClock {
    fn insert(&mut self, time_h: f64) {
        let at = self.times.partition_point(|t| *t <= time_h);
        self.times.insert(at, time_h);
        if at < self.taken {
            self.taken += 1;
        }
    }

    /// The number of doses taken by `t` (a dose at exactly `t` counts) and the time of the
    /// last of them.
    fn taken_by(&mut self, t: f64) -> (usize, Option<f64>) {
        if self.taken > 0 && self.times[self.taken - 1] > t {
            self.taken = self.times.partition_point(|d| *d <= t);
        }
        while self.times.get(self.taken).is_some_and(|&d| d <= t) {
            self.taken += 1;
        }
        let last = self.taken.checked_sub(1).map(|i| self.times[i]);
        (self.taken, last)
    }
}

/// The solver and the states it integrates.
#[derive(Debug, Clone)]
#[expect(
    clippy::large_enum_variant,
    reason = "one per simulation, and the fixed-size variant is the hot path: boxing it would add an indirection to every step"
)]
enum Integrated {
    /// The PD states, with the PK in closed form (a fixed-size state: the solver's work vectors
    /// live on the stack and its loops unroll).
    Pd {
        solver: DormandPrince<Const<PD_LEN>>,
        z: SVector<f64, PD_LEN>,
    },
    /// The whole state, for a model without a closed-form PK.
    Whole {
        solver: DormandPrince,
        z: DVector<f64>,
    },
}

/// The PD right-hand side of one segment, with the receptor's inputs read from the closed-form
/// PK that started at `t0`. Before each step it prepares those inputs at all the step's stage
/// times at once ([`PkSegment::prepare_probes`]): two exponentials per rate instead of one per
/// rate and stage.
struct PdSystem<'a> {
    model: &'a Model,
    segment: &'a RefCell<PkSegment>,
    t0: f64,
}

impl OdeRhs<Const<PD_LEN>> for PdSystem<'_> {
    fn eval(&mut self, t: f64, z: &SVector<f64, PD_LEN>, dz: &mut SVector<f64, PD_LEN>) {
        let mut binding: Binding = [0.0; BINDING_LEN];
        self.segment.borrow_mut().probes(t - self.t0, &mut binding);
        self.model
            .pd_rhs_bound(&binding, &z.data.0[0], &mut dz.data.0[0]);
    }

    fn in_domain(&self, z: &SVector<f64, PD_LEN>) -> bool {
        self.model.pd_in_domain(&z.data.0[0])
    }

    fn begin_step(&mut self, t: f64, h: f64, t_new: f64) {
        // Stages 1.. (stage 0 is the previous step's last, first same as last).
        let taus: [f64; STAGES - 1] =
            std::array::from_fn(|i| stage_time(t, h, t_new, i + 1) - self.t0);
        self.segment
            .borrow_mut()
            .prepare_probes::<{ STAGES - 1 }, BINDING_LEN>(
                t - self.t0,
                h / f64::from(C_DENOMINATOR),
                stage_powers,
                &taus,
            );
    }
}

/// The whole system (PK and PD) for a model without a closed-form PK.
struct WholeSystem<'a> {
    model: &'a Model,
}

impl OdeRhs<Dyn> for WholeSystem<'_> {
    fn eval(&mut self, _t: f64, y: &DVector<f64>, dy: &mut DVector<f64>) {
        self.model.rhs(y, dy);
    }

    fn in_domain(&self, y: &DVector<f64>) -> bool {
        self.model.in_domain(y.as_slice())
    }
}

fn emit_sample<S>(
    model: &Model,
    t: f64,
    y: &DVector<f64>,
    dose_times: &mut DoseClock,
    plasma: &mut [f64],
    sink: &mut S,
) where
    S: FnMut(&Sample<'_>),
{
    for (s, c) in plasma.iter_mut().enumerate() {
        *c = model.plasma_ng_ml(y, s);
    }
    // Counted from the dose times themselves, so a dose whose absorption starts after a lag
    // counts from the moment it was taken.
    let (doses_taken, last) = dose_times.taken_by(t);
    sink(&Sample {
        time_h: t,
        plasma_ng_ml: plasma,
        obs: model.observe(y),
        dose_number: doses_taken,
        time_after_dose_h: last.map(|l| t - l),
    });
}

/// The end time of a run: the last dose plus the observation window (the regimen's span for a
/// regimen without doses). A trailing `wait` does not lengthen the run: the window says how
/// long to watch after the last dose, and it means that whether it is shorter or longer.
pub fn end_time(regimen: &Regimen, observe_h: f64) -> f64 {
    match regimen.last_dose_h() {
        Some(last) => last + observe_h,
        None => regimen.span_h(),
    }
}

/// Runs a regimen from a drug-naive start and streams samples to `sink`.
pub fn run<S>(
    model: &Model,
    regimen: &Regimen,
    opts: &SimOptions,
    sink: &mut S,
) -> Result<(), SimError>
where
    S: FnMut(&Sample<'_>),
{
    run_with(model, regimen, opts, true, sink)
}

/// [`run`] without the plasma columns: each sample's `plasma_ng_ml` is empty and the rest is
/// bit for bit what [`run`] gives ([`Simulation::skip_plasma`]). For runs that only need
/// observables, such as a [`Summary`] of each member of a cohort.
pub fn run_observables<S>(
    model: &Model,
    regimen: &Regimen,
    opts: &SimOptions,
    sink: &mut S,
) -> Result<(), SimError>
where
    S: FnMut(&Sample<'_>),
{
    run_with(model, regimen, opts, false, sink)
}

fn run_with<S>(
    model: &Model,
    regimen: &Regimen,
    opts: &SimOptions,
    plasma: bool,
    sink: &mut S,
) -> Result<(), SimError>
where
    S: FnMut(&Sample<'_>),
{
    opts.validate()?;
    let t_end = end_time(regimen, opts.observe_h);
    let mut sim = Simulation::new(model, opts.tolerances);
    if !plasma {
        sim.skip_plasma();
    }
    sim.schedule(regimen, 0.0)?;
    run_scheduled(sim, t_end, opts, sink)
}

/// Follows a simulation with its doses scheduled from its start to `t_end`, streaming samples
/// on the `opts.dt_h` grid and the sample at `t_end`.
fn run_scheduled<S>(
    mut sim: Simulation<'_>,
    t_end: f64,
    opts: &SimOptions,
    sink: &mut S,
) -> Result<(), SimError>
where
    S: FnMut(&Sample<'_>),
{
    let samples = t_end / opts.dt_h;
    if samples > MAX_SAMPLES as f64 {
        return Err(SimError::Option {
            option: "dt",
            value: format!("{} h", opts.dt_h),
            expected: format!(
                "a step that gives at most {MAX_SAMPLES} samples over {t_end:.0} h (use a larger --dt or a shorter --observe)"
            ),
        });
    }
    let mut last_h = f64::NEG_INFINITY;
    sim.advance(t_end, opts.dt_h, &mut |s: &Sample<'_>| {
        last_h = s.time_h;
        sink(s);
    })?;
    // The end of the window is always reported, even when it is not on the grid.
    if last_h < t_end - 1e-9 * opts.dt_h.max(1.0) {
        sim.emit(sink);
    }
    Ok(())
}

/// Runs a regimen and keeps every sample.
pub fn simulate(
    model: &Model,
    regimen: &Regimen,
    opts: &SimOptions,
) -> Result<Trajectory, SimError> {
    let mut traj = Trajectory::new(model);
    run(model, regimen, opts, &mut |s| traj.push(s))?;
    Ok(traj)
}

/// Runs a regimen on a one-minute grid and returns its headline numbers.
pub fn summarize(model: &Model, regimen: &Regimen, observe_h: f64) -> Result<Summary, SimError> {
    let opts = SimOptions {
        observe_h,
        ..SimOptions::fine()
    };
    let mut builder = SummaryBuilder::new(model, regimen);
    run_observables(model, regimen, &opts, &mut |s| builder.push(s))?;
    Ok(builder.finish())
}

#[cfg(test)]
mod tests {
    use super::DoseClock;

    #[test]
    fn the_dose_clock_counts_doses_taken_by_each_time() {
        let mut clock = DoseClock::default();
        for t in [0.0, 8.0, 16.0] {
            clock.insert(t);
        }
        assert_eq!(clock.taken_by(-1.0), (0, None));
        assert_eq!(clock.taken_by(0.0), (1, Some(0.0)));
        assert_eq!(clock.taken_by(8.0), (2, Some(8.0)));
        assert_eq!(clock.taken_by(100.0), (3, Some(16.0)));
        // A dose inserted behind the cursor is counted, and asking about an earlier time
        // (a forked simulation never does, but the clock does not rely on it) recounts.
        clock.insert(4.0);
        assert_eq!(clock.taken_by(100.0), (4, Some(16.0)));
        assert_eq!(clock.taken_by(5.0), (2, Some(4.0)));
        assert_eq!(clock.taken_by(16.0), (4, Some(16.0)));
    }
}

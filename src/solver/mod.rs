//! An adaptive explicit Runge–Kutta solver: Dormand–Prince 5(4) with dense output.
//!
//! # Method
//!
//! [`DormandPrince`] integrates `y' = f(t, y)` with the seven-stage embedded pair of
//! Dormand & Prince (1980); the coefficients live in [`tableau`]. Each step computes
//!
//! ```text
//! k_s   = f(t + c_s h, y + h Σ_{j<s} a_sj k_j),   s = 1..7
//! y_new = y + h Σ b_j k_j                          (5th order, propagated)
//! err   = h Σ e_j k_j                              (difference to the embedded 4th order)
//! ```
//!
//! The last stage is evaluated at `(t + h, y_new)`, so it is the first stage of the next
//! step ("first same as last", FSAL): an accepted step costs six evaluations of `f`.
//! FSAL is used only *within* one call of [`DormandPrince::integrate`]; every call
//! evaluates `f(t0, y)` afresh, because the caller may have changed `y` (a dose) in between.
//!
//! # Error norm
//!
//! The scaled root-mean-square norm of Hairer, Nørsett & Wanner (Solving ODEs I, II.4):
//!
//! ```text
//! ‖err‖ = sqrt( (1/n) Σ_i ( err_i / (atol + rtol · max(|y_i|, |y_new,i|)) )² )
//! ```
//!
//! A step is accepted when `‖err‖ ≤ 1`.
//!
//! # Step-size control
//!
//! A PI controller with Lund stabilisation as in DOPRI5:
//!
//! ```text
//! h_next = h · clamp( 0.9 · ‖err‖^(-α) · ‖err_prev‖^β , 0.2, 5 ),  α = 0.2 - 0.75 β,  β = 0.04
//! ```
//!
//! where `err_prev` is the norm of the last accepted step (floored at 1e-4). After a rejected
//! step the size is cut by `max(0.2, 0.9 ‖err‖^(-α))`, and the next accepted step may not
//! grow. A step whose stages or result are not finite is rejected and cut by the factor 0.2;
//! if that drives `h` below `h_min` the failure is reported as [`SolverError::NonFinite`].
//! `h` is always kept in `[h_min, h_max]`; the last step of an interval is stretched or
//! shortened (by at most 1 % stretching) to end exactly at `t1`.
//!
//! # Domain
//!
//! An explicit Runge–Kutta method of order above one cannot keep every non-negative quantity
//! non-negative: Dormand–Prince weighs some stages negatively (`b_5 = -2187/6784`), so a
//! state sitting at zero whose source switches on within a step (at a kink of the right-hand
//! side) can come out slightly negative while the error estimate stays within the tolerance.
//! As SUNDIALS does with its inequality constraints (CVODE's `CVodeSetConstraints`), a step
//! whose result leaves the region the exact flow keeps ([`OdeRhs::in_domain`]) is rejected and
//! retried with [`DOMAIN_SHRINK`] times its size; the next step may not grow. The dense output
//! at the output times inside the step is checked too, since the interpolant between two
//! states in the domain can leave it. A smaller step
//! moves the kink relative to the stages, and as `h -> 0` a source that switches on from zero
//! gives `h² Σ b_j c_j = h²/2` times its slope, which is positive. This changes nothing in a
//! run that never leaves the domain.
//!
//! # Initial step
//!
//! When the caller passes no step (`h <= 0`), the heuristic of Hairer et al. (II.4,
//! "Starting step size") chooses one from `f(t0, y0)` and one extra evaluation of `f`.
//!
//! # Dense output
//!
//! Output times are never hit by shortening steps. Instead each step that spans an output time
//! evaluates the 4th-order continuous extension of DOPRI5 (Hairer et al., II.6) there, at no
//! extra cost in evaluations of `f`, before the step is accepted (an output outside the domain
//! rejects it, see "Domain"), and hands the values to the sink once it is.
//!
//! # The right-hand side
//!
//! A right-hand side is any closure `FnMut(t, &y, &mut dy)`, or a type implementing
//! [`OdeRhs`], whose optional [`OdeRhs::begin_step`] is told each step attempt's start, size and
//! end before its stages are evaluated (at [`stage_time`]). A right-hand side whose inputs are
//! known functions of time (the simulation's closed-form PK) prepares them there for all stages
//! at once; it must not depend on the hint, because the solver also evaluates at times it does
//! not announce (the start of each call, the starting-step heuristic).
//!
//! # Invariants
//!
//! The solver knows nothing about doses, units or models: it integrates one smooth interval
//! at a time. The caller stops at each discontinuity, changes the state and calls again,
//! passing the step size returned by the previous call (or 0 to have a starting step chosen
//! afresh, as the simulation does after a dose).
//! The stepping loop does not allocate: all work vectors are owned by [`DormandPrince`] and
//! are only (re)allocated when the state length changes (the buffer of interpolated outputs
//! also grows to the most output times one step has spanned, once). With a fixed dimension (`Const<PD_LEN>` for the
//! PD block) they are plain arrays.

pub mod tableau;

use nalgebra::allocator::Allocator;
use nalgebra::{DefaultAllocator, Dim, Dyn, OVector, U1};

use tableau::{A, C, D as DENSE, E, STAGES};

/// Safety factor of the step-size controller.
const SAFETY: f64 = 0.9;
/// Smallest factor by which one step may shrink the next.
const FAC_MIN: f64 = 0.2;
/// Largest factor by which one step may enlarge the next.
const FAC_MAX: f64 = 5.0;
/// Exponent of the previous error in the PI controller (Lund stabilisation).
const BETA: f64 = 0.04;
/// Exponent of the current error in the PI controller: `1/5 - 0.75 β`.
const ALPHA: f64 = 0.2 - 0.75 * BETA;
/// Floor of the remembered previous error norm (as in DOPRI5).
const ERR_OLD_MIN: f64 = 1e-4;
/// The last step may be stretched by this factor to end exactly at `t1`.
const LAST_STEP_STRETCH: f64 = 1.01;
/// A step whose result leaves the domain ([`OdeRhs::in_domain`]) is retried with this factor.
pub const DOMAIN_SHRINK: f64 = 0.5;

/// Tolerances and limits for one integration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerances {
    /// Relative tolerance (dimensionless), `>= 0`.
    pub rtol: f64,
    /// Absolute tolerance, in the units of the state, `> 0`.
    pub atol: f64,
    /// Largest step size allowed, `> 0` (may be infinite).
    pub h_max: f64,
    /// Smallest step size allowed, `>= 0`; a rejected step below it is an error.
    pub h_min: f64,
    /// Largest number of attempted (accepted plus rejected) steps in one call of
    /// [`DormandPrince::integrate`].
    pub max_steps: usize,
}

impl Default for Tolerances {
    fn default() -> Self {
        Self {
            rtol: 1e-6,
            atol: 1e-9,
            h_max: f64::INFINITY,
            h_min: 1e-12,
            max_steps: 1_000_000,
        }
    }
}

impl Tolerances {
    /// Checks that the tolerances are usable: finite non-negative `rtol`, finite positive
    /// `atol`, `0 <= h_min <= h_max` and `h_max > 0`.
    pub fn validate(&self) -> Result<(), SolverError> {
        let invalid = |msg: String| Err(SolverError::InvalidInput(msg));
        if !(self.rtol.is_finite() && self.rtol >= 0.0) {
            return invalid(format!("rtol must be finite and >= 0, got {}", self.rtol));
        }
        if !(self.atol.is_finite() && self.atol > 0.0) {
            return invalid(format!("atol must be finite and > 0, got {}", self.atol));
        }
        if self.h_max.is_nan() || self.h_max <= 0.0 {
            return invalid(format!("h_max must be > 0, got {}", self.h_max));
        }
        if !(self.h_min.is_finite() && self.h_min >= 0.0 && self.h_min <= self.h_max) {
            return invalid(format!(
                "h_min must be finite, >= 0 and <= h_max ({}), got {}",
                self.h_max, self.h_min
            ));
        }
        Ok(())
    }
}

/// Why an integration failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SolverError {
    /// The controller needed a step smaller than [`Tolerances::h_min`].
    #[error("the step size fell below {h_min} at t = {time}; the model may be too stiff or its parameters extreme")]
    StepSizeTooSmall {
        /// Time at the start of the failing step.
        time: f64,
        /// The smallest allowed step.
        h_min: f64,
    },
    /// The state or its derivative became NaN or infinite.
    #[error(
        "the state became non-finite (NaN or infinite) at t = {time}; check the model parameters"
    )]
    NonFinite {
        /// Time at the start of the failing step.
        time: f64,
    },
    /// More than [`Tolerances::max_steps`] steps were attempted in one call.
    #[error(
        "more than {max_steps} steps were needed; shorten the simulation or loosen the tolerances"
    )]
    TooManySteps {
        /// The step limit that was exceeded.
        max_steps: usize,
    },
    /// The interval, the output times or the tolerances are not usable.
    #[error("invalid integration interval or tolerances: {0}")]
    InvalidInput(String),
}

/// Counters for benchmarking and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Accepted steps.
    pub accepted: usize,
    /// Rejected steps (error too large, non-finite stages, or a result outside the domain).
    pub rejected: usize,
    /// Of the rejected steps, those whose error estimate was within the tolerance but whose
    /// result or dense output left the domain ([`OdeRhs::in_domain`]). The rest were rejected
    /// by accuracy (or were not finite): a debug counter that says which of the two limits
    /// the step size (ARCHITECTURE.md, "Speed").
    pub rejected_domain: usize,
    /// Evaluations of the right-hand side.
    pub rhs_evals: usize,
}

/// The right-hand side `f(t, y)` of a problem `y' = f(t, y)`.
///
/// Every closure `FnMut(f64, &OVector<f64, D>, &mut OVector<f64, D>)` is one. A type that
/// implements it directly may also use [`begin_step`](OdeRhs::begin_step) to prepare, once per
/// step, inputs that depend on time only (the simulation evaluates its closed-form PK there).
pub trait OdeRhs<D: Dim>
where
    DefaultAllocator: Allocator<D>,
{
    /// Writes `f(t, y)` into `dy`.
    fn eval(&mut self, t: f64, y: &OVector<f64, D>, dy: &mut OVector<f64, D>);

    /// Called before the stages of each step attempt from `t` with size `h` ending at `t_new`;
    /// the stages are then evaluated in order at [`stage_time`]`(t, h, t_new, s)` for
    /// `s = 1..STAGES`. Does nothing by default. It is a hint: `eval` must return the same
    /// values (up to rounding) whether or not it was called, since the solver also evaluates at
    /// times it does not announce (the start of an interval, the starting-step heuristic).
    fn begin_step(&mut self, t: f64, h: f64, t_new: f64) {
        let _ = (t, h, t_new);
    }

    /// Whether `y` lies in the region the exact solution never leaves (for example, amounts and
    /// fractions that the equations keep non-negative). A step whose result is outside is
    /// rejected and retried with half the size, however small its error estimate (see
    /// "Domain" in the module docs). Every state is in the domain by default.
    fn in_domain(&self, y: &OVector<f64, D>) -> bool {
        let _ = y;
        true
    }
}

impl<D, F> OdeRhs<D> for F
where
    D: Dim,
    DefaultAllocator: Allocator<D>,
    F: FnMut(f64, &OVector<f64, D>, &mut OVector<f64, D>),
{
    fn eval(&mut self, t: f64, y: &OVector<f64, D>, dy: &mut OVector<f64, D>) {
        self(t, y, dy)
    }
}

/// The time at which stage `s` (0-based, `1 <= s < STAGES`) of a step from `t` with size `h`
/// ending at `t_new` is evaluated, computed exactly as the solver computes it: `t + c_s h`, and
/// `t_new` for the last stage (so that the last stage of the last step lands exactly on the end
/// of the interval).
pub fn stage_time(t: f64, h: f64, t_new: f64, s: usize) -> f64 {
    if s == STAGES - 1 {
        t_new
    } else {
        t + C[s] * h
    }
}

/// A reusable integrator: owns its work vectors (k1..k7, temporary states) so that
/// repeated calls allocate nothing.
///
/// The state is a nalgebra vector of dimension `D`: [`Dyn`] (the default, length chosen at run
/// time, [`DormandPrince::new`]) or a fixed size such as `Const<PD_LEN>`
/// ([`DormandPrince::fixed`]), whose work vectors live on the stack and whose loops the compiler
/// unrolls.
#[derive(Debug, Clone)]
pub struct DormandPrince<D: Dim = Dyn>
where
    DefaultAllocator: Allocator<D>,
{
    tol: Tolerances,
    dim: D,
    /// Stage derivatives `k_1..k_7`; `k[0]` holds `f(t, y)` at the start of each step.
    k: [OVector<f64, D>; STAGES],
    /// State at which an intermediate stage is evaluated.
    y_stage: OVector<f64, D>,
    /// Candidate 5th-order solution at the end of the step.
    y_new: OVector<f64, D>,
    /// `h Σ d_j k_j`, the highest dense-output coefficient of the current step.
    dense: OVector<f64, D>,
    /// Interpolated states at the output times inside the current step, handed to the output
    /// sink once the step is accepted (grown to the most outputs one step has held, then
    /// reused).
    y_out: Vec<OVector<f64, D>>,
    stats: Stats,
}

impl DormandPrince<Dyn> {
    /// Creates an integrator for states of length `dim` (chosen at run time) with tolerances
    /// `tol`.
    ///
    /// The tolerances are checked by each call of [`integrate`](Self::integrate).
    pub fn new(dim: usize, tol: Tolerances) -> Self {
        Self::with_dim(Dyn(dim), tol)
    }
}

impl<const N: usize> DormandPrince<nalgebra::Const<N>> {
    /// Creates an integrator for states of the fixed length `N` with tolerances `tol`.
    pub fn fixed(tol: Tolerances) -> Self {
        Self::with_dim(nalgebra::Const::<N>, tol)
    }
}

impl<D: Dim> DormandPrince<D>
where
    DefaultAllocator: Allocator<D>,
{
    /// Creates an integrator for states of dimension `dim` with tolerances `tol`.
    pub fn with_dim(dim: D, tol: Tolerances) -> Self {
        let zeros = || OVector::<f64, D>::zeros_generic(dim, U1);
        Self {
            tol,
            dim,
            k: std::array::from_fn(|_| zeros()),
            y_stage: zeros(),
            y_new: zeros(),
            dense: zeros(),
            y_out: Vec::new(),
            stats: Stats::default(),
        }
    }

    /// Counters accumulated over all calls since creation (or the last
    /// [`reset_stats`](Self::reset_stats)).
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Sets all counters to zero.
    pub fn reset_stats(&mut self) {
        self.stats = Stats::default();
    }

    /// The tolerances in use.
    pub fn tolerances(&self) -> &Tolerances {
        &self.tol
    }

    /// The state length the work vectors are sized for.
    pub fn dim(&self) -> usize {
        self.dim.value()
    }

    /// Integrate y from t0 to t1 (t1 > t0) in place. `rhs` ([`OdeRhs::eval`], or a closure
    /// `(t, y, dydt)`) writes the derivative.
    ///
    /// Every time in `out_times` (sorted, each in (t0, t1]; times outside are an
    /// [`SolverError::InvalidInput`] error) is reported once to `sink(t, &y_at_t)` using the
    /// dense output (no step is shortened to hit an output time, except that the last step
    /// ends exactly at t1, where the sink receives exactly the returned state). Returns when
    /// y holds y(t1).
    ///
    /// `h` carries the step size between calls (pass 0.0 or negative for "choose an initial
    /// step" with Hairer's heuristic); on return it holds a good step to start the next
    /// segment. The caller uses this to stop at each dose time, add the dose to y, and
    /// continue, so no step crosses a discontinuity. `rhs` is evaluated at `t0` afresh on
    /// every call.
    ///
    /// If `y.len()` differs from [`dim`](Self::dim) the work vectors are resized once.
    /// On error `y` holds the state at the last accepted time and `h` is unchanged.
    // The signature is the documented public API: problem, interval, state, step, outputs.
    #[allow(clippy::too_many_arguments)]
    pub fn integrate<F, S>(
        &mut self,
        rhs: &mut F,
        t0: f64,
        t1: f64,
        y: &mut OVector<f64, D>,
        h: &mut f64,
        out_times: &[f64],
        sink: &mut S,
    ) -> Result<(), SolverError>
    where
        F: OdeRhs<D>,
        S: FnMut(f64, &OVector<f64, D>),
    {
        self.tol.validate()?;
        validate_interval(t0, t1, out_times)?;
        self.resize(y.shape_generic().0);
        let Tolerances {
            h_min,
            h_max,
            max_steps,
            ..
        } = self.tol;

        if !all_finite(y) {
            return Err(SolverError::NonFinite { time: t0 });
        }
        rhs.eval(t0, y, &mut self.k[0]);
        self.stats.rhs_evals += 1;
        if !all_finite(&self.k[0]) {
            return Err(SolverError::NonFinite { time: t0 });
        }

        let mut step = if h.is_finite() && *h > 0.0 {
            *h
        } else {
            self.initial_step(rhs, t0, y, t1 - t0)
        };
        step = step.min(h_max).max(h_min);

        let mut t = t0;
        let mut next_out = 0;
        let mut attempts = 0;
        let mut rejected_last = false;
        // ln of the previous error norm: the controller's powers are taken as one exponential
        // of logarithms (two `powf` per step cost more than the rest of the controller).
        let mut ln_err_old = ERR_OLD_MIN.ln();
        loop {
            if attempts >= max_steps {
                return Err(SolverError::TooManySteps { max_steps });
            }
            attempts += 1;

            let last = t + LAST_STEP_STRETCH * step >= t1;
            let (h_try, t_new) = if last { (t1 - t, t1) } else { (step, t + step) };
            if t_new <= t {
                // The step is below the resolution of t.
                return Err(SolverError::StepSizeTooSmall { time: t, h_min });
            }

            self.compute_stages(rhs, t, h_try, t_new, y);
            let err = self.error_norm(y, h_try);
            // A result outside the domain, at the end of the step or at an output time inside
            // it, is rejected whatever its error estimate.
            let out_of_domain = err <= 1.0
                && !(rhs.in_domain(&self.y_new)
                    && self.interpolate_outputs(&*rhs, t, h_try, t_new, y, &out_times[next_out..]));

            if err <= 1.0 && !out_of_domain {
                self.stats.accepted += 1;
                self.emit_outputs(t_new, out_times, &mut next_out, sink);

                let ln_err = err.max(1e-10).ln();
                let mut growth =
                    (SAFETY * (BETA * ln_err_old - ALPHA * ln_err).exp()).clamp(FAC_MIN, FAC_MAX);
                if rejected_last {
                    growth = growth.min(1.0);
                }
                rejected_last = false;
                ln_err_old = ln_err.max(ERR_OLD_MIN.ln());
                let mut h_next = h_try * growth;
                if last {
                    // A shortened final step says little about the scale of the solution;
                    // keep at least the step the controller wanted before shortening.
                    h_next = h_next.max(step);
                }
                let h_next = h_next.min(h_max).max(h_min);

                // Advance: y <- y_new, and FSAL: k1 <- k7 (buffer swaps, no copies).
                std::mem::swap(y, &mut self.y_new);
                self.k.swap(0, STAGES - 1);
                t = t_new;
                if last {
                    *h = h_next;
                    return Ok(());
                }
                step = h_next;
            } else {
                self.stats.rejected += 1;
                self.stats.rejected_domain += usize::from(out_of_domain);
                rejected_last = true;
                let finite = err.is_finite();
                let shrink = if out_of_domain {
                    DOMAIN_SHRINK
                } else if finite {
                    (SAFETY * err.powf(-ALPHA)).max(FAC_MIN)
                } else {
                    FAC_MIN
                };
                step = h_try * shrink;
                if step < h_min {
                    return Err(if finite {
                        SolverError::StepSizeTooSmall { time: t, h_min }
                    } else {
                        SolverError::NonFinite { time: t }
                    });
                }
            }
        }
    }

    /// Reallocates the work vectors if the state length changed.
    fn resize(&mut self, dim: D) {
        if dim.value() != self.dim.value() {
            let stats = self.stats;
            *self = Self::with_dim(dim, self.tol);
            self.stats = stats;
        }
    }

    /// Evaluates stages 2..7 of a step of size `h` from `(t, y)`; `k[0]` must hold `f(t, y)`.
    /// Leaves the 5th-order solution in `y_new` and `f(t_new, y_new)` in `k[6]`.
    fn compute_stages<F>(&mut self, rhs: &mut F, t: f64, h: f64, t_new: f64, y: &OVector<f64, D>)
    where
        F: OdeRhs<D>,
    {
        rhs.begin_step(t, h, t_new);
        for s in 1..STAGES - 1 {
            combine(&mut self.y_stage, Some(y), &self.k, &A[s][..s], h);
            rhs.eval(stage_time(t, h, t_new, s), &self.y_stage, &mut self.k[s]);
        }
        let s = STAGES - 1;
        combine(&mut self.y_new, Some(y), &self.k, &A[s][..s], h);
        rhs.eval(stage_time(t, h, t_new, s), &self.y_new, &mut self.k[s]);
        self.stats.rhs_evals += STAGES - 1;
    }

    /// Hairer's scaled RMS norm of the local error estimate `h Σ e_j k_j`.
    /// Uses `y_stage` as scratch. Returns NaN if `y_new` or any stage is not finite.
    fn error_norm(&mut self, y: &OVector<f64, D>, h: f64) -> f64 {
        let n = y.len();
        if n == 0 {
            return 0.0;
        }
        let Tolerances { rtol, atol, .. } = self.tol;
        combine(&mut self.y_stage, None, &self.k, &E, h);
        let mut sum = 0.0;
        let mut finite = true;
        let iter = y
            .as_slice()
            .iter()
            .zip(self.y_new.as_slice())
            .zip(self.y_stage.as_slice());
        for ((&y0, &y1), &e) in iter {
            finite &= y1.is_finite();
            let r = e / (atol + rtol * y0.abs().max(y1.abs()));
            sum += r * r;
        }
        if finite {
            (sum / n as f64).sqrt()
        } else {
            f64::NAN
        }
    }

    /// Hairer's starting step: `h0 = 0.01 ‖y0‖/‖f0‖`, then refined from an estimate of the
    /// second derivative so that the local error of an order-5 step is about 0.01 of the
    /// tolerance. Uses `k[1]` and `y_stage` as scratch; `k[0]` must hold `f(t0, y0)`.
    fn initial_step<F>(&mut self, rhs: &mut F, t0: f64, y0: &OVector<f64, D>, span: f64) -> f64
    where
        F: OdeRhs<D>,
    {
        let n = y0.len().max(1) as f64;
        let Tolerances {
            rtol, atol, h_max, ..
        } = self.tol;
        let scale = |yi: f64| atol + rtol * yi.abs();
        let rms = |sum: f64| (sum / n).sqrt();

        let (mut sy, mut sf) = (0.0, 0.0);
        for (&yi, &fi) in y0.as_slice().iter().zip(self.k[0].as_slice()) {
            let sk = scale(yi);
            sy += (yi / sk).powi(2);
            sf += (fi / sk).powi(2);
        }
        let (d0, d1) = (rms(sy), rms(sf));
        let h0 = if d0 < 1e-5 || d1 < 1e-5 {
            1e-6
        } else {
            0.01 * d0 / d1
        };
        let h0 = h0.min(h_max).min(span);

        // Explicit Euler step, then f at its end, to estimate ‖y''‖.
        let (y_stage, f0) = (self.y_stage.as_mut_slice(), self.k[0].as_slice());
        for ((ys, &yi), &fi) in y_stage.iter_mut().zip(y0.as_slice()).zip(f0) {
            *ys = yi + h0 * fi;
        }
        rhs.eval(t0 + h0, &self.y_stage, &mut self.k[1]);
        self.stats.rhs_evals += 1;
        let mut s2 = 0.0;
        let (f0s, f1s) = (self.k[0].as_slice(), self.k[1].as_slice());
        for ((&yi, &f0), &f1) in y0.as_slice().iter().zip(f0s).zip(f1s) {
            s2 += ((f1 - f0) / scale(yi)).powi(2);
        }
        let d2 = rms(s2) / h0;

        let d12 = d1.max(d2);
        let h1 = if d12 <= 1e-15 || !d12.is_finite() {
            (h0 * 1e-3).max(1e-6)
        } else {
            (0.01 / d12).powf(0.2)
        };
        (100.0 * h0).min(h1).min(h_max).min(span)
    }

    /// Interpolates the state at every output time in `(t, t_new)` (the first times of
    /// `out_times`) with the dense output into `y_out`, and tells whether all of them lie in the
    /// domain of `rhs`. An output time equal to `t_new` is left to `y_new` itself.
    // Private helper of the stepping loop; bundling its arguments would only add a type.
    #[allow(clippy::too_many_arguments)]
    fn interpolate_outputs<F>(
        &mut self,
        rhs: &F,
        t: f64,
        h: f64,
        t_new: f64,
        y: &OVector<f64, D>,
        out_times: &[f64],
    ) -> bool
    where
        F: OdeRhs<D>,
    {
        let inside = out_times.partition_point(|&t_out| t_out < t_new);
        if inside == 0 {
            return true;
        }
        self.prepare_dense(h);
        let dim = self.dim;
        if self.y_out.len() < inside {
            self.y_out
                .resize_with(inside, || OVector::<f64, D>::zeros_generic(dim, U1));
        }
        let k1 = self.k[0].as_slice();
        let k7 = self.k[STAGES - 1].as_slice();
        let mut all_in = true;
        for (&t_out, y_out) in out_times[..inside].iter().zip(&mut self.y_out) {
            let theta = (t_out - t) / h;
            let theta1 = 1.0 - theta;
            let iter = y_out
                .as_mut_slice()
                .iter_mut()
                .zip(y.as_slice())
                .zip(self.y_new.as_slice())
                .zip(self.dense.as_slice());
            for (i, (((yo, &y0), &y1), &r5)) in iter.enumerate() {
                let diff = y1 - y0;
                let bspl = h * k1[i] - diff;
                let r4 = diff - h * k7[i] - bspl;
                *yo = y0 + theta * (diff + theta1 * (bspl + theta * (r4 + theta1 * r5)));
            }
            all_in &= rhs.in_domain(y_out);
        }
        all_in
    }

    /// Reports every output time up to `t_new` to `sink`: those inside the step from `y_out`
    /// ([`interpolate_outputs`](Self::interpolate_outputs) filled it for this step), one equal
    /// to `t_new` with `y_new` itself.
    fn emit_outputs<S>(&mut self, t_new: f64, out_times: &[f64], next_out: &mut usize, sink: &mut S)
    where
        S: FnMut(f64, &OVector<f64, D>),
    {
        let mut i = 0;
        while let Some(&t_out) = out_times.get(*next_out) {
            if t_out > t_new {
                break;
            }
            *next_out += 1;
            if t_out == t_new {
                sink(t_out, &self.y_new);
            } else {
                sink(t_out, &self.y_out[i]);
                i += 1;
            }
        }
    }

    /// Computes `dense = h Σ d_j k_j` for the current step.
    fn prepare_dense(&mut self, h: f64) {
        combine(&mut self.dense, None, &self.k, &DENSE, h);
    }
}

/// Writes `out = base + h Σ_j w_j k_j` (with `base = 0` if absent), skipping zero weights.
/// `w` may be shorter than the number of stages: stage `s` uses the row `A[s][..s]`.
fn combine<D: Dim>(
    out: &mut OVector<f64, D>,
    base: Option<&OVector<f64, D>>,
    k: &[OVector<f64, D>; STAGES],
    w: &[f64],
    h: f64,
) where
    DefaultAllocator: Allocator<D>,
{
    let out = out.as_mut_slice();
    match base {
        Some(base) => out.copy_from_slice(base.as_slice()),
        None => out.fill(0.0),
    }
    for (kj, &wj) in k.iter().zip(w) {
        if wj != 0.0 {
            let hw = h * wj;
            for (o, &kji) in out.iter_mut().zip(kj.as_slice()) {
                *o += hw * kji;
            }
        }
    }
}

/// Checks `t0 < t1` (both finite) and that `out_times` is sorted and lies in `(t0, t1]`.
fn validate_interval(t0: f64, t1: f64, out_times: &[f64]) -> Result<(), SolverError> {
    if !(t0.is_finite() && t1.is_finite() && t1 > t0) {
        return Err(SolverError::InvalidInput(format!(
            "the interval must satisfy t0 < t1 with both finite, got t0 = {t0}, t1 = {t1}"
        )));
    }
    let mut prev = t0;
    for &t in out_times {
        if !(t > t0 && t <= t1) {
            return Err(SolverError::InvalidInput(format!(
                "output time {t} lies outside ({t0}, {t1}]"
            )));
        }
        if t < prev {
            return Err(SolverError::InvalidInput(format!(
                "output times must be sorted, but {t} follows {prev}"
            )));
        }
        prev = t;
    }
    Ok(())
}

fn all_finite<D: Dim>(v: &OVector<f64, D>) -> bool
where
    DefaultAllocator: Allocator<D>,
{
    v.as_slice().iter().all(|x| x.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::DVector;

    type Rhs = fn(f64, &DVector<f64>, &mut DVector<f64>);
    /// Final state, dense output `(t, y(t))` and counters.
    type Solution = (DVector<f64>, Vec<(f64, DVector<f64>)>, Stats);

    /// Integrates `rhs` from `t0` to `t1` and collects the dense output.
    fn solve(
        rhs: &mut impl FnMut(f64, &DVector<f64>, &mut DVector<f64>),
        y0: &[f64],
        t0: f64,
        t1: f64,
        tol: Tolerances,
        out_times: &[f64],
    ) -> Result<Solution, SolverError> {
        let mut solver = DormandPrince::new(y0.len(), tol);
        let mut y = DVector::from_column_slice(y0);
        let mut h = 0.0;
        let mut out = Vec::new();
        solver.integrate(rhs, t0, t1, &mut y, &mut h, out_times, &mut |t, yt| {
            out.push((t, yt.clone()))
        })?;
        Ok((y, out, solver.stats()))
    }

    fn tol(rtol: f64) -> Tolerances {
        Tolerances {
            rtol,
            atol: rtol * 1e-3,
            ..Tolerances::default()
        }
    }

    fn grid(t0: f64, t1: f64, n: usize) -> Vec<f64> {
        (1..=n)
            .map(|i| t0 + (t1 - t0) * i as f64 / n as f64)
            .collect()
    }

    const K_DECAY: f64 = 0.7;

    fn decay(_t: f64, y: &DVector<f64>, dy: &mut DVector<f64>) {
        dy[0] = -K_DECAY * y[0];
    }

    /// Rates of the chain A -> B -> C -> (eliminated).
    const KA: f64 = 1.3;
    const KB: f64 = 0.4;
    const KC: f64 = 0.1;

    fn chain(_t: f64, y: &DVector<f64>, dy: &mut DVector<f64>) {
        let (a, b, c) = (y[0], y[1], y[2]);
        dy[0] = -KA * a;
        dy[1] = KA * a - KB * b;
        dy[2] = KB * b - KC * c;
    }

    /// Bateman solution of the chain for A(0) = 1, B(0) = C(0) = 0.
    fn chain_exact(t: f64) -> [f64; 3] {
        let (ea, eb, ec) = ((-KA * t).exp(), (-KB * t).exp(), (-KC * t).exp());
        let a = ea;
        let b = KA / (KB - KA) * (ea - eb);
        let c = KA
            * KB
            * (ea / ((KB - KA) * (KC - KA))
                + eb / ((KA - KB) * (KC - KB))
                + ec / ((KA - KC) * (KB - KC)));
        [a, b, c]
    }

    fn chain_max_error(y: &DVector<f64>, t: f64) -> f64 {
        let exact = chain_exact(t);
        (0..3).map(|i| (y[i] - exact[i]).abs()).fold(0.0, f64::max)
    }

    #[test]
    fn exponential_decay_matches_exact_solution() -> Result<(), SolverError> {
        let tol = Tolerances::default();
        let times = grid(0.0, 10.0, 37);
        let (y, out, stats) = solve(&mut (decay as Rhs), &[2.0], 0.0, 10.0, tol, &times)?;
        assert_eq!(out.len(), times.len());
        for ((t, yt), &expected_t) in out.iter().zip(&times) {
            assert_eq!(*t, expected_t);
            let exact = 2.0 * (-K_DECAY * t).exp();
            let err = (yt[0] - exact).abs();
            assert!(
                err <= 5.0 * (tol.rtol * exact + tol.atol),
                "t = {t}: got {}, exact {exact}, error {err}",
                yt[0]
            );
        }
        let exact = 2.0 * (-K_DECAY * 10.0f64).exp();
        assert!((y[0] - exact).abs() <= 5.0 * (tol.rtol * exact + tol.atol));
        // The sink receives exactly the returned state at t1.
        let (t_last, y_last) = out.last().expect("an output at t1");
        assert_eq!(*t_last, 10.0);
        assert_eq!(y_last[0], y[0]);
        // Dense output: far fewer steps than output times would otherwise need.
        assert!(stats.accepted < 60, "{stats:?}");
        Ok(())
    }

    #[test]
    fn linear_chain_matches_bateman_solution() -> Result<(), SolverError> {
        let tol = Tolerances::default();
        let times = grid(0.0, 48.0, 96);
        let (y, out, _) = solve(
            &mut (chain as Rhs),
            &[1.0, 0.0, 0.0],
            0.0,
            48.0,
            tol,
            &times,
        )?;
        assert_eq!(out.len(), times.len());
        for (t, yt) in &out {
            let err = chain_max_error(yt, *t);
            assert!(err <= 1e-6, "t = {t}: error {err}, state {yt:?}");
        }
        assert!(chain_max_error(&y, 48.0) <= 1e-6);
        // Mass balance: nothing is created, and the decay of the total is correct.
        assert!(y.iter().all(|&v| v >= 0.0));
        Ok(())
    }

    #[test]
    fn error_decreases_as_tolerance_tightens() -> Result<(), SolverError> {
        let times = grid(0.0, 20.0, 40);
        let mut errors = Vec::new();
        let mut steps = Vec::new();
        for rtol in [1e-4, 1e-6, 1e-8] {
            let (y, out, stats) = solve(
                &mut (chain as Rhs),
                &[1.0, 0.0, 0.0],
                0.0,
                20.0,
                tol(rtol),
                &times,
            )?;
            let dense = out
                .iter()
                .map(|(t, yt)| chain_max_error(yt, *t))
                .fold(chain_max_error(&y, 20.0), f64::max);
            errors.push(dense);
            steps.push(stats.accepted);
        }
        assert!(errors[0] > errors[1] && errors[1] > errors[2], "{errors:?}");
        // Each tightening by 100x buys at least a factor 10 in accuracy.
        assert!(errors[1] < errors[0] / 10.0, "{errors:?}");
        assert!(errors[2] < errors[1] / 10.0, "{errors:?}");
        assert!(errors[2] < 1e-7, "{errors:?}");
        assert!(steps[0] < steps[1] && steps[1] < steps[2], "{steps:?}");
        Ok(())
    }

    #[test]
    fn harmonic_oscillator_keeps_phase_and_energy() -> Result<(), SolverError> {
        let omega = 2.0 * std::f64::consts::PI;
        let mut rhs = |_t: f64, y: &DVector<f64>, dy: &mut DVector<f64>| {
            dy[0] = y[1];
            dy[1] = -omega * omega * y[0];
        };
        let periods = 10.0;
        let times = grid(0.0, periods, 200);
        let (y, out, _) = solve(&mut rhs, &[1.0, 0.0], 0.0, periods, tol(1e-9), &times)?;
        for (t, yt) in &out {
            let x = (omega * t).cos();
            let v = -omega * (omega * t).sin();
            assert!((yt[0] - x).abs() < 1e-6, "t = {t}: x {} vs {x}", yt[0]);
            assert!((yt[1] - v).abs() < 1e-5, "t = {t}: v {} vs {v}", yt[1]);
        }
        // After whole periods: back at the start, energy conserved.
        assert!((y[0] - 1.0).abs() < 1e-7, "x = {}", y[0]);
        assert!(y[1].abs() < 1e-6, "v = {}", y[1]);
        let energy = 0.5 * (y[1] * y[1] + omega * omega * y[0] * y[0]);
        let energy0 = 0.5 * omega * omega;
        assert!((energy - energy0).abs() / energy0 < 1e-7, "energy {energy}");
        Ok(())
    }

    #[test]
    fn segments_join_to_the_whole_interval() -> Result<(), SolverError> {
        let tol = Tolerances::default();
        let mut rhs = chain as Rhs;
        let mut solver = DormandPrince::new(3, tol);
        let mut y = DVector::from_column_slice(&[1.0, 0.0, 0.0]);
        let mut h = 0.0;
        let mut out = Vec::new();
        let mut sink = |t: f64, yt: &DVector<f64>| out.push((t, yt.clone()));
        solver.integrate(&mut rhs, 0.0, 1.0, &mut y, &mut h, &[0.5, 1.0], &mut sink)?;
        assert!(h.is_finite() && h > 0.0, "h = {h}");
        let before = solver.stats();
        solver.integrate(&mut rhs, 1.0, 2.0, &mut y, &mut h, &[1.5, 2.0], &mut sink)?;
        let second = solver.stats();
        // Reusing h: no initial-step evaluation, so 1 + 6 per attempted step.
        let attempts = second.accepted + second.rejected - before.accepted - before.rejected;
        assert_eq!(second.rhs_evals - before.rhs_evals, 1 + 6 * attempts);

        let (whole, whole_out, _) = solve(
            &mut rhs,
            &[1.0, 0.0, 0.0],
            0.0,
            2.0,
            tol,
            &[0.5, 1.0, 1.5, 2.0],
        )?;
        for i in 0..3 {
            assert!((y[i] - whole[i]).abs() < 1e-6, "component {i}");
        }
        assert_eq!(out.len(), 4);
        for ((ts, ys), (tw, yw)) in out.iter().zip(&whole_out) {
            assert_eq!(ts, tw);
            assert!((ys - yw).amax() < 1e-6, "t = {ts}");
        }
        assert!(chain_max_error(&y, 2.0) < 1e-6);
        Ok(())
    }

    #[test]
    fn rhs_evaluations_are_counted_with_fsal() -> Result<(), SolverError> {
        let (_, _, stats) = solve(&mut (decay as Rhs), &[1.0], 0.0, 5.0, tol(1e-6), &[])?;
        // f(t0) + one for the initial-step heuristic + six per attempted step.
        assert_eq!(
            stats.rhs_evals,
            2 + 6 * (stats.accepted + stats.rejected),
            "{stats:?}"
        );
        Ok(())
    }

    #[test]
    fn piecewise_dosing_restarts_cleanly() -> Result<(), SolverError> {
        // Bolus of 1 into A every 6 time units; compare with superposition of Bateman curves.
        let mut rhs = chain as Rhs;
        let mut solver = DormandPrince::new(3, Tolerances::default());
        let mut y = DVector::zeros(3);
        let mut h = 0.0;
        let dose_times = [0.0, 6.0, 12.0, 18.0];
        for (i, &t0) in dose_times.iter().enumerate() {
            y[0] += 1.0;
            let t1 = dose_times.get(i + 1).copied().unwrap_or(30.0);
            solver.integrate(&mut rhs, t0, t1, &mut y, &mut h, &[], &mut |_, _| {})?;
        }
        for (c, component) in y.iter().enumerate() {
            let exact: f64 = dose_times.iter().map(|&td| chain_exact(30.0 - td)[c]).sum();
            assert!((component - exact).abs() < 1e-5, "component {c}");
        }
        Ok(())
    }

    #[test]
    fn empty_interval_is_rejected() {
        let mut solver = DormandPrince::new(1, Tolerances::default());
        let mut y = DVector::from_element(1, 1.0);
        let mut h = 0.0;
        for (t0, t1) in [
            (1.0, 1.0),
            (2.0, 1.0),
            (0.0, f64::NAN),
            (f64::NEG_INFINITY, 1.0),
        ] {
            let result = solver.integrate(
                &mut (decay as Rhs),
                t0,
                t1,
                &mut y,
                &mut h,
                &[],
                &mut |_, _| {},
            );
            assert!(
                matches!(result, Err(SolverError::InvalidInput(_))),
                "({t0}, {t1}): {result:?}"
            );
        }
        assert_eq!(y[0], 1.0);
        assert_eq!(solver.stats(), Stats::default());
    }

    #[test]
    fn output_times_outside_the_interval_are_rejected() {
        let cases: [&[f64]; 5] = [&[0.0], &[0.5, 1.5], &[-1.0], &[0.5, f64::NAN], &[0.7, 0.3]];
        for times in cases {
            let result = solve(&mut (decay as Rhs), &[1.0], 0.0, 1.0, tol(1e-6), times);
            assert!(
                matches!(result, Err(SolverError::InvalidInput(_))),
                "{times:?}: {result:?}"
            );
        }
        // Both ends: t1 itself is allowed.
        assert!(solve(&mut (decay as Rhs), &[1.0], 0.0, 1.0, tol(1e-6), &[1.0]).is_ok());
    }

    #[test]
    fn invalid_tolerances_are_rejected() {
        let bad = [
            Tolerances {
                rtol: -1.0,
                ..Tolerances::default()
            },
            Tolerances {
                atol: 0.0,
                ..Tolerances::default()
            },
            Tolerances {
                rtol: f64::NAN,
                ..Tolerances::default()
            },
            Tolerances {
                h_max: 0.0,
                ..Tolerances::default()
            },
            Tolerances {
                h_min: 2.0,
                h_max: 1.0,
                ..Tolerances::default()
            },
        ];
        for t in bad {
            let result = solve(&mut (decay as Rhs), &[1.0], 0.0, 1.0, t, &[]);
            assert!(
                matches!(result, Err(SolverError::InvalidInput(_))),
                "{t:?}: {result:?}"
            );
        }
    }

    #[test]
    fn nan_from_the_rhs_is_reported() {
        let mut always_nan = |_t: f64, _y: &DVector<f64>, dy: &mut DVector<f64>| {
            dy[0] = f64::NAN;
        };
        let result = solve(&mut always_nan, &[1.0], 0.0, 1.0, tol(1e-6), &[]);
        assert_eq!(
            result.map(|_| ()),
            Err(SolverError::NonFinite { time: 0.0 })
        );

        // NaN appearing part-way: reported near the time it appears, not as a tiny step.
        let mut late_nan = |t: f64, y: &DVector<f64>, dy: &mut DVector<f64>| {
            dy[0] = if t > 0.5 { f64::NAN } else { -y[0] };
        };
        match solve(&mut late_nan, &[1.0], 0.0, 1.0, tol(1e-6), &[]) {
            Err(SolverError::NonFinite { time }) => {
                assert!((0.4..=0.5).contains(&time), "time = {time}")
            }
            other => panic!("expected NonFinite, got {other:?}"),
        }

        // A non-finite initial state.
        let result = solve(
            &mut (decay as Rhs),
            &[f64::INFINITY],
            0.0,
            1.0,
            tol(1e-6),
            &[],
        );
        assert_eq!(
            result.map(|_| ()),
            Err(SolverError::NonFinite { time: 0.0 })
        );
    }

    #[test]
    fn step_limit_is_enforced() {
        let limits = Tolerances {
            max_steps: 5,
            h_max: 1.0,
            ..Tolerances::default()
        };
        let result = solve(&mut (decay as Rhs), &[1.0], 0.0, 100.0, limits, &[]);
        assert_eq!(
            result.map(|_| ()),
            Err(SolverError::TooManySteps { max_steps: 5 })
        );
    }

    #[test]
    fn blow_up_gives_step_size_too_small() {
        // y' = y², y(0) = 1 has the solution 1/(1 - t), which blows up at t = 1.
        let mut rhs = |_t: f64, y: &DVector<f64>, dy: &mut DVector<f64>| dy[0] = y[0] * y[0];
        match solve(&mut rhs, &[1.0], 0.0, 2.0, Tolerances::default(), &[]) {
            Err(SolverError::StepSizeTooSmall { time, h_min }) => {
                assert!((0.99..=1.001).contains(&time), "time = {time}");
                assert_eq!(h_min, Tolerances::default().h_min);
            }
            other => panic!("expected StepSizeTooSmall, got {other:?}"),
        }
    }

    #[test]
    fn stiff_problem_with_large_h_min_fails_cleanly() {
        let limits = Tolerances {
            h_min: 1e-3,
            ..Tolerances::default()
        };
        let mut rhs = |_t: f64, y: &DVector<f64>, dy: &mut DVector<f64>| dy[0] = -1e6 * y[0];
        let result = solve(&mut rhs, &[1.0], 0.0, 1.0, limits, &[]);
        assert!(
            matches!(result, Err(SolverError::StepSizeTooSmall { h_min, .. }) if h_min == 1e-3),
            "{result:?}"
        );
    }

    #[test]
    fn solver_resizes_for_a_different_state_length() -> Result<(), SolverError> {
        let mut solver = DormandPrince::new(1, Tolerances::default());
        let mut y = DVector::from_column_slice(&[1.0, 0.0, 0.0]);
        let mut h = -1.0;
        solver.integrate(
            &mut (chain as Rhs),
            0.0,
            3.0,
            &mut y,
            &mut h,
            &[],
            &mut |_, _| {},
        )?;
        assert_eq!(solver.dim(), 3);
        assert!(chain_max_error(&y, 3.0) < 1e-6);
        Ok(())
    }

    /// Records what the solver announces and evaluates.
    struct Recorder {
        /// (t, h, t_new) of the announced step and the stages evaluated since.
        announced: Option<(f64, f64, f64, usize)>,
        checked: usize,
    }

    impl OdeRhs<nalgebra::U1> for Recorder {
        fn eval(&mut self, t: f64, y: &nalgebra::Vector1<f64>, dy: &mut nalgebra::Vector1<f64>) {
            if let Some((t0, h, t_new, s)) = &mut self.announced {
                *s += 1;
                assert!(*s < STAGES, "more stages than announced");
                assert_eq!(t, stage_time(*t0, *h, *t_new, *s), "stage {s}");
                self.checked += 1;
            }
            dy[0] = -y[0];
        }

        fn begin_step(&mut self, t: f64, h: f64, t_new: f64) {
            if let Some((.., s)) = self.announced {
                assert_eq!(s, STAGES - 1, "the previous step evaluated every stage");
            }
            self.announced = Some((t, h, t_new, 0));
        }
    }

    #[test]
    fn announced_steps_are_evaluated_at_their_stage_times() -> Result<(), SolverError> {
        let mut solver = DormandPrince::<nalgebra::U1>::fixed(tol(1e-8));
        let mut rhs = Recorder {
            announced: None,
            checked: 0,
        };
        let mut y = nalgebra::Vector1::new(1.0);
        let mut h = 0.0;
        // 1/3 is not a whole number of steps: the last step is shortened to end exactly there.
        solver.integrate(
            &mut rhs,
            0.0,
            1.0 / 3.0,
            &mut y,
            &mut h,
            &[],
            &mut |_, _| {},
        )?;
        let stats = solver.stats();
        let attempts = stats.accepted + stats.rejected;
        assert_eq!(rhs.checked, attempts * (STAGES - 1));
        assert!((y[0] - (-1.0_f64 / 3.0).exp()).abs() < 1e-8);
        Ok(())
    }

    /// `G' = r (s O(t) - G)` with a source that switches on with a kink, `O = max(0, t - t_k)`,
    /// as the sensitization follows the cAMP overshoot: from `G = 0` the exact solution is
    /// never negative. With `domain` it is declared non-negative.
    struct Kinked {
        t_k: f64,
        domain: bool,
    }

    impl OdeRhs<Dyn> for Kinked {
        fn eval(&mut self, t: f64, y: &DVector<f64>, dy: &mut DVector<f64>) {
            dy[0] = 0.5 * (12.0 * (t - self.t_k).max(0.0) - y[0]);
        }

        fn in_domain(&self, y: &DVector<f64>) -> bool {
            !self.domain || y[0] >= 0.0
        }
    }

    /// The lowest value of the step ends and the dense output at a 1-minute grid, and the
    /// number of steps rejected for leaving the domain.
    fn kinked_lowest(t_k: f64, domain: bool) -> Result<(f64, usize), SolverError> {
        let tol = Tolerances {
            rtol: 1e-5,
            atol: 1e-7,
            ..Tolerances::default()
        };
        let mut solver = DormandPrince::new(1, tol);
        let mut y = DVector::from_element(1, 0.0);
        let mut h = 0.0;
        let mut lowest = 0.0_f64;
        let outputs = grid(0.0, 10.0, 600);
        let mut rhs = Kinked { t_k, domain };
        solver.integrate(
            &mut rhs,
            0.0,
            10.0,
            &mut y,
            &mut h,
            &outputs,
            &mut |_, y| {
                lowest = lowest.min(y[0]);
            },
        )?;
        let stats = solver.stats();
        if !domain {
            assert_eq!(stats.rejected_domain, 0, "no domain, no rejection for it");
        }
        Ok((lowest.min(y[0]), stats.rejected_domain))
    }

    #[test]
    fn steps_that_leave_the_domain_are_retried_smaller() -> Result<(), SolverError> {
        let kinks: Vec<f64> = (0..200).map(|i| 1.0 + i as f64 * 0.0173).collect();
        let mut dipped = 0;
        let mut retried = 0;
        for &t_k in &kinks {
            let (free, _) = kinked_lowest(t_k, false)?;
            if free < 0.0 {
                dipped += 1;
            }
            let (kept, domain_rejections) = kinked_lowest(t_k, true)?;
            assert!(kept >= 0.0, "kink at {t_k}: {kept:e}");
            retried += domain_rejections;
        }
        // The debug counter sees the retries.
        assert!(retried > 0, "no step was rejected for leaving the domain");
        // Without the domain Dormand-Prince's negative weights take the state below zero for
        // some positions of the kink within a step (the cause this guards against).
        assert!(dipped > 0, "no kink position dipped below zero");
        Ok(())
    }
}

//! The linear PK part of the model solved in closed form.
//!
//! Between two doses the PK states x (depots, central and peripheral amounts, effect sites) obey
//! the linear, constant-coefficient system `dx/dt = A x` ([`Model::pk_rhs`](crate::model::Model::pk_rhs)),
//! so `x(t0 + tau) = exp(A tau) x(t0)` exactly. This module writes the propagator as a sum of
//! polynomial-exponential terms,
//!
//! ```text
//! exp(A tau) = sum_t  tau^m_t  exp(mu_g(t) tau)  K_t
//! ```
//!
//! with one term per distinct rate `mu_g` and power `m` (powers above 0 appear only when two
//! compartments in series have the same rate, such as an intranasal depot absorbing at the rate
//! at which heroin enters the brain). Simulations evaluate it instead of integrating the PK: the
//! PK is exact, and the fast PK rates (heroin's 3 min half-life, 6-MAM's 2 min brain entry) no
//! longer limit the integrator's step.
//!
//! **Construction** (once per model, [`PkPropagator::new`], which runs the steps below on each
//! weakly connected component of the compartment graph and combines them:
//! [`components`](super::components); [`PkPropagator::whole`] runs them on all states at once):
//! 1. The compartment graph (an edge j -> i where `A[i][j] != 0`) is split into strongly
//!    connected blocks. Metabolism cannot loop (checked when the model is loaded), so the blocks
//!    are single compartments and central-peripheral pairs, ordered upstream to downstream.
//! 2. Each block is diagonalized: a 2 x 2 block `[[a, b], [c, d]]` with `b, c > 0` has the real,
//!    distinct rates `(a + d)/2 +- sqrt(((a - d)/2)^2 + b c)` (the smaller one computed as the
//!    determinant over the larger, which does not cancel). With S the block-diagonal matrix of
//!    eigenvectors, `T = S^-1 A S` is lower triangular in the block order.
//! 3. Rates closer than [`MERGE_RTOL`] (relative) are treated as one. `u' = T u` is then solved
//!    row by row from each unit start: the forcing `sum_q T[p][q] u_q` is a sum of terms
//!    `P(tau) exp(mu tau)`, whose particular solution is `Q(tau) exp(mu tau)` with
//!    `Q = sum_k (-1)^k P^(k) / (mu - lambda_p)^(k+1)` when `mu != lambda_p` and
//!    `Q = integral_0^tau P` when `mu = lambda_p`; the homogeneous term matches the start.
//! 4. `K_t = S C_t S^-1`, where `C_t` collects the coefficients of term t.
//! 5. The result is checked for cancellation: where big terms of opposite sign sum to a small
//!    response, the rounding error of the sum is about machine precision times the terms. If
//!    that estimate exceeds [`VERIFY_RTOL`] of any response's peak, construction fails with
//!    [`ClosedFormError::IllConditioned`] and the model keeps no closed form: its simulations
//!    integrate the whole system instead (slower, equally accurate).
//!
//! **Evaluation** ([`PkSegment`]): after each dose the coefficients `K_t x(t0)` are formed once;
//! a state at `tau` is then one exponential per rate and one dot product. A fast term is skipped
//! once it has decayed below [`NEGLIGIBLE`] (2^-56) of a slower term in every state it appears
//! in, which changes nothing beyond rounding. In the default model that drops 6-MAM's brain
//! entry about 2 h after a dose and morphine's fast distribution phase after about 6 h; a
//! compartment's own rate is the slowest term of its own state, so heroin's terms stay. Segments
//! with powers of tau (after an intranasal dose, while its depot term lives) are not cut.
//!
//! Three faster paths serve the simulation, each within about 1e-13 (relative) of direct
//! evaluation:
//! - *probes*, fixed linear combinations of states (the receptor's binding sums), with cut-offs
//!   of their own, so heroin's terms drop out of them hours after a dose
//!   ([`PkSegment::set_probes`]);
//! - probes prepared at all the stages of a solver step from at most two exponentials per rate
//!   ([`PkSegment::prepare_probes`]);
//! - states on a regular output grid, advanced from the previous sample by `exp(mu dt)`
//!   ([`PkSegment::eval_rows_on_grid`]).
//!
//! **Signs.** The solution of `dx/dt = A x` from `x0 >= 0` is non-negative (the off-diagonal
//! rates of A are), but a sum of exponential terms is not so by construction: a state that
//! starts at zero (a metabolite, an effect site, the central compartment after a depot dose)
//! is a difference of terms that cancel at `tau = 0`, and within seconds of a dose its true
//! value is below their round-off (the sum gave -1e-10 of a smoked dose at 1e-8 h). So near the
//! start of a segment, while `|A|_inf tau <= ` [`TAYLOR_REACH`] (a few seconds in the default
//! model), states are evaluated from the Taylor series `sum_j (tau A)^j x0 / j!` instead
//! ([`PkSegment::eval_all`] and the grid samples): a state not yet reached has exact zero
//! terms, every path of transfers into it adds a positive term and each loss shrinks one by at
//! most `TAYLOR_REACH`, so the sum has an exact sign. Beyond the window the dominant terms no
//! longer cancel. The receptor's probes read the exponential terms everywhere; the binding
//! counts their round-off below zero as zero.
//!
//! **Accuracy.** Merging two rates within [`MERGE_RTOL`] of each other changes the solution by
//! at most about that fraction of the dose (`delta tau exp(-mu tau) <= delta / (e mu)`). Keeping
//! close rates apart makes terms cancel: with m + 1 close rates in series the rounding error
//! grows like machine precision over the relative gap to the power m. For two rates that stays
//! below 1e-8 outside the merge threshold; for longer chains of nearly equal rates step 5 sends
//! the model to numerical integration. Otherwise the closed form is exact to rounding.

use nalgebra::DMatrix;

use crate::model::dynamics::int_pow;

/// Rates whose relative difference is at most this are treated as equal.
pub const MERGE_RTOL: f64 = 1e-7;

/// `exp(A tau)` of a model's PK matrix, as polynomial-exponential terms.
#[derive(Debug, Clone, PartialEq)]
pub struct PkPropagator {
    /// Number of PK states.
    n: usize,
    /// Distinct rates mu_g (1/h, negative for a model that eliminates its drugs).
    rates: Vec<f64>,
    /// Term t: (rate index g, power m).
    terms: Vec<(usize, u32)>,
    /// Term t's matrix K_t, n x n.
    matrices: Vec<DMatrix<f64>>,
    /// The non-zero entries `(row, column, value)` of each K_t, row by row: most are zero (a
    /// term belongs to one chain of compartments), and a segment start reads only these.
    entries: Vec<Vec<(usize, usize, f64)>>,
    /// The non-zero entries `(row, column, value)` of A itself, for the Taylor series near the
    /// start of a segment ([`TAYLOR_REACH`]).
    matrix: Vec<(usize, usize, f64)>,
    /// Up to this tau a segment is evaluated by its Taylor series: `TAYLOR_REACH / |A|_inf`.
    taylor_tau: f64,
}

/// Near the start of a segment, where `|A|_inf tau <= TAYLOR_REACH`, states are evaluated from
/// the Taylor series `sum_j tau^j A^j x0 / j!` instead of the exponential terms (see
/// "Signs" in the module docs).
pub const TAYLOR_REACH: f64 = 0.125;

/// Terms of that series beyond the first non-zero one of every state: each is at most
/// `TAYLOR_REACH` times the one before, so 24 of them reach below 1e-21 of it.
const TAYLOR_EXTRA_TERMS: usize = 24;

/// Why a PK matrix has no closed form here.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClosedFormError {
    /// A block of mutually connected compartments that is not a single compartment or a
    /// central-peripheral pair.
    #[error("compartments {states:?} form a loop of {size}; only single compartments and central-peripheral pairs have a closed form")]
    Block {
        /// The states in the block.
        states: Vec<usize>,
        /// Its size.
        size: usize,
    },
    /// A pair whose exchange is not two-way positive, or a non-finite result.
    #[error("the PK rates give no real closed form ({0})")]
    Numeric(String),
    /// The closed form exists but would be inaccurate: rates that are close but not equal, in
    /// series, make its terms cancel (the error grows like machine precision over the relative
    /// gap to the power of the chain length). Simulations then integrate the PK instead.
    #[error("the closed form would lose accuracy to cancellation (estimated relative error {error:.1e}); rates that are nearly but not exactly equal in series cause this")]
    IllConditioned {
        /// The estimated largest relative error.
        error: f64,
    },
}

/// Largest estimated relative rounding error that [`PkPropagator::new`] accepts.
pub const VERIFY_RTOL: f64 = 1e-7;

/// The rounding error of a sum of terms, in units of machine precision times the sum of their
/// magnitudes (a small multiple covers the rounding of the coefficients themselves).
const ROUNDING_FACTOR: f64 = 4.0;

/// One function `sum_g P_g(tau) exp(mu_g tau)`: `poly[g][m]` is the coefficient of
/// `tau^m exp(mu_g tau)`.
type PolyExp = Vec<Vec<f64>>;

impl PkPropagator {
    /// Builds the propagator of `dx/dt = a x`, one weakly connected component of the
    /// compartment graph at a time ([`components`](super::components)).
    pub fn new(a: &DMatrix<f64>) -> Result<PkPropagator, ClosedFormError> {
        super::components::build(a)
    }

    /// The same propagator built over the whole matrix at once: the plain construction that
    /// [`new`](Self::new) is pinned to (tests compare the two).
    pub fn whole(a: &DMatrix<f64>) -> Result<PkPropagator, ClosedFormError> {
        let part = Part::new(a, (0..a.nrows()).collect())?;
        let parts = [part];
        let (rates, groups) = group_rates(&parts);
        let terms = parts[0].terms(&groups[0], &rates)?;
        finish(a, rates, &[(&parts[0], terms)])
    }

    /// The distinct rates mu_g (1/h).
    pub fn rates(&self) -> &[f64] {
        &self.rates
    }

    /// The terms: (index into [`rates`](Self::rates), power of tau).
    pub fn terms(&self) -> &[(usize, u32)] {
        &self.terms
    }

    /// Sets `seg` to the solution that starts from `x0` (the PK states, `Layout::pk_len` of them).
    pub fn start(&self, x0: &[f64], seg: &mut PkSegment) {
        let n = self.n;
        seg.n = n;
        seg.x0.clear();
        seg.x0.extend_from_slice(&x0[..n]);
        seg.matrix.clear();
        seg.matrix.extend_from_slice(&self.matrix);
        seg.taylor_tau = self.taylor_tau;
        seg.active_rates.clear();
        seg.active_terms.clear();
        seg.column.resize(n * self.terms.len(), 0.0);
        // Terms whose coefficients are all zero for this start (routes not used, for example)
        // are dropped, and so are rates with no term left.
        let mut rate_slot = vec![usize::MAX; self.rates.len()];
        let mut kept = 0;
        // K_t x0 from the non-zero entries of K_t only, in the same order as the dense
        // product (row by row, columns ascending), so the sums are the same: the entries left
        // out are exact zeros.
        for (&(g, m), entries) in self.terms.iter().zip(&self.entries) {
            let column = &mut seg.column[kept * n..(kept + 1) * n];
            column.fill(0.0);
            for &(r, j, v) in entries {
                column[r] += v * x0[j];
            }
            if column.iter().all(|&x| x == 0.0) {
                continue;
            }
            if rate_slot[g] == usize::MAX {
                rate_slot[g] = seg.active_rates.len();
                seg.active_rates.push(self.rates[g]);
            }
            seg.active_terms.push((rate_slot[g], m as i32));
            kept += 1;
        }
        // Row-major coefficients, so that a state is one dot product with the term values.
        seg.coef.clear();
        seg.coef.resize(n * kept, 0.0);
        for t in 0..kept {
            for r in 0..n {
                seg.coef[r * kept + t] = seg.column[t * n + r];
            }
        }
        seg.exps.resize(seg.active_rates.len(), 0.0);
        seg.values.resize(kept, 0.0);
        seg.polynomial = seg.active_terms.iter().any(|&(_, m)| m > 0);
        seg.values_tau = f64::NAN;
        seg.set_cutoffs();
        seg.probe_count = 0;
        seg.probe_coef.clear();
        seg.stage_taus.clear();
        seg.grid_factors.clear();
        seg.grid_last = None;
        seg.grid_rows.clear();
        seg.grid_zero_rows.clear();
        seg.grid_coef.clear();
    }
}

/// The PK solution of one dose interval: `x_r(tau) = sum_t coef[r][t] tau^m_t exp(mu_t tau)`.
/// Reused between intervals (no allocation once the buffers have grown).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PkSegment {
    n: usize,
    /// The start state, the entries of A and the reach of the Taylor series (see
    /// [`TAYLOR_REACH`]).
    x0: Vec<f64>,
    matrix: Vec<(usize, usize, f64)>,
    taylor_tau: f64,
    /// Scratch for the Taylor series: the current term, the one after it, and all terms.
    taylor_term: Vec<f64>,
    taylor_next: Vec<f64>,
    taylor_terms: Vec<f64>,
    taylor_out: Vec<f64>,
    /// Rates with at least one non-zero term.
    active_rates: Vec<f64>,
    /// (index into `active_rates`, power).
    active_terms: Vec<(usize, i32)>,
    /// Coefficients, row-major: `coef[r * terms + t]`.
    coef: Vec<f64>,
    /// Scratch: exp(mu tau) per active rate.
    exps: Vec<f64>,
    /// Scratch: tau^m exp(mu tau) per active term.
    values: Vec<f64>,
    /// Scratch: coefficients term-major while a segment starts.
    column: Vec<f64>,
    /// Whether any term has a power above 0.
    polynomial: bool,
    /// The tau `values` hold (NaN when none): a solver evaluates several times at one instant.
    values_tau: f64,
    /// Per active rate, the tau after which its terms are below [`NEGLIGIBLE`] of a slower term
    /// in every state (infinite if never).
    cutoff: Vec<f64>,
    /// Number of probes (linear combinations of the states, [`set_probes`](Self::set_probes)).
    probe_count: usize,
    /// Probe coefficients, row-major: `probe_coef[j * terms + t]`.
    probe_coef: Vec<f64>,
    /// Per active rate, the tau after which its terms are negligible in every probe.
    probe_cutoff: Vec<f64>,
    /// Scratch: term values for a probe evaluation.
    probe_values: Vec<f64>,
    /// The taus prepared by [`prepare_probes`](Self::prepare_probes), and the probes there
    /// (`stage_probes[i * probe_count + j]`).
    stage_taus: Vec<f64>,
    stage_probes: Vec<f64>,
    /// Scratch: exp(mu tau) per active rate and prepared tau.
    stage_exps: Vec<f64>,
    /// exp(mu tau) per active rate at the last prepared tau, and how many steps in a row have
    /// continued from there (see [`STEP_ANCHOR`]).
    chain_exps: Vec<f64>,
    chained: usize,
    /// Scratch: exp(mu delta) per active rate.
    step_growth: Vec<f64>,
    /// exp(mu dt) per active rate for output samples `dt` apart, and the last sample index
    /// evaluated on that grid.
    grid_factors: Vec<f64>,
    grid_last: Option<(usize, f64)>,
    /// The states a grid sample reads, and their coefficients in blocks of [`GRID_BLOCK`] rows,
    /// term-major within a block (`grid_coef[(b * terms + t) * GRID_BLOCK + i]`).
    grid_rows: Vec<usize>,
    /// Rows of the grid that no term reaches in this segment (always zero).
    grid_zero_rows: Vec<usize>,
    grid_coef: Vec<f64>,
}

/// Rows evaluated together on a grid (their sums kept in registers).
const GRID_BLOCK: usize = 8;

/// On a grid of output samples, every this many samples the exponentials are evaluated
/// directly rather than from the previous sample's.
pub const GRID_ANCHOR: usize = 32;

/// When consecutive solver steps are prepared ([`PkSegment::prepare_probes`]), every this many
/// steps the exponentials at the step's start are evaluated directly rather than taken from the
/// end of the previous step.
pub const STEP_ANCHOR: usize = 8;

/// A term smaller than this fraction of a slower term in the same sum is dropped: below half
/// the rounding error of that sum, so dropping it changes nothing but the cost.
pub const NEGLIGIBLE: f64 = 1.0 / (1u64 << 56) as f64;

impl PkSegment {
    /// Writes every state at `tau` into `out` (length n).
    pub fn eval_all(&mut self, tau: f64, out: &mut [f64]) {
        if tau <= self.taylor_tau {
            self.taylor(tau, out);
            return;
        }
        self.fill_values(tau);
        for (r, o) in out.iter_mut().enumerate().take(self.n) {
            *o = self.row(r);
        }
    }

    /// Writes every state at `tau` (at most `taylor_tau`) into `out` from the Taylor series
    /// `x(tau) = sum_j (tau A)^j x0 / j!`, summed from the last term down. A state that no
    /// start amount reaches in fewer than `p` transfers has exactly zero terms below `j = p`
    /// (products with the zero states upstream are exact zeros, not round-off). Every path of
    /// transfers into a state adds a positive term (a product of the positive off-diagonal
    /// rates of A), and each step around a compartment's own loss (the negative diagonal)
    /// multiplies it by at most [`TAYLOR_REACH`] / (j + 1): the sum is dominated by positive
    /// terms, so its sign is exact, and it is accurate to a few ulp.
    fn taylor(&mut self, tau: f64, out: &mut [f64]) {
        let n = self.n;
        let out = &mut out[..n];
        self.taylor_term.clear();
        self.taylor_term.extend_from_slice(&self.x0);
        self.taylor_next.resize(n, 0.0);
        // Term j of every state, kept until the end, then summed from the last term down.
        let terms = n + TAYLOR_EXTRA_TERMS;
        self.taylor_terms.resize(terms * n, 0.0);
        self.taylor_terms[..n].copy_from_slice(&self.x0);
        for j in 1..terms {
            self.taylor_next.fill(0.0);
            for &(r, c, v) in &self.matrix {
                self.taylor_next[r] += v * self.taylor_term[c];
            }
            let scale = tau / j as f64;
            for (t, &x) in self.taylor_term.iter_mut().zip(&self.taylor_next) {
                *t = x * scale;
            }
            self.taylor_terms[j * n..(j + 1) * n].copy_from_slice(&self.taylor_term);
        }
        out.fill(0.0);
        for j in (0..terms).rev() {
            for (o, &t) in out.iter_mut().zip(&self.taylor_terms[j * n..(j + 1) * n]) {
                *o += t;
            }
        }
        // `values` no longer hold this tau's exponentials.
        self.values_tau = f64::NAN;
    }

    /// Sets `cutoff`: a fast term decays until it is negligible next to the slowest term of every
    /// state it appears in. Only for segments without powers of tau (after an intranasal dose in
    /// the default model); the others keep every term.
    fn set_cutoffs(&mut self) {
        cutoffs(
            &self.coef,
            &self.active_rates,
            self.polynomial,
            &mut self.cutoff,
        );
    }

    /// Sets `count` probes: linear combinations `p_j(tau) = sum_r w[j][r] x_r(tau)` of the
    /// states, with `weights` row-major (`count` rows of n). [`probes`](Self::probes) evaluates
    /// them with their own cut-offs: a term is dropped once it is negligible next to a slower
    /// term of every probe, so a species that no longer matters to the sum stops costing
    /// exponentials even though its own state is still evaluated exactly. Call after
    /// [`PkPropagator::start`].
    pub fn set_probes(&mut self, weights: &[f64], count: usize) {
        let (n, k) = (self.n, self.values.len());
        assert_eq!(weights.len(), count * n, "probe weights: count rows of n");
        self.probe_count = count;
        self.probe_coef.clear();
        self.probe_coef.resize(count * k, 0.0);
        for (j, w_row) in weights.chunks_exact(n).enumerate() {
            let out = &mut self.probe_coef[j * k..(j + 1) * k];
            for (r, &w) in w_row.iter().enumerate().filter(|(_, &w)| w != 0.0) {
                for (o, &c) in out.iter_mut().zip(&self.coef[r * k..(r + 1) * k]) {
                    *o += w * c;
                }
            }
        }
        cutoffs(
            &self.probe_coef,
            &self.active_rates,
            self.polynomial,
            &mut self.probe_cutoff,
        );
        self.probe_values.resize(k, 0.0);
        self.stage_taus.clear();
    }

    /// Writes the probes at `tau` into `out` (`P` must be their `count`). A tau prepared by
    /// [`prepare_probes`](Self::prepare_probes) is read from there; any other is evaluated
    /// directly (one exponential per rate still in play).
    pub fn probes<const P: usize>(&mut self, tau: f64, out: &mut [f64; P]) {
        assert_eq!(P, self.probe_count, "one output per probe");
        if let Some(i) = self.stage_taus.iter().position(|&x| x == tau) {
            if let Some(prepared) = self.stage_probes[i * P..].first_chunk::<P>() {
                *out = *prepared;
                return;
            }
        }
        for (v, &(g, m)) in self.probe_values.iter_mut().zip(&self.active_terms) {
            *v = if tau > self.probe_cutoff[g] {
                0.0
            } else {
                (self.active_rates[g] * tau).exp() * int_pow(tau, m)
            };
        }
        probe_sums(&self.probe_coef, &self.probe_values, out);
    }

    /// Prepares the probes at the taus `tau0 + n_i delta` for small integers `n_i`, for
    /// [`probes`](Self::probes) to read: `taus[i]` is the key under which tau `i` is stored (the
    /// caller's own rounding of that time), and `powers(w)` must return `w^n_i` for each `i`,
    /// the last tau being the end of the step.
    ///
    /// A solver step evaluates its stages at fixed fractions of its size (Dormand-Prince:
    /// multiples of h / 90, [`stage_powers`](crate::solver::tableau::stage_powers)), so this
    /// costs one exponential per rate, `w = exp(mu delta)`, and the powers, instead of one per
    /// rate and stage. `exp(mu tau0)` is taken from the end of the previous prepared step when
    /// `tau0` is that end, and evaluated directly otherwise and every [`STEP_ANCHOR`] steps.
    /// The values agree with direct evaluation to a relative error of about `1e-13` (the powers
    /// of w and the chained starts, a few hundred ulp at most) plus the rounding of the keys. A
    /// rate cut off at `tau0` is left out of every tau (its terms are below rounding there and
    /// only decay further).
    #[inline]
    pub fn prepare_probes<const S: usize, const P: usize>(
        &mut self,
        tau0: f64,
        delta: f64,
        powers: impl Fn(f64) -> [f64; S],
        taus: &[f64; S],
    ) {
        assert_eq!(P, self.probe_count, "P is the number of probes");
        let (k, nr) = (self.probe_values.len(), self.active_rates.len());
        // The sums stay in registers (sizes known at compile time).
        let mut sums = [[0.0; P]; S];
        if self.polynomial {
            self.stage_exps.clear();
            self.stage_exps.resize(S * nr, 0.0);
        }
        // A step that starts where the last prepared one ended continues its exponentials.
        let continues = S > 0
            && self.stage_taus.last() == Some(&tau0)
            && self.chained % STEP_ANCHOR != STEP_ANCHOR - 1;
        self.chained = if continues { self.chained + 1 } else { 0 };
        self.chain_exps.resize(nr, 0.0);
        // First the exponentials (library calls), then the powers and sums for all rates
        // (no calls in between, so the rates' multiplication chains overlap).
        self.step_growth.clear();
        self.step_growth.resize(nr, 0.0);
        let rates = self.active_rates.iter().zip(&self.probe_cutoff);
        let scratch = self.chain_exps.iter_mut().zip(&mut self.step_growth);
        for ((&mu, &cut), (start, w)) in rates.zip(scratch) {
            if tau0 > cut {
                *start = 0.0;
            } else {
                if !continues {
                    *start = (mu * tau0).exp();
                }
                *w = (mu * delta).exp();
            }
        }
        for g in 0..nr {
            let start = self.chain_exps[g];
            if start == 0.0 {
                continue;
            }
            let e = powers(self.step_growth[g]).map(|f| start * f);
            self.chain_exps[g] = e[S - 1];
            if self.polynomial {
                for (i, &x) in e.iter().enumerate() {
                    self.stage_exps[i * nr + g] = x;
                }
            } else {
                // Without powers of tau, term t is active rate t.
                for j in 0..P {
                    let c = self.probe_coef[j * k + g];
                    for (sum, &x) in sums.iter_mut().zip(&e) {
                        sum[j] += c * x;
                    }
                }
            }
        }
        if self.polynomial {
            for (sum, (i, &tau)) in sums.iter_mut().zip(taus.iter().enumerate()) {
                let exps = &self.stage_exps[i * nr..(i + 1) * nr];
                for (v, &(g, m)) in self.probe_values.iter_mut().zip(&self.active_terms) {
                    *v = exps[g] * int_pow(tau, m);
                }
                probe_sums(&self.probe_coef, &self.probe_values, sum);
            }
        }
        self.stage_probes.clear();
        self.stage_probes.extend(sums.iter().flatten());
        self.stage_taus.clear();
        self.stage_taus.extend_from_slice(taus);
    }

    fn fill_values(&mut self, tau: f64) {
        if tau == self.values_tau {
            return;
        }
        let rates = self.active_rates.iter().zip(&self.cutoff);
        for (e, (&mu, &cut)) in self.exps.iter_mut().zip(rates) {
            *e = if tau > cut { 0.0 } else { (mu * tau).exp() };
        }
        self.values_from_exps(tau);
    }

    /// Sets the term values (and `values_tau`) from `exps`, the exponentials at `tau`.
    fn values_from_exps(&mut self, tau: f64) {
        self.values_tau = tau;
        if self.polynomial {
            for (v, &(g, m)) in self.values.iter_mut().zip(&self.active_terms) {
                *v = self.exps[g] * int_pow(tau, m);
            }
        }
    }

    /// The term values at `values_tau`: without powers of tau, term t is active rate t and its
    /// value is the exponential itself.
    fn term_values(&self) -> &[f64] {
        if self.polynomial {
            &self.values
        } else {
            &self.exps
        }
    }

    /// Prepares [`eval_rows_on_grid`](Self::eval_rows_on_grid) for output samples `dt` apart
    /// that read the states `rows`.
    pub fn set_grid(&mut self, dt: f64, rows: &[usize]) {
        self.grid_factors.clear();
        self.grid_factors
            .extend(self.active_rates.iter().map(|&mu| (mu * dt).exp()));
        self.grid_last = None;
        // In blocks of GRID_BLOCK rows (the last padded with zeros), term-major within a block:
        // the sums of one block stay in registers.
        let k = self.values.len();
        // Rows that no term reaches in this segment (the compartments of drugs not taken) are
        // zero at every sample: they are written as zeros instead of summed.
        self.grid_rows.clear();
        self.grid_zero_rows.clear();
        for &r in rows {
            if self.coef[r * k..(r + 1) * k].iter().any(|&c| c != 0.0) {
                self.grid_rows.push(r);
            } else {
                self.grid_zero_rows.push(r);
            }
        }
        self.grid_coef.clear();
        for block in self.grid_rows.chunks(GRID_BLOCK) {
            for t in 0..k {
                let mut column = [0.0; GRID_BLOCK];
                for (c, &r) in column.iter_mut().zip(block) {
                    *c = self.coef[r * k + t];
                }
                self.grid_coef.extend_from_slice(&column);
            }
        }
    }

    /// Writes `x_r(tau)` into `out[r]` for each state `r` of the rows given to
    /// [`set_grid`](Self::set_grid) (none after [`PkPropagator::start`] until `set_grid` is
    /// called again), where `tau` is sample `j` of a regular grid. Right after sample `j - 1`,
    /// with no other evaluation in between, the exponentials are that sample's times
    /// `exp(mu dt)`; otherwise, and every [`GRID_ANCHOR`] samples, they are evaluated directly.
    /// Each continued sample adds a few ulp of relative error, plus `|mu|` times the rounding
    /// of tau itself (tests hold the result to 1e-12 of direct evaluation). Output samples are
    /// about as many as solver steps, so this saves most of their exponentials.
    pub fn eval_rows_on_grid(&mut self, j: usize, tau: f64, out: &mut [f64]) {
        if tau <= self.taylor_tau {
            // Near the start the Taylor series, for the grid's rows only; the next sample
            // evaluates its exponentials directly (`values_tau` is not this sample's).
            let mut all = std::mem::take(&mut self.taylor_out);
            all.resize(self.n, 0.0);
            self.taylor(tau, &mut all);
            for &r in self.grid_rows.iter().chain(&self.grid_zero_rows) {
                out[r] = all[r];
            }
            self.taylor_out = all;
            self.grid_last = Some((j, tau));
            return;
        }
        // Continue only from the previous grid sample's own exponentials: any evaluation at
        // another time in between (eval_all) changes `values_tau`.
        let follows = self
            .grid_last
            .is_some_and(|(last, last_tau)| last + 1 == j && last_tau == self.values_tau);
        if follows && j % GRID_ANCHOR != 0 && tau != self.values_tau {
            let rates = self.grid_factors.iter().zip(&self.cutoff);
            for (e, (&f, &cut)) in self.exps.iter_mut().zip(rates) {
                *e = if tau > cut { 0.0 } else { *e * f };
            }
            self.values_from_exps(tau);
        } else {
            self.fill_values(tau);
        }
        self.grid_last = Some((j, tau));
        for &r in &self.grid_zero_rows {
            out[r] = 0.0;
        }
        // A block of rows at once, each summed over the terms in order (as `row` does).
        let k = self.values.len();
        if k == 0 {
            // No terms: every state is zero in this segment.
            for &r in &self.grid_rows {
                out[r] = 0.0;
            }
            return;
        }
        let blocks = self.grid_coef.chunks_exact((k * GRID_BLOCK).max(1));
        for (block, rows) in blocks.zip(self.grid_rows.chunks(GRID_BLOCK)) {
            let mut sums = [0.0; GRID_BLOCK];
            for (column, &v) in block.chunks_exact(GRID_BLOCK).zip(self.term_values()) {
                for (acc, &c) in sums.iter_mut().zip(column) {
                    *acc += c * v;
                }
            }
            for (&r, &x) in rows.iter().zip(&sums) {
                out[r] = x;
            }
        }
    }

    fn row(&self, r: usize) -> f64 {
        let k = self.values.len();
        self.coef[r * k..(r + 1) * k]
            .iter()
            .zip(self.term_values())
            .map(|(c, v)| c * v)
            .sum()
    }
}

/// `out[j] = sum_t coef[j][t] values[t]` for probe rows `coef` (row-major, one column per term);
/// with no terms every probe is 0.
fn probe_sums(coef: &[f64], values: &[f64], out: &mut [f64]) {
    let k = values.len();
    for (j, o) in out.iter_mut().enumerate() {
        let row = &coef[j * k..(j + 1) * k];
        *o = row.iter().zip(values).map(|(c, v)| c * v).sum();
    }
}

/// Per active rate, the tau after which its terms are below [`NEGLIGIBLE`] of the slowest term
/// in every row of `coef` (row-major, one column per term) that they appear in; infinite if
/// never. Only for segments without powers of tau (then term t is active rate t); with powers
/// every term is kept.
fn cutoffs(coef: &[f64], rates: &[f64], polynomial: bool, cut: &mut Vec<f64>) {
    let k = rates.len();
    cut.clear();
    cut.resize(k, f64::INFINITY);
    if polynomial || k == 0 {
        return;
    }
    cut.fill(0.0);
    for row in coef.chunks_exact(k) {
        let slowest = (0..k)
            .filter(|&t| row[t] != 0.0)
            .max_by(|&a, &b| rates[a].total_cmp(&rates[b]));
        let Some(s) = slowest else { continue };
        for t in 0..k {
            if row[t] == 0.0 {
                continue;
            }
            let tau = if t == s {
                f64::INFINITY
            } else {
                // |c_t| exp(mu_t tau) <= NEGLIGIBLE |c_s| exp(mu_s tau)
                (NEGLIGIBLE * row[s].abs() / row[t].abs()).ln() / (rates[t] - rates[s])
            };
            cut[t] = cut[t].max(tau);
        }
    }
}

/// One term of a part's propagator: (global rate index g, power m) and `K_t` over the part's
/// states (rows and columns in the order of [`Part::states`]).
pub(super) type Term = ((usize, u32), DMatrix<f64>);

/// A set of states closed under the compartment graph (a union of weakly connected
/// components, or all states), analysed for the construction: steps 1 and 2 of the module docs.
#[derive(Debug, Clone)]
pub(super) struct Part {
    /// The states, ascending.
    pub(super) states: Vec<usize>,
    /// A restricted to them.
    a: DMatrix<f64>,
    /// The strongly connected blocks in position order, each with its number of ancestors
    /// (local state indices).
    blocks: Vec<(usize, Vec<usize>)>,
    /// Local states in position order.
    order: Vec<usize>,
    /// Eigenvectors (local states x positions) and the rate of each position.
    s: DMatrix<f64>,
    lambda: Vec<f64>,
}

impl Part {
    /// Analyses the states `states` (ascending, closed under the graph of `a`).
    pub(super) fn new(a: &DMatrix<f64>, states: Vec<usize>) -> Result<Part, ClosedFormError> {
        let m = states.len();
        let sub = DMatrix::from_fn(m, m, |i, j| a[(states[i], states[j])]);
        let blocks = blocks(&sub, &states)?;
        let order: Vec<usize> = blocks.iter().flat_map(|(_, b)| b.iter().copied()).collect();
        let (s, lambda) = eigenbasis(&sub, &order, &states)?;
        Ok(Part {
            states,
            a: sub,
            blocks,
            order,
            s,
            lambda,
        })
    }

    /// Steps 3 and 4 of the module docs for this part: its terms, sorted by (rate, power),
    /// given the rate group of each of its positions (`group`, indices into `rates`).
    pub(super) fn terms(
        &self,
        group: &[usize],
        rates: &[f64],
    ) -> Result<Vec<Term>, ClosedFormError> {
        let n = self.states.len();
        let (a, s, order) = (&self.a, &self.s, &self.order);
        let s_inv = s
            .clone()
            .try_inverse()
            .ok_or_else(|| ClosedFormError::Numeric("eigenvectors are not independent".into()))?;
        // T = S^-1 A S, lower triangular in the order of `order` (positions p).
        let t_full = &s_inv * a * s;

        // The rates of this part (global indices, ascending) and the local group of each
        // position.
        let mut used: Vec<usize> = group.to_vec();
        used.sort_unstable();
        used.dedup();
        let local: Vec<usize> = group
            .iter()
            .map(|g| used.partition_point(|u| u < g))
            .collect();
        let ng = used.len();

        // c[k][p]: u_p(tau) started from unit vector e_k, positions in `order`.
        let mut c: Vec<Vec<PolyExp>> = Vec::with_capacity(n);
        let mut forcing: PolyExp = vec![Vec::new(); ng];
        for k in 0..n {
            let mut u: Vec<PolyExp> = Vec::with_capacity(n);
            for p in 0..n {
                // Forcing sum_{q<p} T[p][q] u_q (T is lower triangular in positions; within a
                // block the off-diagonal entries are round-off of an exact zero).
                for f in &mut forcing {
                    f.clear();
                }
                for q in 0..p {
                    let tpq = t_full[(p, q)];
                    if tpq == 0.0 || same_block(order, a, p, q) {
                        continue;
                    }
                    for (g, poly) in u[q].iter().enumerate() {
                        add_scaled(&mut forcing[g], poly, tpq);
                    }
                }
                let gp = local[p];
                let mu_p = rates[used[gp]];
                let mut sol: PolyExp = vec![Vec::new(); ng];
                let mut at_zero = 0.0;
                for (g, poly) in forcing.iter().enumerate() {
                    if poly.iter().all(|&x| x == 0.0) {
                        continue;
                    }
                    let q = if g == gp {
                        integrate(poly)
                    } else {
                        particular(poly, rates[used[g]] - mu_p)
                    };
                    at_zero += q.first().copied().unwrap_or(0.0);
                    add_scaled(&mut sol[g], &q, 1.0);
                }
                let start = if p == k { 1.0 } else { 0.0 };
                add_scaled(&mut sol[gp], &[start - at_zero], 1.0);
                u.push(sol);
            }
            c.push(u);
        }

        // K_t = S C_t S^-1, with C_t[p][k] the coefficient of term t in u_p from e_k.
        let mut terms = Vec::new();
        for g in 0..ng {
            let max_m = c
                .iter()
                .flat_map(|u| u.iter().map(|f| f[g].len()))
                .max()
                .unwrap_or(0);
            for m in 0..max_m {
                let mut cm = DMatrix::zeros(n, n);
                for (k, u) in c.iter().enumerate() {
                    for (p, f) in u.iter().enumerate() {
                        cm[(p, k)] = f[g].get(m).copied().unwrap_or(0.0);
                    }
                }
                if cm.iter().all(|&x| x == 0.0) {
                    continue;
                }
                // Positions -> states: S has states as rows and positions as columns.
                let km = s * cm * &s_inv;
                terms.push(((used[g], m as u32), km));
            }
        }
        Ok(terms)
    }
}

/// The distinct rates of all parts' positions and each position's group (`groups[part][p]`),
/// rates numbered in the order the whole matrix would meet them: positions in the block order
/// of the whole matrix (blocks by number of ancestors, then by their first state), each rate
/// merged into the first one within [`MERGE_RTOL`].
pub(super) fn group_rates(parts: &[Part]) -> (Vec<f64>, Vec<Vec<usize>>) {
    // (ancestors, first state, part, first local position, size) of every block.
    let mut blocks = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let mut p = 0;
        for (ancestors, block) in &part.blocks {
            blocks.push((*ancestors, part.states[block[0]], i, p, block.len()));
            p += block.len();
        }
    }
    blocks.sort_unstable_by_key(|&(ancestors, first, ..)| (ancestors, first));
    let mut rates: Vec<f64> = Vec::new();
    let mut groups: Vec<Vec<usize>> = parts.iter().map(|p| vec![0; p.lambda.len()]).collect();
    for &(_, _, i, p0, size) in &blocks {
        let lambda = &parts[i].lambda[p0..p0 + size];
        for (group, &l) in groups[i][p0..p0 + size].iter_mut().zip(lambda) {
            *group = match rates.iter().position(|&r| same_rate(r, l)) {
                Some(g) => g,
                None => {
                    rates.push(l);
                    rates.len() - 1
                }
            };
        }
    }
    (rates, groups)
}

/// Step 5 and the propagator of the whole matrix `a` from its parts' terms (the parts cover
/// every state once): terms in order of (rate, power), each `K_t` the sum of the parts' terms
/// placed at their states.
pub(super) fn finish(
    a: &DMatrix<f64>,
    rates: Vec<f64>,
    parts: &[(&Part, Vec<Term>)],
) -> Result<PkPropagator, ClosedFormError> {
    let n = a.nrows();
    if parts
        .iter()
        .any(|(_, terms)| terms.iter().any(|(_, k)| k.iter().any(|x| !x.is_finite())))
    {
        return Err(ClosedFormError::Numeric(
            "a coefficient is not finite".into(),
        ));
    }
    let times = check_times(&rates);
    let error = parts
        .iter()
        .map(|(_, terms)| cancellation_error(terms, &rates, &times))
        .fold(0.0, f64::max);
    if error > VERIFY_RTOL {
        return Err(ClosedFormError::IllConditioned { error });
    }
    let mut keys: Vec<(usize, u32)> = parts
        .iter()
        .flat_map(|(_, terms)| terms.iter().map(|(key, _)| *key))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let mut matrices = vec![DMatrix::zeros(n, n); keys.len()];
    // The non-zero entries of each K_t, row by row (columns ascending within a row).
    let mut entries: Vec<Vec<(usize, usize, f64)>> = vec![Vec::new(); keys.len()];
    for (part, terms) in parts {
        for (key, k) in terms {
            let t = keys.partition_point(|x| x < key);
            for (j, &sj) in part.states.iter().enumerate() {
                for (i, &si) in part.states.iter().enumerate() {
                    let v = k[(i, j)];
                    if v != 0.0 {
                        matrices[t][(si, sj)] = v;
                        entries[t].push((si, sj, v));
                    }
                }
            }
        }
    }
    for e in &mut entries {
        e.sort_unstable_by_key(|&(r, j, _)| (r, j));
    }
    let matrix: Vec<(usize, usize, f64)> = (0..n)
        .flat_map(|r| (0..n).map(move |j| (r, j, a[(r, j)])))
        .filter(|&(_, _, v)| v != 0.0)
        .collect();
    let norm = (0..n)
        .map(|r| (0..n).map(|j| a[(r, j)].abs()).sum::<f64>())
        .fold(0.0, f64::max);
    let taylor_tau = if norm > 0.0 { TAYLOR_REACH / norm } else { 0.0 };
    Ok(PkPropagator {
        n,
        rates,
        terms: keys,
        matrices,
        entries,
        matrix,
        taylor_tau,
    })
}

/// The times at which [`cancellation_error`] checks the terms: 40 from a tenth of the fastest
/// time constant to 50 slowest ones (none without a non-zero rate).
fn check_times(rates: &[f64]) -> Vec<f64> {
    let (fast, slow) = rates
        .iter()
        .map(|r| r.abs())
        .filter(|&r| r > 0.0)
        .fold((0.0_f64, f64::INFINITY), |(f, s), r| (f.max(r), s.min(r)));
    if fast == 0.0 {
        return Vec::new();
    }
    let (t0, t1) = (0.1 / fast, 50.0 / slow);
    (0..40)
        .map(|k| t0 * (t1 / t0).powf(k as f64 / 39.0))
        .collect()
}

/// An estimate of the largest relative rounding error of the closed form of one part: evaluating
/// `sum_t c_t v_t` in floating point is off by a few `eps sum_t |c_t v_t|`, which is large
/// when big terms cancel. Checked for every start state and state at `times`, relative to the
/// peak of each response (responses below 1e-12 of their column's peak are not checked). The
/// states of other parts are exact zeros in this part's columns, so the largest error of the
/// parts is that of the whole.
fn cancellation_error(terms: &[Term], rates: &[f64], times: &[f64]) -> f64 {
    let Some(n) = terms.first().map(|(_, k)| k.nrows()) else {
        return 0.0;
    };
    if n == 0 || times.is_empty() {
        return 0.0;
    }
    // The non-zero coefficients (index into a column-major n x n matrix, value) of each term:
    // a term belongs to one chain of compartments, and the zeros add nothing to the sums.
    let nonzero: Vec<Vec<(usize, f64)>> = terms
        .iter()
        .map(|(_, k)| {
            k.iter()
                .enumerate()
                .filter(|(_, &x)| x != 0.0)
                .map(|(i, &x)| (i, x))
                .collect()
        })
        .collect();
    // Per entry (column-major n x n), the peak over the times of the sum and of the sum of
    // absolute terms.
    let (mut sum, mut abs) = (vec![0.0; n * n], vec![0.0; n * n]);
    let (mut peak, mut magnitude) = (vec![0.0_f64; n * n], vec![0.0_f64; n * n]);
    for &tau in times {
        sum.fill(0.0);
        abs.fill(0.0);
        for (((g, m), _), entries) in terms.iter().zip(&nonzero) {
            let v = tau.powi(*m as i32) * (rates[*g] * tau).exp();
            for &(j, x) in entries {
                sum[j] += x * v;
                abs[j] += x.abs() * v;
            }
        }
        for (p, s) in peak.iter_mut().zip(&sum) {
            *p = p.max(s.abs());
        }
        for (p, a) in magnitude.iter_mut().zip(&abs) {
            *p = p.max(*a);
        }
    }
    let mut worst = 0.0_f64;
    for (peaks, terms) in peak.chunks_exact(n).zip(magnitude.chunks_exact(n)) {
        let column_peak = peaks.iter().copied().fold(0.0, f64::max);
        for (&scale, &terms) in peaks.iter().zip(terms) {
            if scale <= 1e-12 * column_peak {
                continue;
            }
            worst = worst.max(ROUNDING_FACTOR * f64::EPSILON * terms / scale);
        }
    }
    worst
}

fn same_rate(a: f64, b: f64) -> bool {
    (a - b).abs() <= MERGE_RTOL * a.abs().max(b.abs())
}

/// Whether positions p and q (in `order`) belong to one strongly connected block. Blocks are
/// contiguous in `order`, and the only blocks of two are pairs exchanging both ways.
fn same_block(order: &[usize], a: &DMatrix<f64>, p: usize, q: usize) -> bool {
    let (i, j) = (order[p], order[q]);
    p.abs_diff(q) == 1 && a[(i, j)] != 0.0 && a[(j, i)] != 0.0
}

/// The strongly connected blocks ordered upstream to downstream, each with its number of
/// ancestors (states that influence it); `states` names the states in errors.
fn blocks(a: &DMatrix<f64>, states: &[usize]) -> Result<Vec<(usize, Vec<usize>)>, ClosedFormError> {
    let n = a.nrows();
    // reach[i][j]: j influences i (a path j -> ... -> i), including i == j.
    let mut reach = vec![vec![false; n]; n];
    for (i, row) in reach.iter_mut().enumerate() {
        for (j, r) in row.iter_mut().enumerate() {
            *r = i == j || a[(i, j)] != 0.0;
        }
    }
    // Warshall's transitive closure.
    for k in 0..n {
        let via = reach[k].clone();
        for row in reach.iter_mut() {
            if row[k] {
                for (r, &v) in row.iter_mut().zip(&via) {
                    *r |= v;
                }
            }
        }
    }
    let mut blocks: Vec<Vec<usize>> = Vec::new();
    let mut seen = vec![false; n];
    for i in 0..n {
        if seen[i] {
            continue;
        }
        let block: Vec<usize> = (0..n).filter(|&j| reach[i][j] && reach[j][i]).collect();
        for &j in &block {
            seen[j] = true;
        }
        if block.len() > 2 {
            return Err(ClosedFormError::Block {
                size: block.len(),
                states: block.iter().map(|&j| states[j]).collect(),
            });
        }
        blocks.push(block);
    }
    // A block downstream of another has strictly more influencing states, so sorting by that
    // count is a topological order (stable, so ties keep the state order).
    let mut blocks: Vec<(usize, Vec<usize>)> = blocks
        .into_iter()
        .map(|b| ((0..n).filter(|&j| reach[b[0]][j]).count(), b))
        .collect();
    blocks.sort_by_key(|(ancestors, _)| *ancestors);
    Ok(blocks)
}

/// The block-diagonal eigenvector matrix S (states x positions) and the rate of each position.
fn eigenbasis(
    a: &DMatrix<f64>,
    order: &[usize],
    states: &[usize],
) -> Result<(DMatrix<f64>, Vec<f64>), ClosedFormError> {
    let n = a.nrows();
    let mut s = DMatrix::zeros(n, n);
    let mut lambda = vec![0.0; n];
    let mut p = 0;
    while p < n {
        let i = order[p];
        if p + 1 < n && same_block(order, a, p + 1, p) {
            let j = order[p + 1];
            let (aa, b, c, d) = (a[(i, i)], a[(i, j)], a[(j, i)], a[(j, j)]);
            if b <= 0.0 || c <= 0.0 {
                return Err(ClosedFormError::Numeric(format!(
                    "states {} and {} do not exchange both ways",
                    states[i], states[j]
                )));
            }
            // The larger rate without cancellation (mid < 0), the smaller one from the
            // determinant; sqrt(b) sqrt(c) and hypot keep b c from overflowing.
            let mid = 0.5 * (aa + d);
            let large = mid - (0.5 * (aa - d)).hypot(b.sqrt() * c.sqrt());
            let small = aa.mul_add(d, -b * c) / large;
            for (k, l) in [small, large].into_iter().enumerate() {
                // (a - l) v_i + b v_j = 0 and c v_i + (d - l) v_j = 0; use the better-scaled row.
                let (vi, vj) = if (l - aa).abs() >= (l - d).abs() {
                    (b, l - aa)
                } else {
                    (l - d, c)
                };
                let norm = vi.hypot(vj);
                if !(l.is_finite() && norm.is_finite() && norm > 0.0) {
                    return Err(ClosedFormError::Numeric(format!(
                        "the exchange between states {} and {} is too fast or too slow to \
                         represent (rate {l} per hour)",
                        states[i], states[j]
                    )));
                }
                s[(i, p + k)] = vi / norm;
                s[(j, p + k)] = vj / norm;
                lambda[p + k] = l;
            }
            p += 2;
        } else {
            s[(i, p)] = 1.0;
            lambda[p] = a[(i, i)];
            p += 1;
        }
    }
    Ok((s, lambda))
}

/// `dst += scale * src`, growing `dst` as needed.
fn add_scaled(dst: &mut Vec<f64>, src: &[f64], scale: f64) {
    if dst.len() < src.len() {
        dst.resize(src.len(), 0.0);
    }
    for (d, s) in dst.iter_mut().zip(src) {
        *d += scale * s;
    }
}

/// Q with `Q' + d Q = P` for `d != 0`: `Q = sum_k (-1)^k P^(k) / d^(k+1)`.
fn particular(p: &[f64], d: f64) -> Vec<f64> {
    let mut q = vec![0.0; p.len()];
    let mut deriv = p.to_vec();
    let mut sign_over = 1.0 / d;
    while deriv.iter().any(|&x| x != 0.0) {
        add_scaled(&mut q, &deriv, sign_over);
        // Differentiate the polynomial.
        for m in 1..deriv.len() {
            deriv[m - 1] = m as f64 * deriv[m];
        }
        deriv.pop();
        sign_over *= -1.0 / d;
    }
    q
}

/// The antiderivative of P that is zero at 0.
fn integrate(p: &[f64]) -> Vec<f64> {
    let mut q = vec![0.0; p.len() + 1];
    for (m, &x) in p.iter().enumerate() {
        q[m + 1] = x / (m + 1) as f64;
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solver::tableau::{stage_powers, C, C_DENOMINATOR, STAGES};

    fn propagate(a: &DMatrix<f64>, x0: &[f64], tau: f64) -> Vec<f64> {
        let prop = PkPropagator::new(a).expect("closed form");
        let mut seg = PkSegment::default();
        prop.start(x0, &mut seg);
        let mut out = vec![0.0; x0.len()];
        seg.eval_all(tau, &mut out);
        out
    }

    fn exact(a: &DMatrix<f64>, x0: &[f64], tau: f64) -> Vec<f64> {
        let x = (a * tau).exp() * nalgebra::DVector::from_column_slice(x0);
        x.as_slice().to_vec()
    }

    fn assert_close(a: &DMatrix<f64>, x0: &[f64], taus: &[f64], rtol: f64) {
        let scale = x0.iter().map(|x| x.abs()).fold(0.0, f64::max);
        for &tau in taus {
            let got = propagate(a, x0, tau);
            let want = exact(a, x0, tau);
            for (r, (g, w)) in got.iter().zip(&want).enumerate() {
                assert!(
                    (g - w).abs() <= rtol * scale,
                    "tau {tau}, state {r}: {g} vs {w}"
                );
            }
        }
    }

    #[test]
    fn a_segment_start_from_the_sparse_entries_matches_the_dense_product() {
        // The default model, started from a state where some drugs are present and others
        // not: each kept term's column equals the dense K_t x0.
        let model = crate::model::Model::default_heroin().expect("default model");
        let prop = model.pk.as_ref().expect("closed form");
        let n = prop.n;
        let mut x0 = vec![0.0; n];
        for (i, x) in x0.iter_mut().enumerate().filter(|(i, _)| i % 3 != 1) {
            *x = 1.0 + i as f64 * 0.37;
        }
        let mut seg = PkSegment::default();
        prop.start(&x0, &mut seg);
        let dense: Vec<Vec<f64>> = prop
            .matrices
            .iter()
            .map(|k| {
                (k * nalgebra::DVector::from_column_slice(&x0))
                    .as_slice()
                    .to_vec()
            })
            .filter(|c| c.iter().any(|&v| v != 0.0))
            .collect();
        assert_eq!(dense.len(), seg.values.len(), "kept terms");
        for (t, want) in dense.iter().enumerate() {
            for (r, &w) in want.iter().enumerate() {
                let got = seg.coef[r * dense.len() + t];
                assert!(
                    (got - w).abs() <= 1e-15 * w.abs().max(1e-300),
                    "term {t}, state {r}: {got} vs {w}"
                );
            }
        }
    }

    #[test]
    fn a_single_compartment_decays_exponentially() {
        let a = DMatrix::from_row_slice(1, 1, &[-2.0]);
        let got = propagate(&a, &[3.0], 0.7);
        assert!((got[0] - 3.0 * (-1.4f64).exp()).abs() < 1e-15);
    }

    #[test]
    fn bateman_chain_with_distinct_rates() {
        // depot -> central -> out
        let a = DMatrix::from_row_slice(2, 2, &[-5.0, 0.0, 5.0, -1.0]);
        assert_close(&a, &[1.0, 0.0], &[0.0, 0.1, 1.0, 7.0], 1e-13);
    }

    #[test]
    fn equal_rates_in_series_give_tau_exp_terms() {
        // ka == k: the Bateman function's confluent limit ka tau exp(-k tau).
        let a = DMatrix::from_row_slice(3, 3, &[-2.0, 0.0, 0.0, 2.0, -2.0, 0.0, 0.0, 2.0, -2.0]);
        for tau in [0.0, 0.3, 1.0, 4.0] {
            let got = propagate(&a, &[1.0, 0.0, 0.0], tau);
            let e = (-2.0 * tau).exp();
            assert!((got[1] - 2.0 * tau * e).abs() < 1e-14, "{got:?}");
            assert!((got[2] - 2.0 * tau * tau * e).abs() < 1e-14, "{got:?}");
        }
        assert_close(&a, &[1.0, 0.5, 0.25], &[0.2, 2.0], 1e-13);
    }

    #[test]
    fn nearly_equal_rates_stay_accurate() {
        // On both sides of the merge threshold the error stays near MERGE_RTOL of the dose.
        for eps in [1e-3, 1e-6, 3e-8, 1e-8, 3e-9, 1e-10, 0.0] {
            let k = 2.0 * (1.0 + eps);
            let a = DMatrix::from_row_slice(2, 2, &[-2.0, 0.0, 2.0, -k]);
            assert_close(&a, &[1.0, 0.0], &[0.1, 1.0, 5.0], 2.0 * MERGE_RTOL);
        }
    }

    #[test]
    fn a_two_compartment_pair_feeding_an_effect_site() {
        // input depot -> central <-> peripheral, central -> effect site (with scaling).
        #[rustfmt::skip]
        let a = DMatrix::from_row_slice(4, 4, &[
            -1.4, 0.0, 0.0, 0.0,
             1.4, -6.3, 0.76, 0.0,
             0.0, 4.0, -0.76, 0.0,
             0.0, 7.1, 0.0, -0.25,
        ]);
        assert_close(&a, &[2.0, 1.0, 0.5, 3.0], &[0.05, 0.5, 3.0, 24.0], 1e-12);
    }

    #[test]
    fn nearly_equal_rates_three_in_series_are_refused_when_they_cancel() {
        // Three compartments in series, rates 1, 1 + delta and 1: the terms cancel like
        // eps / delta^2, so a gap of 1e-6 is refused and one of 1e-3 is accurate.
        let chain = |delta: f64| {
            DMatrix::from_row_slice(
                3,
                3,
                &[
                    -1.0,
                    0.0,
                    0.0,
                    1.0,
                    -1.0 - delta,
                    0.0,
                    0.0,
                    1.0 + delta,
                    -1.0,
                ],
            )
        };
        assert!(matches!(
            PkPropagator::new(&chain(1e-6)),
            Err(ClosedFormError::IllConditioned { .. })
        ));
        assert_close(&chain(1e-3), &[1.0, 0.0, 0.0], &[0.5, 2.0, 8.0], 1e-9);
        // Exactly equal rates merge and stay exact.
        assert_close(&chain(0.0), &[1.0, 0.0, 0.0], &[0.5, 2.0, 8.0], 1e-13);
    }

    #[test]
    fn extreme_but_valid_exchange_rates_keep_the_slow_rate_accurate() {
        // A peripheral compartment exchanging 1e11 times faster than elimination: the slow
        // rate comes from the determinant, not from a cancelling difference.
        #[rustfmt::skip]
        let a = DMatrix::from_row_slice(2, 2, &[
            -2.0 - 4.0, 1.4e12,
             4.0, -1.4e12,
        ]);
        let prop = PkPropagator::new(&a).expect("closed form");
        let slow = prop
            .rates()
            .iter()
            .fold(f64::NEG_INFINITY, |m, &r| m.max(r));
        // It is a root of the characteristic polynomial l^2 - trace l + det.
        let (trace, det) = (-6.0 - 1.4e12, 6.0 * 1.4e12 - 1.4e12 * 4.0);
        let residual = slow * slow - trace * slow + det;
        assert!(
            (residual / det).abs() < 1e-14,
            "{slow}: residual {residual}"
        );
        assert!((slow + 2.0).abs() < 1e-11, "{slow}");
        // After the instant exchange, the (conserved) amount sits in the central compartment in
        // the ratio b : c and is eliminated at the slow rate. (nalgebra's matrix exponential is
        // off by about 1e-5 here, so it is not the reference.)
        let mut seg = PkSegment::default();
        prop.start(&[1.0, 0.0], &mut seg);
        let mut out = [0.0; 2];
        for tau in [0.5, 3.0] {
            seg.eval_all(tau, &mut out);
            let want = 1.4e12 / (1.4e12 + 4.0) * (slow * tau).exp();
            assert!(
                ((out[0] - want) / want).abs() < 1e-12,
                "{tau}: {} vs {want}",
                out[0]
            );
        }
    }

    #[test]
    fn a_three_compartment_loop_is_refused() {
        let a = DMatrix::from_row_slice(3, 3, &[-1.0, 0.0, 1.0, 1.0, -1.0, 0.0, 0.0, 1.0, -1.0]);
        assert!(matches!(
            PkPropagator::new(&a),
            Err(ClosedFormError::Block { size: 3, .. })
        ));
    }

    #[test]
    fn negligible_fast_terms_are_cut_without_changing_the_result() {
        // A slow compartment (rate 0.25) feeding a fast effect site (rate 20), like morphine's
        // plasma and a brain that follows it within minutes: after a few hours the effect
        // site's own fast term is below rounding next to the slow one and is no longer evaluated.
        let a = DMatrix::from_row_slice(2, 2, &[-0.25, 0.0, 20.0, -20.0]);
        let prop = PkPropagator::new(&a).expect("closed form");
        let mut seg = PkSegment::default();
        prop.start(&[1.0, 0.0], &mut seg);
        let fast = seg
            .active_rates
            .iter()
            .position(|&r| r == -20.0)
            .expect("fast rate");
        let cut = seg.cutoff[fast];
        assert!(cut > 1.0 && cut < 3.0, "cutoff {cut}");
        assert!(seg.cutoff.iter().any(|c| c.is_infinite()));
        let mut out = [0.0; 2];
        for tau in [cut * 0.99, cut * 1.01, 10.0] {
            seg.eval_all(tau, &mut out);
            let want = exact(&a, &[1.0, 0.0], tau);
            let rel = ((out[1] - want[1]) / want[1]).abs();
            assert!(
                rel < 1e-13,
                "tau {tau}: {} vs {} ({rel:e})",
                out[1],
                want[1]
            );
        }
    }

    #[test]
    fn unused_inputs_drop_out_of_a_segment() {
        let a = DMatrix::from_row_slice(3, 3, &[-5.0, 0.0, 0.0, 0.0, -3.0, 0.0, 5.0, 3.0, -1.0]);
        let prop = PkPropagator::new(&a).expect("closed form");
        let mut seg = PkSegment::default();
        prop.start(&[0.0, 1.0, 0.0], &mut seg);
        assert_eq!(seg.active_rates.len(), 2, "{:?}", seg.active_rates);
    }

    /// A depot (rate 5) feeding a central compartment (rate 0.25) that feeds an effect site
    /// (rate 20), as morphine's plasma and brain; with `equal`, the depot absorbs at the effect
    /// site's rate, which gives `tau exp` terms.
    fn depot_central_effect(equal: bool) -> DMatrix<f64> {
        let ka = if equal { 20.0 } else { 5.0 };
        DMatrix::from_row_slice(3, 3, &[-ka, 0.0, 0.0, ka, -0.25, 0.0, 0.0, 20.0, -20.0])
    }

    /// Probe weights: row 0 reads the effect site, row 1 the central and effect states.
    const PROBE_WEIGHTS: [f64; 6] = [0.0, 0.0, 2.0, 0.0, 0.5, 3.0];

    fn probes_from_states(seg: &mut PkSegment, tau: f64) -> [f64; 2] {
        let mut x = [0.0; 3];
        seg.eval_all(tau, &mut x);
        let w = &PROBE_WEIGHTS;
        [
            w[0] * x[0] + w[1] * x[1] + w[2] * x[2],
            w[3] * x[0] + w[4] * x[1] + w[5] * x[2],
        ]
    }

    /// Prepares the probes for one Dormand-Prince step from `tau0` of size `h`, checks that the
    /// stage taus are stored for look-up (the fast path is armed), and returns them.
    fn prepare_step(seg: &mut PkSegment, tau0: f64, h: f64) -> [f64; STAGES - 1] {
        let taus: [f64; STAGES - 1] = std::array::from_fn(|i| tau0 + C[i + 1] * h);
        seg.prepare_probes::<{ STAGES - 1 }, 2>(
            tau0,
            h / f64::from(C_DENOMINATOR),
            stage_powers,
            &taus,
        );
        assert_eq!(seg.stage_taus, taus);
        taus
    }

    /// The largest relative difference between the prepared probes at `taus` and the
    /// weighted states there.
    fn stage_error(seg: &mut PkSegment, taus: &[f64]) -> f64 {
        let mut worst = 0.0_f64;
        for &tau in taus {
            let mut prepared = [0.0; 2];
            seg.probes(tau, &mut prepared);
            let want = probes_from_states(seg, tau);
            for (p, w) in prepared.iter().zip(&want) {
                worst = worst.max(((p - w) / w).abs());
            }
        }
        worst
    }

    #[test]
    fn probes_are_the_weighted_sums_of_the_states() {
        for equal in [false, true] {
            let prop = PkPropagator::new(&depot_central_effect(equal)).expect("closed form");
            let mut seg = PkSegment::default();
            prop.start(&[1.0, 0.3, 0.0], &mut seg);
            seg.set_probes(&PROBE_WEIGHTS, 2);
            for tau in [0.0, 0.01, 0.5, 2.0, 7.5, 40.0] {
                let mut got = [0.0; 2];
                seg.probes(tau, &mut got);
                let want = probes_from_states(&mut seg, tau);
                for j in 0..2 {
                    // Probes read the exponential terms, whose round-off at tau = 0 is a few
                    // ulp of the start amounts (the states there come from the Taylor series,
                    // exact); the receptor's binding counts a probe below zero as zero.
                    let err = (got[j] - want[j]).abs();
                    assert!(
                        err <= 1e-13 * want[j].abs() + 1e-15,
                        "equal {equal}, tau {tau}, probe {j}: {} vs {}",
                        got[j],
                        want[j]
                    );
                }
            }
        }
    }

    #[test]
    fn prepared_stage_probes_match_direct_evaluation() {
        for equal in [false, true] {
            let prop = PkPropagator::new(&depot_central_effect(equal)).expect("closed form");
            let mut seg = PkSegment::default();
            prop.start(&[1.0, 0.3, 0.0], &mut seg);
            seg.set_probes(&PROBE_WEIGHTS, 2);
            for (tau0, h) in [(0.0, 0.01), (0.3, 0.2), (6.0, 0.25), (30.0, 1.5)] {
                let taus = prepare_step(&mut seg, tau0, h);
                let worst = stage_error(&mut seg, &taus);
                assert!(worst < 1e-12, "equal {equal}, step at {tau0}: {worst:e}");
                // A tau that was not prepared is evaluated directly.
                let other = tau0 + 0.5 * h;
                let mut got = [0.0; 2];
                seg.probes(other, &mut got);
                let want = probes_from_states(&mut seg, other);
                assert!(((got[0] - want[0]) / want[0]).abs() < 1e-13);
            }
        }
    }

    #[test]
    fn consecutive_prepared_steps_stay_accurate() {
        // Steps that continue one another chain their starting exponentials; over many steps
        // (past several anchors) the error stays at rounding level.
        let prop = PkPropagator::new(&depot_central_effect(false)).expect("closed form");
        let mut seg = PkSegment::default();
        prop.start(&[1.0, 0.3, 0.0], &mut seg);
        seg.set_probes(&PROBE_WEIGHTS, 2);
        let (mut tau0, h) = (0.0, 0.137);
        let (mut worst, mut longest_chain) = (0.0_f64, 0);
        for _ in 0..5 * STEP_ANCHOR {
            let taus = prepare_step(&mut seg, tau0, h);
            worst = worst.max(stage_error(&mut seg, &taus));
            longest_chain = longest_chain.max(seg.chained);
            tau0 = taus[STAGES - 2];
        }
        assert_eq!(
            longest_chain,
            STEP_ANCHOR - 1,
            "steps chained up to the anchor"
        );
        assert!(worst < 1e-12, "worst relative error {worst:e}");
    }

    #[test]
    fn probe_cutoffs_drop_terms_that_no_longer_matter_to_the_sum() {
        // A fast species (rate 14) next to a slow one (rate 0.25), both read by one probe: the
        // fast one's own state keeps its term, but the probe drops it within hours, and the
        // probe's value does not change.
        let a = DMatrix::from_row_slice(2, 2, &[-14.0, 0.0, 0.0, -0.25]);
        let prop = PkPropagator::new(&a).expect("closed form");
        let mut seg = PkSegment::default();
        prop.start(&[1.0, 1.0], &mut seg);
        seg.set_probes(&[1.0, 1.0], 1);
        let fast = seg
            .active_rates
            .iter()
            .position(|&r| r == -14.0)
            .expect("fast rate");
        assert!(seg.cutoff[fast].is_infinite());
        let cut = seg.probe_cutoff[fast];
        assert!(cut > 2.0 && cut < 4.0, "probe cutoff {cut}");
        for tau in [cut * 0.99, cut * 1.01, 10.0] {
            let mut got = [0.0];
            seg.probes(tau, &mut got);
            let want = (-14.0 * tau).exp() + (-0.25 * tau).exp();
            assert!(((got[0] - want) / want).abs() < 1e-15, "tau {tau}");
        }
    }

    #[test]
    fn grid_samples_match_direct_evaluation() {
        // With and without tau^m terms, fine and coarse grids, past several anchors and the
        // effect site's cut-off.
        for equal in [false, true] {
            let prop = PkPropagator::new(&depot_central_effect(equal)).expect("closed form");
            let mut seg = PkSegment::default();
            prop.start(&[1.0, 0.3, 0.0], &mut seg);
            for dt in [1.0 / 60.0, 0.37, 2.0] {
                seg.set_grid(dt, &[0, 1, 2]);
                let mut direct = seg.clone();
                let mut worst = 0.0_f64;
                for j in 0..400 {
                    let tau = 0.013 + j as f64 * dt;
                    let (mut got, mut want) = ([0.0; 3], [0.0; 3]);
                    seg.eval_rows_on_grid(j, tau, &mut got);
                    direct.eval_all(tau, &mut want);
                    for (g, w) in got.iter().zip(&want) {
                        if *w != 0.0 {
                            worst = worst.max(((g - w) / w).abs());
                        } else {
                            assert_eq!(*g, 0.0);
                        }
                    }
                }
                assert!(worst < 1e-12, "equal {equal}, dt {dt}: {worst:e}");
            }
        }
    }

    /// The exponential terms alone at `tau` (the evaluation before the Taylor window).
    fn exponential_form(seg: &mut PkSegment, tau: f64) -> Vec<f64> {
        seg.fill_values(tau);
        (0..seg.n).map(|r| seg.row(r)).collect()
    }

    #[test]
    fn states_near_a_segment_start_are_never_negative() {
        // A dose into each depot and each central compartment of the default model, alone; the
        // states downstream start at exactly zero, and the exponential terms cancel there.
        let model = crate::model::Model::default_heroin().expect("default model");
        let prop = model.pk.clone().expect("closed form");
        let n = model.layout.pk_len;
        let starts = model
            .layout
            .depots
            .iter()
            .map(|d| d.state)
            .chain(model.layout.central.iter().copied());
        let taus: Vec<f64> = (0..=140)
            .map(|k| 1e-14 * 10f64.powf(k as f64 / 10.0))
            .collect();
        let mut seg = PkSegment::default();
        let mut exponential_negative = 0.0_f64;
        for start in starts {
            let mut x0 = vec![0.0; n];
            x0[start] = 27.0;
            prop.start(&x0, &mut seg);
            let mut x = vec![0.0; n];
            for &tau in &taus {
                seg.eval_all(tau, &mut x);
                for (r, &v) in x.iter().enumerate() {
                    assert!(v >= 0.0, "start {start}, tau {tau:e}, state {r}: {v:e}");
                }
                let old = exponential_form(&mut seg, tau);
                exponential_negative = old.iter().fold(exponential_negative, |m, &v| m.min(v));
                // Where both apply, they agree to the exponential form's round-off: up to a
                // few 1e-10 of the start amount after an intranasal dose, whose equal rates in
                // series give large coefficients that cancel at the start.
                for (r, (&t, &e)) in x.iter().zip(&old).enumerate() {
                    assert!(
                        (t - e).abs() <= 1e-9 * 27.0,
                        "start {start}, tau {tau:e}, state {r}: {t:e} vs {e:e}"
                    );
                }
            }
        }
        // The cause this guards against: the exponential terms alone dip below zero (by about
        // 1e-13 of the dose here) within seconds of a dose.
        assert!(
            exponential_negative < 0.0,
            "the exponential form no longer cancels: {exponential_negative:e}"
        );
    }

    #[test]
    fn the_taylor_window_meets_the_exponential_terms() {
        for equal in [false, true] {
            let a = depot_central_effect(equal);
            let prop = PkPropagator::new(&a).expect("closed form");
            let edge = prop.taylor_tau;
            assert!(edge > 0.0 && edge <= TAYLOR_REACH / 20.0);
            let x0 = [1.0, 0.3, 0.0];
            // Both sides of the edge, and inside, against the matrix exponential.
            let taus = [
                edge * 1e-6,
                edge * 0.5,
                edge,
                edge * (1.0 + 1e-12),
                2.0 * edge,
            ];
            assert_close(&a, &x0, &taus, 1e-14);
            let mut seg = PkSegment::default();
            prop.start(&x0, &mut seg);
            let mut taylor = [0.0; 3];
            seg.eval_all(edge, &mut taylor);
            let exponential = exponential_form(&mut seg, edge);
            for (t, e) in taylor.iter().zip(&exponential) {
                assert!((t - e).abs() <= 1e-15, "{t:e} vs {e:e}");
            }
        }
    }

    #[test]
    fn grid_samples_restart_after_another_evaluation_or_a_new_start() {
        let prop = PkPropagator::new(&depot_central_effect(false)).expect("closed form");
        let mut seg = PkSegment::default();
        prop.start(&[1.0, 0.3, 0.0], &mut seg);
        seg.set_grid(0.1, &[0, 1, 2]);
        let (mut got, mut other, mut want) = ([0.0; 3], [0.0; 3], [0.0; 3]);
        seg.eval_rows_on_grid(0, 0.5, &mut got);
        seg.eval_all(5.0, &mut other);
        seg.eval_rows_on_grid(1, 0.6, &mut got);
        seg.eval_all(0.6, &mut want);
        assert_eq!(
            got, want,
            "an evaluation in between does not corrupt the next sample"
        );
        // After a new start the old grid rows are gone until set_grid is called again.
        prop.start(&[0.0, 1.0, 0.0], &mut seg);
        let mut untouched = [7.0; 3];
        seg.eval_rows_on_grid(0, 0.0, &mut untouched);
        assert_eq!(untouched, [7.0; 3]);
    }

    #[test]
    fn a_segment_without_drug_evaluates_to_zero() {
        let prop = PkPropagator::new(&depot_central_effect(false)).expect("closed form");
        let mut seg = PkSegment::default();
        prop.start(&[0.0, 0.0, 0.0], &mut seg);
        seg.set_grid(0.1, &[0, 1, 2]);
        let mut out = [7.0; 3];
        seg.eval_rows_on_grid(0, 0.5, &mut out);
        assert_eq!(out, [0.0; 3]);
        seg.set_probes(&PROBE_WEIGHTS, 2);
        let mut probes = [9.0; 2];
        seg.probes(0.3, &mut probes);
        assert_eq!(probes, [0.0; 2]);
    }
}

//! The model equations: the right-hand side of the ODE system and the quantities read from a state.
//!
//! Time in hours. Amounts in micromoles, plasma concentrations C = A/V in micromolar, effect-site
//! concentrations Ce in nanomolar (plasma-equivalent).
//!
//! **Pharmacokinetics** (linear, for each species s; "metabolite of" links form a chain such as
//! heroin -> 6-MAM -> morphine):
//!
//! ```text
//! dA_s/dt   = sum_r ka_r D_r [r feeds s] + sum_p f_p CL_p C_p [s is p's metabolite]
//!             - CL_s C_s - Q_s (C_s - P_s / Vp_s)
//! dP_s/dt   = Q_s (C_s - P_s / Vp_s)                       (peripheral, if any)
//! dD_r/dt   = -ka_r D_r                                     (absorption depot, if any)
//! dCe_s/dt  = ke0_s (1000 C_s - Ce_s)                       (brain effect site, if a ligand)
//! ```
//!
//! **Mu-opioid receptor** (competitive binding plus the operational model of Black & Leff 1983,
//! generalised to several ligands; rho = (1 - T)(1 - q) is the functional receptor pool, reduced
//! by chronic tolerance T and by acute desensitization q). Most ligands bind and unbind within
//! seconds to minutes and are at equilibrium with their effect site; at most one ligand
//! (buprenorphine) dissociates so slowly (half-time about an hour) that its bound fraction B is
//! a state of its own, and the other ligands share the receptors it leaves free:
//!
//! ```text
//! x_i  = Ce_i / K_i  (ligands at equilibrium),   x_b = Ce_b / K_b  (the slow ligand)
//! occ_i = (1 - B) x_i / (1 + sum_j x_j),   occupancy = B + (1 - B) sum x / (1 + sum x)
//! dB/dt = k_off (x_b (1 - B) / (1 + sum x) - B)         (k_on Ce_b = k_off x_b)
//! S    = rho (tau_b B + (1 - B) sum_i tau_i x_i / (1 + sum x)),   A = S / (1 + S)
//! ```
//!
//! At binding equilibrium B = x_b / (1 + sum x + x_b), the usual competitive result. An
//! antagonist has tau = 0: it occupies receptors and lowers everyone else's occupancy. A partial
//! agonist has a small tau. Tolerance lowers rho, which first shifts the curve to the right (the
//! receptor reserve absorbs the loss) and then lowers its maximum.
//!
//! **Acute desensitization** q (minutes; Dang & Williams 2004) and **tolerance** T (fraction of
//! signalling lost, days to weeks). Tolerance moves towards a target that grows with activation,
//! fast while below it and slowly while above it, so a trace of drug builds a trace of tolerance
//! and tolerance built in a day lasts weeks:
//!
//! ```text
//! dq/dt = k_q A (q_max - q) - r_q q
//! T_inf = T_max A / (A_T50 + A)
//! dT/dt = k_T+ (T_inf - T)  if T < T_inf,   k_T- (T_inf - T)  otherwise
//! ```
//!
//! **Dependence**: a homeostatic counter-adaptation (adenylyl-cyclase up-regulation; Sharma, Klee
//! & Nirenberg 1975). MOR activation inhibits cAMP output; the cell up-regulates cyclase while
//! cAMP is below its set point (1) and down-regulates it while cAMP is above. X is the
//! up-regulation as a fraction of its largest value X_max:
//!
//! ```text
//! c     = (1 + X_max X)(1 - A)                 (cAMP output relative to the drug-free set point)
//! dX/dt = (k_X+ / X_max)(1 - c)(1 - X)  if c < 1,   (k_X- / X_max)(1 - c)  otherwise
//! ```
//!
//! On steady drug X settles where c = 1 (no overshoot), at a level that grows with exposure; in
//! abstinence (A = 0) it decays with rate k_X-. **Withdrawal** is the unopposed part, the cAMP
//! overshoot O, amplified by stress systems G that withdrawal itself recruits over a day or two
//! (Koob & Le Moal 2001):
//!
//! ```text
//! O     = max(0, c - 1)                        (unopposed counter-adaptation: cAMP overshoot)
//! h(u)  = u^n / (y50^n + u^n)                  (the COWS-scale curve, 0..1)
//! dG/dt = r_G (s_G O - G)
//! y     = O (1 + G)                            (expressed withdrawal drive)
//! score = 48 h(y)                              (on the 0-48 COWS scale)
//! ```
//!
//! A dose relieves withdrawal within minutes (A rises, c falls below 1), and an antagonist
//! precipitates it within minutes (A falls, c jumps to 1 + X_max X); spontaneous withdrawal
//! builds over hours as the drug leaves the brain.
//!
//! **Dopamine** in the nucleus accumbens, % of baseline (indirect response: release stimulated by
//! MOR activation, inhibited in withdrawal, and damped by autoreceptor feedback F, a moderator in
//! the sense of Gabrielsson & Peletier that follows dopamine with a lag):
//!
//! ```text
//! dDA/dt = k_D (100 (1 + E_D A)(1 - I_D h(y)) (100 / F)^gamma - DA)
//! dF/dt  = k_F (DA - F)
//! ```
//!
//! **Breathing** (ventilation at a fixed CO2, % of baseline, as measured by Dahan et al. 2004 and
//! Algera et al. 2021). The same receptors in the brainstem respiratory centres (pre-Boetzinger
//! complex, Kolliker-Fuse/parabrachial) read the same brain effect site: the brain entry of each
//! ligand is one half-life for all its effects (morphine's 2.8 h lies inside the 1.8-4.4 h range
//! of Lotsch et al. 2001; Dahan 2004's 4.4 h for breathing is its upper end; sharing it keeps one
//! effect site per ligand). Breathing has its own potency (S_V50, set by the reference agonist's
//! C50 for breathing on the naive, undesensitized stimulus), its own steepness n_V and its own,
//! slower tolerance T_V. Acute desensitization q acts on every MOR, so on these too: a rush of
//! 6-MAM meets receptors that desensitize within minutes, and at a steady morphine level
//! (q about 0.5) the model's C50 for breathing is about twice Dahan's (a Known tension).
//!
//! ```text
//! S_V    = (1 - T_V)(1 - q) S_naive           (S_naive = tau_b B + (1 - B) sum tau_i x_i / (1 + sum x))
//! V      = 100 / (1 + (S_V / S_V50)^n_V)
//! A_V    = S_V / (1 + S_V)
//! T_V,inf = T_V,max A_V / (A_T50 + A_V)
//! dT_V/dt = k_V+ (T_V,inf - T_V)  if T_V < T_V,inf,   k_V- (T_V,inf - T_V)  otherwise
//! ```
//!
//! A partial agonist's stimulus cannot exceed its tau, so its depression of breathing levels off
//! (buprenorphine's ceiling, Dahan et al. 2006); an antagonist lowers the agonists' occupancy and
//! so S_V (naloxone rescue), and wears off while a long-acting agonist stays.
//! The potency shift for breathing (`breathing_tolerance_fold`) is the C50 of the reference
//! agonist with T_V over its naive C50: (tau_ref - S_V50) / ((1 - T_V) tau_ref - S_V50).
//!
//! **Wanting** (incentive salience: Robinson & Berridge 1993; Berridge 2007). A phasic
//! dopamine signal u_R, the part of a rise that outruns what dopamine has been lately, teaches
//! a learned value V of the drug and its cues. As in Redish 2004 (Science 306:1944), the signal
//! comes from the drug's pharmacology and is not cancelled by what has been learned: a natural
//! reward's prediction error shrinks as its value is learned, this one does not, so V grows
//! with every use instead of levelling off. The reference is an expected dopamine level R
//! that follows dopamine within tens of minutes (the prediction of temporal-difference models,
//! Schultz, Dayan & Montague 1997), and only a rise of more than a burst threshold theta above
//! it teaches (phasic bursts reach the low-affinity D1 receptors that gate learning, tonic
//! levels do not: Dreyer et al. 2010). So a drug teaches by how fast it reaches the brain, not
//! by how much arrives (Volkow & Swanson 2003; Marsch et al. 2001): the minutes-long rush of IV
//! or smoked heroin teaches, the hour-long rise of oral morphine, methadone or sublingual
//! buprenorphine stays within theta of R and teaches almost nothing, and a steady level is
//! expected.
//! (Without theta a first-order R would not discriminate: it lags a ramp by slope x time
//! constant, so the area above R is the rise times the time constant whatever the speed.)
//! Wanting W, the expression of V, saturates. Each dose also potentiates the excitatory
//! synapses on VTA dopamine neurons (P, driven by dopamine above baseline; Saal, Dong, Bonci &
//! Malenka 2003: one dose of morphine, cocaine or other addictive drugs, not of non-addictive
//! ones, leaves them stronger for days), and potentiated synapses learn more from the same
//! signal: the sensitization of wanting with repeated use (Robinson & Berridge 1993):
//!
//! ```text
//! u      = max(0, DA - 100) / 100             (dopamine above baseline)
//! dR/dt  = k_R (DA - R)                       (expected dopamine, % of baseline; tens of minutes)
//! u_R    = max(0, DA - max(R, 100) - 100 theta) / 100   (phasic signal: a fast rise)
//! dP/dt  = k_P u (1 - P) - r_P P              (synaptic potentiation: rises with each dose, fades in days)
//! dV/dt  = k_V u_R (1 + sigma P) - r_V V      (learned value: the drug's signal is never learned away)
//! W      = V / (1 + V)                        (wanting, 0..1; V = 1 is half the largest wanting)
//! ```
//!
//! **Liking is not wanting.** Liking is the dopamine response to a dose, which tolerance blunts
//! (a smaller u per dose); wanting is the value every dose has added, which keeps growing while
//! the response shrinks, and lasts (forgetting half-life r_V: months) after the dopamine
//! response, the potentiation and the withdrawal are gone.
//!
//! **Craving** is cue-triggered wanting at this moment: the learned value multiplied by the
//! current state (Zhang, Berridge, Tindell, Smith & Aldridge 2009, PLoS Comput Biol 5:e1000437:
//! incentive value = learned value x a physiological factor kappa). Withdrawal raises it (Koob &
//! Le Moal 2001: relief of withdrawal becomes a second reason to use). An offered dose is taken
//! with the probability of Luce's choice rule (the matching law) between the drug's current
//! value and the value V_alt of the alternatives, the one free parameter of the choice (see
//! `models/heroin.toml`, `wanting.alternative_value`):
//!
//! ```text
//! kappa   = 1 + kappa_W h(y)                  (h(y) = withdrawal score / 48)
//! craving = kappa V / (1 + kappa V)           (0..1; the odds of craving are kappa times V)
//! p_take  = kappa V / (kappa V + V_alt)  =  craving / (craving + V_alt (1 - craving))
//! ```
//!
//! Negative reinforcement enters through kappa, so withdrawal pushes the choice; the learning
//! signal counts only dopamine above baseline (R is floored there), so a dose that lifts
//! dopamine back from a withdrawal trough teaches nothing extra for the relief (a
//! simplification). The time constants of wanting
//! in people are not measured: the potentiation's fading within days follows Saal et al. 2003
//! (rodents), the rest are teaching choices (see the model file).
//!
//! **Bounds.** The exact flow keeps every state in a box: amounts and effect-site
//! concentrations non-negative (a linear system whose off-diagonal rates are non-negative);
//! `0 <= q <= q_max` (at `q = 0` the rate is `k_q A q_max >= 0`, at `q_max` it is negative),
//! `0 <= T <= T_max` (the target `T_inf` lies in `[0, T_max)`), `0 <= X <= 1` (growth carries
//! the factor `1 - X`; in decay `|dX/dt| <= k_X- X`), `0 <= B <= 1`, `0 <= T_V <= T_V,max`, `G >= 0` (a linear filter
//! of `O >= 0`), `0 <= P <= 1` and `V >= 0` (growth non-negative, decay proportional to the state), dopamine, its feedback and its expected level R positive (R is a linear filter of dopamine). Nothing clamps them. The closed-form PK
//! keeps its sign exactly (`pk::closed_form`, "Signs"); for the integrated states the solver
//! rejects a step that leaves the box ([`Model::pd_in_domain`], used through
//! [`OdeRhs::in_domain`](crate::solver::OdeRhs::in_domain)): the overshoot O switches on with
//! a kink (`max(0, c - 1)`) inside a step, and Dormand-Prince's negative weight on its fifth
//! stage let G, sitting at 0 before the first overshoot, come out at -1e-7 within the error
//! estimate. `tests/fuzz_model.rs` checks the box on 1,000 perturbed model files per run.
//!
//! **Potency shift** (`tolerance_fold`): the EC50 of the reference agonist with the chronic
//! tolerance T over its naive EC50, (1 + tau_ref) / (1 + (1 - T) tau_ref): how many times the naive
//! concentration is needed for a half-maximal effect (each curve's half of its own maximum; as T
//! grows the maximum falls too, so matching the naive effect itself takes more than this).

use nalgebra::DVector;

use super::{Layout, Model, PdState, Pharmacodynamics, Species, PD_LEN};

/// The receptor's inputs, read from the effect sites: `[sum_i x_i, sum_i tau_i x_i, x_b]` over
/// the ligands at equilibrium (`x_i = Ce_i / K_i`) and for the slow ligand (`x_b`, 0 without
/// one). Each is a fixed linear combination of PK states ([`Model::binding_weights`]).
pub type Binding = [f64; BINDING_LEN];

/// Number of receptor inputs in a [`Binding`].
pub const BINDING_LEN: usize = 3;

/// Occupancy and stimulus of the receptor given the inputs and the slow ligand's bound fraction
/// `b`: `(occupancy, stimulus of the naive pool, free receptors per unit of x)`, the last being
/// `(1 - b) / (1 + sum x)`: the fraction of receptors a ligand at equilibrium with `x = 1` holds.
fn occupancy_and_stimulus(binding: &Binding, b: f64, tau_slow: f64) -> (f64, f64, f64) {
    let [sum_x, sum_tau_x, _] = *binding;
    let free = (1.0 - b) / (1.0 + sum_x);
    (b + free * sum_x, tau_slow * b + free * sum_tau_x, free)
}

/// MOR activation A = S / (1 + S) for the stimulus of the naive pool and the functional pool
/// `rho`.
fn activation(stimulus: f64, rho: f64) -> f64 {
    let s = rho * stimulus;
    s / (1.0 + s)
}

/// `u^n` for a small non-negative integer `n` by repeated squaring (inlined, unlike `powi` with
/// an exponent known only at run time).
pub(crate) fn int_pow(u: f64, n: i32) -> f64 {
    let (mut base, mut n, mut acc) = (u, n, 1.0);
    while n > 0 {
        if n & 1 == 1 {
            acc *= base;
        }
        base *= base;
        n >>= 1;
    }
    acc
}

/// Highest score on the Clinical Opiate Withdrawal Scale.
pub const COWS_MAX: f64 = 48.0;

/// Receptor-level quantities at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReceptorState {
    /// Total fractional MOR occupancy (0..1).
    pub occupancy: f64,
    /// MOR activation A (0..1).
    pub activation: f64,
}

/// Everything a user can read from one state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observables {
    /// Receptor occupancy and activation.
    pub receptor: ReceptorState,
    /// Acute desensitization q (fraction of receptors out of play).
    pub desensitization: f64,
    /// Tolerance T (fraction of signalling lost).
    pub tolerance: f64,
    /// Potency shift of the reference agonist (1 = naive).
    pub tolerance_fold: f64,
    /// Dependence X (0..1 of the largest cyclase up-regulation).
    pub dependence: f64,
    /// Unopposed counter-adaptation O.
    pub unopposed: f64,
    /// Sensitization G.
    pub sensitization: f64,
    /// Withdrawal score on the 0-48 COWS scale.
    pub withdrawal_score: f64,
    /// Dopamine, % of baseline.
    pub dopamine_pct: f64,
    /// Expected dopamine level R, % of baseline: a rise teaches wanting only where dopamine
    /// outruns it (and baseline) by more than the burst threshold.
    pub dopamine_expected_pct: f64,
    /// Ventilation at a fixed CO2, % of baseline.
    pub ventilation_pct: f64,
    /// Breathing tolerance T_V (fraction of brainstem signalling lost).
    pub breathing_tolerance: f64,
    /// Potency shift of the reference agonist for breathing (1 = naive).
    pub breathing_tolerance_fold: f64,
    /// Synaptic potentiation P of reward synapses (0..1).
    pub potentiation: f64,
    /// Wanting W = V / (1 + V): the learned value of the drug and its cues (0..1).
    pub wanting: f64,
    /// Craving: cue-triggered wanting at this moment, raised by withdrawal (0..1).
    pub craving: f64,
}

/// The equations' constants rearranged for a fast right-hand side: one row per species with its
/// state indices and rate constants, one entry per receptor ligand. Derived from [`Model::species`]
/// and [`Model::layout`] when the model is loaded; holds no information of its own.
#[derive(Debug, Clone, PartialEq)]
pub struct Kinetics {
    rows: Vec<PkRow>,
    /// Ligands at binding equilibrium.
    ligands: Vec<Site>,
    /// The slowly dissociating ligand and its k_off (1/h).
    slow: Option<(Site, f64)>,
    /// Efficacy tau of the reference agonist.
    tau_ref: f64,
    /// y50^n, precomputed.
    half_drive_pow: f64,
    /// The Hill coefficient as an integer when it is one (powi is much cheaper than powf).
    hill_int: Option<i32>,
    /// Exponent gamma of the dopamine autoreceptor feedback.
    feedback_strength: f64,
    /// k_X+ / X_max and k_X- / X_max (1/h), the rates of dX/dt per unit of cAMP error.
    dependence_gain_per_error: f64,
    dependence_decay_per_error: f64,
}

#[derive(Debug, Clone, PartialEq)]
struct PkRow {
    central: usize,
    /// Molar mass / V: ng/mL of plasma per umol in the central compartment.
    ng_ml_per_umol: f64,
    /// CL / V (1/h).
    k_el: f64,
    /// Metabolite central index and molar fraction.
    metabolite: Option<(usize, f64)>,
    /// Peripheral index, Q / V and Q / Vp (1/h).
    peripheral: Option<(usize, f64, f64)>,
    /// Effect-site index, ke0 (1/h) and 1000 / V (nM per umol).
    effect: Option<(usize, f64, f64)>,
}

#[derive(Debug, Clone, PartialEq)]
struct Site {
    effect: usize,
    /// 1 / K (1/nM).
    inv_kd: f64,
    efficacy: f64,
}

impl Kinetics {
    pub(super) fn new(species: &[Species], layout: &Layout, pd: &Pharmacodynamics) -> Kinetics {
        let mut rows = Vec::with_capacity(species.len());
        let mut ligands = Vec::new();
        let mut slow = None;
        for (s, sp) in species.iter().enumerate() {
            let effect = match (&sp.ligand, layout.effect[s]) {
                (Some(l), Some(e)) => {
                    let site = Site {
                        effect: e,
                        inv_kd: 1.0 / l.kd_nm,
                        efficacy: l.efficacy,
                    };
                    match l.koff_per_h {
                        Some(koff) => slow = Some((site, koff)),
                        None => ligands.push(site),
                    }
                    Some((e, l.ke0_per_h, 1000.0 / sp.volume_l))
                }
                _ => None,
            };
            rows.push(PkRow {
                central: layout.central[s],
                ng_ml_per_umol: sp.molar_mass / sp.volume_l,
                k_el: sp.k_el(),
                metabolite: sp.metabolite.map(|(m, f)| (layout.central[m], f)),
                peripheral: match (sp.peripheral, layout.peripheral[s]) {
                    (Some((vp, q)), Some(p)) => Some((p, q / sp.volume_l, q / vp)),
                    _ => None,
                },
                effect,
            });
        }
        let n = pd.score_hill;
        Kinetics {
            rows,
            ligands,
            slow,
            tau_ref: species[pd.reference_agonist]
                .ligand
                .as_ref()
                .map_or(0.0, |l| l.efficacy),
            half_drive_pow: pd.score_half_drive.powf(n),
            hill_int: (n.fract() == 0.0 && n <= 16.0).then_some(n as i32),
            feedback_strength: pd.dopamine_feedback_strength,
            dependence_gain_per_error: pd.dependence_gain / pd.superactivation,
            dependence_decay_per_error: pd.dependence_decay / pd.superactivation,
        }
    }

    /// ratio^gamma, with the common exponents computed without `powf` (the right-hand side's
    /// most expensive call otherwise).
    fn feedback_gain(&self, ratio: f64) -> f64 {
        let g = self.feedback_strength;
        if g == 0.5 {
            ratio.sqrt()
        } else if g == 1.0 {
            ratio
        } else if g == 0.0 {
            1.0
        } else {
            ratio.powf(g)
        }
    }

    /// Efficacy of the slow ligand (0 without one).
    fn tau_slow(&self) -> f64 {
        self.slow.as_ref().map_or(0.0, |(s, _)| s.efficacy)
    }
}

impl Model {
    /// The state of a drug-naive person: no drug, no adaptation, dopamine at baseline.
    pub fn initial_state(&self) -> DVector<f64> {
        let mut y = DVector::zeros(self.layout.len);
        y[self.layout.dopamine] = 100.0;
        y[self.layout.dopamine_feedback] = 100.0;
        y[self.layout.dopamine_expectation] = 100.0;
        y
    }

    /// Plasma concentration of species `s` in micromolar.
    pub fn plasma_um(&self, y: &DVector<f64>, s: usize) -> f64 {
        y[self.layout.central[s]] / self.species[s].volume_l
    }

    /// Plasma concentration of species `s` in ng/mL (molar mass / volume, precomputed).
    pub fn plasma_ng_ml(&self, y: &DVector<f64>, s: usize) -> f64 {
        let row = &self.kinetics.rows[s];
        y[row.central] * row.ng_ml_per_umol
    }

    /// Occupancy and activation given the receptor's inputs, the slow ligand's bound fraction
    /// `b` and the functional receptor pool `rho`.
    pub fn receptor(&self, binding: &Binding, b: f64, rho: f64) -> ReceptorState {
        let (occupancy, stimulus, _) = occupancy_and_stimulus(binding, b, self.kinetics.tau_slow());
        ReceptorState {
            occupancy,
            activation: activation(stimulus, rho),
        }
    }

    /// The receptor's inputs read from the PK states (see [`Binding`]).
    pub fn binding(&self, y: &[f64]) -> Binding {
        let mut sum_x = 0.0;
        let mut sum_tau_x = 0.0;
        for site in &self.kinetics.ligands {
            // States and samples are non-negative by construction ("Bounds" above), so for them
            // this changes nothing; the stages inside a Runge-Kutta step of a model integrated
            // whole can dip below zero by round-off, and count as zero there.
            let x = y[site.effect].max(0.0) * site.inv_kd;
            sum_x += x;
            sum_tau_x += site.efficacy * x;
        }
        let x_slow = self
            .kinetics
            .slow
            .as_ref()
            .map_or(0.0, |(site, _)| y[site.effect].max(0.0) * site.inv_kd);
        [sum_x, sum_tau_x, x_slow]
    }

    /// cAMP output relative to the drug-free set point, c = (1 + X_max X)(1 - A).
    pub fn camp(&self, x: f64, a: f64) -> f64 {
        (1.0 + self.pd.superactivation * x) * (1.0 - a)
    }

    /// The saturating curve h(u) = u^n / (y50^n + u^n) that maps a drive onto 0..1.
    pub fn intensity(&self, drive: f64) -> f64 {
        // A NaN drive gives 0 as well, as `drive.max(0.0)` did.
        if drive.is_nan() || drive <= 0.0 {
            return 0.0;
        }
        let un = match self.kinetics.hill_int {
            Some(n) => int_pow(drive, n),
            None => drive.powf(self.pd.score_hill),
        };
        un / (self.kinetics.half_drive_pow + un)
    }

    /// Withdrawal score (0-48) for an expressed drive `y`.
    pub fn score(&self, drive: f64) -> f64 {
        COWS_MAX * self.intensity(drive)
    }

    /// Ventilation (% of baseline) for a brainstem stimulus `s_v` = (1 - T_V) S_naive.
    pub fn ventilation(&self, s_v: f64) -> f64 {
        let r = s_v.max(0.0) / self.pd.ventilation_half_stimulus;
        let n = self.pd.ventilation_hill;
        100.0 / (1.0 + if n == 1.0 { r } else { r.powf(n) })
    }

    /// Potency shift of the reference agonist for breathing with breathing tolerance `t_v`:
    /// its C50 for breathing over the naive one.
    pub fn breathing_tolerance_fold(&self, t_v: f64) -> f64 {
        let tau = self.kinetics.tau_ref;
        let s50 = self.pd.ventilation_half_stimulus;
        (tau - s50) / ((1.0 - t_v) * tau - s50)
    }

    /// Dopamine above its baseline, u = max(0, DA - 100) / 100, for dopamine `da` (% of
    /// baseline): what potentiates reward synapses.
    pub fn dopamine_above_baseline(da: f64) -> f64 {
        (da - 100.0).max(0.0) / 100.0
    }

    /// The phasic signal that teaches wanting, u_R = max(0, DA - max(R, 100) - 100 theta) / 100:
    /// dopamine above both its baseline and the level `expected` (R, % of baseline) that it
    /// has had in the last few tens of minutes, by more than the burst threshold theta
    /// (`threshold`, a fraction of baseline). A fast rise outruns R and teaches; a slow rise
    /// stays within theta of R (a first-order R lags a ramp by its slope times R's time
    /// constant), and a steady level is expected: neither teaches.
    pub fn phasic_dopamine_signal(da: f64, expected: f64, threshold: f64) -> f64 {
        (da - expected.max(100.0) - 100.0 * threshold).max(0.0) / 100.0
    }

    /// The state factor kappa = 1 + kappa_W h(y) by which withdrawal (expressed drive `drive`)
    /// multiplies the learned value in craving.
    fn craving_factor(&self, drive: f64) -> f64 {
        1.0 + self.pd.craving_withdrawal_gain * self.intensity(drive)
    }

    /// Wanting W = V / (1 + V) for a learned value `v`.
    pub fn wanting(v: f64) -> f64 {
        v / (1.0 + v)
    }

    /// Probability that an offered dose is taken at craving `craving` (0..1): Luce's choice
    /// rule between the drug's current value kappa V = craving / (1 - craving) and the
    /// alternatives' value V_alt, written in craving, `craving / (craving + V_alt (1 -
    /// craving))`. Rises with craving, from 0 at no craving to 1 at full craving; a craving
    /// outside 0..1 (not a model output) counts as its nearest end.
    pub fn take_probability(&self, craving: f64) -> f64 {
        if craving.is_nan() || craving <= 0.0 {
            return 0.0;
        }
        if craving >= 1.0 {
            return 1.0;
        }
        craving / (craving + self.pd.alternative_value * (1.0 - craving))
    }

    /// Potency shift of the reference agonist for tolerance `t`.
    pub fn tolerance_fold(&self, t: f64) -> f64 {
        let tau = self.kinetics.tau_ref;
        (1.0 + tau) / (1.0 + (1.0 - t) * tau)
    }

    /// Reads every observable from a state.
    pub fn observe(&self, y: &DVector<f64>) -> Observables {
        let l = &self.layout;
        let t = y[l.tolerance];
        let q = y[l.desensitization];
        let t_v = y[l.breathing_tolerance];
        let binding = self.binding(y.as_slice());
        let b = y[l.slow_bound];
        let (occupancy, stimulus, _) =
            occupancy_and_stimulus(&binding, b, self.kinetics.tau_slow());
        let receptor = ReceptorState {
            occupancy,
            activation: activation(stimulus, (1.0 - t) * (1.0 - q)),
        };
        let x = y[l.dependence];
        let g = y[l.sensitization];
        let unopposed = (self.camp(x, receptor.activation) - 1.0).max(0.0);
        let drive = unopposed * (1.0 + g);
        let v = y[l.learned_value];
        let kappa_v = self.craving_factor(drive) * v;
        Observables {
            receptor,
            desensitization: q,
            tolerance: t,
            tolerance_fold: self.tolerance_fold(t),
            dependence: x,
            unopposed,
            sensitization: g,
            withdrawal_score: self.score(drive),
            dopamine_pct: y[l.dopamine],
            dopamine_expected_pct: y[l.dopamine_expectation],
            ventilation_pct: self.ventilation((1.0 - t_v) * (1.0 - q) * stimulus),
            breathing_tolerance: t_v,
            breathing_tolerance_fold: self.breathing_tolerance_fold(t_v),
            potentiation: y[l.potentiation],
            wanting: Model::wanting(v),
            craving: kappa_v / (1.0 + kappa_v),
        }
    }

    /// The right-hand side dy/dt of the whole ODE system (PK and PD). Allocates nothing.
    ///
    /// Simulations do not integrate this: they solve the linear PK part in closed form
    /// ([`PkPropagator`](crate::pk::PkPropagator)) and integrate only the PD part
    /// ([`pd_rhs`](Self::pd_rhs)). The whole system is kept as the reference the closed form is
    /// checked against (`tests/numerics.rs`) and as the definition the PK matrix is read from.
    pub fn rhs(&self, y: &DVector<f64>, dy: &mut DVector<f64>) {
        let pk_len = self.layout.pk_len;
        let (y_pk, y_pd) = y.as_slice().split_at(pk_len);
        let (dy_pk, dy_pd) = dy.as_mut_slice().split_at_mut(pk_len);
        self.pk_rhs(y_pk, dy_pk);
        let (Some(y_pd), Some(dy_pd)) = (y_pd.first_chunk(), dy_pd.first_chunk_mut()) else {
            panic!("the state vector has the layout's length, with the PD block last");
        };
        self.pd_rhs(y_pk, y_pd, dy_pd);
    }

    /// The linear PK part: d(pk)/dt for the first [`Layout::pk_len`] states (amounts and
    /// effect-site concentrations). It depends on the PK states only.
    pub fn pk_rhs(&self, y: &[f64], dy: &mut [f64]) {
        let l = &self.layout;
        let k = &self.kinetics;
        dy.fill(0.0);
        // Absorption depots.
        for d in &l.depots {
            let rate = d.ka_per_h * y[d.state];
            dy[d.state] -= rate;
            dy[l.central[d.target]] += rate;
        }
        // Elimination, metabolism, distribution, brain entry.
        for r in &k.rows {
            let a = y[r.central];
            let elim = r.k_el * a;
            dy[r.central] -= elim;
            if let Some((m, f)) = r.metabolite {
                dy[m] += f * elim;
            }
            if let Some((p, q_v, q_vp)) = r.peripheral {
                let flow = q_v * a - q_vp * y[p];
                dy[r.central] -= flow;
                dy[p] += flow;
            }
            if let Some((e, ke0, nm_per_umol)) = r.effect {
                dy[e] = ke0 * (nm_per_umol * a - y[e]);
            }
        }
    }

    /// The PD part: dz/dt for the [`PD_LEN`] states after the PK block (`z[i]` is state
    /// `pk_len + i`), given the PK states `pk` (only the effect sites are read).
    pub fn pd_rhs(&self, pk: &[f64], z: &[f64; PD_LEN], dz: &mut [f64; PD_LEN]) {
        self.pd_rhs_bound(&self.binding(pk), z, dz);
    }

    /// Whether the PD states lie in the region the exact flow never leaves: desensitization in
    /// `[0, q_max]`, tolerance in `[0, T_max]`, dependence and the slow ligand's bound fraction
    /// in `[0, 1]`, breathing tolerance in `[0, T_V,max]`, sensitization non-negative, dopamine and its
    /// feedback and expected level positive, potentiation in `[0, 1]`, the learned value non-negative. The solver
    /// rejects a step that leaves it ([`OdeRhs::in_domain`](crate::solver::OdeRhs::in_domain));
    /// see "Bounds" in the module docs.
    pub fn pd_in_domain(&self, z: &[f64; PD_LEN]) -> bool {
        let pd = &self.pd;
        let s = PdState::from_array(z);
        (0.0..=pd.desensitization_max).contains(&s.desensitization)
            && (0.0..=pd.tolerance_max).contains(&s.tolerance)
            && (0.0..=1.0).contains(&s.dependence)
            && s.sensitization >= 0.0
            && s.dopamine > 0.0
            && s.dopamine_feedback > 0.0
            && (0.0..=1.0).contains(&s.slow_bound)
            && (0.0..=pd.breathing_tolerance_max).contains(&s.breathing_tolerance)
            && (0.0..=1.0).contains(&s.potentiation)
            && s.learned_value >= 0.0
            && s.dopamine_expectation > 0.0
    }

    /// Whether a whole state (PK and PD) lies in the region the exact flow never leaves: every
    /// PK state (amounts and effect-site concentrations) non-negative, and the PD states as in
    /// [`pd_in_domain`](Self::pd_in_domain).
    pub fn in_domain(&self, y: &[f64]) -> bool {
        let (pk, pd) = y.split_at(self.layout.pk_len.min(y.len()));
        pk.iter().all(|&v| v >= 0.0) && pd.first_chunk().is_some_and(|z| self.pd_in_domain(z))
    }

    /// The weights of the receptor's inputs ([`Binding`]) as linear combinations of the PK
    /// states, one row per input, row-major over the [`Layout::pk_len`] PK states. Simulations
    /// evaluate these sums from the closed-form PK directly
    /// ([`PkSegment::set_probes`](crate::pk::PkSegment::set_probes)).
    pub fn binding_weights(&self) -> Vec<f64> {
        let n = self.layout.pk_len;
        let mut w = vec![0.0; BINDING_LEN * n];
        for site in &self.kinetics.ligands {
            w[site.effect] += site.inv_kd;
            w[n + site.effect] += site.efficacy * site.inv_kd;
        }
        if let Some((site, _)) = &self.kinetics.slow {
            w[2 * n + site.effect] += site.inv_kd;
        }
        w
    }

    /// [`pd_rhs`](Self::pd_rhs) given the receptor's inputs (see [`Binding`]) instead of the PK
    /// states. Round-off below zero counts as zero: the closed form's probes read its
    /// exponential terms, which cancel to a few ulp of the dose within seconds of it.
    pub fn pd_rhs_bound(&self, binding: &Binding, z: &[f64; PD_LEN], dz: &mut [f64; PD_LEN]) {
        let pd = &self.pd;
        let k = &self.kinetics;
        let PdState {
            desensitization: q,
            tolerance: t,
            dependence: x,
            sensitization: g,
            dopamine: da,
            dopamine_feedback: feedback,
            slow_bound: b,
            breathing_tolerance: t_v,
            potentiation: p,
            learned_value: v,
            dopamine_expectation: expected,
        } = PdState::from_array(z);
        let binding = binding.map(|v| v.max(0.0));
        let (_, stimulus, free) = occupancy_and_stimulus(&binding, b, k.tau_slow());
        // A = S / (1 + S) and the tolerance target T_max A / (A_T50 + A) with one division:
        // T_max A / (A_T50 + A) = T_max S / (A_T50 (1 + S) + S).
        let s = (1.0 - t) * (1.0 - q) * stimulus;
        let (d_a, d_t) = (1.0 + s, pd.tolerance_half_max_activation * (1.0 + s) + s);
        let inv = 1.0 / (d_a * d_t);
        let a = s * d_t * inv;
        let t_target = pd.tolerance_max * s * d_a * inv;
        // Brainstem: A_V = S_V / (1 + S_V) and the target T_V,max A_V / (A_T50 + A_V), as above.
        let s_v = (1.0 - t_v) * (1.0 - q) * stimulus;
        let t_v_target = pd.breathing_tolerance_max * s_v
            / (pd.tolerance_half_max_activation * (1.0 + s_v) + s_v);
        let c = self.camp(x, a);
        let unopposed = (c - 1.0).max(0.0);
        let drive = unopposed * (1.0 + g);
        let release = 100.0
            * (1.0 + pd.dopamine_stimulation * a)
            * (1.0 - pd.dopamine_inhibition * self.intensity(drive))
            * k.feedback_gain(100.0 / feedback);
        let above_baseline = Model::dopamine_above_baseline(da);
        let phasic = Model::phasic_dopamine_signal(da, expected, pd.burst_threshold);
        *dz = PdState {
            desensitization: pd.desensitization_rate * a * (pd.desensitization_max - q)
                - pd.resensitization_rate * q,
            tolerance: if t < t_target {
                pd.tolerance_gain * (t_target - t)
            } else {
                pd.tolerance_recovery * (t_target - t)
            },
            dependence: if c < 1.0 {
                k.dependence_gain_per_error * (1.0 - c) * (1.0 - x)
            } else {
                k.dependence_decay_per_error * (1.0 - c)
            },
            sensitization: pd.sensitization_rate * (pd.sensitization_gain * unopposed - g),
            dopamine: pd.dopamine_turnover * (release - da),
            dopamine_feedback: pd.dopamine_feedback_rate * (da - feedback),
            slow_bound: match &k.slow {
                Some((_, koff)) => koff * (binding[2] * free - b),
                None => 0.0,
            },
            breathing_tolerance: if t_v < t_v_target {
                pd.breathing_tolerance_gain * (t_v_target - t_v)
            } else {
                pd.breathing_tolerance_recovery * (t_v_target - t_v)
            },
            potentiation: pd.potentiation_gain * above_baseline * (1.0 - p)
                - pd.potentiation_decay * p,
            learned_value: pd.value_learning_rate
                * phasic
                * (1.0 + pd.potentiation_learning_boost * p)
                - pd.value_forgetting_rate * v,
            dopamine_expectation: pd.dopamine_expectation_rate * (da - expected),
        }
        .to_array();
    }
}

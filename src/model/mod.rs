//! The teaching model: its parameters, loaded from a model file and validated.
//!
//! A model is a list of circulating *species* (heroin, 6-MAM, morphine, ...), the *drugs* a user can
//! take (each dose arrives as one species by one route), and the pharmacodynamic chain
//! MOR -> dopamine, tolerance, dependence and withdrawal. The equations live in [`dynamics`]; this
//! module turns a [`file::ModelFile`] into a checked [`Model`] whose numbers are all in internal
//! units: hours, litres, micromoles (amounts), nanomolar (effect-site concentrations).
//!
//! Loading is *parse, then validate*: serde rejects unknown keys and wrong types (with line and
//! column), then [`Model::from_file_model`] checks every number (unit, and a finite value
//! within the plausible range of its kind, [`param::Bound`]) and every cross-reference
//! (metabolites, routes, the reference agonist), naming the field, the value, the range and
//! what to do in each one-line error.

pub mod doc;
pub mod dynamics;
pub mod file;
pub mod param;
pub mod tree;

use std::collections::HashSet;
use std::f64::consts::LN_2;
use std::path::Path;

use crate::dose::Route;
use crate::toml_file::{self, FileError};
use file::ModelFile;
use param::{Bound, Quantity};

/// The default model, embedded so that the binary runs from any directory.
pub const DEFAULT_MODEL_TOML: &str = include_str!("../../models/heroin.toml");

/// What can go wrong when loading a model.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    /// The file cannot be read or parsed (with line and column).
    #[error(transparent)]
    File(#[from] FileError),
    /// A unit is not one of those accepted for the field.
    #[error("{field}: unit \"{unit}\" is not accepted here; use one of {accepted}")]
    Unit {
        /// Dotted path of the field.
        field: String,
        /// The unit written.
        unit: String,
        /// The accepted units.
        accepted: String,
    },
    /// A value is out of range or not finite.
    #[error("{field}: value {value}{unit} is not allowed; expected {expected}")]
    Value {
        /// Dotted path of the field.
        field: String,
        /// The value written.
        value: f64,
        /// The unit written, with a leading space (empty for pure numbers).
        unit: String,
        /// What is accepted.
        expected: String,
    },
    /// A name refers to something that does not exist, or is defined twice.
    #[error("{field}: {problem}")]
    Reference {
        /// Dotted path of the field.
        field: String,
        /// What is wrong and what exists.
        problem: String,
    },
}

/// Brain effect site and receptor binding of one species.
#[derive(Debug, Clone, PartialEq)]
pub struct Ligand {
    /// Effect-site equilibration rate constant ke0 (1/h).
    pub ke0_per_h: f64,
    /// Dissociation constant, plasma-equivalent (nM).
    pub kd_nm: f64,
    /// Operational efficacy tau with the naive receptor pool (dimensionless).
    pub efficacy: f64,
    /// Receptor dissociation rate constant k_off (1/h) for a slowly dissociating ligand, whose
    /// bound fraction is a state of its own; `None` for a ligand at binding equilibrium.
    pub koff_per_h: Option<f64>,
}

/// One circulating compound, in internal units.
#[derive(Debug, Clone, PartialEq)]
pub struct Species {
    /// Identifier (`heroin`, `mam6`, `morphine`).
    pub name: String,
    /// Label for charts.
    pub label: String,
    /// Molar mass (g/mol).
    pub molar_mass: f64,
    /// Central volume (L).
    pub volume_l: f64,
    /// Clearance (L/h).
    pub clearance_l_per_h: f64,
    /// Peripheral volume (L) and intercompartmental clearance (L/h).
    pub peripheral: Option<(f64, f64)>,
    /// Index of the metabolite species and the molar fraction of clearance that forms it.
    pub metabolite: Option<(usize, f64)>,
    /// Brain entry and MOR binding.
    pub ligand: Option<Ligand>,
}

impl Species {
    /// Elimination rate constant CL/V (1/h).
    pub fn k_el(&self) -> f64 {
        self.clearance_l_per_h / self.volume_l
    }
}

/// How one route delivers one drug.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteInput {
    /// The route.
    pub route: Route,
    /// Species index the dose arrives as.
    pub enters: usize,
    /// Molar bioavailability (0..1).
    pub bioavailability: f64,
    /// Absorption rate constant (1/h); `None` for a bolus into plasma.
    pub ka_per_h: Option<f64>,
    /// Absorption lag (h).
    pub lag_h: f64,
}

/// A drug that can be dosed.
#[derive(Debug, Clone, PartialEq)]
pub struct Drug {
    /// Name typed in a regimen.
    pub name: String,
    /// Molar mass of the dosed compound (g/mol).
    pub molar_mass: f64,
    /// Routes, each at most once.
    pub routes: Vec<RouteInput>,
}

impl Drug {
    /// The route definition, if this drug can be taken that way.
    pub fn route(&self, route: Route) -> Option<&RouteInput> {
        self.routes.iter().find(|r| r.route == route)
    }
}

/// Pharmacodynamic constants in internal units (rates in 1/h).
#[derive(Debug, Clone, PartialEq)]
pub struct Pharmacodynamics {
    /// Index of the species whose EC50 shift is `tolerance_fold`.
    pub reference_agonist: usize,
    /// q_max: largest fraction of receptors acutely desensitized.
    pub desensitization_max: f64,
    /// k_q: acute desensitization rate at full activation (1/h).
    pub desensitization_rate: f64,
    /// r_q: resensitization rate (1/h).
    pub resensitization_rate: f64,
    /// T_max: largest fraction of receptor signalling lost.
    pub tolerance_max: f64,
    /// A_T50: activation at which the tolerance target is T_max / 2.
    pub tolerance_half_max_activation: f64,
    /// k_T+: rate with which tolerance rises towards its target (1/h).
    pub tolerance_gain: f64,
    /// k_T-: rate with which tolerance falls towards its target (1/h).
    pub tolerance_recovery: f64,
    /// k_X+: up-regulation rate per unit cAMP deficit (1/h).
    pub dependence_gain: f64,
    /// k_X-: down-regulation rate per unit cAMP excess (1/h).
    pub dependence_decay: f64,
    /// X_max: largest fractional cyclase superactivation.
    pub superactivation: f64,
    /// s_G: sensitization plateau per unit unopposed drive.
    pub sensitization_gain: f64,
    /// r_G: rate with which sensitization follows its target (1/h).
    pub sensitization_rate: f64,
    /// y50: expressed drive at half-maximal score.
    pub score_half_drive: f64,
    /// n: Hill coefficient of the score.
    pub score_hill: f64,
    /// k_D: dopamine turnover rate (1/h).
    pub dopamine_turnover: f64,
    /// E_D: fractional release stimulation at full activation.
    pub dopamine_stimulation: f64,
    /// I_D: largest fractional release inhibition in withdrawal.
    pub dopamine_inhibition: f64,
    /// k_F: rate with which autoreceptor feedback follows dopamine (1/h).
    pub dopamine_feedback_rate: f64,
    /// gamma: strength of the feedback.
    pub dopamine_feedback_strength: f64,
    /// S_V50: stimulus of the brainstem pool that halves ventilation (derived from the
    /// reference agonist's C50 for breathing).
    pub ventilation_half_stimulus: f64,
    /// n_V: steepness of ventilation against the brainstem stimulus.
    pub ventilation_hill: f64,
    /// T_V,max: largest fraction of brainstem signalling lost to breathing tolerance.
    pub breathing_tolerance_max: f64,
    /// k_V+: rate with which breathing tolerance rises towards its target (1/h).
    pub breathing_tolerance_gain: f64,
    /// k_V-: rate with which breathing tolerance falls towards its target (1/h).
    pub breathing_tolerance_recovery: f64,
    /// Ventilation (% of baseline) below which breathing is life-threatening.
    pub life_threatening_pct: f64,
    /// How long (h) ventilation must stay below that level to read as life-threatening.
    pub life_threatening_after_h: f64,
    /// k_V: learned value per hour of a dopamine signal of 1 (+100% over baseline) (1/h).
    pub value_learning_rate: f64,
    /// k_R: rate with which the expected dopamine level follows dopamine (1/h).
    pub dopamine_expectation_rate: f64,
    /// theta: rise over the expected dopamine level (fraction of baseline) below which a rise
    /// teaches nothing.
    pub burst_threshold: f64,
    /// r_V: forgetting rate of the learned value (1/h).
    pub value_forgetting_rate: f64,
    /// k_P: potentiation rate per unit of dopamine above baseline (1/h).
    pub potentiation_gain: f64,
    /// r_P: potentiation decay rate (1/h).
    pub potentiation_decay: f64,
    /// sigma: fractional rise of the learning rate at full potentiation.
    pub potentiation_learning_boost: f64,
    /// kappa_W: fractional rise of the odds of craving at the largest withdrawal intensity.
    pub craving_withdrawal_gain: f64,
    /// V_alt: learned value of the alternatives to an offered dose (choice law).
    pub alternative_value: f64,
}

/// Number of PD states: they follow the PK states, in the order of [`pd_index`].
pub const PD_LEN: usize = 11;

/// The PD states by name, in their order in the state vector (the block after the PK states).
/// The equations read and write this struct; [`PdState::from_array`] and
/// [`PdState::to_array`] are the only places that know the order, and [`pd_index`] names the
/// same positions for code that indexes the whole state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PdState {
    /// Acute desensitization q (fraction of receptors out of play for minutes).
    pub desensitization: f64,
    /// Tolerance T (fraction of signalling lost).
    pub tolerance: f64,
    /// Dependence X (fraction of the largest cyclase up-regulation).
    pub dependence: f64,
    /// Stress-system sensitization G.
    pub sensitization: f64,
    /// Dopamine (% of baseline).
    pub dopamine: f64,
    /// Dopamine autoreceptor feedback (% of baseline).
    pub dopamine_feedback: f64,
    /// Fraction of receptors bound by the slowly dissociating ligand.
    pub slow_bound: f64,
    /// Breathing tolerance T_V (fraction of brainstem signalling lost).
    pub breathing_tolerance: f64,
    /// Synaptic potentiation P of reward synapses (0..1), left by the drug's dopamine signal.
    pub potentiation: f64,
    /// Learned value V of the drug and its cues (0 naive; wanting is V / (1 + V)).
    pub learned_value: f64,
    /// Expected dopamine level R (% of baseline): dopamine a few tens of minutes ago, against
    /// which a rise is a surprise that teaches.
    pub dopamine_expectation: f64,
}

impl PdState {
    /// The named states from the PD block.
    #[inline]
    pub fn from_array(z: &[f64; PD_LEN]) -> PdState {
        let [desensitization, tolerance, dependence, sensitization, dopamine, dopamine_feedback, slow_bound, breathing_tolerance, potentiation, learned_value, dopamine_expectation] =
            *z;
        PdState {
            desensitization,
            tolerance,
            dependence,
            sensitization,
            dopamine,
            dopamine_feedback,
            slow_bound,
            breathing_tolerance,
            potentiation,
            learned_value,
            dopamine_expectation,
        }
    }

    /// The PD block, in state-vector order.
    #[inline]
    pub fn to_array(self) -> [f64; PD_LEN] {
        [
            self.desensitization,
            self.tolerance,
            self.dependence,
            self.sensitization,
            self.dopamine,
            self.dopamine_feedback,
            self.slow_bound,
            self.breathing_tolerance,
            self.potentiation,
            self.learned_value,
            self.dopamine_expectation,
        ]
    }
}

/// Positions of the PD states within the PD block (add [`Layout::pk_len`] for the state index;
/// the named fields of [`Layout`] hold the same indices).
pub mod pd_index {
    /// Acute desensitization q.
    pub const DESENSITIZATION: usize = 0;
    /// Tolerance T.
    pub const TOLERANCE: usize = 1;
    /// Dependence X.
    pub const DEPENDENCE: usize = 2;
    /// Sensitization G.
    pub const SENSITIZATION: usize = 3;
    /// Dopamine.
    pub const DOPAMINE: usize = 4;
    /// Dopamine autoreceptor feedback.
    pub const DOPAMINE_FEEDBACK: usize = 5;
    /// Fraction of receptors bound by the slowly dissociating ligand (0 in a model without one).
    pub const SLOW_BOUND: usize = 6;
    /// Breathing tolerance T_V.
    pub const BREATHING_TOLERANCE: usize = 7;
    /// Synaptic potentiation P of reward synapses.
    pub const POTENTIATION: usize = 8;
    /// Learned value V of the drug (wanting is V / (1 + V)).
    pub const LEARNED_VALUE: usize = 9;
    /// Expected dopamine level R (the reference of the phasic signal).
    pub const DOPAMINE_EXPECTATION: usize = 10;
}

/// Where each quantity sits in the state vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Central amount (umol) of each species.
    pub central: Vec<usize>,
    /// Peripheral amount (umol) of each species that has a peripheral compartment.
    pub peripheral: Vec<Option<usize>>,
    /// Effect-site concentration (nM, plasma-equivalent) of each ligand species.
    pub effect: Vec<Option<usize>>,
    /// Absorption depot (umol) for each (drug, route) with first-order absorption.
    pub depots: Vec<Depot>,
    /// Number of PK states (depots, amounts, effect sites): they come first, and the PD states
    /// (desensitization to the learned value) follow them in the order listed here.
    pub pk_len: usize,
    /// Acute desensitization q (fraction of receptors out of play for minutes).
    pub desensitization: usize,
    /// Tolerance T (fraction of signalling lost).
    pub tolerance: usize,
    /// Dependence X (fraction of maximal counter-adaptation).
    pub dependence: usize,
    /// Stress-system sensitization G.
    pub sensitization: usize,
    /// Dopamine (% of baseline).
    pub dopamine: usize,
    /// Autoreceptor feedback (% of baseline dopamine it has adapted to).
    pub dopamine_feedback: usize,
    /// Fraction of receptors bound by the slowly dissociating ligand.
    pub slow_bound: usize,
    /// Breathing tolerance T_V (fraction of brainstem signalling lost).
    pub breathing_tolerance: usize,
    /// Synaptic potentiation P of reward synapses (0..1).
    pub potentiation: usize,
    /// Learned value V of the drug and its cues.
    pub learned_value: usize,
    /// Expected dopamine level R (% of baseline).
    pub dopamine_expectation: usize,
    /// Length of the state vector.
    pub len: usize,
}

/// An absorption depot.
#[derive(Debug, Clone, PartialEq)]
pub struct Depot {
    /// Index of the depot amount in the state vector.
    pub state: usize,
    /// Drug index.
    pub drug: usize,
    /// Route.
    pub route: Route,
    /// Species index it feeds.
    pub target: usize,
    /// Absorption rate constant (1/h).
    pub ka_per_h: f64,
}

/// A validated model.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Short name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Circulating compounds.
    pub species: Vec<Species>,
    /// Drugs that can be dosed.
    pub drugs: Vec<Drug>,
    /// Pharmacodynamic constants.
    pub pd: Pharmacodynamics,
    /// State-vector layout.
    pub layout: Layout,
    /// Rate constants arranged for the right-hand side (derived from the fields above).
    pub kinetics: dynamics::Kinetics,
    /// The PK part's closed-form solution (derived from the fields above); `None` when it would
    /// lose accuracy to cancellation (rates nearly but not exactly equal in series), and
    /// simulations then integrate the whole system.
    pub pk: Option<crate::pk::PkPropagator>,
}

impl Model {
    /// The embedded default heroin model.
    pub fn default_heroin() -> Result<Model, ModelError> {
        Model::from_toml_str(DEFAULT_MODEL_TOML, "models/heroin.toml (embedded)")
    }

    /// Loads and validates a model file.
    pub fn from_path(path: &Path) -> Result<Model, ModelError> {
        let text = toml_file::read(path, "model")?;
        Model::from_toml_str(&text, &path.display().to_string())
    }

    /// Parses and validates model text; `origin` names the file in error messages.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Model, ModelError> {
        let file: ModelFile = toml_file::parse(text, origin)?;
        Model::from_file_model(&file)
    }

    /// Validates a parsed model file.
    pub fn from_file_model(file: &ModelFile) -> Result<Model, ModelError> {
        Model::from_file_with(file, &[])
    }

    /// Validates a parsed model file with some parameters set to other values: `values` holds
    /// (dotted name as in [`ModelTree`](tree::ModelTree) and in error messages, value in the
    /// file's unit). Builds the same model as the file with those values written in, without
    /// copying the file; a name that the model does not read is an error.
    pub fn from_file_with(file: &ModelFile, values: &[(&str, f64)]) -> Result<Model, ModelError> {
        // Every parameter is read here, by the name its errors carry.
        let used: Vec<std::cell::Cell<bool>> = vec![std::cell::Cell::new(false); values.len()];
        // A name given twice takes its last value, as when written twice into the file.
        let read = |p: &param::Param, field: &str, quantity: Quantity, bound: Bound| {
            let mut value = p.value;
            for ((name, v), used) in values.iter().zip(&used) {
                if *name == field {
                    used.set(true);
                    value = *v;
                }
            }
            p.to_with_value(value, field, quantity, bound)
        };
        let mut names = HashSet::new();
        for (i, s) in file.species.iter().enumerate() {
            // Species names become column names (`morphine_ng_ml`): the same rule as drugs.
            if !crate::regimen::is_drug_name(&s.name) {
                return Err(ModelError::Reference {
                    field: format!("species[{i}].name"),
                    problem: format!(
                        "\"{}\" cannot be a species name; use lower-case ASCII letters, digits, '-' and '_', starting with a letter, and not a route or a regimen keyword (e.g. morphine)",
                        s.name.escape_debug()
                    ),
                });
            }
            if !names.insert(s.name.as_str()) {
                return Err(ModelError::Reference {
                    field: format!("species[{i}].name"),
                    problem: format!("species \"{}\" is defined twice", s.name),
                });
            }
        }
        if file.species.is_empty() {
            return Err(ModelError::Reference {
                field: "species".into(),
                problem: "a model needs at least one species".into(),
            });
        }
        let species_names: Vec<&str> = file.species.iter().map(|s| s.name.as_str()).collect();
        let find = |field: String, name: &str| -> Result<usize, ModelError> {
            species_names
                .iter()
                .position(|n| *n == name)
                .ok_or_else(|| ModelError::Reference {
                    field,
                    problem: format!(
                        "no species named \"{name}\"; the model defines {}",
                        species_names.join(", ")
                    ),
                })
        };

        let mut species = Vec::with_capacity(file.species.len());
        for s in &file.species {
            let f = |k: &str| format!("species.{}.{k}", s.name);
            let peripheral = match &s.peripheral {
                Some(p) => Some((
                    read(
                        &p.volume,
                        &f("peripheral.volume"),
                        Quantity::Volume,
                        Bound::VOLUME,
                    )?,
                    read(
                        &p.intercompartmental_clearance,
                        &f("peripheral.intercompartmental_clearance"),
                        Quantity::Clearance,
                        Bound::CLEARANCE,
                    )?,
                )),
                None => None,
            };
            let metabolite = match &s.metabolite {
                Some(m) => {
                    let idx = find(f("metabolite.species"), &m.species)?;
                    if species_names[idx] == s.name {
                        return Err(ModelError::Reference {
                            field: f("metabolite.species"),
                            problem: "a species cannot be its own metabolite".into(),
                        });
                    }
                    let frac = read(
                        &m.fraction,
                        &f("metabolite.fraction"),
                        Quantity::Dimensionless,
                        Bound::FRACTION,
                    )?;
                    Some((idx, frac))
                }
                None => None,
            };
            let ligand = match &s.brain {
                Some(b) => Some(Ligand {
                    ke0_per_h: LN_2
                        / read(
                            &b.equilibration_half_life,
                            &f("brain.equilibration_half_life"),
                            Quantity::Time,
                            Bound::FAST_HALF_LIFE,
                        )?,
                    kd_nm: read(
                        &b.dissociation_constant,
                        &f("brain.dissociation_constant"),
                        Quantity::Concentration,
                        Bound::DISSOCIATION_CONSTANT,
                    )?,
                    efficacy: read(
                        &b.efficacy,
                        &f("brain.efficacy"),
                        Quantity::Dimensionless,
                        Bound::EFFICACY,
                    )?,
                    koff_per_h: match &b.dissociation_half_life {
                        Some(p) => Some(
                            LN_2 / read(
                                p,
                                &f("brain.dissociation_half_life"),
                                Quantity::Time,
                                Bound::DISSOCIATION_HALF_LIFE,
                            )?,
                        ),
                        None => None,
                    },
                }),
                None => None,
            };
            species.push(Species {
                name: s.name.clone(),
                label: s.label.clone(),
                molar_mass: read(
                    &s.molar_mass,
                    &f("molar_mass"),
                    Quantity::MolarMass,
                    Bound::MOLAR_MASS,
                )?,
                volume_l: read(&s.volume, &f("volume"), Quantity::Volume, Bound::VOLUME)?,
                clearance_l_per_h: read(
                    &s.clearance,
                    &f("clearance"),
                    Quantity::Clearance,
                    Bound::CLEARANCE,
                )?,
                peripheral,
                metabolite,
                ligand,
            });
        }
        check_metabolite_chain(&species)?;
        let slow: Vec<usize> = species
            .iter()
            .enumerate()
            .filter(|(_, s)| s.ligand.as_ref().is_some_and(|l| l.koff_per_h.is_some()))
            .map(|(i, _)| i)
            .collect();
        if slow.len() > 1 {
            return Err(ModelError::Reference {
                field: format!("species.{}.brain.dissociation_half_life", species[slow[1]].name),
                problem: format!(
                    "only one species may bind slowly (has a dissociation_half_life); {} and {} both do. Remove it from one: a ligand that unbinds within minutes is at equilibrium",
                    species[slow[0]].name, species[slow[1]].name
                ),
            });
        }

        let mut drugs = Vec::with_capacity(file.drug.len());
        let mut drug_names = HashSet::new();
        for (i, d) in file.drug.iter().enumerate() {
            if !crate::regimen::is_drug_name(&d.name) {
                return Err(ModelError::Reference {
                    field: format!("drug[{i}].name"),
                    problem: format!(
                        "\"{}\" cannot be typed in a regimen; use lower-case ASCII letters, digits, '-' and '_', starting with a letter, and not a route or a regimen keyword (e.g. morphine)",
                        d.name.escape_debug()
                    ),
                });
            }
            if !drug_names.insert(d.name.as_str()) {
                return Err(ModelError::Reference {
                    field: format!("drug[{i}].name"),
                    problem: format!("drug \"{}\" is defined twice", d.name),
                });
            }
            let compound = find(format!("drug.{}.compound", d.name), &d.compound)?;
            let mut routes: Vec<RouteInput> = Vec::new();
            for r in &d.route {
                let f = |k: &str| format!("drug.{}.route.{}.{k}", d.name, r.route);
                if routes.iter().any(|x| x.route == r.route) {
                    return Err(ModelError::Reference {
                        field: f("route"),
                        problem: format!("route {} is defined twice for {}", r.route, d.name),
                    });
                }
                let ka_per_h = match &r.absorption_half_life {
                    Some(p) => Some(
                        LN_2 / read(
                            p,
                            &f("absorption_half_life"),
                            Quantity::Time,
                            Bound::FAST_HALF_LIFE,
                        )?,
                    ),
                    None => None,
                };
                let lag_h = match &r.lag {
                    Some(p) => read(p, &f("lag"), Quantity::Time, Bound::LAG)?,
                    None => 0.0,
                };
                routes.push(RouteInput {
                    route: r.route,
                    enters: find(f("enters"), &r.enters)?,
                    bioavailability: read(
                        &r.bioavailability,
                        &f("bioavailability"),
                        Quantity::Dimensionless,
                        Bound::FRACTION,
                    )?,
                    ka_per_h,
                    lag_h,
                });
            }
            if routes.is_empty() {
                return Err(ModelError::Reference {
                    field: format!("drug.{}.route", d.name),
                    problem: "a drug needs at least one route".into(),
                });
            }
            drugs.push(Drug {
                name: d.name.clone(),
                molar_mass: species[compound].molar_mass,
                routes,
            });
        }
        if drugs.is_empty() {
            return Err(ModelError::Reference {
                field: "drug".into(),
                problem: "a model needs at least one drug".into(),
            });
        }

        let reference_agonist = find(
            "receptor.reference_agonist".into(),
            &file.receptor.reference_agonist,
        )?;
        match &species[reference_agonist].ligand {
            Some(l) if l.efficacy > 0.0 => {}
            _ => {
                return Err(ModelError::Reference {
                    field: "receptor.reference_agonist".into(),
                    problem: format!(
                        "\"{}\" must have a [species.brain] table with efficacy > 0 to serve as the reference agonist",
                        species[reference_agonist].name
                    ),
                })
            }
        }

        let t = &file.tolerance;
        let x = &file.dependence;
        let w = &file.withdrawal;
        let da = &file.dopamine;
        // ln 2 / half-life, for the fast (minutes) and the slow (days) processes.
        let rate = |p: &param::Param, field: &str| -> Result<f64, ModelError> {
            Ok(LN_2 / read(p, field, Quantity::Time, Bound::FAST_HALF_LIFE)?)
        };
        let slow_rate = |p: &param::Param, field: &str| -> Result<f64, ModelError> {
            Ok(LN_2 / read(p, field, Quantity::Time, Bound::ADAPTATION_HALF_LIFE)?)
        };
        let tolerance_max = read(
            &t.max_signalling_loss,
            "tolerance.max_signalling_loss",
            Quantity::Dimensionless,
            Bound::FRACTION_BELOW_ONE,
        )?;
        let rc = &file.receptor;
        let desensitization_max = read(
            &rc.max_desensitization,
            "receptor.max_desensitization",
            Quantity::Dimensionless,
            Bound::FRACTION_BELOW_ONE,
        )?;
        let br = &file.breathing;
        let wa = &file.wanting;
        let reference_ligand = species[reference_agonist]
            .ligand
            .as_ref()
            .map_or((1.0, 0.0), |l| (l.kd_nm, l.efficacy));
        let reference_c50 = read(
            &br.reference_c50,
            "breathing.reference_c50",
            Quantity::Concentration,
            Bound::DISSOCIATION_CONSTANT,
        )?;
        // The naive stimulus tau x / (1 + x) of the reference agonist at its C50 for breathing:
        // ventilation halves where the brainstem stimulus reaches it.
        let x50 = reference_c50 / reference_ligand.0;
        let ventilation_half_stimulus = reference_ligand.1 * x50 / (1.0 + x50);
        let breathing_tolerance_max = read(
            &br.max_signalling_loss,
            "breathing.max_signalling_loss",
            Quantity::Dimensionless,
            Bound::FRACTION_BELOW_ONE,
        )?;
        // Ventilation must still halve at the largest breathing tolerance, or its potency shift
        // (`breathing_tolerance_fold`) would be infinite.
        if (1.0 - breathing_tolerance_max) * reference_ligand.1 <= ventilation_half_stimulus {
            return Err(ModelError::Value {
                field: "breathing.max_signalling_loss".into(),
                value: breathing_tolerance_max,
                unit: String::new(),
                expected: format!(
                    "less than {:.3} (1 - S_V50 / tau of the reference agonist): at a larger loss the reference agonist can no longer halve ventilation; lower it or lower breathing.reference_c50",
                    1.0 - ventilation_half_stimulus / reference_ligand.1
                ),
            });
        }
        let pd = Pharmacodynamics {
            reference_agonist,
            desensitization_max,
            desensitization_rate: rate(
                &rc.desensitization_half_life,
                "receptor.desensitization_half_life",
            )?,
            resensitization_rate: rate(
                &rc.resensitization_half_life,
                "receptor.resensitization_half_life",
            )?,
            tolerance_max,
            tolerance_half_max_activation: read(
                &t.half_max_activation,
                "tolerance.half_max_activation",
                Quantity::Dimensionless,
                Bound::HALF_MAX_ACTIVATION,
            )?,
            tolerance_gain: slow_rate(&t.gain_half_life, "tolerance.gain_half_life")?,
            tolerance_recovery: slow_rate(&t.recovery_half_life, "tolerance.recovery_half_life")?,
            dependence_gain: slow_rate(&x.gain_half_life, "dependence.gain_half_life")?,
            dependence_decay: slow_rate(&x.decay_half_life, "dependence.decay_half_life")?,
            superactivation: read(
                &x.max_cyclase_superactivation,
                "dependence.max_cyclase_superactivation",
                Quantity::Dimensionless,
                Bound::SUPERACTIVATION,
            )?,
            sensitization_gain: read(
                &w.sensitization_gain,
                "withdrawal.sensitization_gain",
                Quantity::Dimensionless,
                Bound::SENSITIZATION_GAIN,
            )?,
            sensitization_rate: slow_rate(
                &w.sensitization_half_life,
                "withdrawal.sensitization_half_life",
            )?,
            score_half_drive: read(
                &w.half_max_drive,
                "withdrawal.half_max_drive",
                Quantity::Dimensionless,
                Bound::HALF_MAX_DRIVE,
            )?,
            score_hill: read(
                &w.hill,
                "withdrawal.hill",
                Quantity::Dimensionless,
                Bound::HILL,
            )?,
            dopamine_turnover: rate(&da.turnover_half_life, "dopamine.turnover_half_life")?,
            dopamine_stimulation: read(
                &da.max_stimulation,
                "dopamine.max_stimulation",
                Quantity::Dimensionless,
                Bound::DOPAMINE_STIMULATION,
            )?,
            dopamine_inhibition: read(
                &da.max_withdrawal_inhibition,
                "dopamine.max_withdrawal_inhibition",
                Quantity::Dimensionless,
                Bound::FRACTION,
            )?,
            dopamine_feedback_rate: rate(&da.feedback_half_life, "dopamine.feedback_half_life")?,
            dopamine_feedback_strength: read(
                &da.feedback_strength,
                "dopamine.feedback_strength",
                Quantity::Dimensionless,
                Bound::FEEDBACK_STRENGTH,
            )?,
            ventilation_half_stimulus,
            ventilation_hill: read(
                &br.hill,
                "breathing.hill",
                Quantity::Dimensionless,
                Bound::HILL,
            )?,
            breathing_tolerance_max,
            breathing_tolerance_gain: slow_rate(&br.gain_half_life, "breathing.gain_half_life")?,
            breathing_tolerance_recovery: slow_rate(
                &br.recovery_half_life,
                "breathing.recovery_half_life",
            )?,
            life_threatening_pct: 100.0
                * read(
                    &br.life_threatening_below,
                    "breathing.life_threatening_below",
                    Quantity::Dimensionless,
                    Bound::FRACTION_BELOW_ONE,
                )?,
            life_threatening_after_h: read(
                &br.life_threatening_after,
                "breathing.life_threatening_after",
                Quantity::Time,
                Bound::LAG,
            )?,
            value_learning_rate: 1.0
                / read(
                    &wa.learning_time,
                    "wanting.learning_time",
                    Quantity::Time,
                    Bound::ADAPTATION_HALF_LIFE,
                )?,
            dopamine_expectation_rate: rate(
                &wa.expectation_half_life,
                "wanting.expectation_half_life",
            )?,
            burst_threshold: read(
                &wa.burst_threshold,
                "wanting.burst_threshold",
                Quantity::Dimensionless,
                Bound::FRACTION,
            )?,
            value_forgetting_rate: slow_rate(
                &wa.forgetting_half_life,
                "wanting.forgetting_half_life",
            )?,
            potentiation_gain: slow_rate(
                &wa.potentiation_gain_half_life,
                "wanting.potentiation_gain_half_life",
            )?,
            potentiation_decay: slow_rate(
                &wa.potentiation_decay_half_life,
                "wanting.potentiation_decay_half_life",
            )?,
            potentiation_learning_boost: read(
                &wa.potentiation_learning_boost,
                "wanting.potentiation_learning_boost",
                Quantity::Dimensionless,
                Bound::AMPLIFICATION,
            )?,
            craving_withdrawal_gain: read(
                &wa.craving_withdrawal_gain,
                "wanting.craving_withdrawal_gain",
                Quantity::Dimensionless,
                Bound::AMPLIFICATION,
            )?,
            alternative_value: read(
                &wa.alternative_value,
                "wanting.alternative_value",
                Quantity::Dimensionless,
                Bound::LEARNED_VALUE,
            )?,
        };

        let layout = Layout::new(&species, &drugs);
        let kinetics = dynamics::Kinetics::new(&species, &layout, &pd);
        let mut model = Model {
            kinetics,
            pk: None,
            name: file.model.name.clone(),
            description: file.model.description.clone(),
            species,
            drugs,
            pd,
            layout,
        };
        model.pk = match crate::pk::PkPropagator::new(&model.pk_matrix()) {
            Ok(pk) => Some(pk),
            Err(crate::pk::ClosedFormError::IllConditioned { .. }) => None,
            Err(e) => {
                return Err(ModelError::Reference {
                    field: "species".into(),
                    problem: format!("the pharmacokinetics cannot be solved: {e}"),
                })
            }
        };
        if let Some(i) = used.iter().position(|u| !u.get()) {
            return Err(ModelError::Reference {
                field: values[i].0.to_string(),
                problem: "the model reads no parameter of this name".into(),
            });
        }
        Ok(model)
    }

    /// The PK part as a matrix: `d(pk)/dt = A pk` over the first [`Layout::pk_len`] states,
    /// read column by column from [`pk_rhs`](Self::pk_rhs).
    pub fn pk_matrix(&self) -> nalgebra::DMatrix<f64> {
        let n = self.layout.pk_len;
        let mut a = nalgebra::DMatrix::zeros(n, n);
        let mut unit = vec![0.0; n];
        let mut col = vec![0.0; n];
        for j in 0..n {
            unit[j] = 1.0;
            self.pk_rhs(&unit, &mut col);
            unit[j] = 0.0;
            a.set_column(j, &nalgebra::DVector::from_column_slice(&col));
        }
        a
    }

    /// Index of a species by name.
    pub fn species_index(&self, name: &str) -> Option<usize> {
        self.species.iter().position(|s| s.name == name)
    }

    /// Index of a drug by name.
    pub fn drug_index(&self, name: &str) -> Option<usize> {
        self.drugs.iter().position(|d| d.name == name)
    }

    /// Efficacy of the most efficacious compound a drug delivers to the receptor, itself or a
    /// metabolite (0 for a drug that does not bind). The metabolite chain cannot loop (checked
    /// when the model is loaded).
    fn drug_efficacy(&self, drug: usize) -> f64 {
        // The most efficacious compound a dose becomes, by any route and through its metabolites
        // (heroin acts mostly as 6-MAM and morphine; oral heroin arrives as morphine).
        let mut best: f64 = 0.0;
        for r in &self.drugs[drug].routes {
            let mut next = Some(r.enters);
            while let Some(s) = next {
                if let Some(l) = &self.species[s].ligand {
                    best = best.max(l.efficacy);
                }
                next = self.species[s].metabolite.map(|(m, _)| m);
            }
        }
        best
    }

    /// Whether a drug activates the receptor (efficacy above 0): withdrawal is timed from the
    /// last dose of such a drug.
    pub fn drug_is_agonist(&self, drug: usize) -> bool {
        self.drug_efficacy(drug) > 0.0
    }

    /// Whether a drug can precipitate withdrawal by displacing a full agonist: an antagonist, or
    /// a partial agonist whose efficacy is below half the reference agonist's.
    pub fn drug_precipitates(&self, drug: usize) -> bool {
        let reference = self.species[self.pd.reference_agonist]
            .ligand
            .as_ref()
            .map_or(0.0, |l| l.efficacy);
        let binds = self.drugs[drug]
            .routes
            .iter()
            .any(|r| self.species[r.enters].ligand.is_some());
        binds && self.drug_efficacy(drug) < 0.5 * reference
    }

    /// Names of the drugs, for error messages.
    pub fn drug_names(&self) -> Vec<&str> {
        self.drugs.iter().map(|d| d.name.as_str()).collect()
    }
}

impl Layout {
    fn new(species: &[Species], drugs: &[Drug]) -> Layout {
        let mut next = 0;
        let mut take = || {
            next += 1;
            next - 1
        };
        let central = species.iter().map(|_| take()).collect();
        let peripheral = species
            .iter()
            .map(|s| s.peripheral.map(|_| take()))
            .collect();
        let effect = species
            .iter()
            .map(|s| s.ligand.as_ref().map(|_| take()))
            .collect();
        let mut depots = Vec::new();
        for (d, drug) in drugs.iter().enumerate() {
            for r in &drug.routes {
                if let Some(ka) = r.ka_per_h {
                    depots.push(Depot {
                        state: take(),
                        drug: d,
                        route: r.route,
                        target: r.enters,
                        ka_per_h: ka,
                    });
                }
            }
        }
        let desensitization = take();
        // The PD block starts right after the PK states.
        let pk_len = desensitization;
        let tolerance = take();
        let dependence = take();
        let sensitization = take();
        let dopamine = take();
        let dopamine_feedback = take();
        let slow_bound = take();
        let breathing_tolerance = take();
        let potentiation = take();
        let learned_value = take();
        let dopamine_expectation = take();
        let len = take();
        debug_assert_eq!(
            [
                desensitization,
                tolerance,
                dependence,
                sensitization,
                dopamine,
                dopamine_feedback,
                slow_bound,
                breathing_tolerance,
                potentiation,
                learned_value,
                dopamine_expectation
            ]
            .map(|i| i - pk_len),
            [
                pd_index::DESENSITIZATION,
                pd_index::TOLERANCE,
                pd_index::DEPENDENCE,
                pd_index::SENSITIZATION,
                pd_index::DOPAMINE,
                pd_index::DOPAMINE_FEEDBACK,
                pd_index::SLOW_BOUND,
                pd_index::BREATHING_TOLERANCE,
                pd_index::POTENTIATION,
                pd_index::LEARNED_VALUE,
                pd_index::DOPAMINE_EXPECTATION
            ]
        );
        debug_assert_eq!(len - pk_len, PD_LEN);
        Layout {
            central,
            peripheral,
            effect,
            depots,
            pk_len,
            desensitization,
            tolerance,
            dependence,
            sensitization,
            dopamine,
            dopamine_feedback,
            slow_bound,
            breathing_tolerance,
            potentiation,
            learned_value,
            dopamine_expectation,
            len,
        }
    }

    /// Index of the depot for a drug and route, if that route is absorbed.
    pub fn depot_for(&self, drug: usize, route: Route) -> Option<usize> {
        self.depots
            .iter()
            .position(|d| d.drug == drug && d.route == route)
    }
}

/// Metabolism must not loop (heroin -> 6-MAM -> heroin would create mass).
fn check_metabolite_chain(species: &[Species]) -> Result<(), ModelError> {
    for (start, s) in species.iter().enumerate() {
        let mut seen = vec![start];
        let mut next = s.metabolite.map(|m| m.0);
        while let Some(i) = next {
            if seen.contains(&i) {
                return Err(ModelError::Reference {
                    field: format!("species.{}.metabolite", s.name),
                    problem: "the metabolite chain loops back on itself".into(),
                });
            }
            seen.push(i);
            next = species[i].metabolite.map(|m| m.0);
        }
    }
    Ok(())
}

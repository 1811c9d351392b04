//! The model file as written on disk (TOML), before validation.
//!
//! These structs mirror the file one to one and reject unknown keys, so that a misspelt key is an
//! error rather than a silently ignored line. [`super::Model::from_file_model`] turns them into a
//! checked [`super::Model`].

use serde::{Deserialize, Serialize};

use super::param::Param;
use crate::dose::Route;

/// A whole model file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelFile {
    /// Name and description.
    pub model: ModelInfo,
    /// The compounds that circulate in plasma, in the order their states are laid out.
    pub species: Vec<SpeciesFile>,
    /// What a user can take: each drug names the compound dosed and its routes.
    pub drug: Vec<DrugFile>,
    /// Receptor-level settings shared by all ligands.
    pub receptor: ReceptorFile,
    /// Tolerance (loss of functional receptor signalling).
    pub tolerance: ToleranceFile,
    /// Physical dependence (the slow counter-adaptation).
    pub dependence: DependenceFile,
    /// How unopposed counter-adaptation is expressed as withdrawal.
    pub withdrawal: WithdrawalFile,
    /// Nucleus accumbens dopamine.
    pub dopamine: DopamineFile,
    /// Breathing: brainstem MOR signalling, its own tolerance, and the overdose read-out.
    pub breathing: BreathingFile,
    /// Wanting: the learned value of the drug, taught by its dopamine signal, and craving.
    pub wanting: WantingFile,
}

/// Name and description of a model.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelInfo {
    /// Short name.
    pub name: String,
    /// What the model is for and what it leaves out.
    pub description: String,
}

/// One circulating compound.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpeciesFile {
    /// Identifier used in output columns (`<name>_ng_ml`) and cross-references.
    pub name: String,
    /// Human-readable name for charts.
    pub label: String,
    /// Molar mass (g/mol), to convert between ng/mL and molar units.
    pub molar_mass: Param,
    /// Central volume of distribution.
    pub volume: Param,
    /// Total clearance from the central compartment.
    pub clearance: Param,
    /// Optional peripheral compartment.
    pub peripheral: Option<PeripheralFile>,
    /// Optional metabolite that a fraction of the clearance forms.
    pub metabolite: Option<MetaboliteFile>,
    /// Optional brain effect site and MOR binding; absent for compounds that do not bind.
    pub brain: Option<BrainFile>,
}

/// A peripheral (tissue) compartment.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeripheralFile {
    /// Peripheral volume.
    pub volume: Param,
    /// Intercompartmental clearance.
    pub intercompartmental_clearance: Param,
}

/// Formation of a metabolite.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetaboliteFile {
    /// Name of the species formed.
    pub species: String,
    /// Molar fraction of the clearance that forms it.
    pub fraction: Param,
}

/// Brain entry and mu-opioid receptor binding of a ligand.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrainFile {
    /// Plasma to effect-site equilibration half-life (ln 2 / ke0).
    pub equilibration_half_life: Param,
    /// Equilibrium dissociation constant at the effect site, in plasma-equivalent concentration.
    pub dissociation_constant: Param,
    /// Operational-model efficacy (tau) with the full, naive receptor pool; 0 for an antagonist.
    pub efficacy: Param,
    /// Receptor dissociation half-life (ln 2 / k_off), for a ligand whose binding is not at
    /// equilibrium on the time scale of the model (buprenorphine); absent for a ligand that
    /// binds and unbinds within seconds to minutes, which is treated as at equilibrium. At most
    /// one species may have it.
    pub dissociation_half_life: Option<Param>,
}

/// A drug that can be dosed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrugFile {
    /// Name typed in a regimen (`10mg heroin iv`).
    pub name: String,
    /// Species whose molar mass converts the dose in mg to micromoles.
    pub compound: String,
    /// The routes this drug can be taken by.
    pub route: Vec<RouteFile>,
}

/// How one route delivers a drug.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteFile {
    /// The route.
    pub route: Route,
    /// Species the absorbed dose arrives as (oral heroin arrives as morphine).
    pub enters: String,
    /// Molar fraction of the dose that reaches the circulation as `enters`.
    pub bioavailability: Param,
    /// First-order absorption half-life; absent for a bolus straight into plasma.
    pub absorption_half_life: Option<Param>,
    /// Delay before absorption starts; absent for none.
    pub lag: Option<Param>,
}

/// Receptor-level settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceptorFile {
    /// Species whose EC50 shift defines `tolerance_fold`.
    pub reference_agonist: String,
    /// Largest fraction of receptors that acute (minutes) desensitization can take out of play.
    pub max_desensitization: Param,
    /// ln 2 / onset rate constant of acute desensitization at full activation.
    pub desensitization_half_life: Param,
    /// Half-life of recovery from acute desensitization.
    pub resensitization_half_life: Param,
}

/// Tolerance parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToleranceFile {
    /// Largest fraction of functional receptor signalling that can be lost.
    pub max_signalling_loss: Param,
    /// MOR activation at which the tolerance target is half of `max_signalling_loss`.
    pub half_max_activation: Param,
    /// Half-life with which tolerance rises towards its target while below it.
    pub gain_half_life: Param,
    /// Half-life with which tolerance falls towards its target while above it (in abstinence).
    pub recovery_half_life: Param,
}

/// Dependence (counter-adaptation) parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DependenceFile {
    /// ln 2 / rate constant of up-regulation per unit cAMP deficit (1 - c).
    pub gain_half_life: Param,
    /// Half-life of the counter-adaptation in abstinence (ln 2 / rate constant per unit cAMP
    /// excess).
    pub decay_half_life: Param,
    /// Largest fractional rise of adenylyl-cyclase output (X_max).
    pub max_cyclase_superactivation: Param,
}

/// Withdrawal expression parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WithdrawalFile {
    /// Plateau of stress-system sensitization per unit of unopposed drive.
    pub sensitization_gain: Param,
    /// Half-life with which sensitization follows the unopposed drive.
    pub sensitization_half_life: Param,
    /// Expressed drive that gives half the maximal score (24 of 48).
    pub half_max_drive: Param,
    /// Hill coefficient of the score curve.
    pub hill: Param,
}

/// Dopamine parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DopamineFile {
    /// Turnover half-life of extracellular dopamine (ln 2 / kout).
    pub turnover_half_life: Param,
    /// Fractional rise of the release rate at full MOR activation.
    pub max_stimulation: Param,
    /// Largest fractional fall of release in withdrawal (reached as the withdrawal score
    /// approaches 48).
    pub max_withdrawal_inhibition: Param,
    /// Half-life with which autoreceptor feedback follows extracellular dopamine.
    pub feedback_half_life: Param,
    /// Exponent of the feedback: release is scaled by (baseline / feedback)^strength.
    pub feedback_strength: Param,
}

/// Breathing parameters: ventilation from brainstem MOR signalling, its tolerance, and when
/// depressed breathing counts as life-threatening.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreathingFile {
    /// Effect-site concentration of the reference agonist that halves ventilation in a naive
    /// person (plasma-equivalent, as the ligands' dissociation constants).
    pub reference_c50: Param,
    /// Steepness of ventilation against the brainstem stimulus.
    pub hill: Param,
    /// Largest fraction of brainstem signalling that breathing tolerance can remove.
    pub max_signalling_loss: Param,
    /// Half-life with which breathing tolerance rises towards its target while below it.
    pub gain_half_life: Param,
    /// Half-life with which breathing tolerance falls towards its target while above it.
    pub recovery_half_life: Param,
    /// Ventilation (fraction of baseline) below which breathing is life-threatening.
    pub life_threatening_below: Param,
    /// How long ventilation must stay below that level for the run to read as life-threatening.
    pub life_threatening_after: Param,
}

/// Wanting parameters: how the drug's dopamine signal teaches a learned value (incentive
/// salience), how one dose's synaptic potentiation amplifies that learning, how withdrawal
/// raises craving, and the value of the alternatives in a choice to take an offered dose.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WantingFile {
    /// Hours of a phasic dopamine signal of +100% (over baseline and over the expected level)
    /// that teach a learned value of 1 (half of the largest wanting), without potentiation.
    pub learning_time: Param,
    /// Half-life with which the expected dopamine level follows dopamine: only a rise faster
    /// than this teaches (the phasic signal).
    pub expectation_half_life: Param,
    /// How far (fraction of baseline) dopamine must rise above its expected level to teach.
    pub burst_threshold: Param,
    /// Half-life of the learned value in abstinence (forgetting).
    pub forgetting_half_life: Param,
    /// ln 2 / rate constant of synaptic potentiation per unit of dopamine above baseline.
    pub potentiation_gain_half_life: Param,
    /// Half-life of synaptic potentiation once the signal stops.
    pub potentiation_decay_half_life: Param,
    /// Fractional rise of the learning rate at full potentiation (sensitization of learning).
    pub potentiation_learning_boost: Param,
    /// Fractional rise of the odds of craving at the largest withdrawal intensity.
    pub craving_withdrawal_gain: Param,
    /// Learned value of the alternatives to taking an offered dose (the choice law's one free
    /// parameter).
    pub alternative_value: Param,
}

//! Local sensitivity analysis: how much each model parameter moves the headline numbers.
//!
//! Every parameter of a model file (every table with `value`, `unit`, `source`, `confidence` and
//! `note`) is scaled by `1 - step` and `1 + step` in turn; the model is re-validated and the
//! regimen summarized. The *elasticity* of an output y to a parameter p is the relative change of
//! y per relative change of p, (dy / y) / (dp / p), from a central difference (one-sided where
//! one side is not a valid model, e.g. a fraction pushed above 1). An elasticity of 1 means a 10%
//! larger parameter gives a 10% larger output.

use serde::Serialize;

use crate::model::param::Param;
use crate::model::tree::ModelTree;
use crate::model::{Model, ModelError};
use crate::regimen::Regimen;
use crate::simulation::{summarize, SimError, Summary};

/// What can go wrong in a sensitivity run.
#[derive(Debug, thiserror::Error)]
pub enum SensitivityError {
    /// The model text does not load.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// A simulation failed.
    #[error(transparent)]
    Simulation(#[from] SimError),
    /// The step is not a fraction in (0, 0.5].
    #[error("step {0} is not allowed; expected a relative step above 0 and at most 0.5 (e.g. 0.1 for 10%)")]
    Step(f64),
}

/// The outputs whose sensitivity is reported, in column order.
pub const OUTPUTS: [&str; 6] = [
    "peak_withdrawal_score",
    "withdrawal_onset_h",
    "withdrawal_peak_h",
    "withdrawal_resolved_h",
    "tolerance_fold_at_last_dose",
    "peak_dopamine_pct_baseline",
];

fn outputs(s: &Summary) -> [Option<f64>; 6] {
    [
        Some(s.peak_withdrawal_score),
        s.withdrawal_onset_h,
        s.withdrawal_peak_h,
        s.withdrawal_resolved_h,
        Some(s.tolerance_fold_at_last_dose),
        Some(s.peak_dopamine_pct_baseline),
    ]
}

/// The sensitivity of the outputs to one parameter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// Dotted path of the parameter, e.g. `species.morphine.clearance`.
    pub parameter: String,
    /// Its value in the file's unit.
    pub value: f64,
    /// The unit.
    pub unit: String,
    /// Elasticity of each output in [`OUTPUTS`] order; `None` where the output is undefined
    /// (e.g. no withdrawal onset) or no perturbed model was valid.
    pub elasticity: Vec<Option<f64>>,
}

/// The whole analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The regimen, normalised.
    pub regimen: String,
    /// Relative step used.
    pub step: f64,
    /// Output names, in the order of each row's elasticities.
    pub outputs: Vec<String>,
    /// The outputs with the parameters as written.
    pub baseline: Vec<Option<f64>>,
    /// One row per parameter: table keys in sorted order, array entries (species, drugs,
    /// routes) in file order.
    pub rows: Vec<Row>,
}

/// Every documented parameter of a model text, by its dotted name (`species.morphine.clearance`),
/// in file order: what `opioid-sim list parameters` prints.
pub fn documented_parameters(
    model_text: &str,
    origin: &str,
) -> Result<Vec<(String, Param)>, ModelError> {
    Ok(ModelTree::parse(model_text, origin)?
        .params()
        .iter()
        .map(|p| (p.name.clone(), p.param.clone()))
        .collect())
}

/// Runs the analysis for a model text and a regimen, observing `observe_h` after the last dose.
pub fn analyse(
    model_text: &str,
    origin: &str,
    regimen: &Regimen,
    observe_h: f64,
    step: f64,
) -> Result<Report, SensitivityError> {
    if !(step > 0.0 && step <= 0.5) {
        return Err(SensitivityError::Step(step));
    }
    let tree = ModelTree::parse(model_text, origin)?;
    let base_model = Model::from_toml_str(model_text, origin)?;
    let base = outputs(&summarize(&base_model, regimen, observe_h)?);
    let mut rows = Vec::with_capacity(tree.params().len());
    for (index, p) in tree.params().iter().enumerate() {
        let value = p.param.value;
        let side = |factor: f64| -> Result<Option<[Option<f64>; 6]>, SimError> {
            match tree.model_with(&[(index, value * factor)]) {
                Ok(m) => Ok(Some(outputs(&summarize(&m, regimen, observe_h)?))),
                Err(_) => Ok(None),
            }
        };
        let lo = side(1.0 - step)?;
        let hi = side(1.0 + step)?;
        let elasticity = (0..OUTPUTS.len())
            .map(|k| {
                let y0 = base[k]?;
                let pick = |o: &Option<[Option<f64>; 6]>| o.as_ref().and_then(|o| o[k]);
                let (y_lo, y_hi) = (pick(&lo), pick(&hi));
                let (dy, dp) = match (y_lo, y_hi) {
                    (Some(l), Some(h)) => (h - l, 2.0 * step),
                    (None, Some(h)) => (h - y0, step),
                    (Some(l), None) => (y0 - l, step),
                    (None, None) => return None,
                };
                (y0 != 0.0).then(|| dy / y0 / dp)
            })
            .collect();
        rows.push(Row {
            parameter: p.name.clone(),
            value,
            unit: p.param.unit.clone(),
            elasticity,
        });
    }
    Ok(Report {
        regimen: regimen.describe(),
        step,
        outputs: OUTPUTS.iter().map(|s| s.to_string()).collect(),
        baseline: base.to_vec(),
        rows,
    })
}

//! Local sensitivity analysis: how much each model parameter moves the headline numbers.
//!
//! Every parameter of a model file (every table with `value`, `unit`, `source`, `confidence` and
//! `note`) is scaled by `1 - step` and `1 + step` in turn; the model is re-validated and the
//! regimen summarized. The *elasticity* of an output y to a parameter p is the relative change of
//! y per relative change of p, (dy / y) / (dp / p), from a central difference (one-sided where
//! one side is not a valid model, e.g. a fraction pushed above 1). An elasticity of 1 means a 10%
//! larger parameter gives a 10% larger output.

use serde::Serialize;

use crate::model::file::ModelFile;
use crate::model::param::Param;
use crate::model::{Model, ModelError};
use crate::regimen::Regimen;
use crate::simulation::{summarize, SimError, Summary};
use crate::toml_file;

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

/// A location inside the TOML tree.
#[derive(Debug, Clone)]
enum Seg {
    Key(String),
    Index(usize),
}

/// Every documented parameter: its path in the tree and its dotted, human-readable name.
fn find_params(
    v: &toml::Value,
    path: &mut Vec<Seg>,
    name: &str,
    out: &mut Vec<(Vec<Seg>, String)>,
) {
    match v {
        toml::Value::Table(t) => {
            let is_param = ["value", "unit", "source", "confidence", "note"]
                .iter()
                .all(|k| t.contains_key(*k));
            if is_param {
                out.push((path.clone(), name.to_string()));
                return;
            }
            for (k, child) in t {
                path.push(Seg::Key(k.clone()));
                let child_name = if name.is_empty() {
                    k.clone()
                } else {
                    format!("{name}.{k}")
                };
                find_params(child, path, &child_name, out);
                path.pop();
            }
        }
        toml::Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                // Name array entries by their `name` (species.heroin) or `route` (route.iv).
                let label = child
                    .get("name")
                    .or_else(|| child.get("route"))
                    .and_then(|n| n.as_str())
                    .map_or_else(|| i.to_string(), str::to_string);
                path.push(Seg::Index(i));
                find_params(child, path, &format!("{name}.{label}"), out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// Every documented parameter of a model text, by its dotted name (`species.morphine.clearance`),
/// in file order: what `opioid-sim list parameters` prints.
pub fn documented_parameters(
    model_text: &str,
    origin: &str,
) -> Result<Vec<(String, Param)>, ModelError> {
    // Validate first: a list of a model that does not load would mislead.
    Model::from_toml_str(model_text, origin)?;
    let tree: toml::Value = toml_file::parse(model_text, origin)?;
    let mut found = Vec::new();
    find_params(&tree, &mut Vec::new(), "", &mut found);
    Ok(found
        .into_iter()
        .filter_map(|(path, name)| {
            let table = param_table_ref(&tree, &path)?.clone();
            table.try_into::<Param>().ok().map(|p| (name, p))
        })
        .collect())
}

fn param_table_ref<'a>(root: &'a toml::Value, path: &[Seg]) -> Option<&'a toml::Value> {
    let mut v = root;
    for seg in path {
        v = match seg {
            Seg::Key(k) => v.get(k.as_str())?,
            Seg::Index(i) => v.get(*i)?,
        };
    }
    Some(v)
}

fn param_table<'a>(root: &'a mut toml::Value, path: &[Seg]) -> Option<&'a mut toml::Value> {
    let mut v = root;
    for seg in path {
        v = match seg {
            Seg::Key(k) => v.get_mut(k.as_str())?,
            Seg::Index(i) => v.get_mut(*i)?,
        };
    }
    Some(v)
}

fn model_from_tree(tree: toml::Value) -> Result<Model, String> {
    let file: ModelFile = tree
        .try_into()
        .map_err(|e: toml::de::Error| e.to_string())?;
    Model::from_file_model(&file).map_err(|e| e.to_string())
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
    let base_model = Model::from_toml_str(model_text, origin)?;
    let base = outputs(&summarize(&base_model, regimen, observe_h)?);
    let tree: toml::Value = toml_file::parse(model_text, origin).map_err(ModelError::from)?;
    let mut params = Vec::new();
    find_params(&tree, &mut Vec::new(), "", &mut params);

    let mut rows = Vec::with_capacity(params.len());
    for (path, name) in params {
        let Some(table) = param_table_ref(&tree, &path) else {
            continue;
        };
        let value = table
            .get("value")
            .and_then(toml::Value::as_float)
            .or_else(|| {
                table
                    .get("value")
                    .and_then(toml::Value::as_integer)
                    .map(|i| i as f64)
            });
        let unit = table
            .get("unit")
            .and_then(|u| u.as_str())
            .unwrap_or_default()
            .to_string();
        let Some(value) = value else { continue };
        let side = |factor: f64| -> Result<Option<[Option<f64>; 6]>, SimError> {
            let mut t = tree.clone();
            if let Some(tab) = param_table(&mut t, &path).and_then(|p| p.as_table_mut()) {
                tab.insert("value".into(), toml::Value::Float(value * factor));
            }
            match model_from_tree(t) {
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
            parameter: name,
            value,
            unit,
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

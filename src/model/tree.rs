//! A model file as a TOML tree: every documented parameter found by its place in the file, and
//! models rebuilt with some values changed.
//!
//! A documented parameter is any table with `value`, `unit`, `source`, `confidence` and `note`
//! ([`Param`]), wherever it sits, so the tools that change parameters (the sensitivity analysis,
//! the virtual people of a cohort) need no list of fields: a parameter added to the model file
//! is found. Names are dotted paths with array entries named by their `name` or `route`
//! (`species.morphine.clearance`, `drug.naloxone.route.iv.bioavailability`).

use super::file::ModelFile;
use super::param::Param;
use super::{Model, ModelError};
use crate::toml_file;

/// A location inside the TOML tree.
#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Key(String),
    Index(usize),
}

/// One documented parameter of a model file.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeParam {
    path: Vec<Seg>,
    /// Dotted, human-readable name, e.g. `species.morphine.clearance`.
    pub name: String,
    /// The parameter as written.
    pub param: Param,
}

/// A model file's tree and its documented parameters, in file order (table keys sorted, array
/// entries in file order), and the file read once as a [`ModelFile`].
#[derive(Debug, Clone)]
pub struct ModelTree {
    file: ModelFile,
    params: Vec<TreeParam>,
}

impl ModelTree {
    /// Reads a model text. The text must also load as a [`Model`]: a tree of a model that does
    /// not load would mislead every tool built on it.
    pub fn parse(model_text: &str, origin: &str) -> Result<ModelTree, ModelError> {
        let file: ModelFile = toml_file::parse(model_text, origin)?;
        Model::from_file_model(&file)?;
        let tree: toml::Value = toml_file::parse(model_text, origin)?;
        let mut found = Vec::new();
        find_params(&tree, &mut Vec::new(), "", &mut found);
        let params = found
            .into_iter()
            .filter_map(|(path, name)| {
                let table = table_at(&tree, &path)?.clone();
                let param = table.try_into::<Param>().ok()?;
                Some(TreeParam { path, name, param })
            })
            .collect();
        Ok(ModelTree { file, params })
    }

    /// Every documented parameter, in file order.
    pub fn params(&self) -> &[TreeParam] {
        &self.params
    }

    /// The model with the parameters at the given indices (into [`ModelTree::params`]) set to
    /// new values, in the file's units; validated like a file. The values reach the loader by
    /// their dotted names ([`Model::from_file_with`]), which are the names its errors carry, so
    /// no copy of the file is made.
    pub fn model_with(&self, changes: &[(usize, f64)]) -> Result<Model, ModelError> {
        let values: Vec<(&str, f64)> = changes
            .iter()
            .filter_map(|&(index, value)| Some((self.params.get(index)?.name.as_str(), value)))
            .collect();
        Model::from_file_with(&self.file, &values)
    }
}

/// Every documented parameter under `v`: its path in the tree and its dotted name.
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

fn table_at<'a>(root: &'a toml::Value, path: &[Seg]) -> Option<&'a toml::Value> {
    let mut v = root;
    for seg in path {
        v = match seg {
            Seg::Key(k) => v.get(k.as_str())?,
            Seg::Index(i) => v.get(*i)?,
        };
    }
    Some(v)
}

#[cfg(test)]
fn table_at_mut<'a>(root: &'a mut toml::Value, path: &[Seg]) -> Option<&'a mut toml::Value> {
    let mut v = root;
    for seg in path {
        v = match seg {
            Seg::Key(k) => v.get_mut(k.as_str())?,
            Seg::Index(i) => v.get_mut(*i)?,
        };
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DEFAULT_MODEL_TOML;

    /// The plain way to change parameters: write the values into the TOML tree and read the
    /// whole file again.
    fn model_through_the_tree(
        text: &str,
        changes: &[(&TreeParam, f64)],
    ) -> Result<Model, ModelError> {
        let mut tree: toml::Value = toml_file::parse(text, "test")?;
        for &(param, value) in changes {
            if let Some(table) = table_at_mut(&mut tree, &param.path).and_then(|t| t.as_table_mut())
            {
                table.insert("value".into(), toml::Value::Float(value));
            }
        }
        let file: ModelFile =
            tree.try_into()
                .map_err(|e: toml::de::Error| ModelError::Reference {
                    field: "model".into(),
                    problem: e.to_string(),
                })?;
        Model::from_file_model(&file)
    }

    #[test]
    fn changed_values_build_the_model_the_rewritten_file_builds() {
        let tree = ModelTree::parse(DEFAULT_MODEL_TOML, "models/heroin.toml").expect("loads");
        assert!(
            tree.params().len() > 50,
            "{} parameters",
            tree.params().len()
        );
        // Every parameter alone, up and down (some leave their range: the same error then),
        // and all of them at once.
        for factor in [1.013, 0.71] {
            for (i, p) in tree.params().iter().enumerate() {
                let value = p.param.value * factor;
                let fast = tree.model_with(&[(i, value)]);
                let plain = model_through_the_tree(DEFAULT_MODEL_TOML, &[(p, value)]);
                assert_eq!(fast, plain, "{} x {factor}", p.name);
            }
        }
        let all: Vec<(usize, f64)> = (0..tree.params().len())
            .map(|i| (i, tree.params()[i].param.value * 1.001))
            .collect();
        let plain_changes: Vec<(&TreeParam, f64)> = tree
            .params()
            .iter()
            .zip(&all)
            .map(|(p, &(_, v))| (p, v))
            .collect();
        assert_eq!(
            tree.model_with(&all),
            model_through_the_tree(DEFAULT_MODEL_TOML, &plain_changes)
        );
    }

    #[test]
    fn a_parameter_changed_twice_takes_the_last_value() {
        let tree = ModelTree::parse(DEFAULT_MODEL_TOML, "models/heroin.toml").expect("loads");
        let i = tree
            .params()
            .iter()
            .position(|p| p.name == "species.morphine.clearance")
            .expect("morphine clearance");
        assert_eq!(
            tree.model_with(&[(i, 60.0), (i, 95.0)]),
            tree.model_with(&[(i, 95.0)])
        );
    }

    #[test]
    fn a_name_the_model_does_not_read_is_an_error() {
        let file: ModelFile = toml_file::parse(DEFAULT_MODEL_TOML, "test").expect("parses");
        let err = Model::from_file_with(&file, &[("species.morphine.clearence", 80.0)])
            .expect_err("misspelt");
        assert!(
            err.to_string().contains("species.morphine.clearence"),
            "{err}"
        );
    }
}

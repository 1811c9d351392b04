//! Virtual people: each subject of a cohort is one reproducible draw of the model's variable
//! parameters and of the regimen's irregular use.
//!
//! Randomness comes from ChaCha8 streams (`rand_chacha`, a generator whose output is fixed by
//! its specification, so a seed means the same people on every machine and every version of
//! this program that keeps the generator). Each subject has its own streams, keyed by
//! (seed, subject number, purpose), so a subject is the same person whatever the number of
//! threads, whichever shard runs it, and whether or not the regimen is irregular:
//!
//! | Purpose | Draws |
//! |---------|-------|
//! | [`Stream::Person`] | one standard normal deviate per variable parameter (or per `shared` group), in model-file order |
//! | [`Stream::Use`] | the regimen's irregular use ([`Regimen::realize`]) |
//! | [`Stream::Choices`] | choices the person makes during the run (reserved for use that follows wanting) |
//!
//! A person's value of a parameter is `value x exp(omega z)`, `omega^2 = ln(1 + cv^2)`
//! ([`Variability`]): log-normal around the typical (median) value written in the model file,
//! as NONMEM's `THETA * EXP(ETA)`.

use rand::{RngExt as _, SeedableRng as _};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution as _, StandardNormal};

use crate::model::param::Variability;
use crate::model::tree::ModelTree;
use crate::model::{Model, ModelError};
use crate::regimen::Regimen;

/// What a random stream of a subject is for; each purpose has its own stream so that one does
/// not shift another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// The person's parameters.
    Person = 0,
    /// The timing, amounts and missed doses of irregular use.
    Use = 1,
    /// Choices during the run.
    Choices = 2,
}

/// The random stream of one subject (numbered from 1) for one purpose.
pub fn stream(seed: u64, subject: u64, purpose: Stream) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(subject.wrapping_mul(4).wrapping_add(purpose as u64));
    rng
}

/// A regimen as one subject takes it: its irregular use drawn from the subject's
/// [`Stream::Use`]; a regular regimen unchanged. `opioid-sim summary --seed S` uses subject 1.
pub fn realize_use(regimen: &Regimen, seed: u64, subject: u64) -> Regimen {
    let mut rng = stream(seed, subject, Stream::Use);
    regimen.realize(&mut || rng.random::<f64>())
}

/// One parameter that differs between people.
#[derive(Debug, Clone, PartialEq)]
pub struct VariableParam {
    /// Dotted name, e.g. `species.morphine.clearance`.
    pub name: String,
    /// Index into [`ModelTree::params`].
    index: usize,
    /// The typical value, in the file's unit.
    pub typical: f64,
    /// The unit.
    pub unit: String,
    /// How it varies.
    pub variability: Variability,
    /// Which standard normal deviate of the person it uses (shared groups use one).
    deviate: usize,
}

/// The people a model describes: its variable parameters and how to draw one person.
#[derive(Debug, Clone)]
pub struct Population {
    tree: ModelTree,
    variable: Vec<VariableParam>,
    deviates: usize,
}

impl Population {
    /// The population of a model text (every parameter with a `variability`).
    pub fn new(model_text: &str, origin: &str) -> Result<Population, ModelError> {
        let tree = ModelTree::parse(model_text, origin)?;
        // One deviate per ungrouped parameter and per shared group, numbered in file order of
        // first use.
        let mut groups: Vec<(String, usize)> = Vec::new();
        let mut deviates = 0;
        let mut variable = Vec::new();
        for (index, p) in tree.params().iter().enumerate() {
            let Some(v) = &p.param.variability else {
                continue;
            };
            let known = v
                .shared
                .as_ref()
                .and_then(|group| groups.iter().find(|(g, _)| g == group));
            let deviate = match known {
                Some(&(_, k)) => k,
                None => {
                    if let Some(group) = &v.shared {
                        groups.push((group.clone(), deviates));
                    }
                    deviates += 1;
                    deviates - 1
                }
            };
            variable.push(VariableParam {
                name: p.name.clone(),
                index,
                typical: p.param.value,
                unit: p.param.unit.clone(),
                variability: v.clone(),
                deviate,
            });
        }
        Ok(Population {
            tree,
            variable,
            deviates,
        })
    }

    /// The parameters that differ between people, in model-file order.
    pub fn variable(&self) -> &[VariableParam] {
        &self.variable
    }

    /// One subject's values of the variable parameters (file units, in [`Population::variable`]
    /// order), from the subject's [`Stream::Person`].
    pub fn draw(&self, seed: u64, subject: u64) -> Vec<f64> {
        let mut rng = stream(seed, subject, Stream::Person);
        let z: Vec<f64> = (0..self.deviates)
            .map(|_| StandardNormal.sample(&mut rng))
            .collect();
        self.variable
            .iter()
            .map(|p| p.typical * (p.variability.omega() * z[p.deviate]).exp())
            .collect()
    }

    /// The model of a person with these values of the variable parameters.
    pub fn model_for(&self, values: &[f64]) -> Result<Model, ModelError> {
        let changes: Vec<(usize, f64)> = self
            .variable
            .iter()
            .zip(values)
            .map(|(p, &v)| (p.index, v))
            .collect();
        self.tree.model_with(&changes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_differ_by_subject_and_purpose_and_repeat_by_seed() {
        let first = |seed, subject, purpose| stream(seed, subject, purpose).random::<u64>();
        assert_eq!(first(7, 3, Stream::Person), first(7, 3, Stream::Person));
        assert_ne!(first(7, 3, Stream::Person), first(7, 4, Stream::Person));
        assert_ne!(first(7, 3, Stream::Person), first(7, 3, Stream::Use));
        assert_ne!(first(7, 3, Stream::Person), first(8, 3, Stream::Person));
    }

    #[test]
    fn log_normal_draws_have_the_written_median_and_cv() {
        let text = crate::model::DEFAULT_MODEL_TOML;
        let population = Population::new(text, "models/heroin.toml").expect("model loads");
        assert!(!population.variable().is_empty());
        let n = 4000;
        let draws: Vec<Vec<f64>> = (1..=n).map(|s| population.draw(1, s)).collect();
        for (k, p) in population.variable().iter().enumerate() {
            let mut logs: Vec<f64> = draws.iter().map(|d| (d[k] / p.typical).ln()).collect();
            logs.sort_by(f64::total_cmp);
            let median = logs[logs.len() / 2];
            let mean = logs.iter().sum::<f64>() / n as f64;
            let sd = (logs.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
            let omega = p.variability.omega();
            assert!(
                median.abs() < 0.06 * omega.max(0.1),
                "{}: median {median}",
                p.name
            );
            assert!(
                (sd / omega - 1.0).abs() < 0.05,
                "{}: sd {sd} vs omega {omega}",
                p.name
            );
        }
        // Members of a shared group move together.
        let shared: Vec<usize> = population
            .variable()
            .iter()
            .enumerate()
            .filter(|(_, p)| p.variability.shared.is_some())
            .map(|(k, _)| k)
            .collect();
        if let [a, b, ..] = shared[..] {
            let (pa, pb) = (&population.variable()[a], &population.variable()[b]);
            for d in &draws[..20] {
                let za = (d[a] / pa.typical).ln() / pa.variability.omega();
                let zb = (d[b] / pb.typical).ln() / pb.variability.omega();
                assert!((za - zb).abs() < 1e-9);
            }
        }
    }
}

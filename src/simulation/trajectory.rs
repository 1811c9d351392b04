//! A stored simulation: one column per output quantity.

use super::Sample;
use crate::model::Model;

/// Every sample of a run, column by column.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trajectory {
    /// Species names, in model order (for `<name>_ng_ml` columns).
    pub species: Vec<String>,
    /// Time (h).
    pub time_h: Vec<f64>,
    /// Plasma concentrations (ng/mL): `plasma_ng_ml[species][sample]`.
    pub plasma_ng_ml: Vec<Vec<f64>>,
    /// Total MOR occupancy (0..1).
    pub mor_occupancy: Vec<f64>,
    /// MOR activation (0..1).
    pub mor_activation: Vec<f64>,
    /// Dopamine (% of baseline).
    pub dopamine_pct_baseline: Vec<f64>,
    /// Expected dopamine level R (% of baseline), the reference of wanting's phasic signal.
    pub dopamine_expected_pct_baseline: Vec<f64>,
    /// Potency shift (1 = naive).
    pub tolerance_fold: Vec<f64>,
    /// Dependence (0..1).
    pub dependence: Vec<f64>,
    /// Unopposed counter-adaptation.
    pub unopposed_drive: Vec<f64>,
    /// Stress-system sensitization.
    pub sensitization: Vec<f64>,
    /// Withdrawal score (0-48).
    pub withdrawal_score: Vec<f64>,
    /// Ventilation at a fixed CO2 (% of baseline).
    pub ventilation_pct_baseline: Vec<f64>,
    /// Potency shift for breathing (1 = naive).
    pub breathing_tolerance_fold: Vec<f64>,
    /// Wanting: the learned value of the drug and its cues (0..1).
    pub wanting: Vec<f64>,
    /// Craving: cue-triggered wanting at this moment, raised by withdrawal (0..1).
    pub craving: Vec<f64>,
    /// Doses taken so far.
    pub dose_number: Vec<usize>,
    /// Hours since the last dose (NaN before the first).
    pub time_after_dose_h: Vec<f64>,
}

impl Trajectory {
    /// An empty trajectory for a model.
    pub fn new(model: &Model) -> Self {
        Trajectory {
            species: model.species.iter().map(|s| s.name.clone()).collect(),
            plasma_ng_ml: vec![Vec::new(); model.species.len()],
            ..Trajectory::default()
        }
    }

    /// Appends one sample.
    pub fn push(&mut self, s: &Sample<'_>) {
        self.time_h.push(s.time_h);
        for (col, c) in self.plasma_ng_ml.iter_mut().zip(s.plasma_ng_ml) {
            col.push(*c);
        }
        self.mor_occupancy.push(s.obs.receptor.occupancy);
        self.mor_activation.push(s.obs.receptor.activation);
        self.dopamine_pct_baseline.push(s.obs.dopamine_pct);
        self.dopamine_expected_pct_baseline
            .push(s.obs.dopamine_expected_pct);
        self.tolerance_fold.push(s.obs.tolerance_fold);
        self.dependence.push(s.obs.dependence);
        self.unopposed_drive.push(s.obs.unopposed);
        self.sensitization.push(s.obs.sensitization);
        self.withdrawal_score.push(s.obs.withdrawal_score);
        self.ventilation_pct_baseline.push(s.obs.ventilation_pct);
        self.breathing_tolerance_fold
            .push(s.obs.breathing_tolerance_fold);
        self.wanting.push(s.obs.wanting);
        self.craving.push(s.obs.craving);
        self.dose_number.push(s.dose_number);
        self.time_after_dose_h
            .push(s.time_after_dose_h.unwrap_or(f64::NAN));
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.time_h.len()
    }

    /// True when there are no samples.
    pub fn is_empty(&self) -> bool {
        self.time_h.is_empty()
    }

    /// The plasma column of a species by name.
    pub fn plasma(&self, species: &str) -> Option<&[f64]> {
        let i = self.species.iter().position(|s| s == species)?;
        Some(&self.plasma_ng_ml[i])
    }

    /// Column names in output order (CSV header, JSON keys).
    pub fn column_names(&self) -> Vec<String> {
        let mut names = vec!["time_h".to_string()];
        names.extend(self.species.iter().map(|s| format!("{s}_ng_ml")));
        names.extend(
            [
                "mor_occupancy",
                "mor_activation",
                "dopamine_pct_baseline",
                "dopamine_expected_pct_baseline",
                "tolerance_fold",
                "dependence",
                "unopposed_drive",
                "sensitization",
                "withdrawal_score",
                "ventilation_pct_baseline",
                "breathing_tolerance_fold",
                "wanting",
                "craving",
                "dose_number",
                "time_after_dose_h",
            ]
            .map(String::from),
        );
        names
    }

    /// Number of columns, as in [`Self::column_names`].
    pub fn column_count(&self) -> usize {
        self.species.len() + 16
    }

    /// The value of column `j` ([`Self::column_names`] order) at row `i`, `None` where undefined
    /// (time since the last dose before the first dose).
    pub fn value(&self, j: usize, i: usize) -> Option<f64> {
        let n = self.species.len();
        let v = match j {
            0 => self.time_h[i],
            j if j <= n => self.plasma_ng_ml[j - 1][i],
            j => match j - n {
                1 => self.mor_occupancy[i],
                2 => self.mor_activation[i],
                3 => self.dopamine_pct_baseline[i],
                4 => self.dopamine_expected_pct_baseline[i],
                5 => self.tolerance_fold[i],
                6 => self.dependence[i],
                7 => self.unopposed_drive[i],
                8 => self.sensitization[i],
                9 => self.withdrawal_score[i],
                10 => self.ventilation_pct_baseline[i],
                11 => self.breathing_tolerance_fold[i],
                12 => self.wanting[i],
                13 => self.craving[i],
                14 => self.dose_number[i] as f64,
                _ => self.time_after_dose_h[i],
            },
        };
        v.is_finite().then_some(v)
    }

    /// The values of row `i` in [`Self::column_names`] order (`None` where undefined).
    pub fn row(&self, i: usize) -> Vec<Option<f64>> {
        (0..self.column_count()).map(|j| self.value(j, i)).collect()
    }
}

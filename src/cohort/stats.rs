//! The distribution of a cohort's results: percentiles of every numeric summary field, the
//! share of every yes/no field and of each withdrawal band.
//!
//! Percentiles interpolate linearly between order statistics (Hyndman & Fan's type 7, the
//! default of R and NumPy); the mean sums in subject order. Both read the per-subject table
//! only, so a cohort merged from slices gives the same numbers, to the last bit, as one run.

use std::collections::BTreeMap;

use serde::Serialize;

use super::table::{Cell, CohortTable};
use crate::simulation::Band;

/// Percentiles and mean of one field over the subjects where it has a value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Distribution {
    /// 5th percentile.
    pub p5: f64,
    /// 25th percentile.
    pub p25: f64,
    /// Median.
    pub p50: f64,
    /// 75th percentile.
    pub p75: f64,
    /// 95th percentile.
    pub p95: f64,
    /// Mean.
    pub mean: f64,
    /// How many subjects have a value (e.g. a withdrawal onset only those with withdrawal).
    pub n: usize,
}

impl Distribution {
    /// The distribution of `values` (in subject order); `None` if there are none.
    pub fn of(values: &[f64]) -> Option<Distribution> {
        if values.is_empty() {
            return None;
        }
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        Some(Distribution {
            p5: percentile(&sorted, 0.05),
            p25: percentile(&sorted, 0.25),
            p50: percentile(&sorted, 0.50),
            p75: percentile(&sorted, 0.75),
            p95: percentile(&sorted, 0.95),
            mean,
            n: values.len(),
        })
    }
}

/// The `p` quantile of sorted, non-empty values, linearly interpolated (type 7).
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// One parameter that differs between people, as reported.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Varied {
    /// Dotted name in the model file.
    pub parameter: String,
    /// Its drawn values.
    #[serde(flatten)]
    pub distribution: Option<Distribution>,
}

/// The share of subjects in each withdrawal band (of the peak after the last dose).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BandShares {
    /// Below 5.
    pub none: f64,
    /// 5-12.
    pub mild: f64,
    /// 13-24.
    pub moderate: f64,
    /// 25-36.
    pub moderately_severe: f64,
    /// Above 36.
    pub severe: f64,
}

/// What `opioid-sim cohort --json` prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CohortReport {
    /// How many subjects.
    pub subjects: u64,
    /// The seed.
    pub seed: u64,
    /// The regimen as written.
    pub regimen: String,
    /// Observation window after the last dose (h).
    pub observe_h: f64,
    /// The model's name and text hash.
    pub model: String,
    /// The parameters that differ between people, with their drawn spread.
    pub varied: Vec<Varied>,
    /// Share in each band of peak withdrawal after the last dose.
    pub share_by_band: BandShares,
    /// `share_<field>` for every yes/no field of the summary (`share_physically_dependent`,
    /// `share_life_threatening`), and for each numeric field its [`Distribution`] under the
    /// field's name (`peak_withdrawal_score.p50`); `null` where no subject has a value.
    #[serde(flatten)]
    pub fields: BTreeMap<String, serde_json::Value>,
}

impl CohortReport {
    /// The report of a whole cohort's table.
    pub fn of(table: &CohortTable) -> CohortReport {
        let column = |k: usize| table.rows.iter().map(move |r| &r.fields[k]);
        let n = table.rows.len().max(1) as f64;
        let mut fields = BTreeMap::new();
        for (k, name) in table.fields.iter().enumerate() {
            let numbers: Vec<f64> = column(k)
                .filter_map(|c| match c {
                    Cell::Num(v) => Some(*v),
                    _ => None,
                })
                .collect();
            let yes = column(k).filter(|c| **c == Cell::Bool(true)).count();
            let is_bool = column(k).any(|c| matches!(c, Cell::Bool(_)));
            let is_text = column(k).any(|c| matches!(c, Cell::Text(_)));
            if is_bool {
                fields.insert(format!("share_{name}"), serde_json::json!(yes as f64 / n));
            } else if !is_text {
                let value = Distribution::of(&numbers)
                    .map_or(serde_json::Value::Null, |d| serde_json::json!(d));
                fields.insert(name.clone(), value);
            }
        }
        let bands: Vec<Band> = table
            .fields
            .iter()
            .position(|f| f == "peak_withdrawal_score")
            .map(|k| {
                column(k)
                    .map(|c| match c {
                        Cell::Num(v) => Band::of(*v),
                        _ => Band::None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let share = |band: Band| bands.iter().filter(|b| **b == band).count() as f64 / n;
        let varied = table
            .params
            .iter()
            .enumerate()
            .map(|(k, name)| {
                let values: Vec<f64> = table.rows.iter().map(|r| r.params[k]).collect();
                Varied {
                    parameter: name.clone(),
                    distribution: Distribution::of(&values),
                }
            })
            .collect();
        CohortReport {
            subjects: table.meta.subjects,
            seed: table.meta.seed,
            regimen: table.meta.regimen.clone(),
            observe_h: table.meta.observe_h,
            model: table.meta.model.clone(),
            varied,
            share_by_band: BandShares {
                none: share(Band::None),
                mild: share(Band::Mild),
                moderate: share(Band::Moderate),
                moderately_severe: share(Band::ModeratelySevere),
                severe: share(Band::Severe),
            },
            fields,
        }
    }

    /// The distribution of a numeric field, if it has one.
    pub fn distribution(&self, field: &str) -> Option<Distribution> {
        let v = self.fields.get(field)?;
        Some(Distribution {
            p5: v.get("p5")?.as_f64()?,
            p25: v.get("p25")?.as_f64()?,
            p50: v.get("p50")?.as_f64()?,
            p75: v.get("p75")?.as_f64()?,
            p95: v.get("p95")?.as_f64()?,
            mean: v.get("mean")?.as_f64()?,
            n: v.get("n")?.as_u64()? as usize,
        })
    }

    /// The share of a yes/no field (`physically_dependent`), if the summary has it.
    pub fn share(&self, field: &str) -> Option<f64> {
        self.fields.get(&format!("share_{field}"))?.as_f64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_between_order_statistics() {
        let sorted: Vec<f64> = (1..=5).map(f64::from).collect();
        assert_eq!(percentile(&sorted, 0.0), 1.0);
        assert_eq!(percentile(&sorted, 0.5), 3.0);
        assert_eq!(percentile(&sorted, 1.0), 5.0);
        // h = 4 * 0.05 = 0.2: 1 + 0.2 * (2 - 1).
        assert!((percentile(&sorted, 0.05) - 1.2).abs() < 1e-12);
        assert_eq!(percentile(&[7.0], 0.95), 7.0);
        let d = Distribution::of(&[3.0, 1.0, 2.0]).expect("values");
        assert_eq!((d.p50, d.mean, d.n), (2.0, 2.0, 3));
        assert!(Distribution::of(&[]).is_none());
    }
}

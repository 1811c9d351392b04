//! `people-differ`: percentile bands of MOR activation and withdrawal for one schedule in a
//! cohort of virtual people.

use super::shared::*;
use crate::chart::bands::{bands_figure, pct};
use crate::cohort::{run_cohort, BandSpec, CohortReport, CohortSpec, Population};

/// Virtual people in the cohort.
const PEOPLE: u64 = 1000;
/// The cohort's seed.
const SEED: u64 = 1;
/// The schedule.
const REGIMEN: &str = "10mg iv q8h x 14d";
/// Days followed after the last dose.
const OBSERVE_D: f64 = 10.0;

pub(super) fn build(model: &Model) -> Result<Built, ChartError> {
    let text = crate::model::DEFAULT_MODEL_TOML;
    let population = Population::new(text, "models/heroin.toml")?;
    let regimen = Regimen::parse(REGIMEN)?;
    let spec = CohortSpec {
        regimen: &regimen,
        observe_h: OBSERVE_D * DAY,
        seed: SEED,
        subjects: PEOPLE,
        shard: None,
        bands: Some(BandSpec { every_h: 0.5 }),
    };
    let label = crate::cohort::model_label(&model.name, text);
    let (table, bands) = run_cohort(&population, &label, &spec, &|| {})
        .map_err(|e| ChartError::Cohort(e.to_string()))?;
    let bands = bands.ok_or_else(|| ChartError::Cohort("no bands".into()))?;
    let report = CohortReport::of(&table);
    let peak = report
        .distribution("peak_withdrawal_score")
        .ok_or_else(|| ChartError::Cohort("no withdrawal scores".into()))?;
    let average = crate::simulation::summarize(model, &regimen, OBSERVE_D * DAY)?;
    let title = format!(
        "People differ: the same two weeks of use, peak withdrawal from {:.0} to {:.0} (5th-95th percentile)",
        peak.p5, peak.p95
    );
    let mut figure = bands_figure(model, &title, &bands, &report);
    figure.subtitle = format!(
        "Model: {PEOPLE} virtual people (seed {SEED}) take 10 mg heroin IV every 8 hours for 14 days, then stop. They differ in morphine clearance and volume (CV 26%) and receptor sensitivity (CV 40%)."
    );
    let caption = format!(
        "{PEOPLE} virtual people, each a log-normal draw of morphine clearance and volume (CV 26%, Stuart-Harris et al. 2000) and of receptor sensitivity (CV 40%), take the same schedule (`10mg iv q8h x 14d`, then stop); the line is the median at each time, the darker band the middle half of people and the lighter band the middle 90%. \
         Peak withdrawal after stopping ranges from {:.1} to {:.1} (5th-95th percentile; median {:.1}, the average person of the other charts {:.1}); {} of the cohort are physically dependent. \
         The same use does not do the same to everyone, which is why averages teach the mechanism but cannot predict a person.",
        peak.p5,
        peak.p95,
        peak.p50,
        average.peak_withdrawal_score,
        pct(report.share("physically_dependent").unwrap_or(0.0))
    );
    Ok(Built {
        figure,
        caption,
        alt: "Percentile bands of MOR activation and withdrawal score over two weeks of use and ten days after stopping, for a cohort of virtual people".into(),
    })
}

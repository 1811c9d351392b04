//! The headline numbers of a run: withdrawal after the last dose, tolerance, dopamine, breathing.
//!
//! Breathing: the lowest ventilation and when it occurred, and whether it stayed below the
//! model's life-threatening level (`[breathing]` in the model file: 20% of baseline for 2 min
//! or more in the default model) long enough to count. A teaching read-out, not a way to judge
//! a safe dose.
//!
//! Times of withdrawal onset, peak and resolution are in hours after the last *agonist* dose (a
//! naloxone dose after it does not restart the clock) and use the COWS threshold of 5 (below 5:
//! no withdrawal). Withdrawal that an antagonist or a partial agonist precipitates is reported
//! on its own: the highest score within 2 h after such a dose (strictly after: at the dose
//! moment the score is still the spontaneous one). "During use" is the time between
//! the first and the last agonist dose, less the `wait` phases. The score is a model quantity on
//! the COWS scale (Wesson & Ling 2003), not a diagnosis.

use serde::Serialize;

use super::Sample;
use crate::model::Model;
use crate::regimen::{Phase, Regimen};

/// How long after an antagonist or partial-agonist dose its precipitated withdrawal is read (h).
pub const PRECIPITATION_WINDOW_H: f64 = 2.0;

/// The longest an agonist dose may take to raise MOR activation (h): oral and sublingual doses
/// peak within a few hours; a dose that has not raised activation by then never will.
const RELIEF_WINDOW_H: f64 = 6.0;

/// Score at which withdrawal counts as present (COWS "mild" starts at 5).
pub const WITHDRAWAL_THRESHOLD: f64 = 5.0;

/// The severity bands of the Clinical Opiate Withdrawal Scale (Wesson & Ling 2003).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// Below 5.
    None,
    /// 5-12.
    Mild,
    /// 13-24.
    Moderate,
    /// 25-36.
    ModeratelySevere,
    /// Above 36.
    Severe,
}

impl Band {
    /// Every band, mildest first.
    pub const ALL: [Band; 5] = [
        Band::None,
        Band::Mild,
        Band::Moderate,
        Band::ModeratelySevere,
        Band::Severe,
    ];

    /// The band a score falls in. Scores are continuous here: mild from 5, moderate from 13,
    /// moderately severe from 25, severe above 36.
    pub fn of(score: f64) -> Band {
        match score {
            s if s > 36.0 => Band::Severe,
            s if s >= 25.0 => Band::ModeratelySevere,
            s if s >= 13.0 => Band::Moderate,
            s if s >= 5.0 => Band::Mild,
            _ => Band::None,
        }
    }

    /// Where the band starts and where the next one starts (48 for the last).
    pub fn range(self) -> (f64, f64) {
        match self {
            Band::None => (0.0, 5.0),
            Band::Mild => (5.0, 13.0),
            Band::Moderate => (13.0, 25.0),
            Band::ModeratelySevere => (25.0, 36.0),
            Band::Severe => (36.0, 48.0),
        }
    }

    /// Name as printed ("moderately severe").
    pub fn name(self) -> &'static str {
        match self {
            Band::None => "none",
            Band::Mild => "mild",
            Band::Moderate => "moderate",
            Band::ModeratelySevere => "moderately severe",
            Band::Severe => "severe",
        }
    }
}

impl std::fmt::Display for Band {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The headline numbers of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The regimen, normalised.
    pub regimen: String,
    /// Number of doses.
    pub doses: usize,
    /// Time of the last dose (h), `None` without doses.
    pub last_dose_h: Option<f64>,
    /// Time of the last agonist dose (h), from which withdrawal is timed; `None` without one.
    pub last_agonist_dose_h: Option<f64>,
    /// End of the simulated window (h).
    pub observed_until_h: f64,
    /// Highest spontaneous withdrawal score after the last agonist dose (0-48).
    pub peak_withdrawal_score: f64,
    /// COWS band of that peak.
    pub withdrawal_band: Band,
    /// Peak spontaneous withdrawal score of 5 or more after the last agonist dose.
    pub physically_dependent: bool,
    /// Hours after the last agonist dose when the score, rising after the relief that dose
    /// gives, first reaches 5 (the time of that relief if the dose never brought it below 5).
    pub withdrawal_onset_h: Option<f64>,
    /// Hours after the last agonist dose of the peak score (only when it reaches 5).
    pub withdrawal_peak_h: Option<f64>,
    /// Hours after the last agonist dose when the score falls back below 5 after its peak; `None` if it
    /// never reached 5 or had not resolved by the end of the window.
    pub withdrawal_resolved_h: Option<f64>,
    /// Highest withdrawal score between the first and the last agonist dose, outside `wait`
    /// phases (between-dose withdrawal).
    pub peak_withdrawal_score_during_use: f64,
    /// Highest score within 2 h after a dose of an antagonist or partial agonist (naloxone,
    /// buprenorphine): precipitated withdrawal. `None` without such a dose.
    pub peak_precipitated_score: Option<f64>,
    /// When that highest score was reached (h from the start); `None` without such a dose.
    pub precipitated_at_h: Option<f64>,
    /// Potency shift at the last agonist dose (1 = naive).
    pub tolerance_fold_at_last_dose: f64,
    /// Potency shift at the end of the window.
    pub tolerance_fold_at_end: f64,
    /// Highest dopamine over the run (% of baseline).
    pub peak_dopamine_pct_baseline: f64,
    /// Lowest dopamine after the last agonist dose (% of baseline): the withdrawal trough.
    pub min_dopamine_pct_baseline_after_last_dose: f64,
    /// Highest MOR activation over the run (0..1).
    pub peak_mor_activation: f64,
    /// Lowest ventilation over the run (% of baseline, at a fixed CO2).
    pub min_ventilation_pct_baseline: f64,
    /// When it was lowest (h from the start).
    pub min_ventilation_at_h: f64,
    /// Lowest ventilation from the last dose on (% of baseline): the last dose's effect, which
    /// in a long schedule the first doses, taken by a naive person, can hide in the minimum
    /// over the run.
    pub min_ventilation_pct_baseline_after_last_dose: f64,
    /// Ventilation stayed below the model's life-threatening level
    /// (`breathing.life_threatening_below`) for at least `breathing.life_threatening_after`.
    pub life_threatening: bool,
    /// Minutes spent below that level, counting only the stretches long enough to count.
    pub minutes_life_threatening: f64,
    /// Breathing band of the lowest ventilation.
    pub breathing_band: BreathingBand,
}

/// How far breathing fell, by the lowest ventilation (% of baseline). The life-threatening
/// level and how long breathing must stay below it come from the model file
/// (`[breathing]`); the 80% line between "near normal" and "depressed" and the 2x line for
/// "severely depressed" are teaching bands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BreathingBand {
    /// At least 80% of baseline.
    NearNormal,
    /// Below 80%, above twice the life-threatening level.
    Depressed,
    /// Within twice the life-threatening level, or below it for less than the time that counts.
    SeverelyDepressed,
    /// Below the life-threatening level for long enough.
    LifeThreatening,
}

impl BreathingBand {
    /// Name as printed.
    pub fn name(self) -> &'static str {
        match self {
            BreathingBand::NearNormal => "near normal",
            BreathingBand::Depressed => "depressed",
            BreathingBand::SeverelyDepressed => "severely depressed",
            BreathingBand::LifeThreatening => "life-threatening",
        }
    }
}

impl std::fmt::Display for BreathingBand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Ventilation (% of baseline) from which breathing reads as near normal.
pub const NEAR_NORMAL_VENTILATION_PCT: f64 = 80.0;

/// Accumulates a [`Summary`] from streamed samples.
///
/// The window "after the last agonist dose" starts once that dose has given its relief: the
/// dose has reached the brain (MOR activation has passed its peak after the dose, so an
/// absorption lag is not read as relief) and the score rises again. Until then the samples
/// count as use, so between-dose withdrawal still present at the moment of the last dose is not
/// mistaken for withdrawal after stopping.
#[derive(Debug, Clone)]
pub struct SummaryBuilder {
    summary: Summary,
    /// Times of antagonist and partial-agonist doses.
    precipitating_doses: Vec<f64>,
    /// Time windows of use: from the first to the last agonist dose, less the waits.
    use_windows: Vec<(f64, f64)>,
    /// Activation has passed its peak after the last agonist dose.
    activation_falling: bool,
    previous_activation: f64,
    /// Activation at the last agonist dose, and whether it has risen above that since.
    activation_at_dose: Option<f64>,
    activation_rose: bool,
    peak_time_h: f64,
    onset_h: Option<f64>,
    resolved_h: Option<f64>,
    at_last_dose_seen: bool,
    /// The last dose has reached the brain and the score is rising again.
    relief_done: bool,
    previous_score: f64,
    /// Life-threatening level (% of baseline) and how long (h) breathing must stay below it.
    threat_pct: f64,
    threat_after_h: f64,
    /// The current stretch below the level: its length so far (h); `None` above the level.
    below_h: Option<f64>,
    previous_time_h: Option<f64>,
}

impl SummaryBuilder {
    /// Starts a summary for a regimen run on `model` (which says which drugs are agonists).
    pub fn new(model: &Model, regimen: &Regimen) -> Self {
        let is_agonist = |drug: &str| {
            model
                .drug_index(drug)
                .is_some_and(|d| model.drug_is_agonist(d))
        };
        let precipitates = |drug: &str| {
            model
                .drug_index(drug)
                .is_some_and(|d| model.drug_precipitates(d))
        };
        let agonist_times: Vec<f64> = regimen
            .doses()
            .iter()
            .filter(|d| is_agonist(&d.drug))
            .map(|d| d.time_h)
            .collect();
        let last_agonist = agonist_times.last().copied();
        let first_agonist = agonist_times.first().copied();
        let mut use_windows = Vec::new();
        if let (Some(first), Some(last)) = (first_agonist, last_agonist) {
            let mut start = 0.0;
            let mut window_start = first;
            for phase in regimen.phases() {
                let (_, span) = phase.count_and_span();
                // A wait that starts where the window starts (right after a single dose, or
                // right after another wait) is excluded too; the empty window before it is
                // dropped, or its one sample, inside the break, would count as use.
                if matches!(phase, Phase::Wait(_)) && start >= window_start && start < last {
                    if start > window_start {
                        use_windows.push((window_start, start));
                    }
                    window_start = start + span;
                }
                start += span;
            }
            use_windows.push((window_start, last));
        }
        SummaryBuilder {
            precipitating_doses: regimen
                .doses()
                .iter()
                .filter(|d| precipitates(&d.drug))
                .map(|d| d.time_h)
                .collect(),
            use_windows,
            activation_falling: false,
            previous_activation: f64::INFINITY,
            activation_at_dose: None,
            activation_rose: false,
            summary: Summary {
                regimen: regimen.describe(),
                doses: regimen.doses().len(),
                last_dose_h: regimen.last_dose_h(),
                last_agonist_dose_h: last_agonist,
                peak_precipitated_score: None,
                precipitated_at_h: None,
                observed_until_h: 0.0,
                peak_withdrawal_score: 0.0,
                withdrawal_band: Band::None,
                physically_dependent: false,
                withdrawal_onset_h: None,
                withdrawal_peak_h: None,
                withdrawal_resolved_h: None,
                peak_withdrawal_score_during_use: 0.0,
                tolerance_fold_at_last_dose: 1.0,
                tolerance_fold_at_end: 1.0,
                peak_dopamine_pct_baseline: 100.0,
                min_dopamine_pct_baseline_after_last_dose: 100.0,
                peak_mor_activation: 0.0,
                min_ventilation_pct_baseline: 100.0,
                min_ventilation_at_h: 0.0,
                min_ventilation_pct_baseline_after_last_dose: 100.0,
                life_threatening: false,
                minutes_life_threatening: 0.0,
                breathing_band: BreathingBand::NearNormal,
            },
            threat_pct: model.pd.life_threatening_pct,
            threat_after_h: model.pd.life_threatening_after_h,
            below_h: None,
            previous_time_h: None,
            peak_time_h: 0.0,
            onset_h: None,
            resolved_h: None,
            at_last_dose_seen: false,
            relief_done: false,
            previous_score: f64::INFINITY,
        }
    }

    /// Adds one sample (samples must come in time order).
    pub fn push(&mut self, s: &Sample<'_>) {
        let sm = &mut self.summary;
        let score = s.obs.withdrawal_score;
        sm.observed_until_h = s.time_h;
        sm.tolerance_fold_at_end = s.obs.tolerance_fold;
        sm.peak_dopamine_pct_baseline = sm.peak_dopamine_pct_baseline.max(s.obs.dopamine_pct);
        sm.peak_mor_activation = sm.peak_mor_activation.max(s.obs.receptor.activation);
        let ventilation = s.obs.ventilation_pct;
        if sm.last_dose_h.is_some_and(|last| s.time_h >= last) {
            sm.min_ventilation_pct_baseline_after_last_dose = sm
                .min_ventilation_pct_baseline_after_last_dose
                .min(ventilation);
        }
        if ventilation < sm.min_ventilation_pct_baseline {
            sm.min_ventilation_pct_baseline = ventilation;
            sm.min_ventilation_at_h = s.time_h;
        }
        // A stretch below the level counts from the sample before it fell below to the sample
        // where it is first back above (the grid's resolution, one minute in `summarize`).
        let step_h = s.time_h - self.previous_time_h.unwrap_or(s.time_h);
        self.previous_time_h = Some(s.time_h);
        if let Some(below) = self.below_h.as_mut() {
            *below += step_h;
        }
        if ventilation < self.threat_pct {
            self.below_h.get_or_insert(0.0);
        } else if let Some(below) = self.below_h.take() {
            Self::close_stretch(sm, below, self.threat_after_h);
        }
        // Strictly after the dose: the score at the dose moment is the spontaneous one, which
        // the dose has not yet had time to change.
        if self
            .precipitating_doses
            .iter()
            .any(|&d| s.time_h > d && s.time_h <= d + PRECIPITATION_WINDOW_H)
            && sm.peak_precipitated_score.is_none_or(|p| score > p)
        {
            sm.peak_precipitated_score = Some(score);
            sm.precipitated_at_h = Some(s.time_h);
        }
        let Some(last) = sm.last_agonist_dose_h else {
            return;
        };
        if s.time_h >= last && !self.at_last_dose_seen {
            self.at_last_dose_seen = true;
            sm.tolerance_fold_at_last_dose = s.obs.tolerance_fold;
        }
        if s.time_h >= last {
            sm.min_dopamine_pct_baseline_after_last_dose = sm
                .min_dopamine_pct_baseline_after_last_dose
                .min(s.obs.dopamine_pct);
            let activation = s.obs.receptor.activation;
            // The dose has reached the brain once activation has risen above its level at the
            // dose and fallen again (an absorption lag, or drug from earlier doses still
            // leaving the brain, is not relief). A dose too small to raise activation at all
            // counts as arrived after RELIEF_WINDOW_H.
            let at_dose = *self.activation_at_dose.get_or_insert(activation);
            self.activation_rose |= activation > at_dose;
            if (self.activation_rose && activation < self.previous_activation)
                || s.time_h > last + RELIEF_WINDOW_H
            {
                self.activation_falling = true;
            }
            self.previous_activation = activation;
            if !self.relief_done && self.activation_falling && score > self.previous_score {
                self.relief_done = true;
            }
            self.previous_score = score;
        }
        if !self.relief_done {
            if self
                .use_windows
                .iter()
                .any(|&(a, b)| s.time_h >= a && s.time_h <= b)
            {
                sm.peak_withdrawal_score_during_use =
                    sm.peak_withdrawal_score_during_use.max(score);
            }
            return;
        }
        let after = s.time_h - last;
        if score >= WITHDRAWAL_THRESHOLD && self.onset_h.is_none() {
            self.onset_h = Some(after);
        }
        if score > sm.peak_withdrawal_score {
            sm.peak_withdrawal_score = score;
            self.peak_time_h = after;
            self.resolved_h = None;
        }
        if self.resolved_h.is_none()
            && sm.peak_withdrawal_score >= WITHDRAWAL_THRESHOLD
            && score < WITHDRAWAL_THRESHOLD
        {
            self.resolved_h = Some(after);
        }
    }

    /// Counts a finished stretch below the life-threatening level if it lasted long enough.
    fn close_stretch(sm: &mut Summary, below_h: f64, after_h: f64) {
        // A small allowance so that a stretch of exactly `after_h` on the grid counts.
        if below_h >= after_h * (1.0 - 1e-9) {
            sm.life_threatening = true;
            sm.minutes_life_threatening += below_h * 60.0;
        }
    }

    /// The finished summary.
    pub fn finish(mut self) -> Summary {
        let sm = &mut self.summary;
        if let Some(below) = self.below_h.take() {
            Self::close_stretch(sm, below, self.threat_after_h);
        }
        sm.breathing_band = if sm.life_threatening {
            BreathingBand::LifeThreatening
        } else if sm.min_ventilation_pct_baseline < 2.0 * self.threat_pct {
            BreathingBand::SeverelyDepressed
        } else if sm.min_ventilation_pct_baseline < NEAR_NORMAL_VENTILATION_PCT {
            BreathingBand::Depressed
        } else {
            BreathingBand::NearNormal
        };
        sm.withdrawal_band = Band::of(sm.peak_withdrawal_score);
        sm.physically_dependent = sm.peak_withdrawal_score >= WITHDRAWAL_THRESHOLD;
        if sm.physically_dependent {
            sm.withdrawal_onset_h = self.onset_h;
            sm.withdrawal_peak_h = Some(self.peak_time_h);
            sm.withdrawal_resolved_h = self.resolved_h;
        }
        self.summary
    }
}

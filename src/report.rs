//! Human-readable text for summaries.

use std::fmt::Write as _;

use crate::model::Model;
use crate::sensitivity::Report;
use crate::simulation::Summary;

/// The line every output carries.
pub const DISCLAIMER: &str = "Teaching model, not medical advice.";

fn hours(h: f64) -> String {
    if h >= 48.0 {
        format!("{h:.1} h (day {:.1})", h / 24.0)
    } else {
        format!("{h:.1} h")
    }
}

/// The summary as text with units and band names.
pub fn summary_text(s: &Summary, model: &Model) -> String {
    let mut out = String::new();
    let plural = if s.doses == 1 { "" } else { "s" };
    let _ = writeln!(out, "Regimen: {} ({} dose{plural})", s.regimen, s.doses);
    let _ = writeln!(out, "Model: {} ({DISCLAIMER})", model.name);
    match s.last_dose_h {
        Some(last) => {
            let _ = writeln!(
                out,
                "Last dose at {}; observed to {}",
                hours(last),
                hours(s.observed_until_h)
            );
        }
        None => {
            let _ = writeln!(out, "No doses.");
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Withdrawal after the last agonist dose (model score on the 0-48 COWS scale):"
    );
    let _ = writeln!(
        out,
        "  peak score            {:.1} ({})",
        s.peak_withdrawal_score, s.withdrawal_band
    );
    let _ = writeln!(
        out,
        "  physically dependent  {}",
        if s.physically_dependent {
            "yes (peak score 5 or more)"
        } else {
            "no (peak score below 5)"
        }
    );
    let when = |v: Option<f64>, missing: &str| match v {
        Some(h) => format!("{} after the last agonist dose", hours(h)),
        None => missing.to_string(),
    };
    if s.physically_dependent {
        let _ = writeln!(
            out,
            "  onset (score >= 5)    {}",
            when(s.withdrawal_onset_h, "-")
        );
        let _ = writeln!(
            out,
            "  peak                  {}",
            when(s.withdrawal_peak_h, "-")
        );
        let _ = writeln!(
            out,
            "  resolved (score < 5)  {}",
            when(
                s.withdrawal_resolved_h,
                "not within the observed window (try a longer --observe)"
            )
        );
    }
    if s.doses > 1 {
        let _ = writeln!(
            out,
            "  between doses         peak score {:.1} ({})",
            s.peak_withdrawal_score_during_use,
            crate::simulation::Band::of(s.peak_withdrawal_score_during_use)
        );
    }
    if let (Some(score), Some(at)) = (s.peak_precipitated_score, s.precipitated_at_h) {
        let _ = writeln!(
            out,
            "  precipitated          peak score {score:.1} ({}) at {}, within {} h of an antagonist or partial-agonist dose",
            crate::simulation::Band::of(score),
            hours(at),
            crate::simulation::PRECIPITATION_WINDOW_H
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Tolerance (potency shift: x the naive concentration for a half-maximal effect): {:.2}x at the last agonist dose, {:.2}x at the end",
        s.tolerance_fold_at_last_dose, s.tolerance_fold_at_end
    );
    let _ = writeln!(
        out,
        "Dopamine (nucleus accumbens): peak {:.0}% of baseline; lowest after the last dose {:.0}%",
        s.peak_dopamine_pct_baseline, s.min_dopamine_pct_baseline_after_last_dose
    );
    let _ = writeln!(
        out,
        "MOR activation: peak {:.2} (0-1)",
        s.peak_mor_activation
    );
    let _ = writeln!(
        out,
        "Wanting (learned from fast dopamine rises, 0-1; a teaching quantity): {:.2} at the end{}{}",
        s.wanting_at_end,
        s.wanting_after_one_dose_7d
            .map_or(String::new(), |w| format!(
                ", {w:.2} a week after the first dose"
            )),
        s.peak_craving_after_last_dose
            .map_or(String::new(), |c| format!(
                "; craving (wanting raised by withdrawal) peaks at {c:.2} after the last dose"
            ))
    );
    let _ = writeln!(
        out,
        "Breathing (ventilation at a fixed CO2): lowest {:.0}% of baseline at {} ({}){}",
        s.min_ventilation_pct_baseline,
        hours(s.min_ventilation_at_h),
        s.breathing_band,
        if s.life_threatening {
            format!(
                ": below {:.0}% for {:.0} min in all",
                model.pd.life_threatening_pct, s.minutes_life_threatening
            )
        } else {
            String::new()
        }
    );
    if s.doses > 1 {
        let _ = writeln!(
            out,
            "  after the last dose   lowest {:.0}% of baseline",
            s.min_ventilation_pct_baseline_after_last_dose
        );
    }
    let _ = writeln!(
        out,
        "  (a teaching read-out: ventilation below {:.0}% of baseline for {:.0} min or more counts as life-threatening; it is not a way to judge a safe dose)",
        model.pd.life_threatening_pct,
        model.pd.life_threatening_after_h * 60.0
    );
    out
}

/// The sensitivity report as a table: the parameters with the largest effect first (at most
/// `top` of them; 0 for all), one column per output.
pub fn sensitivity_text(r: &Report, top: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Sensitivity of: {} ({DISCLAIMER})", r.regimen);
    let _ = writeln!(
        out,
        "Elasticity = relative change of the output / relative change of the parameter ({}% down and up); \"-\" where the output is undefined.",
        r.step * 100.0
    );
    let short = [
        "peak score",
        "onset",
        "peak at",
        "resolved",
        "tol. fold",
        "peak DA",
    ];
    let _ = writeln!(out);
    let _ = write!(out, "{:<52}", "parameter (value unit)");
    for name in short {
        let _ = write!(out, "{name:>11}");
    }
    let _ = writeln!(out);
    let _ = write!(out, "{:<52}", "baseline");
    for v in &r.baseline {
        match v {
            Some(v) => {
                let _ = write!(out, "{v:>11.2}");
            }
            None => {
                let _ = write!(out, "{:>11}", "-");
            }
        }
    }
    let _ = writeln!(out);
    let mut rows: Vec<_> = r.rows.iter().collect();
    let size = |row: &&crate::sensitivity::Row| {
        row.elasticity
            .iter()
            .flatten()
            .fold(0.0_f64, |m, e| m.max(e.abs()))
    };
    rows.sort_by(|a, b| size(b).total_cmp(&size(a)));
    let shown = if top == 0 {
        rows.len()
    } else {
        top.min(rows.len())
    };
    for row in &rows[..shown] {
        let label = format!("{} ({} {})", row.parameter, row.value, row.unit);
        let _ = write!(out, "{label:<52}");
        for e in &row.elasticity {
            match e {
                // Printing -0.00 would suggest a sign where there is none.
                Some(e) if e.abs() < 0.005 => {
                    let _ = write!(out, "{:>11}", "0.00");
                }
                Some(e) => {
                    let _ = write!(out, "{e:>11.2}");
                }
                None => {
                    let _ = write!(out, "{:>11}", "-");
                }
            }
        }
        let _ = writeln!(out);
    }
    if shown < rows.len() {
        let _ = writeln!(
            out,
            "({} more parameters with smaller effects; --top 0 shows all)",
            rows.len() - shown
        );
    }
    out
}

/// The headline rows of a cohort's text report: field, label, decimals.
const COHORT_ROWS: [(&str, &str, usize); 7] = [
    (
        "peak_withdrawal_score",
        "Peak withdrawal score after the last dose (0-48)",
        1,
    ),
    (
        "withdrawal_onset_h",
        "Withdrawal onset (h after the last dose)",
        1,
    ),
    (
        "withdrawal_resolved_h",
        "Withdrawal resolved (h after the last dose)",
        1,
    ),
    (
        "tolerance_fold_at_last_dose",
        "Tolerance at the last agonist dose (x naive EC50)",
        2,
    ),
    ("peak_mor_activation", "Peak MOR activation (0-1)", 3),
    (
        "peak_dopamine_pct_baseline",
        "Peak dopamine (% of baseline)",
        0,
    ),
    (
        "min_ventilation_pct_baseline",
        "Lowest ventilation (% of baseline)",
        0,
    ),
];

/// A cohort's distribution as text: who was simulated, what varied, percentiles of the
/// headline numbers and the shares by band.
pub fn cohort_text(r: &crate::cohort::CohortReport) -> String {
    let pct = crate::chart::bands::pct;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Cohort: {} virtual people, seed {}, {} (observed {} after the last dose)",
        r.subjects,
        r.seed,
        r.regimen,
        hours(r.observe_h)
    );
    let _ = writeln!(out, "Model: {} ({DISCLAIMER})", r.model);
    if r.varied.is_empty() {
        let _ = writeln!(
            out,
            "Every person has the same parameters (no variability in the model file)."
        );
    } else {
        let names: Vec<&str> = r.varied.iter().map(|v| v.parameter.as_str()).collect();
        let _ = writeln!(out, "Differing between people: {}", names.join(", "));
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:<50} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}",
        "", "p5", "p25", "median", "p75", "p95", "people"
    );
    for (field, label, decimals) in COHORT_ROWS {
        let Some(d) = r.distribution(field) else {
            if r.fields.contains_key(field) {
                let _ = writeln!(out, "{label:<50} {:>8}", "(none)");
            }
            continue;
        };
        let f = |v: f64| format!("{v:.decimals$}");
        let _ = writeln!(
            out,
            "{label:<50} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}",
            f(d.p5),
            f(d.p25),
            f(d.p50),
            f(d.p75),
            f(d.p95),
            d.n
        );
    }
    let _ = writeln!(out);
    let b = &r.share_by_band;
    let _ = writeln!(
        out,
        "Physically dependent (peak withdrawal 5 or more): {}",
        pct(r.share("physically_dependent").unwrap_or(0.0))
    );
    let _ = writeln!(
        out,
        "  by band: none {}, mild {}, moderate {}, moderately severe {}, severe {}",
        pct(b.none),
        pct(b.mild),
        pct(b.moderate),
        pct(b.moderately_severe),
        pct(b.severe)
    );
    if let Some(share) = r.share("life_threatening") {
        let _ = writeln!(
            out,
            "Breathing life-threatening at some point: {}",
            pct(share)
        );
    }
    out
}

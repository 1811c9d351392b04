//! The lesson charts: for each, the scenarios it simulates and the [`Figure`] it makes of them.
//!
//! Each chart is one entry of [`DEFINITIONS`]: a name, a heading and a `build` function (one file
//! per chart) that runs the chart's scenarios and returns a figure and its caption. The
//! functions only assemble data (series, bands, notes); `render.rs` does all the drawing. Every
//! number in a title or caption is read from the simulation, so the text stays true when the
//! model changes. What the charts share (running a scenario, thinning lines, the COWS axis) is in
//! `shared.rs`.

mod buprenorphine_induction;
mod dependence_threshold;
mod dopamine_repeated;
mod first_use_to_dependence;
mod methadone_vs_heroin;
mod naloxone_challenge;
mod naloxone_rescue;
mod overdose_after_abstinence;
mod parameter_sensitivity;
mod people_differ;
mod pk_metabolites;
mod recovery_and_relapse;
mod routes;
mod rush_teaches_wanting;
mod shared;
mod single_vs_repeated;
mod tolerance_by_effect;
mod tolerance_dose_response;
mod wanting_vs_dependence;
mod who_becomes_dependent;
mod withdrawal_vs_duration;

use std::str::FromStr;

use super::figure::Figure;
use super::ChartError;
use crate::model::Model;

pub(crate) use shared::{footer, round_up};

/// The lesson charts, in teaching order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LessonChart {
    /// One dose beside two weeks of use: the headline.
    SingleVsRepeated,
    /// One dose starts wanting, physical dependence needs repeated use.
    WantingVsDependence,
    /// Wanting learns from the speed of the dopamine rise: fast routes build it, slow opioids do not.
    RushTeachesWanting,
    /// Heroin, 6-MAM and morphine in plasma after one IV dose.
    PkMetabolites,
    /// MOR activation after the same dose by four routes.
    Routes,
    /// Dopamine across the first days of use and after stopping.
    DopamineRepeated,
    /// Dose-response curves on day 1, 7 and 14 of use.
    ToleranceDoseResponse,
    /// Withdrawal after stopping, by length of prior use.
    WithdrawalVsDuration,
    /// Peak withdrawal against days of use, by doses a day.
    DependenceThreshold,
    /// The share of a cohort dependent after stopping, against days of use, by doses a day.
    WhoBecomesDependent,
    /// A cohort of first-time users offered the drug: who goes on, who does not.
    FirstUseToDependence,
    /// Withdrawal fades in days, tolerance in weeks; the old dose hits harder as it fades.
    RecoveryAndRelapse,
    /// Naloxone after one dose, two doses and two weeks of use: acute dependence.
    NaloxoneChallenge,
    /// Withdrawal after methadone and after heroin; methadone relieving heroin withdrawal.
    MethadoneVsHeroin,
    /// Buprenorphine: occupancy against PET, and starting it too early or in withdrawal.
    BuprenorphineInduction,
    /// The habitual dose after weeks off: breathing and activation.
    OverdoseAfterAbstinence,
    /// Tolerance to the high outruns tolerance to breathing: the margin.
    ToleranceByEffect,
    /// Naloxone after a fentanyl overdose, and wearing off after methadone.
    NaloxoneRescue,
    /// Percentile bands of activation and withdrawal in a cohort on one schedule.
    PeopleDiffer,
    /// Which model parameters move the main scenario's results most (a tornado chart).
    ParameterSensitivity,
}

impl LessonChart {
    /// Every lesson chart, in teaching order.
    pub const ALL: [LessonChart; 20] = [
        LessonChart::SingleVsRepeated,
        LessonChart::WantingVsDependence,
        LessonChart::RushTeachesWanting,
        LessonChart::PkMetabolites,
        LessonChart::Routes,
        LessonChart::DopamineRepeated,
        LessonChart::ToleranceDoseResponse,
        LessonChart::WithdrawalVsDuration,
        LessonChart::DependenceThreshold,
        LessonChart::WhoBecomesDependent,
        LessonChart::FirstUseToDependence,
        LessonChart::RecoveryAndRelapse,
        LessonChart::NaloxoneChallenge,
        LessonChart::MethadoneVsHeroin,
        LessonChart::BuprenorphineInduction,
        LessonChart::OverdoseAfterAbstinence,
        LessonChart::ToleranceByEffect,
        LessonChart::NaloxoneRescue,
        LessonChart::PeopleDiffer,
        LessonChart::ParameterSensitivity,
    ];

    fn definition(self) -> &'static Definition {
        &DEFINITIONS[self as usize]
    }

    /// The file name stem, e.g. `single-vs-repeated`.
    pub fn name(self) -> &'static str {
        self.definition().name
    }

    /// A short heading for the index, e.g. "One dose vs two weeks of use".
    pub fn heading(self) -> &'static str {
        self.definition().heading
    }

    /// The names of all lesson charts, comma-separated (for messages).
    pub fn names() -> String {
        LessonChart::ALL.map(LessonChart::name).join(", ")
    }
}

impl std::fmt::Display for LessonChart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for LessonChart {
    type Err = ChartError;

    fn from_str(text: &str) -> Result<LessonChart, ChartError> {
        let t = text.trim().to_ascii_lowercase();
        LessonChart::ALL
            .into_iter()
            .find(|c| c.name() == t)
            .ok_or_else(|| ChartError::UnknownChart {
                name: text.to_string(),
                available: LessonChart::names(),
            })
    }
}

/// A built lesson chart: the figure and the text that goes with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Lesson {
    /// Which chart.
    pub chart: LessonChart,
    /// What to draw.
    pub figure: Figure,
    /// 2-4 sentences: what it shows, the teaching point, the scenario.
    pub caption: String,
    /// Short alternative text for the image.
    pub alt: String,
}

/// What a chart's build function returns.
struct Built {
    figure: Figure,
    caption: String,
    alt: String,
}

/// One lesson chart: its name, heading, and how to build it from the model.
struct Definition {
    name: &'static str,
    heading: &'static str,
    build: fn(&Model) -> Result<Built, ChartError>,
}

/// The lesson charts, in [`LessonChart::ALL`] order.
const DEFINITIONS: [Definition; 20] = [
    Definition {
        name: "single-vs-repeated",
        heading: "One dose vs two weeks of use",
        build: single_vs_repeated::build,
    },
    Definition {
        name: "wanting-vs-dependence",
        heading:
            "Wanting vs dependence: one dose can start addiction, dependence needs repeated use",
        build: wanting_vs_dependence::build,
    },
    Definition {
        name: "rush-teaches-wanting",
        heading: "Speed teaches: fast routes build wanting, slow opioids do not",
        build: rush_teaches_wanting::build,
    },
    Definition {
        name: "pk-metabolites",
        heading: "Heroin, 6-MAM and morphine in the blood",
        build: pk_metabolites::build,
    },
    Definition {
        name: "routes",
        heading: "Route of use: speed and height of the peak",
        build: routes::build,
    },
    Definition {
        name: "dopamine-repeated",
        heading: "Dopamine with repeated use and after stopping",
        build: dopamine_repeated::build,
    },
    Definition {
        name: "tolerance-dose-response",
        heading: "Tolerance: the dose-response curve moves right",
        build: tolerance_dose_response::build,
    },
    Definition {
        name: "withdrawal-vs-duration",
        heading: "Withdrawal grows with the length of use",
        build: withdrawal_vs_duration::build,
    },
    Definition {
        name: "dependence-threshold",
        heading: "How much use it takes to become dependent",
        build: dependence_threshold::build,
    },
    Definition {
        name: "who-becomes-dependent",
        heading: "Who becomes dependent: a cohort of people who differ",
        build: who_becomes_dependent::build,
    },
    Definition {
        name: "first-use-to-dependence",
        heading: "First use: who goes on to daily use and dependence",
        build: first_use_to_dependence::build,
    },
    Definition {
        name: "recovery-and-relapse",
        heading: "Recovery and relapse: withdrawal fades in days, tolerance in weeks",
        build: recovery_and_relapse::build,
    },
    Definition {
        name: "naloxone-challenge",
        heading: "Naloxone unmasks dependence: after one dose, two doses and two weeks",
        build: naloxone_challenge::build,
    },
    Definition {
        name: "methadone-vs-heroin",
        heading: "Methadone: later, longer withdrawal, and relief of heroin withdrawal",
        build: methadone_vs_heroin::build,
    },
    Definition {
        name: "buprenorphine-induction",
        heading: "Buprenorphine: a partial agonist, and when to start it",
        build: buprenorphine_induction::build,
    },
    Definition {
        name: "overdose-after-abstinence",
        heading: "Overdose after abstinence: the old dose after weeks off",
        build: overdose_after_abstinence::build,
    },
    Definition {
        name: "tolerance-by-effect",
        heading: "Tolerance by effect: the high outruns breathing",
        build: tolerance_by_effect::build,
    },
    Definition {
        name: "naloxone-rescue",
        heading: "Naloxone rescue, and naloxone wearing off",
        build: naloxone_rescue::build,
    },
    Definition {
        name: "people-differ",
        heading: "People differ: one schedule, a cohort's spread",
        build: people_differ::build,
    },
    Definition {
        name: "parameter-sensitivity",
        heading: "For researchers: which parameters the results rest on",
        build: parameter_sensitivity::build,
    },
];

/// Builds one lesson chart from the model.
pub fn lesson(model: &Model, chart: LessonChart) -> Result<Lesson, ChartError> {
    let def = chart.definition();
    let built = (def.build)(model)?;
    Ok(Lesson {
        chart,
        figure: built.figure,
        caption: built.caption,
        alt: built.alt,
    })
}

//! Dose regimens: the text a student types to say who takes what, when.
//!
//! A regimen is read once, checked against the limits below, and expanded
//! into a list of dose events sorted by time, which the simulation applies
//! one by one.
//!
//! # Grammar
//!
//! Case does not matter, and spaces are optional between a number and its
//! unit (`10mg` or `10 mg`) and after `q` or `x` (`q8h`, `q 8h`, `x14d`).
//!
//! ```text
//! regimen   := group ( "then" group )*
//! group     := dose ( "+" dose )*               -- doses taken together, at one moment
//!            | phase
//! phase     := "wait" duration                  -- abstinence: time passes, no doses
//!            | dose [ "q" duration [ "~" duration ] "x" repeat [ "skip" percent ] ]
//!                                                -- one dose, or a repeat (regular or not)
//!            | "taper" amount [ drug ] route "q" duration "over" duration "to" amount
//! dose      := amount [ "~" percent ] [ drug ] route
//! percent   := number "%"                        -- more than 0, less than 100
//! repeat    := duration | count [ "dose" | "doses" ]
//! amount    := number mass_unit
//! duration  := number time_unit
//! drug      := letter ( letter | digit | "-" | "_" )*   -- ASCII; not a route or keyword; default heroin
//! route     := "iv" | "smoked" | "intranasal" | "oral" | "im" | "sublingual"
//! mass_unit := "mg" | "ug" | "µg" | "mcg"            -- ug, µg and mcg are micrograms
//! time_unit := "min" | "h" | "d" | "w"               -- also mins, minute(s), hr, hrs,
//!                                                    -- hour(s), day(s), wk, wks, week(s)
//! count     := a whole number of doses, at least 1
//! number    := digits [ "." digits ] | "." digits    -- 10, 2.5, .5; no sign, no exponent
//! ```
//!
//! # Irregular use
//!
//! Real use is not a timetable. Three marks make a phase irregular; each person (a `--seed`, a
//! subject of a cohort) then takes their own reproducible draw ([`Regimen::realize`]):
//!
//! | Mark | Meaning | Limits |
//! |------|---------|--------|
//! | `10mg~40% iv` | each dose up to 40% more or less (uniformly between 6 and 14 mg): street purity varies | the largest dose within the dose limit |
//! | `q8h~2h` | each dose after the first up to 2 h early or late (uniformly) | more than 0, less than half the interval and than the time from the phase's last planned dose to its end |
//! | `x 14d skip 20%` | each dose after the first is missed with probability 20% | more than 0%, less than 100% |
//!
//! The first dose of a phase is always taken, on time: it marks where the phase starts. Without
//! a draw ([`Regimen::doses`] of a parsed regimen) every dose is as written. Tapers take no
//! marks.
//!
//! The unit `m` is rejected as ambiguous (minutes or months?): write `min`.
//! The keywords `then`, `wait`, `q`, `x`, `taper`, `over`, `to` and `skip` cannot be
//! drug names, and `q`, `x` or `wait` directly followed by a number is always
//! read as the keyword (`q8h` is `q 8h`).
//!
//! # Meaning
//!
//! Times are in hours from 0. Phases run one after another, each starting
//! where the one before ended.
//!
//! | Phase                          | Doses                                   | Phase lasts |
//! |--------------------------------|-----------------------------------------|-------------|
//! | `10mg iv`                      | one dose of 10 mg heroin iv at the start | 0 h        |
//! | `10mg iv q8h x 14d`            | at 0, 8, ..., 328 h: every `k * 8 h < 14 d`, 42 doses | 14 d = 336 h |
//! | `10mg iv q8h x 42`             | 42 doses, at 0, 8, ..., 328 h           | 42 × 8 h = 336 h |
//! | `wait 21d`                     | none                                    | 21 d = 504 h |
//! | `taper 100mg iv q8h over 14d to 10mg` | every `k * 8 h < 14 d` (42 doses), the amount falling in a straight line from 100 mg (first dose) to 10 mg (last dose) | 14 d |
//!
//! A repeat shorter than its interval (`q8h x 4h`) gives one dose and lasts
//! the 4 h written. A single dose takes no time, so `10mg iv then 10mg iv`
//! is two doses at the same moment; put a `wait` between them to space them.
//! `+` says so explicitly: `10mg heroin iv + 0.5mg fentanyl iv` is two doses
//! taken together (a mixed dose); it joins single doses only (no repeat, wait
//! or taper on either side), and [`Regimen::describe`] keeps it.
//! A `taper` may also rise (`to` larger than the first amount), as in a
//! titration.
//!
//! Examples:
//!
//! - `10mg iv q8h x 14d then wait 21d then 10mg iv`: 42 doses, three weeks
//!   of abstinence, then one dose at 35 d = 840 h (a relapse after lost
//!   tolerance).
//! - `20mg smoked q6h x 7d then 10mg smoked q8h x 3d`: 28 doses from 0 h,
//!   then 9 doses from 168 h.
//! - `10 mg morphine oral`, `500ug fentanyl iv`: another drug than heroin.
//! - `10mg heroin iv + 0.5mg fentanyl iv then wait 2min then 4mg naloxone
//!   intranasal q3min x 2`: heroin cut with fentanyl, then two naloxone sprays.
//!
//! [`Regimen::describe`] writes a regimen back in a normalised form, e.g.
//! `10 mg heroin iv q8h x 14d`, with micrograms as `mcg`.
//!
//! # Limits
//!
//! A dose is more than 0 and at most [`MAX_DOSE_MG`]; an interval is at
//! least [`MIN_INTERVAL_MIN`]; a wait, a count and a repeat's duration are
//! more than zero; a regimen lasts at most [`MAX_SPAN_DAYS`] and has at most
//! [`MAX_DOSES`] doses. Doses of one drug at one moment (single doses joined by `then`) add
//! up to at most [`MAX_DOSE_MG`]. The text is at most [`MAX_TEXT_CHARS`] characters. A drug
//! name is ASCII (`a-z`, digits, `-`, `_`), so that it reads back exactly.
//!
//! # Errors
//!
//! Every [`RegimenError`] is one line naming the column (1-based, counted in
//! characters), the offending text, what is wrong and what is accepted:
//!
//! ```text
//! at column 9 ("q8"): the number needs a time unit: min, h, d or w (also hr, hours, days, weeks); e.g. q8h, q30min or x 14d
//! at column 13 ("ivv"): unknown route 'ivv'; expected one of iv, smoked, intranasal, oral, im, sublingual (did you mean iv?)
//! at column 5 (end of input): a dose needs a route after "10mg": one of iv, smoked, intranasal, oral, im, sublingual (e.g. 10mg heroin iv)
//! ```
//!
//! The messages do not repeat the input; a caller adds it as context, e.g.
//! `cannot read regimen "10mg iv q8 x 14d": at column 9 ("q8"): ...`.
//!
//! ```
//! use opioid_sim::regimen::Regimen;
//!
//! let regimen: Regimen = "10mg iv q8h x 14d then wait 21d then 10mg iv".parse()?;
//! assert_eq!(regimen.doses().len(), 43);
//! assert_eq!(regimen.last_dose_h(), Some(840.0));
//! assert_eq!(regimen.describe(), "10 mg heroin iv q8h x 14d then wait 21d then 10 mg heroin iv");
//! # Ok::<(), opioid_sim::regimen::RegimenError>(())
//! ```

mod error;
mod lex;
mod parse;
mod phase;
#[cfg(test)]
mod tests;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use crate::dose::{Dose, Hours, Route, UnknownRouteName};
pub use error::{RegimenError, UnitKind};
use phase::Expand;
pub use phase::{Amount, Duration, MassUnit, Percent, Phase, Repeat, Schedule, TimeUnit};

/// The largest single dose, in mg. The largest doses given in
/// heroin-assisted treatment are about 700 mg of diamorphine a session, so
/// anything above 1000 mg is almost certainly a typo (e.g. µg meant as mg).
pub const MAX_DOSE_MG: f64 = 1000.0;

/// The shortest interval between repeated doses, in minutes. Doses closer
/// together than a minute are one dose as far as the model can tell.
pub const MIN_INTERVAL_MIN: f64 = 1.0;

/// The longest regimen, in days. A year is ample to watch tolerance build and
/// fade, and keeps a simulation fast.
pub const MAX_SPAN_DAYS: f64 = 365.0;

/// The most dose events in one regimen, to keep a simulation fast (the solver
/// stops at every dose). 10 000 doses is a dose every 53 min for a year.
pub const MAX_DOSES: usize = 10_000;

/// The longest regimen text, in characters. The longest lesson regimens are under 200
/// characters; the limit keeps messages, titles and work bounded whatever is pasted in.
pub const MAX_TEXT_CHARS: usize = 2_000;

/// The drug when a dose names none.
pub const DEFAULT_DRUG: &str = "heroin";

/// Reads a single duration such as `240h`, `10 d` or `30min` (the
/// `duration` of the grammar) and returns it in hours. Zero is accepted;
/// callers check their own limits.
///
/// ```
/// assert_eq!(opioid_sim::regimen::parse_duration_h("2 weeks"), Ok(336.0));
/// ```
pub fn parse_duration_h(text: &str) -> Result<Hours, RegimenError> {
    parse::parse_duration(text).map(Duration::hours)
}

/// A parsed regimen: its phases, and their dose events sorted by time.
///
/// Read with [`Regimen::parse`] or [`str::parse`]; serialized as its text
/// (so a config file can hold `regimen = "10mg iv q8h x 14d"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Regimen {
    phases: Vec<Phase>,
    /// For each phase: joined to the one before by `+` (taken at the same moment).
    together: Vec<bool>,
    doses: Vec<Dose>,
    span_h: Hours,
}

impl Regimen {
    /// Reads and checks a regimen. See the [module docs](self) for the
    /// grammar, the meaning and the limits.
    pub fn parse(text: &str) -> Result<Regimen, RegimenError> {
        let chars = text.chars().count();
        if chars > MAX_TEXT_CHARS {
            return Err(RegimenError::TooManyChars {
                chars,
                max: MAX_TEXT_CHARS,
            });
        }
        let parsed = parse::parse(text)?;
        let max_span_h = MAX_SPAN_DAYS * 24.0;
        let mut doses = Vec::new();
        // The same doses at the largest amount their spread allows (`10mg~40%`: 14 mg), for
        // the limit on what is taken at one moment.
        let mut largest = Vec::new();
        let mut span_h = 0.0;
        let mut count = 0usize;
        for phase in &parsed {
            let (phase_count, phase_span_h) = phase.phase.count_and_span();
            let end_h = span_h + phase_span_h;
            // The allowance lets `x 365d` through despite rounding in sums.
            if end_h > max_span_h * (1.0 + 1e-12) {
                return Err(RegimenError::too_long(
                    phase.column,
                    &phase.text,
                    end_h / 24.0,
                ));
            }
            count = count.saturating_add(phase_count);
            if count > MAX_DOSES {
                return Err(RegimenError::too_many_doses(
                    phase.column,
                    &phase.text,
                    count as f64,
                ));
            }
            let first_new = largest.len();
            phase
                .phase
                .push_doses(span_h, &mut doses, &mut Expand::AsWritten);
            phase
                .phase
                .push_doses(span_h, &mut largest, &mut Expand::Largest);
            check_amount_at_once(&largest, first_new, phase)?;
            span_h = end_h;
        }
        let together = parsed.iter().map(|parsed| parsed.together).collect();
        let phases = parsed.into_iter().map(|parsed| parsed.phase).collect();
        Ok(Regimen {
            phases,
            together,
            doses,
            span_h,
        })
    }

    /// The dose events, sorted by time: as written, or one person's irregular use after
    /// [`Regimen::realize`].
    pub fn doses(&self) -> &[Dose] {
        &self.doses
    }

    /// Whether the regimen has irregular use (`~` on an amount or an interval, or `skip`), so
    /// that its doses depend on a random draw ([`Regimen::realize`]).
    pub fn is_irregular(&self) -> bool {
        self.phases.iter().any(Phase::is_irregular)
    }

    /// One person's irregular use of this regimen: each `~` and `skip` drawn from `uniform`
    /// (numbers in [0, 1), taken in a fixed order: phase by phase, dose by dose, and for each
    /// dose whether it is missed, how early or late, and how much, for the kinds of
    /// irregularity its phase has). The same numbers give the same doses; a regular regimen
    /// comes back unchanged and draws nothing. The text ([`Regimen::describe`]) stays the one
    /// written.
    pub fn realize(&self, uniform: &mut dyn FnMut() -> f64) -> Regimen {
        if !self.is_irregular() {
            return self.clone();
        }
        let mut doses = Vec::with_capacity(self.doses.len());
        let mut start_h = 0.0;
        for phase in &self.phases {
            phase.push_doses(start_h, &mut doses, &mut Expand::Drawn(&mut *uniform));
            start_h += phase.count_and_span().1;
        }
        // A late last dose of a phase may fall after the first dose of the next one.
        doses.sort_by(|a, b| a.time_h.total_cmp(&b.time_h));
        Regimen {
            doses,
            ..self.clone()
        }
    }

    /// The phases, in order.
    pub fn phases(&self) -> &[Phase] {
        &self.phases
    }

    /// Whether phase `i` is joined to the one before by `+` (a single dose taken at the same
    /// moment); false for the first phase and for phases after `then`.
    pub fn taken_with_previous(&self, i: usize) -> bool {
        self.together.get(i).copied().unwrap_or(false)
    }

    /// The end of the last phase, in hours: at least the last dose time, and
    /// later if the regimen ends with a repeat's last interval or a `wait`.
    pub fn span_h(&self) -> Hours {
        self.span_h
    }

    /// The time of the last dose, in hours, or `None` for a regimen of waits.
    pub fn last_dose_h(&self) -> Option<Hours> {
        self.doses.last().map(|dose| dose.time_h)
    }

    /// The normalised text, e.g. `10 mg heroin iv q8h x 14d` (for chart
    /// titles). It reads back as the same regimen.
    pub fn describe(&self) -> String {
        self.to_string()
    }
}

/// Whether `name` can name a drug in a regimen, so that a model's drug can be typed: lower-case
/// ASCII, a letter then letters, digits, `-` or `_`, and not a route or a keyword.
pub fn is_drug_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && Route::from_word(name).is_none()
        && !parse::is_keyword(name)
}

/// The regimen grammar in short, for `--help` and the explorer: units, routes, `drugs`, phases,
/// repeat forms, limits and three examples. Written from the same tables and limits the parser
/// uses, so it cannot drift from them.
pub fn grammar_summary(drugs: &[String]) -> String {
    format!(
        "REGIMEN GRAMMAR (case does not matter):\n  \
         dose      AMOUNT [DRUG] ROUTE            e.g. 10mg iv, 30mg morphine oral\n  \
         repeat    DOSE qINTERVAL x COUNT|DURATION e.g. 10mg iv q8h x 14d, 10mg iv q8h x 42\n  \
         pause     wait DURATION                   e.g. wait 21d\n  \
         taper     taper AMOUNT [DRUG] ROUTE qINTERVAL over DURATION to AMOUNT\n  \
         phases    PHASE then PHASE ...            (a single dose takes no time)\n  \
         together  DOSE + DOSE ...                 e.g. 10mg heroin iv + 0.5mg fentanyl iv\n  \
         irregular AMOUNT~PCT% (amount varies), qINTERVAL~TIME (early or late), \
         x ... skip PCT% (missed);\n            \
         each person draws their own (--seed): e.g. 10mg~40% iv q8h~2h x 14d skip 20%\n  \
         amounts   mg, ug, mcg, µg                 durations: min, h, d, w\n  \
         routes    {routes}\n  \
         drugs     {drugs} (default heroin)\n  \
         limits    dose more than 0 and at most {MAX_DOSE_MG} mg (at one moment too); interval \
         at least {MIN_INTERVAL_MIN} min; at most {MAX_SPAN_DAYS} days, {MAX_DOSES} doses, \
         {MAX_TEXT_CHARS} characters\n\n\
         EXAMPLES:\n  \
         \"10mg iv\"                                   one dose: no withdrawal\n  \
         \"10mg iv q8h x 14d\"                         two weeks of use, then stop\n  \
         \"10mg iv q8h x 14d then wait 21d then 10mg iv\"  relapse after tolerance is lost",
        routes = crate::dose::route_list(),
        drugs = drugs.join(", "),
    )
}

/// The dose limit holds for each moment, not only for each written dose: single doses joined
/// by `then` or `+` take no time, so `1000mg iv then 1000mg iv` is 2000 mg at once. Checks the doses
/// of one drug at the time of each dose the phase just added (doses are in time order, so the
/// doses at one moment are adjacent).
fn check_amount_at_once(
    doses: &[Dose],
    first_new: usize,
    phase: &parse::ParsedPhase,
) -> Result<(), RegimenError> {
    for (i, new) in doses.iter().enumerate().skip(first_new) {
        let total_mg: f64 = doses[..=i]
            .iter()
            .rev()
            .take_while(|d| d.time_h == new.time_h)
            .filter(|d| d.drug == new.drug)
            .map(|d| d.amount_mg)
            .sum();
        if total_mg > MAX_DOSE_MG {
            return Err(RegimenError::TooMuchAtOnce {
                column: phase.column,
                found: phase.text.clone(),
                drug: new.drug.clone(),
                time_h: new.time_h,
                total_mg,
                max_mg: MAX_DOSE_MG,
            });
        }
    }
    Ok(())
}

impl fmt::Display for Regimen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, phase) in self.phases.iter().enumerate() {
            if i > 0 {
                let joined = self.together.get(i).copied().unwrap_or(false);
                f.write_str(if joined { " + " } else { " then " })?;
            }
            write!(f, "{phase}")?;
        }
        Ok(())
    }
}

impl FromStr for Regimen {
    type Err = RegimenError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Regimen::parse(text)
    }
}

impl TryFrom<String> for Regimen {
    type Error = RegimenError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Regimen::parse(&text)
    }
}

impl From<Regimen> for String {
    fn from(regimen: Regimen) -> String {
        regimen.describe()
    }
}

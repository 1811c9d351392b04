//! Errors from reading a regimen.
//!
//! Students type regimens, so every message is one line that says where the
//! problem is (1-based column, counted in characters, and the offending text),
//! what is wrong, and what would be accepted. The messages do not repeat the
//! input; a caller that shows them adds it as context, e.g.
//! `cannot read regimen "10mg iv q8 x 14d": at column 9 ("q8"): ...`.

use super::{MAX_DOSES, MAX_DOSE_MG, MAX_SPAN_DAYS, MIN_INTERVAL_MIN};
use crate::dose::{route_list, Route};

/// Which kind of unit a number needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitKind {
    /// A mass unit for an amount: mg, ug, µg or mcg.
    Mass,
    /// A time unit for an interval or duration: min, h, d or w.
    Time,
}

impl UnitKind {
    /// The accepted units, for messages.
    pub fn accepted(self) -> &'static str {
        match self {
            UnitKind::Mass => "mg, ug, µg or mcg",
            UnitKind::Time => "min, h, d or w (also hr, hours, days, weeks)",
        }
    }

    /// A short example of a number with this kind of unit.
    pub fn example(self) -> &'static str {
        match self {
            UnitKind::Mass => "10mg or 500ug",
            UnitKind::Time => "q8h, q30min or x 14d",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            UnitKind::Mass => "mass",
            UnitKind::Time => "time",
        }
    }
}

/// Why a regimen could not be read. Every variant but [`RegimenError::Empty`]
/// carries the 1-based `column` (in characters) where the problem starts and
/// the offending text `found` (empty at the end of the input).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RegimenError {
    /// Nothing but whitespace was given.
    #[error("the regimen is empty; write a dose such as 10mg iv or 10mg iv q8h x 14d")]
    Empty,

    /// A character that has no place in a regimen (punctuation, emoji, ...).
    #[error(
        "at column {column} ({found:?}): unexpected character; a regimen has only numbers, \
         words, spaces and the signs + ~ % (names may also use '-' and '_')"
    )]
    UnexpectedChar {
        /// Where the character is.
        column: usize,
        /// The character.
        found: char,
    },

    /// A number with a leading minus sign.
    #[error(
        "at column {column} ({}): amounts, intervals, durations and counts must be positive; \
         remove the '-'",
        quote(.found)
    )]
    NegativeNumber {
        /// Where the '-' is.
        column: usize,
        /// The signed number as typed, e.g. `-10`.
        found: String,
    },

    /// Digits and dots that do not form a plain decimal such as 10, 2.5 or .5.
    #[error("at column {column} ({}): {reason}", quote(.found))]
    InvalidNumber {
        /// Where the number starts.
        column: usize,
        /// The number as typed.
        found: String,
        /// What is wrong and what to write instead.
        reason: &'static str,
    },

    /// Something other than what the grammar allows here.
    #[error("at column {column} ({}): expected {expected}", quote(.found))]
    Syntax {
        /// Where the unexpected text starts.
        column: usize,
        /// The unexpected text (empty at the end of the input).
        found: String,
        /// What would have been accepted, with an example.
        expected: String,
    },

    /// A number with no unit after it.
    #[error(
        "at column {column} ({}): the number needs a {} unit: {}; e.g. {}",
        quote(.found), .kind.noun(), .kind.accepted(), .kind.example()
    )]
    MissingUnit {
        /// Where the number (or `q` before it) starts.
        column: usize,
        /// The number as typed, e.g. `10` or `q8`.
        found: String,
        /// The kind of unit that is needed.
        kind: UnitKind,
    },

    /// A word after a number that is not a unit of the needed kind.
    #[error(
        "at column {column} ({}): '{found}' is not a {} unit; expected {}; e.g. {}",
        quote(.found), .kind.noun(), .kind.accepted(), .kind.example()
    )]
    UnknownUnit {
        /// Where the word starts.
        column: usize,
        /// The word.
        found: String,
        /// The kind of unit that is needed.
        kind: UnitKind,
    },

    /// The unit `m`, which could mean minutes or months.
    #[error(
        "at column {column} ({}): the unit 'm' is ambiguous (minutes? months?); write min for \
         minutes, e.g. q30min",
        quote(.found)
    )]
    AmbiguousMinutes {
        /// Where the `m` is.
        column: usize,
        /// The `m` as typed.
        found: String,
    },

    /// A dose without a route of administration.
    #[error(
        "at column {column} ({}): a dose needs a route after {after:?}: one of {} \
         (e.g. 10mg heroin iv)",
        quote(.found), route_list()
    )]
    MissingRoute {
        /// Where the route should be.
        column: usize,
        /// What came instead (empty at the end of the input).
        found: String,
        /// The amount or drug name that the route should follow.
        after: String,
    },

    /// A word in route position that is not a route.
    #[error(
        "at column {column} ({}): unknown route '{found}'; expected one of {}{}",
        quote(.found), route_list(), did_you_mean(*.suggestion)
    )]
    UnknownRoute {
        /// Where the word starts.
        column: usize,
        /// The word.
        found: String,
        /// A route the word is probably a misspelling of.
        suggestion: Option<Route>,
    },

    /// An interval (`q8h`) without `x <count|duration>` after it.
    #[error(
        "at column {column} ({}): a repeat needs x <count|duration> after the interval, \
         e.g. q8h x 14d (for 14 days) or q8h x 42 (42 doses)",
        quote(.found)
    )]
    MissingRepeat {
        /// Where the interval starts.
        column: usize,
        /// The interval as typed, e.g. `q8h`.
        found: String,
    },

    /// `then` at the end, with no phase after it.
    #[error(
        "at column {column} (\"then\"): nothing follows 'then'; add a dose such as 10mg iv or \
         a pause such as wait 21d, or remove 'then'"
    )]
    DanglingThen {
        /// Where the `then` is.
        column: usize,
    },

    /// A dose count (`x 2.5`) that is not a whole number.
    #[error(
        "at column {column} ({}): a count of doses must be a whole number such as x 42; \
         for a length of time add a unit, e.g. x 2.5d",
        quote(.found)
    )]
    CountNotWhole {
        /// Where the count starts.
        column: usize,
        /// The count as typed.
        found: String,
    },

    /// A dose of zero, or above [`MAX_DOSE_MG`].
    #[error(
        "at column {column} ({}): a dose must be more than 0 mg and at most {max_mg} mg \
         (the largest doses in heroin-assisted treatment are about 700 mg a session); \
         this is {} mg",
        quote(.found), short_beside(*.value_mg, *.max_mg)
    )]
    DoseOutOfRange {
        /// Where the amount starts.
        column: usize,
        /// The amount as typed, e.g. `1500mg`.
        found: String,
        /// The amount in mg.
        value_mg: f64,
        /// The limit, [`MAX_DOSE_MG`].
        max_mg: f64,
    },

    /// Irregular use (`~`, `skip`) written where it has no meaning or out of its range.
    #[error("at column {column} ({}): {problem}", quote(.found))]
    Irregular {
        /// Where the `~`, the `skip` or the percentage starts.
        column: usize,
        /// The text as typed.
        found: String,
        /// What is wrong, what is accepted, and an example.
        problem: String,
    },

    /// An interval shorter than [`MIN_INTERVAL_MIN`].
    #[error(
        "at column {column} ({}): an interval must be at least {min_min} min (doses closer \
         together than that are one dose); this is {} min",
        quote(.found), short_beside(*.value_min, *.min_min)
    )]
    IntervalTooShort {
        /// Where the interval starts.
        column: usize,
        /// The interval as typed, e.g. `q0.5min`.
        found: String,
        /// The interval in minutes.
        value_min: f64,
        /// The limit, [`MIN_INTERVAL_MIN`].
        min_min: f64,
    },

    /// `wait 0d`.
    #[error(
        "at column {column} ({}): a wait must be longer than zero, e.g. wait 21d; \
         remove it if no time should pass",
        quote(.found)
    )]
    ZeroWait {
        /// Where the `wait` is.
        column: usize,
        /// The wait as typed, e.g. `wait 0d`.
        found: String,
    },

    /// `x 0` or `x 0d`: a repeat with no doses.
    #[error(
        "at column {column} ({}): a repeat must give at least one dose; use a count of 1 \
         or more (x 42) or a duration longer than zero (x 14d)",
        quote(.found)
    )]
    ZeroRepeat {
        /// Where the `x` is.
        column: usize,
        /// The repeat as typed, e.g. `x 0`.
        found: String,
    },

    /// The regimen lasts longer than [`MAX_SPAN_DAYS`].
    #[error(
        "at column {column} ({}): the regimen would last {} days, more than the \
         limit of {max_days} days (a year shows tolerance and withdrawal and keeps the \
         simulation fast); shorten a repeat or a wait",
        quote(.found), short_beside(*.span_days, *.max_days)
    )]
    TooLong {
        /// Where the phase that crosses the limit starts.
        column: usize,
        /// That phase as typed.
        found: String,
        /// The span of the regimen up to the end of that phase, in days.
        span_days: f64,
        /// The limit, [`MAX_SPAN_DAYS`].
        max_days: f64,
    },

    /// Doses of one drug at one moment that add up to more than [`MAX_DOSE_MG`] (single
    /// doses joined by `then` take no time).
    #[error(
        "at column {column} ({}): the doses of {drug} at {} h add up to {} mg, more than the \
         limit of {max_mg} mg for one moment; put a wait between them, e.g. 500mg iv then \
         wait 8h then 500mg iv",
        quote(.found), short(*.time_h), short_beside(*.total_mg, *.max_mg)
    )]
    TooMuchAtOnce {
        /// Where the phase that crosses the limit starts.
        column: usize,
        /// That phase as typed.
        found: String,
        /// The drug.
        drug: String,
        /// When (h from the start).
        time_h: f64,
        /// The total taken at that moment, in mg.
        total_mg: f64,
        /// The limit, [`MAX_DOSE_MG`].
        max_mg: f64,
    },

    /// A drug name with characters other than ASCII letters, digits, `-` and `_`.
    #[error(
        "at column {column} ({}): a drug name is written with the letters a-z, digits, '-' \
         and '_', e.g. morphine",
        quote(.found)
    )]
    DrugName {
        /// Where the name starts.
        column: usize,
        /// The name as typed.
        found: String,
    },

    /// Regimen text longer than [`MAX_TEXT_CHARS`](super::MAX_TEXT_CHARS).
    #[error(
        "the regimen is {chars} characters long, more than the limit of {max} (a year of use \
         fits in a few phases); shorten it or use a repeat such as 10mg iv q8h x 14d"
    )]
    TooManyChars {
        /// The length given, in characters.
        chars: usize,
        /// The limit, [`MAX_TEXT_CHARS`](super::MAX_TEXT_CHARS).
        max: usize,
    },

    /// More than [`MAX_DOSES`] dose events.
    #[error(
        "at column {column} ({}): the regimen would have {} doses, more than the limit \
         of {max} (keeps the simulation fast); use a longer interval or a shorter repeat",
        quote(.found), short(*.count)
    )]
    TooManyDoses {
        /// Where the phase (or count) that crosses the limit starts.
        column: usize,
        /// That phase (or count) as typed.
        found: String,
        /// The number of doses up to the end of that phase (a float: a typed count can be
        /// larger than any integer type).
        count: f64,
        /// The limit, [`MAX_DOSES`].
        max: usize,
    },
}

impl RegimenError {
    /// The 1-based column (in characters) where the problem starts, if the
    /// error has a position.
    pub fn column(&self) -> Option<usize> {
        match self {
            RegimenError::Empty | RegimenError::TooManyChars { .. } => None,
            RegimenError::UnexpectedChar { column, .. }
            | RegimenError::NegativeNumber { column, .. }
            | RegimenError::InvalidNumber { column, .. }
            | RegimenError::Syntax { column, .. }
            | RegimenError::MissingUnit { column, .. }
            | RegimenError::UnknownUnit { column, .. }
            | RegimenError::AmbiguousMinutes { column, .. }
            | RegimenError::MissingRoute { column, .. }
            | RegimenError::UnknownRoute { column, .. }
            | RegimenError::MissingRepeat { column, .. }
            | RegimenError::DanglingThen { column }
            | RegimenError::CountNotWhole { column, .. }
            | RegimenError::DoseOutOfRange { column, .. }
            | RegimenError::Irregular { column, .. }
            | RegimenError::IntervalTooShort { column, .. }
            | RegimenError::ZeroWait { column, .. }
            | RegimenError::ZeroRepeat { column, .. }
            | RegimenError::TooLong { column, .. }
            | RegimenError::TooMuchAtOnce { column, .. }
            | RegimenError::DrugName { column, .. }
            | RegimenError::TooManyDoses { column, .. } => Some(*column),
        }
    }

    pub(crate) fn dose_out_of_range(column: usize, found: &str, value_mg: f64) -> Self {
        RegimenError::DoseOutOfRange {
            column,
            found: found.to_string(),
            value_mg,
            max_mg: MAX_DOSE_MG,
        }
    }

    pub(crate) fn interval_too_short(column: usize, found: &str, value_min: f64) -> Self {
        RegimenError::IntervalTooShort {
            column,
            found: found.to_string(),
            value_min,
            min_min: MIN_INTERVAL_MIN,
        }
    }

    pub(crate) fn too_long(column: usize, found: &str, span_days: f64) -> Self {
        RegimenError::TooLong {
            column,
            found: found.to_string(),
            span_days,
            max_days: MAX_SPAN_DAYS,
        }
    }

    pub(crate) fn too_many_doses(column: usize, found: &str, count: f64) -> Self {
        RegimenError::TooManyDoses {
            column,
            found: found.to_string(),
            count,
            max: MAX_DOSES,
        }
    }
}

/// The offending text for a message: `"q8"`, or `end of input`.
fn quote(found: &str) -> String {
    if found.is_empty() {
        "end of input".to_string()
    } else if found.chars().count() > QUOTE_MAX_CHARS {
        let head: String = found.chars().take(QUOTE_MAX_CHARS).collect();
        format!("{head:?}...")
    } else {
        format!("{found:?}")
    }
}

/// The longest offending text a message quotes; longer text is cut, so that a message stays
/// one readable line whatever was typed.
const QUOTE_MAX_CHARS: usize = 40;

/// A number for a message, rounded to at most 3 decimals: `379.167`, `0.5`; a million or more
/// in scientific notation (`1.00e26`). A value that rounds onto `limit` without being equal to
/// it is written out in full (`1000.0000001`), so that a message never says "more than 1000:
/// this is 1000".
fn short_beside(value: f64, limit: f64) -> String {
    if !value.is_finite() {
        return "an unbounded number of".to_string();
    }
    if value.abs() >= 1e6 {
        return format!("{value:.2e}");
    }
    let rounded = format!("{value:.3}");
    let trimmed = rounded.trim_end_matches('0').trim_end_matches('.');
    if trimmed.parse::<f64>() == Ok(limit) && value != limit {
        return value.to_string();
    }
    trimmed.to_string()
}

/// [`short_beside`] for a number compared with no limit.
pub(super) fn short(value: f64) -> String {
    short_beside(value, f64::NAN)
}

fn did_you_mean(suggestion: Option<Route>) -> String {
    suggestion.map_or_else(String::new, |route| format!(" (did you mean {route}?)"))
}

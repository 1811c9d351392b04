//! The parts of a regimen as data: amounts, durations and phases, with their
//! normalised text and the dose events each phase produces.

use std::fmt;

use super::{Dose, Hours, Route};

/// A mass unit for an amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MassUnit {
    /// Milligram.
    Mg,
    /// Microgram, typed `ug`, `µg` or `mcg`; written `mcg`, the spelling
    /// clinical safety guidance recommends because `µg` is easily misread as `mg`.
    Mcg,
}

impl MassUnit {
    /// Reads a lower-case unit word.
    pub(super) fn from_word(word: &str) -> Option<MassUnit> {
        match word {
            "mg" => Some(MassUnit::Mg),
            // U+00B5 MICRO SIGN and U+03BC GREEK SMALL LETTER MU both look like µ.
            "ug" | "µg" | "μg" | "mcg" => Some(MassUnit::Mcg),
            _ => None,
        }
    }

    /// Milligrams per unit.
    pub fn mg(self) -> f64 {
        match self {
            MassUnit::Mg => 1.0,
            MassUnit::Mcg => 1e-3,
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            MassUnit::Mg => "mg",
            MassUnit::Mcg => "mcg",
        }
    }
}

/// An amount of drug as written, e.g. 500 mcg.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Amount {
    /// The number as written.
    pub value: f64,
    /// The unit as written.
    pub unit: MassUnit,
}

impl Amount {
    /// The amount in milligrams.
    pub fn mg(self) -> f64 {
        self.value * self.unit.mg()
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.value, self.unit.symbol())
    }
}

/// A time unit for an interval or duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    /// Minute (`min`; `m` is rejected as ambiguous).
    Min,
    /// Hour (`h`, `hr`, `hrs`, `hour`, `hours`).
    H,
    /// Day (`d`, `day`, `days`).
    D,
    /// Week (`w`, `wk`, `week`, `weeks`).
    W,
}

impl TimeUnit {
    /// Reads a lower-case unit word.
    pub(super) fn from_word(word: &str) -> Option<TimeUnit> {
        match word {
            "min" | "mins" | "minute" | "minutes" => Some(TimeUnit::Min),
            "h" | "hr" | "hrs" | "hour" | "hours" => Some(TimeUnit::H),
            "d" | "day" | "days" => Some(TimeUnit::D),
            "w" | "wk" | "wks" | "week" | "weeks" => Some(TimeUnit::W),
            _ => None,
        }
    }

    /// Hours per unit.
    pub fn hours(self) -> Hours {
        match self {
            TimeUnit::Min => 1.0 / 60.0,
            TimeUnit::H => 1.0,
            TimeUnit::D => 24.0,
            TimeUnit::W => 24.0 * 7.0,
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            TimeUnit::Min => "min",
            TimeUnit::H => "h",
            TimeUnit::D => "d",
            TimeUnit::W => "w",
        }
    }
}

/// A length of time as written, e.g. 14 d.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Duration {
    /// The number as written.
    pub value: f64,
    /// The unit as written.
    pub unit: TimeUnit,
}

impl Duration {
    /// The duration in hours.
    pub fn hours(self) -> Hours {
        self.value * self.unit.hours()
    }
}

impl fmt::Display for Duration {
    /// Written glued, as in `q8h` and `x 14d`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.value, self.unit.symbol())
    }
}

/// A percentage as written, e.g. `40%` (irregular use: a dose's spread, a share of missed
/// doses). More than 0 and less than 100.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Percent(pub f64);

impl Percent {
    /// As a fraction (0.4 for 40%).
    pub fn fraction(self) -> f64 {
        self.0 / 100.0
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", self.0)
    }
}

/// How the doses of a phase are laid out: as written, or one person's irregular use.
pub(super) enum Expand<'a> {
    /// Every dose on time, none missed, each of the written amount (the average schedule).
    AsWritten,
    /// Every dose of the largest amount its spread allows, on time: to check the limits.
    Largest,
    /// One realisation of irregular use, from uniform numbers in [0, 1) drawn in a fixed order
    /// (for each dose: missed?, then how early or late, then how much), only for the kinds of
    /// irregularity the phase has.
    Drawn(&'a mut dyn FnMut() -> f64),
}

/// How long a repeat goes on: `x 42` or `x 14d`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Repeat {
    /// A number of doses (at least 1).
    Count(usize),
    /// A length of time; doses fall at every interval strictly before its end.
    For(Duration),
}

impl fmt::Display for Repeat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Repeat::Count(count) => write!(f, "{count}"),
            Repeat::For(duration) => write!(f, "{duration}"),
        }
    }
}

/// A repeating schedule: every `every`, `repeat` long (`q8h x 14d`), possibly irregular
/// (`q8h~2h x 14d skip 20%`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Schedule {
    /// The interval between doses.
    pub every: Duration,
    /// How many doses, or for how long.
    pub repeat: Repeat,
    /// `q8h~2h`: each dose after the first up to this much early or late (uniformly), less
    /// than half the interval so that doses keep their order.
    pub jitter: Option<Duration>,
    /// `skip 20%`: each dose after the first is missed with this probability.
    pub skip: Option<Percent>,
}

impl Schedule {
    /// The number of doses and the length of the phase in hours.
    ///
    /// For `x <duration>` the doses fall at `k * every` for every `k` with
    /// `k * every < duration` (at least one), and the phase lasts the
    /// duration; for `x <count>` the phase lasts `count * every`.
    pub fn count_and_span(&self) -> (usize, Hours) {
        let every = self.every.hours();
        match self.repeat {
            Repeat::Count(count) => (count, count as f64 * every),
            Repeat::For(duration) => {
                let span = duration.hours();
                // Doses at k * every < span. The small allowance keeps rounding
                // (e.g. 1 h / 10 min = 6.000000000000001) from adding a dose.
                let count = (span / every - 1e-9).ceil().max(1.0);
                // The parser limits span / every, so the cast cannot saturate
                // in practice; `as` saturates rather than panics regardless.
                (count as usize, span)
            }
        }
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "q{}", self.every)?;
        if let Some(jitter) = self.jitter {
            write!(f, "~{jitter}")?;
        }
        write!(f, " x {}", self.repeat)?;
        if let Some(skip) = self.skip {
            write!(f, " skip {skip}")?;
        }
        Ok(())
    }
}

/// One step of a regimen; phases run one after another.
#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    /// `wait 21d`: time passes with no doses (abstinence).
    Wait(Duration),
    /// `10mg heroin iv` or `10mg heroin iv q8h x 14d`.
    Doses {
        /// The amount of each dose.
        amount: Amount,
        /// `10mg~40%`: each dose up to this share more or less than `amount` (uniformly): the
        /// purity of street drugs varies.
        spread: Option<Percent>,
        /// The drug, lower-cased.
        drug: String,
        /// The route of every dose.
        route: Route,
        /// The repeat; `None` for a single dose.
        schedule: Option<Schedule>,
    },
    /// `taper 100mg heroin iv q8h over 14d to 10mg`: doses every interval
    /// for the duration, the amount changing in a straight line from `from`
    /// (first dose) to `to` (last dose).
    Taper {
        /// The amount of the first dose.
        from: Amount,
        /// The amount of the last dose.
        to: Amount,
        /// The drug, lower-cased.
        drug: String,
        /// The route of every dose.
        route: Route,
        /// The interval between doses.
        every: Duration,
        /// How long the taper lasts.
        over: Duration,
    },
}

impl Phase {
    /// The number of doses and the length of the phase in hours.
    pub fn count_and_span(&self) -> (usize, Hours) {
        match self {
            Phase::Wait(duration) => (0, duration.hours()),
            Phase::Doses { schedule: None, .. } => (1, 0.0),
            Phase::Doses {
                schedule: Some(schedule),
                ..
            } => schedule.count_and_span(),
            Phase::Taper { every, over, .. } => Schedule {
                every: *every,
                repeat: Repeat::For(*over),
                jitter: None,
                skip: None,
            }
            .count_and_span(),
        }
    }

    /// Whether the phase has irregular use (`~` on an amount or an interval, or `skip`).
    pub fn is_irregular(&self) -> bool {
        match self {
            Phase::Doses {
                spread, schedule, ..
            } => {
                spread.is_some() || schedule.is_some_and(|s| s.jitter.is_some() || s.skip.is_some())
            }
            Phase::Wait(_) | Phase::Taper { .. } => false,
        }
    }

    /// Appends this phase's doses, starting at `start`, to `doses`, laid out as `expand` says.
    /// The first dose of a phase is always taken, on time and (unless drawn) of the written
    /// amount: it marks where the phase starts.
    pub(super) fn push_doses(&self, start: Hours, doses: &mut Vec<Dose>, expand: &mut Expand) {
        let (count, _) = self.count_and_span();
        match self {
            Phase::Wait(_) => {}
            Phase::Doses {
                amount,
                spread,
                drug,
                route,
                schedule,
            } => {
                let every = schedule.map_or(0.0, |s| s.every.hours());
                let skip = schedule.and_then(|s| s.skip).map(Percent::fraction);
                let jitter_h = schedule.and_then(|s| s.jitter).map(Duration::hours);
                let spread = spread.map(Percent::fraction);
                for k in 0..count {
                    let mut time_h = start + k as f64 * every;
                    let mut amount_mg = amount.mg();
                    match expand {
                        Expand::AsWritten => {}
                        Expand::Largest => amount_mg *= 1.0 + spread.unwrap_or(0.0),
                        Expand::Drawn(uniform) => {
                            let missed = skip.is_some_and(|p| uniform() < p);
                            if let Some(j) = jitter_h {
                                let u = uniform();
                                if k > 0 {
                                    time_h += (2.0 * u - 1.0) * j;
                                }
                            }
                            if let Some(f) = spread {
                                amount_mg *= 1.0 + (2.0 * uniform() - 1.0) * f;
                            }
                            if missed && k > 0 {
                                continue;
                            }
                        }
                    }
                    doses.push(Dose {
                        time_h,
                        amount_mg,
                        drug: drug.clone(),
                        route: *route,
                    });
                }
            }
            Phase::Taper {
                from,
                to,
                drug,
                route,
                every,
                ..
            } => {
                let (from, to, every) = (from.mg(), to.mg(), every.hours());
                let steps = count.saturating_sub(1).max(1) as f64;
                doses.extend((0..count).map(|k| {
                    // Written so that the first and last doses are exactly `from` and `to`.
                    let t = k as f64 / steps;
                    Dose {
                        time_h: start + k as f64 * every,
                        amount_mg: from * (1.0 - t) + to * t,
                        drug: drug.clone(),
                        route: *route,
                    }
                }));
            }
        }
    }
}

impl fmt::Display for Phase {
    /// The normalised text, e.g. `10 mg heroin iv q8h x 14d`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Phase::Wait(duration) => write!(f, "wait {duration}"),
            Phase::Doses {
                amount,
                spread,
                drug,
                route,
                schedule,
            } => {
                write!(f, "{amount}")?;
                if let Some(spread) = spread {
                    write!(f, "~{spread}")?;
                }
                write!(f, " {drug} {route}")?;
                if let Some(schedule) = schedule {
                    write!(f, " {schedule}")?;
                }
                Ok(())
            }
            Phase::Taper {
                from,
                to,
                drug,
                route,
                every,
                over,
            } => {
                write!(
                    f,
                    "taper {from} {drug} {route} q{every} over {over} to {to}"
                )
            }
        }
    }
}

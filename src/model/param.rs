//! A documented parameter: value, unit, source, confidence and note, as written in a model file.
//!
//! Every number in a model file is a [`Param`]. On loading, [`Param::to`] checks that the value is
//! finite and that the unit is one of the units accepted for that quantity, and converts it to the
//! model's internal unit (hours, litres, micromoles, nanomolar).

use serde::{Deserialize, Serialize};

use super::ModelError;

/// How far a value can be trusted, as graded in `REFERENCE.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Confidence {
    /// Read in a paper's abstract or a primary table.
    H,
    /// From a secondary source or a review.
    M,
    /// A textbook value, a rodent value or a calibration: needs confirmation.
    L,
}

/// One parameter as written in a model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Param {
    /// The number, in `unit`.
    pub value: f64,
    /// The unit the value is written in (for example `"L/h"` or `"min"`).
    pub unit: String,
    /// Where the value comes from (a citation, or "calibration" with the target it was set for).
    pub source: String,
    /// How far the value can be trusted.
    pub confidence: Confidence,
    /// What the value means here, and any caveat (rodent data, a value from memory, a range).
    pub note: String,
    /// How the value differs between people, for cohorts (`opioid-sim cohort`); absent for a
    /// value every simulated person shares.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variability: Option<Variability>,
}

/// The largest coefficient of variation a parameter may carry: 200%, already a 95% range of
/// about x0.1 to x6 around the typical value.
pub const MAX_CV: f64 = 2.0;

/// How a parameter differs between people: log-normal around the written value.
///
/// A person's value is `value x exp(eta)` with `eta ~ Normal(0, omega^2)` and
/// `omega^2 = ln(1 + cv^2)`: the written value is the typical (median) person, as a
/// population model's THETA with an exponential ETA (NONMEM's `THETA * EXP(ETA)`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variability {
    /// Coefficient of variation of the log-normal distribution (0.26 for 26%), 0 to [`MAX_CV`].
    pub cv: f64,
    /// Parameters with the same `shared` name take one draw per person (the same standard
    /// normal deviate, each scaled by its own omega): one person's receptor sensitivity moves
    /// every ligand's constant together, as one ETA on several THETAs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared: Option<String>,
    /// Where the spread comes from.
    pub source: String,
    /// What it means here, and any caveat.
    pub note: String,
}

impl Variability {
    /// The standard deviation of `ln(value)`: `sqrt(ln(1 + cv^2))`.
    pub fn omega(&self) -> f64 {
        (1.0 + self.cv * self.cv).ln().sqrt()
    }
}

/// The kinds of quantity a parameter can hold, each with its accepted units and the factor that
/// converts a value in that unit to the internal unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    /// Time, internally hours.
    Time,
    /// Volume, internally litres.
    Volume,
    /// Clearance, internally litres per hour.
    Clearance,
    /// Molar concentration, internally nanomolar.
    Concentration,
    /// Molar mass, grams per mole.
    MolarMass,
    /// A pure number (fraction, ratio, efficacy, Hill coefficient).
    Dimensionless,
}

impl Quantity {
    /// The accepted units and their conversion factors to the internal unit.
    pub fn units(self) -> &'static [(&'static str, f64)] {
        match self {
            Quantity::Time => &[
                ("s", 1.0 / 3600.0),
                ("min", 1.0 / 60.0),
                ("h", 1.0),
                ("d", 24.0),
            ],
            Quantity::Volume => &[("L", 1.0), ("mL", 1e-3)],
            Quantity::Clearance => &[("L/h", 1.0), ("L/min", 60.0), ("mL/min", 0.06)],
            Quantity::Concentration => &[("nM", 1.0), ("uM", 1e3)],
            Quantity::MolarMass => &[("g/mol", 1.0)],
            Quantity::Dimensionless => &[("1", 1.0)],
        }
    }

    fn accepted(self) -> String {
        self.units()
            .iter()
            .map(|(u, _)| format!("\"{u}\""))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The range a parameter must lie in, in the model's internal unit (hours, litres, litres per
/// hour, nanomolar, grams per mole, pure numbers), and what it is called in an error message.
///
/// Every parameter is checked against one of the ranges below when a model file is loaded
/// ([`Param::to`]), so that a value the equations or the solver cannot handle (a Hill
/// coefficient of 200, a half-life of a nanosecond, a fraction above 1) is refused with its
/// field, value and range before anything runs. The ranges are wide: each is the physiologically
/// or pharmacologically plausible span for its kind of parameter, well beyond the shipped model's
/// values (every one of them within x0.2-x5 of `models/heroin.toml` is accepted, except
/// fractions pushed above 1 and the few noted below), not a calibration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bound {
    /// What the value is, for the error message ("a half-life", "a Hill coefficient").
    pub what: &'static str,
    /// Smallest accepted value (internal unit).
    pub min: f64,
    /// Whether `min` itself is accepted.
    pub min_inclusive: bool,
    /// Largest accepted value (internal unit).
    pub max: f64,
    /// Whether `max` itself is accepted.
    pub max_inclusive: bool,
    /// The quantity, to state the range in a readable unit.
    pub quantity: Quantity,
}

/// Hours per second.
const SECOND: f64 = 1.0 / 3600.0;
/// Hours per minute.
const MINUTE: f64 = 1.0 / 60.0;
/// Hours per day.
const DAY: f64 = 24.0;

impl Bound {
    const fn closed(what: &'static str, quantity: Quantity, min: f64, max: f64) -> Bound {
        Bound {
            what,
            min,
            min_inclusive: true,
            max,
            max_inclusive: true,
            quantity,
        }
    }

    /// Molar mass: 50-2,000 g/mol (small-molecule drugs; opioids are 250-500).
    pub const MOLAR_MASS: Bound = Bound::closed("a molar mass", Quantity::MolarMass, 50.0, 2000.0);
    /// Central or peripheral volume of distribution: 0.1-10,000 L (plasma is about 3 L, and the
    /// most lipophilic drugs reach about 50 L/kg).
    pub const VOLUME: Bound = Bound::closed("a volume", Quantity::Volume, 0.1, 10_000.0);
    /// Clearance (elimination or intercompartmental): 0.01-2,000 L/h (blood flow to the whole
    /// body is about 300 L/h; esterases in blood and tissue clear heroin faster).
    pub const CLEARANCE: Bound = Bound::closed("a clearance", Quantity::Clearance, 0.01, 2000.0);
    /// Equilibrium dissociation constant at the effect site: 0.01 nM to 100 uM.
    pub const DISSOCIATION_CONSTANT: Bound = Bound::closed(
        "a dissociation constant",
        Quantity::Concentration,
        0.01,
        100_000.0,
    );
    /// Operational efficacy tau: 0 (antagonist) to 100.
    pub const EFFICACY: Bound = Bound::closed("an efficacy", Quantity::Dimensionless, 0.0, 100.0);
    /// A fraction: metabolite formation, bioavailability, dopamine inhibition.
    pub const FRACTION: Bound = Bound::closed("a fraction", Quantity::Dimensionless, 0.0, 1.0);
    /// A fraction that must stay below 1 (acute desensitization and tolerance: some receptors
    /// and some signalling always remain): from 0 to less than 1.
    pub const FRACTION_BELOW_ONE: Bound = Bound {
        max_inclusive: false,
        ..Bound::FRACTION
    };
    /// Fast half-lives (brain entry, absorption, receptor desensitization and resensitization,
    /// dopamine turnover and feedback): 10 s to 2 d.
    pub const FAST_HALF_LIFE: Bound =
        Bound::closed("a half-life", Quantity::Time, 10.0 * SECOND, 2.0 * DAY);
    /// Receptor dissociation half-life of a slowly binding ligand: 1 min to 7 d.
    pub const DISSOCIATION_HALF_LIFE: Bound =
        Bound::closed("a half-life", Quantity::Time, MINUTE, 7.0 * DAY);
    /// Half-lives of the slow adaptations (tolerance, dependence, sensitization): 10 min to
    /// 1 year.
    pub const ADAPTATION_HALF_LIFE: Bound =
        Bound::closed("a half-life", Quantity::Time, 10.0 * MINUTE, 365.0 * DAY);
    /// Absorption lag: 0 to 1 d.
    pub const LAG: Bound = Bound::closed("a lag", Quantity::Time, 0.0, DAY);
    /// Activation at which the tolerance target is half its maximum: 0.001-1 (activation is a
    /// fraction).
    pub const HALF_MAX_ACTIVATION: Bound =
        Bound::closed("an activation", Quantity::Dimensionless, 0.001, 1.0);
    /// Largest fractional rise of cyclase output X_max: 0.01-20.
    pub const SUPERACTIVATION: Bound =
        Bound::closed("a fractional rise", Quantity::Dimensionless, 0.01, 20.0);
    /// Sensitization plateau per unit unopposed drive: 0-100.
    pub const SENSITIZATION_GAIN: Bound =
        Bound::closed("a gain", Quantity::Dimensionless, 0.0, 100.0);
    /// Expressed drive at half the maximal score: 0.01-100.
    pub const HALF_MAX_DRIVE: Bound =
        Bound::closed("a drive", Quantity::Dimensionless, 0.01, 100.0);
    /// Hill coefficient of the score curve: 0.5-10 (steeper curves make the score a switch, and
    /// their powers of the drive overflow).
    pub const HILL: Bound = Bound::closed("a Hill coefficient", Quantity::Dimensionless, 0.5, 10.0);
    /// Fractional rise of dopamine release at full activation: 0-20.
    pub const DOPAMINE_STIMULATION: Bound =
        Bound::closed("a fractional rise", Quantity::Dimensionless, 0.0, 20.0);
    /// Fractional rise of a rate or of odds by a state (wanting: learning boosted by
    /// potentiation, craving raised by withdrawal): 0 (none) to 20.
    pub const AMPLIFICATION: Bound =
        Bound::closed("a fractional rise", Quantity::Dimensionless, 0.0, 20.0);
    /// A learned value in units of the value that gives half the largest wanting: 0.001-1,000.
    pub const LEARNED_VALUE: Bound =
        Bound::closed("a learned value", Quantity::Dimensionless, 0.001, 1000.0);
    /// Exponent of the dopamine autoreceptor feedback: 0 (none) to 5.
    pub const FEEDBACK_STRENGTH: Bound =
        Bound::closed("an exponent", Quantity::Dimensionless, 0.0, 5.0);

    /// Whether `v` (internal unit) is within the range; NaN and infinities never are.
    pub fn contains(&self, v: f64) -> bool {
        v.is_finite()
            && (v > self.min || (self.min_inclusive && v == self.min))
            && (v < self.max || (self.max_inclusive && v == self.max))
    }

    /// The range in words, each end in a readable unit: "a half-life from 10 s to 2 d".
    pub fn describe(&self) -> String {
        let below = if self.max_inclusive { "" } else { "less than " };
        let above = if self.min_inclusive { "" } else { "more than " };
        format!(
            "{} from {above}{} to {below}{}",
            self.what,
            self.quantity.show(self.min),
            self.quantity.show(self.max)
        )
    }
}

impl Quantity {
    /// A value in the internal unit, written with a readable unit (times in s, min, h or d).
    fn show(self, v: f64) -> String {
        let (v, unit) = match self {
            Quantity::Time if v == 0.0 => (v, " h"),
            Quantity::Time if v < MINUTE => (v / SECOND, " s"),
            Quantity::Time if v < 1.0 => (v / MINUTE, " min"),
            Quantity::Time if v < DAY => (v, " h"),
            Quantity::Time => (v / DAY, " d"),
            Quantity::Volume => (v, " L"),
            Quantity::Clearance => (v, " L/h"),
            Quantity::Concentration => (v, " nM"),
            Quantity::MolarMass => (v, " g/mol"),
            Quantity::Dimensionless => (v, ""),
        };
        // Rounded to 6 significant digits: the ends are round numbers in some unit.
        let rounded: f64 = format!("{v:.6e}").parse().unwrap_or(v);
        format!("{rounded}{unit}")
    }
}

impl Param {
    /// Checks the unit, finiteness and range, and returns the value in the internal unit.
    /// `field` is the dotted path used in error messages, e.g. `species.heroin.clearance`.
    pub fn to(&self, field: &str, quantity: Quantity, bound: Bound) -> Result<f64, ModelError> {
        self.to_with_value(self.value, field, quantity, bound)
    }

    /// [`to`](Self::to) with `value` (in this parameter's unit) in place of the value written:
    /// a person of a cohort or a step of a sensitivity analysis.
    pub fn to_with_value(
        &self,
        value: f64,
        field: &str,
        quantity: Quantity,
        bound: Bound,
    ) -> Result<f64, ModelError> {
        debug_assert_eq!(
            quantity, bound.quantity,
            "{field}: a range of another quantity"
        );
        let factor = quantity
            .units()
            .iter()
            .find(|(u, _)| *u == self.unit)
            .map(|(_, f)| *f)
            .ok_or_else(|| ModelError::Unit {
                field: field.to_string(),
                unit: self.unit.clone(),
                accepted: quantity.accepted(),
            })?;
        if let Some(v) = &self.variability {
            if !(v.cv.is_finite() && (0.0..=MAX_CV).contains(&v.cv)) {
                return Err(ModelError::Value {
                    field: format!("{field}.variability.cv"),
                    value: v.cv,
                    unit: String::new(),
                    expected: format!(
                        "a coefficient of variation from 0 to {MAX_CV} (0.26 for 26%); write one in this range"
                    ),
                });
            }
        }
        let internal = value * factor;
        if !bound.contains(internal) {
            let unit = if self.unit == "1" {
                String::new()
            } else {
                format!(" {}", self.unit)
            };
            return Err(ModelError::Value {
                field: field.to_string(),
                value,
                unit,
                expected: format!(
                    "{}; write a value within this range in the model file",
                    bound.describe()
                ),
            });
        }
        Ok(internal)
    }
}

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

/// Lower bound a parameter must respect.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// Strictly greater than zero.
    Positive,
    /// Zero or more.
    NonNegative,
    /// Within the closed interval [0, 1].
    Fraction,
}

impl Param {
    /// Checks the unit, finiteness and bound, and returns the value in the internal unit.
    /// `field` is the dotted path used in error messages, e.g. `species.heroin.clearance`.
    pub fn to(&self, field: &str, quantity: Quantity, bound: Bound) -> Result<f64, ModelError> {
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
        let ok = self.value.is_finite()
            && match bound {
                Bound::Positive => self.value > 0.0,
                Bound::NonNegative => self.value >= 0.0,
                Bound::Fraction => (0.0..=1.0).contains(&self.value),
            };
        if !ok {
            let expected = match bound {
                Bound::Positive => "a finite number greater than 0",
                Bound::NonNegative => "a finite number of 0 or more",
                Bound::Fraction => "a fraction between 0 and 1",
            };
            return Err(ModelError::Value {
                field: field.to_string(),
                value: self.value,
                expected: expected.to_string(),
            });
        }
        Ok(self.value * factor)
    }
}

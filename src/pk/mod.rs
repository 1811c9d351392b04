//! Pharmacokinetics: the linear PK part of the model solved exactly, and its fast evaluation
//! paths for the simulation (probes, stage preparation, grid samples).
//!
//! The PK *equations* are the model's ([`Model::pk_rhs`](crate::model::Model::pk_rhs), read as
//! a matrix by [`Model::pk_matrix`](crate::model::Model::pk_matrix)); this module knows nothing
//! of drugs or receptors: it propagates `dx/dt = A x` between doses, and every speed-up that ties
//! the PK to the solver's stage times lives here, each pinned to direct evaluation by a test.

pub mod closed_form;
pub mod components;

pub use closed_form::{ClosedFormError, PkPropagator, PkSegment};

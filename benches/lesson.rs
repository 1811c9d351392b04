//! Placeholder: replaced by the lesson-pack benchmark.
#![allow(missing_docs)]
fn main() {}

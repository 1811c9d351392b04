//! Runs a regimen through the default model with the library and prints its summary.
//!
//! `cargo run --example summary -- "10mg iv q8h x 14d"`

use opioid_sim::model::Model;
use opioid_sim::regimen::Regimen;
use opioid_sim::report::summary_text;
use opioid_sim::simulation::summarize;

fn run(text: &str) -> Result<String, Box<dyn std::error::Error>> {
    let model = Model::default_heroin()?;
    let regimen = Regimen::parse(text)?;
    // Simulate ten days past the last dose, on a one-minute grid.
    let summary = summarize(&model, &regimen, 240.0)?;
    Ok(summary_text(&summary, &model))
}

fn main() {
    let text = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "10mg iv q8h x 14d".to_string());
    match run(&text) {
        Ok(report) => print!("{report}"),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    }
}

#[test]
fn entry_point() {
    let one = run("10mg iv").expect("runs");
    assert!(one.contains("physically dependent  no"), "{one}");
    let two_weeks = run("10mg iv q8h x 14d").expect("runs");
    assert!(
        two_weeks.contains("physically dependent  yes"),
        "{two_weeks}"
    );
}

//! Criterion benchmark of the explorer's answer to a dose change.
//!
//! When a student changes the dose, the page asks for the chart (`/api/chart.svg`) and the
//! headline numbers (`/api/summary`) of the new regimen at once. `explorer_chart_svg` and
//! `explorer_summary` time the server's part of each for two weeks of use at 20 mg every 8 hours
//! and the default 10-day window, without sockets (`Site::answer`). The budget is 300 ms
//! from the change to the redrawn chart in the browser; the server's part should be a small
//! fraction of it (12 ms for the chart and 4 ms for the summary on the project's 2-core machine,
//! answered in parallel), the rest being the browser fetching and drawing the SVG.
#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};

use opioid_sim::explorer::{lesson_presets, Site};
use opioid_sim::model::Model;

const QUERY: &str = "regimen=20mg%20iv%20q8h%20x%2014d&observe=10d";

fn bench_dose_change(c: &mut Criterion) {
    let site = Site::new(
        Model::default_heroin().expect("default model"),
        &lesson_presets().expect("embedded presets"),
    )
    .expect("the site builds");
    for (name, path) in [
        ("explorer_chart_svg", "/api/chart.svg"),
        ("explorer_summary", "/api/summary"),
    ] {
        let target = format!("{path}?{QUERY}");
        c.bench_function(name, |b| {
            b.iter(|| {
                let reply = site.answer("GET", black_box(&target));
                assert_eq!(reply.status, 200);
                black_box(reply.body.len())
            })
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .measurement_time(Duration::from_secs(5));
    targets = bench_dose_change
}
criterion_main!(benches);

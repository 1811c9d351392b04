//! Criterion benchmarks of the simulation core.
//!
//! `simulate_30d_q8h`: one 30-day run (720 h) of 10 mg heroin IV every 8 h (90 doses), on the
//! default 5-minute output grid with the default tolerances (8,640 samples). Target: under 2 ms on
//! the project's 2-core machine; measured about 3.1-3.4 ms since model v2, 1.7 ms before
//! (ARCHITECTURE.md, "Speed", says how and where the time goes and why the target is missed).
//!
//! `simulate_30d_q8h_without_samples`: the same run with no output grid (one sample at each end),
//! to separate the integration from the sample stream.
//!
//! `summarize_28d_q8h`: what one member of a cohort costs (issue 10): `summarize` of 28 days of
//! 10 mg IV q8h and 10 days after, on the summary's one-minute grid (54,720 samples, no plasma
//! columns).
#![allow(missing_docs)] // criterion_group! generates undocumented items

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

use opioid_sim::model::Model;
use opioid_sim::regimen::Regimen;
use opioid_sim::simulation::{run, summarize, SimOptions};

fn bench_simulate(c: &mut Criterion) {
    let model = Model::default_heroin().expect("default model");
    let regimen = Regimen::parse("10mg iv q8h x 30d").expect("regimen");
    let opts = SimOptions {
        observe_h: 0.0,
        ..SimOptions::default()
    };
    c.bench_function("simulate_30d_q8h", |b| {
        b.iter(|| {
            let mut last = 0.0;
            run(&model, black_box(&regimen), &opts, &mut |s| {
                last = s.obs.withdrawal_score;
            })
            .expect("run");
            black_box(last)
        })
    });
    let no_grid = SimOptions {
        dt_h: 1000.0,
        ..opts
    };
    c.bench_function("simulate_30d_q8h_without_samples", |b| {
        b.iter(|| {
            let mut last = 0.0;
            run(&model, black_box(&regimen), &no_grid, &mut |s| {
                last = s.obs.withdrawal_score;
            })
            .expect("run");
            black_box(last)
        })
    });
    let cohort_member = Regimen::parse("10mg iv q8h x 28d").expect("regimen");
    c.bench_function("summarize_28d_q8h", |b| {
        b.iter(|| summarize(&model, black_box(&cohort_member), 240.0).expect("summary"))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default();
    targets = bench_simulate
}
criterion_main!(benches);

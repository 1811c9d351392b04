//! Criterion benchmarks of cohorts of virtual people (issue 10).
//!
//! `cohort_model_build`: one subject's draw of the variable parameters and the model built from
//! it ([`Population::draw`], [`Population::model_for`]): the per-subject overhead before any
//! simulation.
//!
//! `cohort_100_subjects_28d`: [`run_cohort`] for 100 subjects of `10mg iv q8h x 28d` (10 days
//! observed after the last dose) on a rayon pool of 2 threads. The target is 10,000
//! subjects in under 2 s, i.e. 20 ms for these 100. ARCHITECTURE.md quotes the measurements.
#![allow(missing_docs)] // criterion_group! generates undocumented items

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

use opioid_sim::cohort::{run_cohort, CohortSpec, Population};
use opioid_sim::model::DEFAULT_MODEL_TOML;
use opioid_sim::regimen::Regimen;

fn population() -> Population {
    Population::new(DEFAULT_MODEL_TOML, "models/heroin.toml").expect("default model")
}

fn bench_model_build(c: &mut Criterion) {
    let population = population();
    let mut subject = 0u64;
    c.bench_function("cohort_model_build", |b| {
        b.iter(|| {
            subject += 1;
            let values = population.draw(1, black_box(subject));
            black_box(population.model_for(&values).expect("model"))
        })
    });
}

fn bench_cohort(c: &mut Criterion) {
    let population = population();
    let regimen = Regimen::parse("10mg iv q8h x 28d").expect("regimen");
    let spec = CohortSpec {
        regimen: &regimen,
        observe_h: 240.0,
        seed: 1,
        subjects: 100,
        shard: None,
        bands: None,
        offers: None,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("thread pool");
    let mut group = c.benchmark_group("cohort");
    group.sample_size(10);
    group.bench_function("cohort_100_subjects_28d", |b| {
        b.iter(|| {
            let (table, _) = pool
                .install(|| run_cohort(&population, "bench", black_box(&spec), &|| {}))
                .expect("cohort");
            black_box(table)
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default();
    targets = bench_model_build, bench_cohort
}
criterion_main!(benches);

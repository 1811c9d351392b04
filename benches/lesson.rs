//! Criterion benchmark of the lesson pack.
//!
//! `lesson_pack`: builds all eleven lesson charts from the built-in model (every simulation and
//! probe behind them) and writes them as PNG and SVG at slide size, with the index, to a folder
//! under `target/`. Target: under 5 s on the project's 2-core machine (the budget for
//! `opioid-sim lesson` in a release build).
#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};

use opioid_sim::chart::{write_lesson, LessonChart, Size};
use opioid_sim::model::Model;

fn bench_lesson(c: &mut Criterion) {
    let model = Model::default_heroin().expect("default model");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-lesson-pack");
    std::fs::create_dir_all(&dir).expect("bench folder");
    c.bench_function("lesson_pack", |b| {
        b.iter(|| {
            let written = write_lesson(&model, &dir, Size::Slide, black_box(&LessonChart::ALL))
                .expect("the pack is written");
            black_box(written.len())
        })
    });
}

criterion_group! {
    name = benches;
    // One run takes a few hundred milliseconds: ten samples are plenty and keep the run short.
    config = Criterion::default()
        .sample_size(10)
        .measurement_time(Duration::from_secs(15));
    targets = bench_lesson
}
criterion_main!(benches);

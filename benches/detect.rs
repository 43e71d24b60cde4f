//! Every detector on a generated week of a large school: 10 million web requests (with the
//! firewall, DHCP, mail, inventory and licence logs the generator writes at the same scale),
//! under the sample school's policy.
//!
//! - `detect/all`: attribution (the as-of joins) and every rule family over frames already
//!   built, as `vigil findings` runs them after reading the logs.
//!
//! `VIGIL_BENCH_LINES` sets the web requests (default 10,000,000); `VIGIL_BENCH_DIR` keeps the
//! generated week between runs. The whole command's time and peak memory (reading included)
//! come from `VIGIL_MEMSTATS=1 vigil findings …` on the same directory (README).

use std::path::PathBuf;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use vigil_parsers::ingest::{IngestOptions, ingest};
use vigil_queries::context::Context;
use vigil_queries::detect::{Inputs, run};

fn week() -> PathBuf {
    let lines: u64 = std::env::var("VIGIL_BENCH_LINES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000_000);
    let base = std::env::var("VIGIL_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| std::env::temp_dir().join("vigil-bench"));
    let dir = base.join(format!("week-{lines}"));
    if !dir.join("ground-truth.json").exists() {
        let started = Instant::now();
        vigil::generate::generate(&vigil::generate::GenerateOptions {
            out: dir.clone(),
            days: 5,
            start: chrono::NaiveDate::from_ymd_opt(2026, 11, 16).expect("date"),
            pupils: 1200,
            staff: 140,
            guests: 20,
            seed: 1,
            scale: 1.0,
            lines: Some(lines),
            rotate: false,
        })
        .expect("generate");
        eprintln!(
            "generated {} in {:.1} s",
            dir.display(),
            started.elapsed().as_secs_f64()
        );
    }
    dir
}

fn benches(c: &mut Criterion) {
    // SAFETY: set before polars starts its pool, while the benchmark is single-threaded.
    unsafe { std::env::set_var("POLARS_MAX_THREADS", "2") };
    let dir = week();
    let policy = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-policy/policy.toml");
    let cx = Context::load(&policy).expect("policy");
    let started = Instant::now();
    let opts = IngestOptions {
        columns: vigil_queries::detect::web_columns(),
        ..IngestOptions::default()
    };
    let got = ingest(&[dir], &opts).expect("ingest");
    let rows: u64 = got.sources.iter().map(|s| s.parsed).sum();
    let inputs = Inputs::from_ingest(got, cx.tz).expect("frames");
    eprintln!(
        "read {rows} records into frames in {:.2} s (web {} rows, flow {}, mail {})",
        started.elapsed().as_secs_f64(),
        inputs.web.as_ref().map_or(0, |d| d.height()),
        inputs.flow.as_ref().map_or(0, |d| d.height()),
        inputs.mail.as_ref().map_or(0, |d| d.height()),
    );
    let started = Instant::now();
    let (outcome, _) = run(&cx, inputs.clone()).expect("detectors");
    eprintln!(
        "first run: {} findings in {:.2} s",
        outcome.findings.len(),
        started.elapsed().as_secs_f64()
    );
    let mut group = c.benchmark_group("detect");
    group.sample_size(10);
    group.bench_function("all", |b| b.iter(|| run(&cx, inputs.clone()).expect("detectors")));
    group.finish();
}

criterion_group!(detect, benches);
criterion_main!(detect);

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

#[path = "support/week.rs"]
mod week;
use vigil_parsers::ingest::{IngestOptions, ingest};
use vigil_queries::context::Context;
use vigil_queries::detect::{Inputs, run};
use week::week;

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

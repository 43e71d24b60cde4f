//! Throughput of the ingest engine on a generated Squid log.
//!
//! - `squid_parse/threads=N`: parsing an in-memory log into columns (all 28 columns kept), on a
//!   rayon pool of N threads;
//! - `ingest_top/threads=N`: the whole `vigil top` path: mapping the file, parsing with the
//!   projection `top` needs, building the DataFrame, and totals per user and per host.
//!
//! Lines default to 1,000,000 (`VIGIL_BENCH_LINES` to change); the 10-million-line numbers in
//! the README come from `benches/compare.sh`, which also measures peak memory.

use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use polars::prelude::IntoLazy;
use vigil_parsers::Format;
use vigil_parsers::discover::Found;
use vigil_parsers::ingest::{IngestOptions, ingest_files, parse_buffer};
use vigil_parsers::web::{WebColumn, WebColumns};
use vigil_queries::{TopBy, TopKey, TopOptions};

fn sample() -> (tempfile::TempDir, PathBuf, usize) {
    let lines: u64 = std::env::var("VIGIL_BENCH_LINES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("tempdir");
    vigil::generate::generate(&vigil::generate::GenerateOptions {
        out: dir.path().to_path_buf(),
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
    let path = dir.path().join("proxy/access.log");
    let len = std::fs::metadata(&path).expect("stat").len() as usize;
    (dir, path, len)
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool")
}

fn benches(c: &mut Criterion) {
    // SAFETY: set before polars starts its pool, while the benchmark is single-threaded.
    unsafe { std::env::set_var("POLARS_MAX_THREADS", "2") };
    let (_dir, path, len) = sample();
    let data = std::fs::read(&path).expect("read");

    let mut group = c.benchmark_group("squid_parse");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(len as u64));
    for threads in [1, 2] {
        let pool = pool(threads);
        let opts = IngestOptions::default();
        group.bench_function(format!("threads={threads}"), |b| {
            b.iter(|| pool.install(|| parse_buffer(&data, Format::Squid, &opts)).0.parsed)
        });
    }
    group.finish();

    let mut group = c.benchmark_group("ingest_top");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(len as u64));
    for threads in [1, 2] {
        let pool = pool(threads);
        let opts = IngestOptions {
            columns: WebColumns::of(&[WebColumn::User, WebColumn::Host, WebColumn::BytesIn, WebColumn::Action]),
            ..IngestOptions::default()
        };
        let found = [Found {
            path: path.clone(),
            explicit: true,
            format: None,
        }];
        group.bench_function(format!("threads={threads}"), |b| {
            b.iter(|| {
                pool.install(|| {
                    let got = ingest_files(&found, &opts);
                    let df = vigil_queries::web_frame(got.web).expect("frame");
                    let top = |key| {
                        vigil_queries::top(
                            df.clone().lazy(),
                            &TopOptions {
                                key,
                                by: TopBy::Bytes,
                                limit: Some(20),
                            },
                        )
                        .expect("top")
                        .len()
                    };
                    top(TopKey::Users) + top(TopKey::Hosts)
                })
            })
        });
    }
    group.finish();
}

criterion_group!(ingest, benches);
criterion_main!(ingest);

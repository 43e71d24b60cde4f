//! The generated week the benchmarks read: `VIGIL_BENCH_LINES` web requests (default
//! 10,000,000) with the firewall, DHCP, mail, inventory and licence logs the generator writes at
//! the same scale, kept in `VIGIL_BENCH_DIR` (default a temporary directory) between runs.

use std::path::PathBuf;
use std::time::Instant;

/// The week's directory, generated on first use.
pub fn week() -> PathBuf {
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

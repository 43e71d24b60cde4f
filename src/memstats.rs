//! Peak memory reporting for benchmarks: with `VIGIL_MEMSTATS=1` in the environment, vigil samples
//! its own `/proc/self/status` every few milliseconds and prints the peak anonymous memory
//! (`RssAnon`: the heap, not the mapped log files) and the peak resident set (`VmHWM`) to stderr
//! when the command ends. Linux keeps no high-water mark of `RssAnon`, hence the sampling.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// A running sampler; [`MemSampler::finish`] stops it and prints the peaks.
pub struct MemSampler {
    stop: Arc<AtomicBool>,
    peak_anon_kib: Arc<AtomicU64>,
    thread: JoinHandle<()>,
}

impl MemSampler {
    /// Starts sampling when `VIGIL_MEMSTATS` is set to a non-empty value other than `0`.
    pub fn from_env() -> Option<MemSampler> {
        let on = std::env::var("VIGIL_MEMSTATS").is_ok_and(|v| !v.is_empty() && v != "0");
        if !on {
            return None;
        }
        let stop = Arc::new(AtomicBool::new(false));
        let peak_anon_kib = Arc::new(AtomicU64::new(0));
        let (s, p) = (stop.clone(), peak_anon_kib.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                if let Some(kib) = status_kib("RssAnon:") {
                    p.fetch_max(kib, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(2));
            }
        });
        Some(MemSampler {
            stop,
            peak_anon_kib,
            thread,
        })
    }

    /// Stops sampling and prints `peak RssAnon … MiB, peak RSS … MiB` to stderr.
    pub fn finish(self) {
        if let Some(kib) = status_kib("RssAnon:") {
            self.peak_anon_kib.fetch_max(kib, Ordering::Relaxed);
        }
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.thread.join();
        let anon = self.peak_anon_kib.load(Ordering::Relaxed);
        let hwm = status_kib("VmHWM:").unwrap_or(0);
        let _ = writeln!(
            std::io::stderr(),
            "vigil: memstats: peak RssAnon {:.1} MiB, peak RSS (VmHWM, includes mapped files) {:.1} MiB",
            anon as f64 / 1024.0,
            hwm as f64 / 1024.0
        );
    }
}

fn status_kib(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    line[key.len()..].trim().trim_end_matches("kB").trim().parse().ok()
}

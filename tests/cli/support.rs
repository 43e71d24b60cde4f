//! Fixtures shared by the CLI tests.

use std::path::Path;

use assert_cmd::Command;

/// The `vigil` binary under test.
pub fn vigil() -> Command {
    let mut cmd = Command::cargo_bin("vigil").expect("vigil binary");
    cmd.env("NO_COLOR", "1");
    // vigil's access log and reviews go to a directory of the test run, not the user's home.
    cmd.env("VIGIL_STATE_DIR", state_dir());
    cmd
}

/// The state directory the tests' vigil runs use.
pub fn state_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("vigil-cli-tests-{}", std::process::id()))
}

/// A well-formed Squid line at `secs` for `user` fetching `host`.
pub fn squid_line(secs: u64, user: &str, host: &str, bytes: u64, denied: bool) -> String {
    let code = if denied { "TCP_DENIED/403" } else { "TCP_MISS/200" };
    format!(
        "{secs}.123    42 10.0.0.7 {code} {bytes} GET http://{host}/page?q=1 {user} HIER_DIRECT/192.0.2.1 text/html\n"
    )
}

/// Writes `text` to `dir/name`, returning the path.
pub fn write(dir: &Path, name: &str, text: impl AsRef<[u8]>) -> std::path::PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(&path, text).expect("write fixture");
    path
}

/// A file's text as vigil reads it: gzip decompressed.
pub fn read_text(path: &Path) -> Vec<u8> {
    use std::io::Read;
    let raw = std::fs::read(path).expect("read");
    if !raw.starts_with(&[0x1f, 0x8b]) {
        return raw;
    }
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(&raw[..])
        .read_to_end(&mut out)
        .expect("gunzip");
    out
}

/// Gzip-compresses `text`.
pub fn gzip(text: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(text).expect("gzip");
    enc.finish().expect("gzip")
}

/// Parses a command's stdout as JSON.
pub fn json(output: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// An `access.log` in `dir` holding one ordinary Squid line.
pub fn one_line_log(dir: &Path) -> std::path::PathBuf {
    write(dir, "access.log", squid_line(1_700_000_000, "-", "a.example", 1, false))
}

/// `vigil ingest --output json PATH` parsed.
pub fn ingest_json(path: &Path) -> serde_json::Value {
    json(
        &vigil()
            .args(["ingest", "--output", "json"])
            .arg(path)
            .output()
            .expect("run"),
    )
}

/// The event kinds an ingest report lists, in its order.
pub fn kinds(report: &serde_json::Value) -> Vec<&str> {
    report["kinds"]
        .as_array()
        .expect("kinds")
        .iter()
        .filter_map(|k| k["kind"].as_str())
        .collect()
}

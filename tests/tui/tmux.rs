//! The real binary in a real terminal: tmux runs `vigil tui` over the sample week, keys go in
//! with send-keys and the screen comes back with capture-pane.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::root;

/// A tmux server of its own (its own socket), killed when dropped.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(cmd: &str, w: u16, h: u16) -> Tmux {
        let socket = format!("vigil-test-{}-{}", std::process::id(), rand_suffix());
        let status = Command::new("tmux")
            .args(["-L", &socket, "-f", "/dev/null", "new-session", "-d", "-s", "t", "-x"])
            .arg(w.to_string())
            .arg("-y")
            .arg(h.to_string())
            .arg(cmd)
            .status()
            .expect("tmux must be installed for the end-to-end test (.ci/run installs it)");
        assert!(status.success(), "tmux new-session failed");
        Tmux { socket }
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.tmux(&["send-keys", "-t", "t", k]);
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "t"])
    }

    /// Waits until the screen shows `text`.
    fn wait_for(&self, text: &str, secs: u64) -> String {
        let started = Instant::now();
        loop {
            let s = self.screen();
            if s.contains(text) {
                return s;
            }
            assert!(
                started.elapsed() < Duration::from_secs(secs),
                "waited {secs} s for `{text}`; the screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn display(&self, what: &str) -> String {
        self.tmux(&["display-message", "-p", "-t", "t", what]).trim().to_owned()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["-L", &self.socket, "kill-server"]).status();
    }
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() as u64)
}

fn command(state: &Path) -> String {
    let bin = env!("CARGO_BIN_EXE_vigil");
    format!(
        "cd {root} && NO_COLOR=1 {bin} tui --policy sample-policy/policy.toml --state-dir {state} sample-logs/; \
         echo EXIT=$?; sleep 600",
        root = root().display(),
        state = state.display()
    )
}

#[test]
fn the_dashboard_in_tmux_shows_every_view_drills_to_evidence_and_exits_cleanly() {
    let state = tempfile::tempdir().expect("tempdir");
    let t = Tmux::start(&command(state.path()), 100, 30);
    // Loaded when the Overview's activity line is drawn and the search index is ready.
    t.wait_for("Activity", 120);
    assert_eq!(
        t.display("#{alternate_on}"),
        "1",
        "the dashboard uses the alternate screen"
    );
    t.keys(&["9"]);
    t.wait_for("of 159,931 events", 120);
    // Every view, by number.
    let expect = [
        ("1", "SOURCE"),
        ("2", "tried to reach"),
        ("3", "keyword."),
        ("4", "Top talkers"),
        ("5", "bypass."),
        ("6", "mail."),
        ("7", "licences."),
        ("8", "coverage."),
        ("9", "events"),
    ];
    for (key, text) in expect {
        t.keys(&[key]);
        t.wait_for(text, 10);
    }
    // Drill down: the unacceptable breach, its evidence lines, the person, back, quit.
    t.keys(&["2", "/"]);
    for c in "rule:breach.unacceptable".chars() {
        t.tmux(&["send-keys", "-t", "t", "-l", &c.to_string()]);
    }
    t.keys(&["Enter", "Enter"]);
    let s = t.wait_for("evidence:", 10);
    assert!(s.contains("access.log") && s.contains("TCP_DENIED/403"), "{s}");
    t.keys(&["p"]);
    t.wait_for("timeline:", 10);
    t.keys(&["Escape", "Escape", "q"]);
    let s = t.wait_for("EXIT=0", 10);
    assert_eq!(t.display("#{alternate_on}"), "0", "the alternate screen is left:\n{s}");
    assert_eq!(t.display("#{cursor_flag}"), "1", "the cursor is shown again");
    let log = std::fs::read_to_string(state.path().join("vigil.log")).expect("log file");
    assert!(log.contains("opened finding") && log.contains("quit"), "{log}");
}

#[test]
fn sigterm_restores_the_terminal() {
    let state = tempfile::tempdir().expect("tempdir");
    let t = Tmux::start(&command(state.path()), 80, 24);
    t.wait_for("Findings", 120);
    let pid = t.display("#{pane_pid}");
    // The pane runs a shell running vigil: signal the shell's child.
    let out = Command::new("pgrep")
        .args(["-P", &pid, "vigil"])
        .output()
        .expect("pgrep");
    let vigil_pid = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(!vigil_pid.is_empty(), "vigil runs under the pane's shell");
    let status = Command::new("kill").args(["-TERM", &vigil_pid]).status().expect("kill");
    assert!(status.success());
    t.wait_for("EXIT=", 10);
    assert_eq!(t.display("#{alternate_on}"), "0");
    assert_eq!(t.display("#{cursor_flag}"), "1");
}

#[test]
fn a_panic_restores_the_terminal_and_is_logged() {
    let state = tempfile::tempdir().expect("tempdir");
    let cmd = command(state.path()).replace("NO_COLOR=1 ", "NO_COLOR=1 VIGIL_TEST_PANIC=after-first-draw ");
    let t = Tmux::start(&cmd, 80, 24);
    let s = t.wait_for("EXIT=", 60);
    assert!(s.contains("EXIT=101"), "a panic exits 101:\n{s}");
    assert!(
        s.contains("a panic on purpose"),
        "the message is printed after the terminal is restored:\n{s}"
    );
    assert_eq!(t.display("#{alternate_on}"), "0");
    assert_eq!(t.display("#{cursor_flag}"), "1");
    let log = std::fs::read_to_string(state.path().join("vigil.log")).expect("log file");
    assert!(log.contains("panic") && log.contains("on purpose"), "{log}");
}

/// Runs the binary with `args` from the project root, with its state in `state`.
fn vigil_ok(state: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_vigil"))
        .current_dir(root())
        .env("VIGIL_STATE_DIR", state)
        .args(args)
        .output()
        .expect("vigil");
    assert!(
        out.status.success(),
        "vigil {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_replayed_case_opens_the_dashboard_read_only() {
    let state = tempfile::tempdir().expect("tempdir");
    let s = state.path();
    vigil_ok(
        s,
        &[
            "case",
            "open",
            "t",
            "--investigator",
            "A",
            "--investigator",
            "B",
            "--policy",
            "sample-policy/policy.toml",
        ],
    );
    let found = vigil_ok(
        s,
        &[
            "findings",
            "--policy",
            "sample-policy/policy.toml",
            "--rule",
            "keyword.prevent",
            "--output",
            "csv",
            "sample-logs",
        ],
    );
    let id = found
        .lines()
        .nth(1)
        .and_then(|l| l.split(',').next())
        .expect("a PREVENT finding")
        .to_owned();
    vigil_ok(s, &["case", "add", "t", "--finding", &id, "sample-logs"]);
    let bundle = s.join("t.bundle");
    vigil_ok(s, &["case", "export", "t", "--out", bundle.to_str().expect("utf-8")]);
    let away = tempfile::tempdir().expect("tempdir");
    let cmd = format!(
        "cd {away} && NO_COLOR=1 VIGIL_STATE_DIR={state} {bin} replay {bundle}; echo EXIT=$?; sleep 600",
        away = away.path().display(),
        state = s.display(),
        bin = env!("CARGO_BIN_EXE_vigil"),
        bundle = bundle.display()
    );
    let t = Tmux::start(&cmd, 100, 30);
    t.wait_for("REPLAY", 60);
    t.keys(&["3"]);
    t.wait_for("keyword.prevent", 30);
    t.keys(&["/"]);
    for c in "prevent".chars() {
        t.tmux(&["send-keys", "-t", "t", "-l", &c.to_string()]);
    }
    t.keys(&["Enter", "e"]);
    t.wait_for("read-only", 10);
    t.keys(&["r"]);
    t.wait_for("read-only", 10);
    t.keys(&["q"]);
    let screen = t.wait_for("EXIT=0", 10);
    assert!(
        screen.contains("1 of 1 recorded findings found again exactly"),
        "the comparison stays on screen:\n{screen}"
    );
    assert_eq!(
        std::fs::read_dir(away.path()).expect("dir").count(),
        0,
        "nothing written"
    );
    // The machine's own access log has the replay and the search made in it.
    let access = std::fs::read_to_string(s.join("access-log.jsonl")).expect("access log");
    assert!(
        access.contains("\"action\":\"replay\"") && access.contains("Keywords: prevent"),
        "{access}"
    );
}

//! Loading the sample week once per test process, and driving an `App` with keys.

use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use vigil::cli::{FormatArg, InputArgs, TuiArgs};
use vigil::tui::app::App;
use vigil::tui::keymap::Key;
use vigil::tui::load::Msg;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The dashboard's arguments for the sample week, its state in `state`.
pub fn args(state: &std::path::Path) -> TuiArgs {
    TuiArgs {
        // Relative paths (tests run in the package root), so snapshots do not name the checkout.
        policy: Some(PathBuf::from("sample-policy/policy.toml")),
        keys: None,
        state_dir: Some(state.to_owned()),
        log: None,
        input: InputArgs {
            paths: vec![PathBuf::from("sample-logs")],
            format: FormatArg(None),
            tz: "Europe/London".into(),
            no_mmap: false,
            columns: None,
        },
    }
}

/// The loader's messages for the sample week (loaded once).
fn sample_messages() -> &'static [Msg] {
    static MSGS: OnceLock<Vec<Msg>> = OnceLock::new();
    MSGS.get_or_init(|| {
        let state = tempfile::tempdir().expect("tempdir");
        let prepared = vigil::tui::prepare(&args(state.path())).expect("prepare");
        let got = Mutex::new(Vec::new());
        vigil::tui::load::load(prepared.spec, &|m| got.lock().expect("lock").push(m));
        got.into_inner().expect("lock")
    })
}

/// A dashboard over the sample week, fully loaded, `w`x`h`, no colour, its state in `state`.
pub fn loaded(w: u16, h: u16, state: &std::path::Path) -> App {
    let mut app = vigil::tui::prepare(&args(state)).expect("prepare").app;
    app.colour = false;
    app.show_timings = false;
    app.size = (w, h);
    for m in sample_messages() {
        app.apply(m.clone());
    }
    app
}

/// Presses keys written as a key file writes them, separated by spaces (`2 / Enter C-d`).
pub fn keys(app: &mut App, keys: &str) {
    for k in keys.split_whitespace() {
        let key = Key::parse(k).unwrap_or_else(|| panic!("`{k}` is not a key"));
        app.key(key.event());
        app.settle();
    }
}

/// Types text into the prompt, then Enter.
pub fn type_line(app: &mut App, text: &str) {
    for c in text.chars() {
        app.key(ratatui::crossterm::event::KeyEvent::from(
            ratatui::crossterm::event::KeyCode::Char(c),
        ));
    }
    app.key(ratatui::crossterm::event::KeyEvent::from(
        ratatui::crossterm::event::KeyCode::Enter,
    ));
    app.settle();
}

/// The screen as text.
pub fn screen(app: &App) -> String {
    let (w, h) = app.size;
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    t.draw(|f| vigil::tui::ui::draw(f, app)).expect("draw");
    let buf = t.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..h {
        let mut line = String::new();
        for x in 0..w {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Both sizes the snapshots are taken at.
pub const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

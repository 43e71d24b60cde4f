//! The dashboard (`vigil tui`, or `vigil` alone): a ratatui/crossterm terminal UI over the
//! findings, people, timelines and evidence lines.
//!
//! One [`App`](app::App) state; drawing is a pure function of it (`ui.rs`); keys map to named
//! actions (`keymap.rs`); loading (`load.rs`) and searches over every event run on their own
//! threads and send messages. The terminal is restored on exit, on panic, on Ctrl-C and on
//! SIGTERM/SIGHUP; the log goes to a file, never to the screen.

pub mod app;
pub mod events;
pub mod evidence;
pub mod filter;
pub mod keymap;
pub mod load;
pub mod search;
pub mod store;
pub mod ui;

use std::io::{IsTerminal, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context as _, Result};
use ratatui::crossterm::event::{self, Event, KeyEventKind};

use crate::cli::{InputArgs, Outcome, TuiArgs};
use app::App;
use keymap::Keymap;

/// `~/.config/vigil` (or `$XDG_CONFIG_HOME/vigil`).
fn config_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("XDG_CONFIG_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join("vigil");
    }
    std::env::var_os("HOME")
        .map_or_else(|| PathBuf::from("."), PathBuf::from)
        .join(".config/vigil")
}

/// The key file named, else `keys.toml` in the config directory when it exists, else defaults.
fn keymap(path: Option<&Path>) -> Result<Keymap> {
    match path {
        Some(p) => Keymap::load(p),
        None => {
            let p = config_dir().join("keys.toml");
            if p.exists() {
                Keymap::load(&p)
            } else {
                Ok(Keymap::default())
            }
        }
    }
}

/// `vigil keys`: the bindings as a key file.
pub fn print_keys(path: Option<&Path>) -> Result<Outcome> {
    let map = keymap(path)?;
    let mut out = std::io::stdout().lock();
    out.write_all(map.to_file().as_bytes())?;
    Ok(Outcome::Ok)
}

/// `~/.config/vigil/config.toml`: what `vigil` alone opens.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    dashboard: DashboardConfig,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DashboardConfig {
    paths: Vec<PathBuf>,
    policy: Option<PathBuf>,
}

/// `vigil` alone: the dashboard over the paths of the config file, or help when there is none.
pub fn run_from_config() -> Result<Outcome> {
    let path = config_dir().join("config.toml");
    let Ok(text) = std::fs::read_to_string(&path) else {
        let mut err = std::io::stderr().lock();
        let _ = <crate::cli::Cli as clap::CommandFactory>::command().write_help(&mut err);
        let _ = writeln!(
            err,
            "\n`vigil tui PATH…` opens the dashboard; with a {} such as\n\n[dashboard]\npaths = [\"/var/log/squid\", \"/var/log/firewall\"]\npolicy = \"/etc/vigil/policy.toml\"\n\n`vigil` alone opens it over those paths.",
            path.display()
        );
        return Ok(Outcome::Failed);
    };
    let config: Config = toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let args = TuiArgs {
        policy: config.dashboard.policy,
        keys: None,
        state_dir: None,
        log: None,
        input: InputArgs {
            paths: config.dashboard.paths,
            format: crate::cli::FormatArg(None),
            tz: "Europe/London".into(),
            no_mmap: false,
            columns: None,
        },
    };
    run(&args)
}

/// Writes the log to `path` (info and above).
fn start_log(path: &Path) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("opening the log file {}", path.display()))?;
    let config = simplelog::ConfigBuilder::new().set_time_format_rfc3339().build();
    simplelog::WriteLogger::init(log::LevelFilter::Info, config, file)
        .map_err(|e| anyhow::anyhow!("starting the log: {e}"))?;
    // Panics are logged too (ratatui's hook restores the terminal first, then this runs).
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        log::error!("panic: {info}");
        previous(info);
    }));
    Ok(())
}

/// Everything the dashboard needs before the terminal is taken: problems found here are
/// printed as plain errors.
pub struct Prepared {
    /// The dashboard, nothing loaded.
    pub app: App,
    /// What to load.
    pub spec: load::LoadSpec,
}

/// Checks the arguments, the policy, the key file and the paths, and opens the state directory.
pub fn prepare(args: &TuiArgs) -> Result<Prepared> {
    let keymap = keymap(args.keys.as_deref())?;
    let cx = crate::commands::findings::load_policy(args.policy.as_deref())?;
    let map = crate::commands::findings::policy_columns(&cx, args.policy.as_deref())?;
    let map = match &args.input.columns {
        Some(p) => Some(crate::commands::column_map(p)?),
        None => map,
    };
    let found = load::expand(&args.input.paths)?;
    let opts = vigil_parsers::ingest::IngestOptions {
        format: args.input.format.0,
        tz: vigil_parsers::time::parse_tz(&args.input.tz)?,
        columns: vigil_queries::detect::web_columns(),
        mmap: !args.input.no_mmap,
        web_csv_columns: map.map(Arc::new),
        ..Default::default()
    };
    let state = args.state_dir.clone().unwrap_or_else(store::default_dir);
    let store = store::Store::open(&state, false)?;
    let colour = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let cx = Arc::new(cx);
    let mut app = App::new(cx.clone(), keymap, store, colour);
    app.case_input = Some(args.input.clone());
    Ok(Prepared {
        app,
        spec: load::LoadSpec { found, opts, cx },
    })
}

/// `vigil tui`.
pub fn run(args: &TuiArgs) -> Result<Outcome> {
    let prepared = prepare(args)?;
    let state = args.state_dir.clone().unwrap_or_else(store::default_dir);
    run_prepared(prepared, &args.log.clone().unwrap_or_else(|| state.join("vigil.log")))
}

/// The key file named, else `~/.config/vigil/keys.toml` when it exists, else the defaults.
pub fn keymap_for(path: Option<&Path>) -> Result<Keymap> {
    keymap(path)
}

/// Runs a prepared dashboard in the terminal, logging to `log`.
pub fn run_prepared(prepared: Prepared, log: &Path) -> Result<Outcome> {
    let Prepared { mut app, spec } = prepared;
    anyhow::ensure!(
        std::io::stdout().is_terminal() && std::io::stdin().is_terminal(),
        "the dashboard needs a terminal (for scripts: `vigil findings`, `vigil timeline`)"
    );
    start_log(log)?;
    log::info!(
        "vigil {} dashboard over {} file(s)",
        env!("CARGO_PKG_VERSION"),
        spec.found.len()
    );
    app.start_search_worker()?;
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
        signal_hook::consts::SIGINT,
    ] {
        // A second signal while the first is not yet acted on ends the process at once.
        signal_hook::flag::register_conditional_shutdown(sig, 1, stop.clone()).context("installing signal handlers")?;
        signal_hook::flag::register(sig, stop.clone()).context("installing signal handlers")?;
    }
    let (tx, rx) = std::sync::mpsc::channel();
    load::spawn(spec, tx).context("starting the loading thread")?;
    let mut terminal = ratatui::try_init().context("taking the terminal")?;
    // ratatui's panic hook restores the terminal: right for the UI thread, wrong for a background
    // thread, whose panic is caught and reported on screen while the dashboard goes on.
    let restore_and_report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() == Some("main") {
            restore_and_report(info);
        } else {
            log::error!(
                "panic in thread {:?}: {info}",
                std::thread::current().name().unwrap_or("?")
            );
        }
    }));
    // Pasted text arrives as one event (typed into a prompt, never taken as keys: a pasted `q`
    // must not quit).
    let _ = ratatui::crossterm::execute!(std::io::stdout(), ratatui::crossterm::event::EnableBracketedPaste);
    let result = event_loop(&mut terminal, &mut app, &rx, &stop);
    let _ = ratatui::crossterm::execute!(std::io::stdout(), ratatui::crossterm::event::DisableBracketedPaste);
    ratatui::restore();
    if stop.load(Ordering::Relaxed) {
        log::info!("stopped by a signal");
    }
    result?;
    let running = app.export_threads.iter().filter(|h| !h.is_finished()).count();
    if running > 0 {
        let _ = writeln!(std::io::stderr(), "vigil: finishing {running} export(s)…");
    }
    for h in app.export_threads.drain(..) {
        let _ = h.join();
    }
    log::info!("quit");
    Ok(app.outcome)
}

fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    rx: &std::sync::mpsc::Receiver<load::Msg>,
    stop: &AtomicBool,
) -> Result<()> {
    let size = terminal.size()?;
    app.size = (size.width, size.height);
    let mut dirty = true;
    let mut last_draw = std::time::Instant::now();
    // The end-to-end tests check that a panic restores the terminal.
    let panic_for_test =
        cfg!(debug_assertions) && std::env::var_os("VIGIL_TEST_PANIC").is_some_and(|v| v == "after-first-draw");
    while !app.quit && !stop.load(Ordering::Relaxed) {
        while let Ok(msg) = rx.try_recv() {
            app.apply(msg);
            dirty = true;
        }
        dirty |= app.tick();
        // Progress redraws at most five times a second; keys redraw at once.
        if dirty && (app.loading.reading.is_none() || last_draw.elapsed() >= Duration::from_millis(200)) {
            terminal.draw(|f| ui::draw(f, app))?;
            dirty = false;
            last_draw = std::time::Instant::now();
            assert!(
                !panic_for_test,
                "VIGIL_TEST_PANIC: a panic on purpose, to test the terminal is restored"
            );
        }
        if event::poll(Duration::from_millis(50))? {
            match event::read()? {
                Event::Key(k) if k.kind == KeyEventKind::Press => {
                    app.key(k);
                    terminal.draw(|f| ui::draw(f, app))?;
                    last_draw = std::time::Instant::now();
                }
                Event::Paste(text) => {
                    app.paste(&text);
                    dirty = true;
                }
                Event::Resize(w, h) => {
                    app.size = (w, h);
                    dirty = true;
                }
                _ => {}
            }
        }
    }
    Ok(())
}

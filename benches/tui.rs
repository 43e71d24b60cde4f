//! The dashboard on a generated week of a large school (10 million web requests and the other
//! logs at the same scale), as a user meets it:
//!
//! - **start-up**: from start to the first findings on screen, to every finding, to the search
//!   index over every event (the loader runs as in `vigil tui`; messages are applied to the app as
//!   they arrive);
//! - **keys**: each key a network manager presses (filter, sort, drill down, page, range), timed
//!   from the key to the redrawn screen with its result (a search over every event included), at
//!   160x48; a typed filter is timed from `/` to the result after Enter (findings views filter
//!   as each character is typed). The sequence runs three times; the table gives the median and
//!   the slowest.
//!
//! `cargo bench --bench tui`; `VIGIL_BENCH_LINES` and `VIGIL_BENCH_DIR` as for `detect`.

#[path = "support/week.rs"]
mod week;

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Instant;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use vigil::cli::{FormatArg, InputArgs, TuiArgs};
use vigil::tui::app::App;
use vigil::tui::keymap::Key;
use vigil::tui::load::Msg;

fn draw(app: &App) {
    let (w, h) = app.size;
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    t.draw(|f| vigil::tui::ui::draw(f, app)).expect("draw");
}

/// Presses `keys` (key-file names, or `"text` for typed text then Enter), returning the seconds
/// from the first key to the redrawn screen.
fn press(app: &mut App, keys: &str) -> f64 {
    let started = Instant::now();
    if let Some(text) = keys.strip_prefix('"') {
        for c in text.chars() {
            app.key(ratatui::crossterm::event::KeyEvent::from(
                ratatui::crossterm::event::KeyCode::Char(c),
            ));
        }
        app.key(ratatui::crossterm::event::KeyEvent::from(
            ratatui::crossterm::event::KeyCode::Enter,
        ));
    } else {
        for k in keys.split_whitespace() {
            app.key(Key::parse(k).expect("key").event());
        }
    }
    app.settle();
    draw(app);
    started.elapsed().as_secs_f64()
}

fn main() {
    // SAFETY: set before polars starts its pool, while the benchmark is single-threaded.
    unsafe { std::env::set_var("POLARS_MAX_THREADS", "2") };
    let dir = week::week();
    let state = tempfile::tempdir().expect("tempdir");
    let args = TuiArgs {
        policy: Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-policy/policy.toml")),
        keys: None,
        state_dir: Some(state.path().to_owned()),
        log: None,
        input: InputArgs {
            paths: vec![dir.clone()],
            format: FormatArg(None),
            tz: "Europe/London".into(),
            no_mmap: false,
            columns: None,
        },
    };
    let sampler = vigil::memstats::MemSampler::from_env();
    let started = Instant::now();
    let prepared = vigil::tui::prepare(&args).expect("prepare");
    let mut app = prepared.app;
    app.size = (160, 48);
    app.start_search_worker().expect("search worker");
    let (tx, rx) = mpsc::channel();
    vigil::tui::load::spawn(prepared.spec, tx).expect("loader");
    let (mut first, mut complete, mut indexed) = (None, None, None);
    let mut first_count = 0;
    while let Ok(msg) = rx.recv() {
        let at = started.elapsed().as_secs_f64();
        match &msg {
            Msg::Findings { found, complete: c, .. } => {
                if first.is_none() && !found.is_empty() {
                    first = Some(at);
                    first_count = found.len();
                }
                if *c {
                    complete = Some(at);
                }
            }
            Msg::Events { .. } => indexed = Some(at),
            _ => {}
        }
        let done = matches!(msg, Msg::Done { .. });
        app.apply(msg);
        app.tick();
        draw(&app);
        if done {
            break;
        }
    }
    let events = app.events.as_ref().map_or(0, |e| e.len());
    eprintln!("start-up on {} ({} events):", dir.display(), events);
    eprintln!(
        "  first findings shown    {:6.2} s  ({first_count} findings)",
        first.unwrap_or(f64::NAN)
    );
    eprintln!(
        "  every finding shown     {:6.2} s  ({} findings)",
        complete.unwrap_or(f64::NAN),
        app.findings.len()
    );
    eprintln!("  search index ready      {:6.2} s", indexed.unwrap_or(f64::NAN));
    if let Some(f) = &app.loading.failed {
        panic!("loading failed: {f}");
    }

    // The busiest person, for filters and profiles.
    let top = app.usage.talkers.first().map(|t| t.0.clone()).unwrap_or_default();
    let steps: Vec<(&str, String)> = vec![
        ("Search view (every event)", "9".into()),
        ("page down", "PageDown".into()),
        ("last row", "G".into()),
        ("first row", "g".into()),
        ("filter user:… (Enter)", format!("/ \"user:{top}")),
        ("clear the filter", "Esc".into()),
        ("filter action:blocked", "/ \"action:blocked".into()),
        ("filter free text (detail)", "/ \"minecraft".into()),
        ("clear the filter ", "Esc".into()),
        ("sort by TIME", "s".into()),
        ("sort by KIND", "s".into()),
        ("sort by WHO", "s".into()),
        ("sort by DEVICE", "s".into()),
        ("sort by IP", "s".into()),
        ("sort by ACTION", "s".into()),
        ("sort by HOST", "s".into()),
        ("reverse the sort", "S".into()),
        ("sort by DETAIL (refused at this size)", "s".into()),
        ("sort back by TIME", "s".into()),
        ("drill: open the event", "Enter".into()),
        ("drill: its person (profile + timeline)", "p".into()),
        ("back", "Esc".into()),
        ("back", "Esc".into()),
        ("time range: the last day", "t".into()),
        ("time range: that week", "t".into()),
        ("time range: all", "t".into()),
        ("Breaches view", "2".into()),
        ("filter severity:high+ (typed live)", "/ \"severity:high+".into()),
        ("drill: open a finding (evidence read)", "Enter".into()),
        ("drill: its person", "p".into()),
        ("back", "Esc".into()),
        ("back", "Esc".into()),
        ("clear the filter", "Esc".into()),
        ("sort findings by SEV", "s".into()),
        ("sort findings by WHEN", "s".into()),
        ("next view", "Tab".into()),
    ];
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); steps.len()];
    let mut searches: Vec<Vec<f64>> = vec![Vec::new(); steps.len()];
    for _round in 0..3 {
        // Each round starts from the same state: no filter, no sort, all time, the Overview.
        for list in &mut app.lists {
            list.sort = None;
            list.filter = Default::default();
        }
        app.range = vigil::tui::app::Range {
            label: "all time".into(),
            ..Default::default()
        };
        for (i, (_, keys)) in steps.iter().enumerate() {
            let mut total = 0.0;
            app.last_search = None;
            for part in keys
                .split(" \"")
                .enumerate()
                .map(|(j, p)| if j > 0 { format!("\"{p}") } else { p.to_owned() })
            {
                total += press(&mut app, &part);
            }
            times[i].push(total);
            searches[i].push(app.last_search.unwrap_or(0.0));
        }
        press(&mut app, "Esc Esc Esc 1");
        app.stack.clear();
    }
    eprintln!("keys at 160x48, ms: median and slowest of 3, and the median of that key's search thread time");
    let mut slowest = (0.0, "");
    for (((name, _), t), s) in steps.iter().zip(&mut times).zip(&mut searches) {
        t.sort_by(f64::total_cmp);
        s.sort_by(f64::total_cmp);
        let (median, max) = (t[t.len() / 2], t[t.len() - 1]);
        if max > slowest.0 {
            slowest = (max, name);
        }
        eprintln!(
            "  {name:<40} {:8.1} {:8.1} {:8.1}",
            median * 1000.0,
            max * 1000.0,
            s[s.len() / 2] * 1000.0
        );
    }
    eprintln!("slowest key: {} ({:.1} ms)", slowest.1, slowest.0 * 1000.0);
    if let Some(s) = sampler {
        s.finish();
    }
}

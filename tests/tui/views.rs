//! Every view at 80x24 and 160x48, and the key sequences a network manager uses: filter, sort,
//! drill down to a finding, its person and the raw evidence lines, back, help.

use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

use vigil::tui::app::{Screen, Tab};
use vigil::tui::load::{Msg, SourceRow};

use crate::support::{SIZES, keys, loaded, root, screen, type_line};

fn snap(name: &str, app: &vigil::tui::app::App) {
    let (w, h) = app.size;
    // Who reviewed and when depend on the machine and the clock.
    let text: String = screen(app)
        .lines()
        .map(|l| match (l.strip_prefix("reviewed by "), l.find(": ")) {
            (Some(_), Some(at)) => format!("reviewed by <user> at <time>{}\n", &l[at..]),
            _ => format!("{l}\n"),
        })
        .collect();
    insta::assert_snapshot!(format!("{name}-{w}x{h}"), text);
}

#[test]
fn every_view_at_both_sizes() {
    let state = tempfile::tempdir().expect("tempdir");
    for (w, h) in SIZES {
        let mut app = loaded(w, h, state.path());
        for (i, tab) in Tab::ALL.iter().enumerate() {
            keys(&mut app, &(i + 1).to_string());
            assert_eq!(app.tab, *tab);
            let text = screen(&app);
            // Nothing essential is cut off: the tab bar names every view at every size.
            for t in Tab::ALL {
                assert!(
                    text.lines().next().is_some_and(|l| l.contains(t.title())),
                    "{w}x{h}: {}",
                    t.title()
                );
            }
            snap(&format!("view-{}-{}", i + 1, tab.title().to_lowercase()), &app);
        }
        // Tab and Shift-Tab walk the views.
        keys(&mut app, "1 Tab Tab");
        assert_eq!(app.tab, Tab::Keywords);
        keys(&mut app, "BackTab BackTab BackTab");
        assert_eq!(app.tab, Tab::Search);
    }
}

#[test]
fn filter_and_sort_a_findings_view() {
    let state = tempfile::tempdir().expect("tempdir");
    for (w, h) in SIZES {
        let mut app = loaded(w, h, state.path());
        keys(&mut app, "2 /");
        type_line(&mut app, "severity:high+");
        let shown: Vec<_> = app
            .list()
            .order
            .iter()
            .map(|&i| app.findings[i as usize].clone())
            .collect();
        assert!(!shown.is_empty());
        assert!(
            shown
                .iter()
                .all(|f| f.rule.starts_with("breach.") && f.severity <= vigil_queries::findings::Severity::High)
        );
        snap("breaches-filtered", &app);
        // Sort by WHEN (second column), then reversed.
        keys(&mut app, "Esc s s");
        let ts: Vec<i64> = app
            .list()
            .order
            .iter()
            .map(|&i| app.findings[i as usize].ts_first)
            .collect();
        assert!(ts.windows(2).all(|p| p[0] <= p[1]), "sorted by first time");
        keys(&mut app, "S");
        let ts: Vec<i64> = app
            .list()
            .order
            .iter()
            .map(|&i| app.findings[i as usize].ts_first)
            .collect();
        assert!(ts.windows(2).all(|p| p[0] >= p[1]), "reversed");
        snap("breaches-sorted-by-when-reversed", &app);
        // An unknown field is explained, and nothing changes.
        keys(&mut app, "/");
        type_line(&mut app, "colour:red");
        assert!(app.message.as_deref().is_some_and(|m| m.contains("no field `colour`")));
    }
}

/// The line at `offset` of a sample file, read independently of vigil.
fn line_at(path: &std::path::Path, offset: u64) -> String {
    use std::io::Read;
    let mut bytes = Vec::new();
    let f = std::fs::File::open(path).expect("open");
    if path.extension().is_some_and(|e| e == "gz") {
        flate2::read::MultiGzDecoder::new(f)
            .read_to_end(&mut bytes)
            .expect("gunzip");
    } else {
        std::io::BufReader::new(f).read_to_end(&mut bytes).expect("read");
    }
    let rest = &bytes[offset as usize..];
    let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
    String::from_utf8_lossy(&rest[..end]).into_owned()
}

#[test]
fn drill_down_to_person_and_evidence_lines_and_back() {
    let state = tempfile::tempdir().expect("tempdir");
    for (w, h) in SIZES {
        let mut app = loaded(w, h, state.path());
        keys(&mut app, "2 /");
        type_line(&mut app, "rule:breach.unacceptable");
        let before = screen(&app);
        keys(&mut app, "Enter");
        let Some(Screen::Finding { evidence, .. }) = app.stack.last() else {
            panic!("a finding screen")
        };
        // The evidence lines shown are the files' own lines, with file name and line number.
        let first = evidence.refs[0];
        let source = &app.sources[first.source as usize];
        let raw = line_at(&source.path, first.offset);
        let text = screen(&app);
        assert!(text.contains(&format!("{}:{}", source.name(), first.line)), "{text}");
        let shown = evidence.lines[0]
            .as_ref()
            .and_then(|l| l.text.clone().ok())
            .expect("line read");
        assert_eq!(shown, raw);
        snap("finding", &app);
        keys(&mut app, "p");
        assert!(matches!(app.stack.last(), Some(Screen::Person { .. })));
        let text = screen(&app);
        assert!(text.contains("timeline:") && text.contains("groups:"), "{text}");
        snap("person", &app);
        keys(&mut app, "j Enter");
        assert!(matches!(app.stack.last(), Some(Screen::Event { .. })));
        snap("event", &app);
        keys(&mut app, "Esc Esc Esc");
        assert!(app.stack.is_empty());
        assert_eq!(screen(&app), before, "back where we started");
    }
}

#[test]
fn search_every_event_filter_sort_and_open() {
    let state = tempfile::tempdir().expect("tempdir");
    for (w, h) in SIZES {
        let mut app = loaded(w, h, state.path());
        keys(&mut app, "9");
        let all = app.list().order.len();
        assert_eq!(all, app.events.as_ref().expect("indexed").len());
        keys(&mut app, "/");
        type_line(&mut app, "user:21yarthwaitef kind:web");
        let rows = app.list().order.clone();
        assert!(!rows.is_empty() && rows.len() < all);
        for &r in &rows {
            let cells = app.event_cells(r);
            assert_eq!((cells[1].as_str(), cells[2].as_str()), ("web", "21yarthwaitef"));
        }
        snap("search-filtered", &app);
        // Sort by HOST: the hosts come out in order.
        keys(&mut app, "s s s s s s s");
        let hosts: Vec<String> = app
            .list()
            .order
            .iter()
            .map(|&r| app.event_cells(r)[6].clone())
            .collect();
        assert!(hosts.windows(2).all(|p| p[0] <= p[1]), "sorted by host");
        snap("search-sorted-by-host", &app);
        // Free text finds words in the detail (search terms, paths).
        keys(&mut app, "Esc /");
        type_line(&mut app, "how to");
        assert!(!app.list().order.is_empty());
        keys(&mut app, "G Enter");
        assert!(matches!(app.stack.last(), Some(Screen::Event { .. })));
        keys(&mut app, "p");
        assert!(matches!(app.stack.last(), Some(Screen::Person { .. })));
    }
}

#[test]
fn help_is_generated_from_the_keymap() {
    let state = tempfile::tempdir().expect("tempdir");
    for (w, h) in SIZES {
        let mut app = loaded(w, h, state.path());
        keys(&mut app, "?");
        let text = screen(&app);
        assert!(
            text.contains("sort by the next column") && text.contains("j Down"),
            "{text}"
        );
        snap("help", &app);
        keys(&mut app, "Esc");
        assert!(app.help.is_none());
    }
}

#[test]
fn time_ranges_narrow_every_view() {
    let state = tempfile::tempdir().expect("tempdir");
    let mut app = loaded(80, 24, state.path());
    keys(&mut app, "2");
    let all = app.list().order.len();
    keys(&mut app, "t");
    assert_eq!(app.range.label, "Fri 20 Nov");
    let day = app.list().order.len();
    assert!(day < all);
    keys(&mut app, "1");
    snap("overview-last-day", &app);
    keys(&mut app, "t");
    assert_eq!(app.range.label, "week of Mon 16 Nov");
    keys(&mut app, "2");
    assert_eq!(app.list().order.len(), all, "the sample is one school week");
    keys(&mut app, "T");
    type_line(&mut app, "2026-11-17..2026-11-18");
    keys(&mut app, "2");
    for &i in &app.list().order {
        let f = &app.findings[i as usize];
        assert!(app.range.overlaps(f.ts_first, f.ts_last));
    }
    keys(&mut app, "T");
    type_line(&mut app, "yesterday");
    assert!(app.message.as_deref().is_some_and(|m| m.contains("is not a day")));
    keys(&mut app, "T");
    type_line(&mut app, "all");
    assert_eq!(app.list().order.len(), all);
}

#[test]
fn review_case_basket_and_export() {
    let state = tempfile::tempdir().expect("tempdir");
    let mut app = loaded(80, 24, state.path());
    keys(&mut app, "3 Enter r");
    type_line(&mut app, "spoke to the DSL");
    let id = app.selected_finding().expect("finding").id.clone();
    assert_eq!(app.store.review(&id).map(|r| r.note.as_str()), Some("spoke to the DSL"));
    snap("finding-reviewed", &app);
    keys(&mut app, "c");
    let basket = std::fs::read_to_string(state.path().join("case-basket.jsonl")).expect("basket");
    assert!(basket.contains(&id) && basket.contains("sample-logs"), "{basket}");
    // The basket filed into a case (the logs read again on a thread), then a note in it.
    vigil::case::open(&vigil::cli::CaseOpenArgs {
        name: "kb1".into(),
        investigator: vec!["Network Manager".into(), "DSL".into()],
        reason: None,
        policy: Some("sample-policy/policy.toml".into()),
        state_dir: Some(state.path().to_owned()),
    })
    .expect("open");
    keys(&mut app, "C");
    type_line(&mut app, "kb1");
    app.wait_exports();
    assert!(
        app.message
            .as_deref()
            .is_some_and(|m| m.starts_with("added to case kb1: 1 finding")),
        "{:?}",
        app.message
    );
    keys(&mut app, "C");
    type_line(&mut app, "kb1: spoke to the DSL");
    assert_eq!(app.message.as_deref(), Some("noted in case kb1 (entry 3)"));
    let case = vigil::case::Case::load(Some(state.path()), "kb1").expect("case");
    let added = case.additions().expect("additions");
    assert_eq!(added[0].findings[0].id, id);
    assert_eq!(case.log[2].what, "spoke to the DSL");
    // Export the view the finding came from.
    keys(&mut app, "Esc e");
    let out = state.path().join("keywords.csv");
    app.input = Some((vigil::tui::app::Prompt::Export, String::new()));
    type_line(&mut app, &out.display().to_string());
    app.wait_exports();
    let csv = std::fs::read_to_string(&out).expect("exported");
    assert!(csv.starts_with("id,rule,severity,"), "{csv}");
    assert!(csv.contains(&id) && csv.contains("spoke to the DSL"));
    // The search view exports every matching event, as JSON when asked.
    keys(&mut app, "9 /");
    type_line(&mut app, "user:21yarthwaitef");
    let rows = app.list().order.len();
    // The search and the export are in vigil's access log.
    let audit = std::fs::read_to_string(state.path().join("access-log.jsonl")).expect("access log");
    assert!(audit.contains("user:21yarthwaitef"), "{audit}");
    let out = state.path().join("events.json");
    app.input = Some((vigil::tui::app::Prompt::Export, String::new()));
    type_line(&mut app, &out.display().to_string());
    app.wait_exports();
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).expect("json")).expect("json");
    assert_eq!(v.as_array().map(Vec::len), Some(rows));
    assert_eq!(v[0]["who"], "21yarthwaitef");
}

#[test]
fn the_loading_screen_shows_progress() {
    let state = tempfile::tempdir().expect("tempdir");
    for (w, h) in SIZES {
        let mut app = vigil::tui::prepare(&crate::support::args(state.path()))
            .expect("prepare")
            .app;
        app.colour = false;
        app.size = (w, h);
        let progress = Arc::new(vigil_parsers::ingest::Progress::default());
        app.apply(Msg::Sources(vec![SourceRow {
            path: root().join("sample-logs/proxy/access.log"),
            size: 400_000_000,
            ..SourceRow::default()
        }]));
        app.apply(Msg::Reading {
            progress: progress.clone(),
            sources: 12,
            bytes: 400_000_000,
            what: "all sources",
        });
        progress.bytes.store(100_000_000, Relaxed);
        progress.lines.store(600_000, Relaxed);
        progress.sources.store(3, Relaxed);
        app.tick();
        let text = screen(&app);
        assert!(
            text.contains("3/12 files") && text.contains("95.4 MiB of 381.5 MiB"),
            "{text}"
        );
        snap("loading", &app);
        // Keys work while loading.
        keys(&mut app, "2");
        assert!(screen(&app).contains("still being read"));
    }
}

#[test]
fn esc_undoes_a_live_filter_and_pasted_text_is_never_keys() {
    let state = tempfile::tempdir().expect("tempdir");
    let mut app = loaded(80, 24, state.path());
    keys(&mut app, "2");
    let all = app.list().order.len();
    keys(&mut app, "/");
    for c in "severity:high+".chars() {
        app.key(ratatui::crossterm::event::KeyEvent::from(
            ratatui::crossterm::event::KeyCode::Char(c),
        ));
    }
    assert!(app.list().order.len() < all, "filtered as typed");
    keys(&mut app, "Esc");
    assert_eq!(app.list().order.len(), all, "Esc undoes the typed filter");
    assert!(app.list().filter.is_empty());
    // Pasted text goes into the prompt; outside one it is not taken as keys.
    keys(&mut app, "/");
    app.paste("rule:breach.unacceptable\n");
    keys(&mut app, "Enter");
    assert!(!app.list().order.is_empty());
    assert!(
        app.list()
            .order
            .iter()
            .all(|&i| app.findings[i as usize].rule == "breach.unacceptable")
    );
    app.paste("q");
    assert!(!app.quit);
    // Help closes on any key, digits included, without switching views behind it.
    keys(&mut app, "? 5");
    assert!(app.help.is_none());
    assert_eq!(app.tab, Tab::Breaches);
}

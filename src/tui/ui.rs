//! Drawing: a pure function of [`App`]. Only the rows on screen are turned into text, so a
//! list of millions of events draws as fast as a list of ten.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, LineGauge, Paragraph, Row, Sparkline, Table, Wrap};
use vigil_queries::findings::Severity;

use super::app::{App, EVENT_COLUMNS, EvidenceList, FINDING_COLUMNS, List, Prompt, SOURCE_COLUMNS, Screen, Tab, local};
use super::evidence::cell;
use super::keymap::Action;
use crate::output::{human_bytes, thousands};

/// Rows of the finding screen above its evidence list.
pub fn finding_header_rows(app: &App) -> usize {
    match app.stack.last() {
        Some(Screen::Finding { id, .. }) => app.finding(id).map_or(3, |f| {
            let width = app.size.0.max(20) as usize;
            let summary = f.summary.chars().count().div_ceil(width).clamp(1, 4);
            4 + summary + usize::from(app.store.review(&f.id).is_some())
        }),
        _ => 0,
    }
}

/// Rows of the person screen above the timeline.
pub fn profile_rows(_app: &App) -> usize {
    5
}

/// Rows of the Overview above the source list.
pub fn overview_top_rows(_app: &App) -> usize {
    8
}

fn sev_style(app: &App, s: Severity) -> Style {
    if !app.colour {
        return match s {
            Severity::Critical | Severity::High => Style::new().add_modifier(Modifier::BOLD),
            _ => Style::new(),
        };
    }
    match s {
        Severity::Critical => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        Severity::High => Style::new().fg(Color::LightRed),
        Severity::Medium => Style::new().fg(Color::Yellow),
        Severity::Low => Style::new().fg(Color::Cyan),
        Severity::Info => Style::new().fg(Color::Gray),
    }
}

fn header_style() -> Style {
    Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
}

fn selected_style() -> Style {
    Style::new().add_modifier(Modifier::REVERSED)
}

fn dim(app: &App) -> Style {
    if app.colour {
        Style::new().fg(Color::DarkGray)
    } else {
        Style::new()
    }
}

/// Draws the whole dashboard.
pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    let [tabs, status, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_tabs(frame, app, tabs);
    draw_status(frame, app, status);
    match app.stack.last() {
        Some(Screen::Finding { id, evidence }) => draw_finding(frame, app, body, id, evidence),
        Some(Screen::Person { profile, list, .. }) => draw_person(frame, app, body, profile, list),
        Some(Screen::Event { fields, evidence }) => draw_event(frame, app, body, fields, evidence),
        None => match app.tab {
            Tab::Overview => draw_overview(frame, app, body),
            Tab::Search => draw_search(frame, app, body),
            Tab::Usage => draw_usage(frame, app, body),
            _ => draw_findings(frame, app, body, app.list()),
        },
    }
    draw_footer(frame, app, footer);
    if let Some(scroll) = app.help {
        draw_help(frame, app, area, scroll);
    }
}

fn draw_tabs(frame: &mut Frame, app: &App, area: Rect) {
    // A replayed case says so where the name is (nothing can be written).
    let name = if app.store.read_only { "REPLAY " } else { "vigil " };
    let mut spans = vec![Span::styled(name, Style::new().add_modifier(Modifier::BOLD))];
    let wide = area.width >= 100;
    for (i, t) in Tab::ALL.iter().enumerate() {
        let title = if wide {
            format!("{} {}", i + 1, t.title())
        } else {
            t.title().to_owned()
        };
        let style = if *t == app.tab && app.stack.is_empty() {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        } else if *t == app.tab {
            Style::new().add_modifier(Modifier::UNDERLINED)
        } else {
            Style::new()
        };
        spans.push(Span::styled(title, style));
        spans.push(Span::raw(" "));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn human_count(n: f64) -> String {
    if n >= 1e6 {
        format!("{:.1}M", n / 1e6)
    } else if n >= 1e3 {
        format!("{:.0}k", n / 1e3)
    } else {
        format!("{n:.0}")
    }
}

fn draw_status(frame: &mut Frame, app: &App, area: Rect) {
    let l = &app.loading;
    if let Some((_, sources, bytes, what)) = &l.reading {
        let (done, lines, finished) = l.seen;
        let ratio = if *bytes > 0 {
            (done as f64 / *bytes as f64).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let label = format!(
            "reading {what}: {finished}/{sources} files · {} of {} · {} lines · {} lines/s",
            human_bytes(done),
            human_bytes(*bytes),
            human_count(lines as f64),
            human_count(l.rate)
        );
        let gauge = LineGauge::default()
            .ratio(ratio)
            .label(label)
            .filled_style(if app.colour {
                Style::new().fg(Color::Cyan)
            } else {
                Style::new().add_modifier(Modifier::BOLD)
            });
        frame.render_widget(gauge, area);
        return;
    }
    let mut parts: Vec<Span> = vec![Span::raw(format!("range: {}", app.range.label))];
    let list = app.list();
    if !list.filter.is_empty() {
        parts.push(Span::raw(format!(" · filter: {}", cell(&list.filter.text))));
    }
    if let Some((col, desc)) = list.sort {
        // Named here too, as a narrow screen may not show the sorted column.
        let names: &[&str] = match (app.stack.last(), app.tab) {
            (Some(Screen::Person { .. }), _) | (None, Tab::Search) => &EVENT_COLUMNS,
            _ => &FINDING_COLUMNS,
        };
        if let Some(name) = names.get(col) {
            parts.push(Span::raw(format!(" · sort: {name} {}", if desc { "↓" } else { "↑" })));
        }
    }
    if list.pending {
        parts.push(Span::raw(" · searching…"));
    }
    if let Some(stage) = &l.stage {
        parts.push(Span::styled(
            format!(" · {stage}…"),
            Style::new().add_modifier(Modifier::BOLD),
        ));
    } else if !l.complete && !app.findings.is_empty() {
        parts.push(Span::raw(" · preliminary"));
    }
    if let Some(e) = &l.failed {
        parts.push(Span::styled(
            format!(" · loading failed: {e}"),
            sev_style(app, Severity::Critical),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(parts)), area);
}

fn draw_footer(frame: &mut Frame, app: &App, area: Rect) {
    if let Some((prompt, text)) = &app.input {
        let line = Line::from(vec![
            Span::styled(prompt.label(), Style::new().add_modifier(Modifier::BOLD)),
            Span::raw(text.as_str()),
            Span::styled(" ", selected_style()),
        ]);
        frame.render_widget(Paragraph::new(line), area);
        if *prompt == Prompt::Filter || *prompt != Prompt::Filter {
            let x = area.x + (prompt.label().chars().count() + text.chars().count()) as u16;
            frame.set_cursor_position((x.min(area.right().saturating_sub(1)), area.y));
        }
        return;
    }
    if let Some(m) = &app.message {
        frame.render_widget(Paragraph::new(m.as_str()), area);
        return;
    }
    let k = |a: Action| app.keymap.hint(a);
    let mut hints = vec![(k(Action::Help), "help"), (k(Action::Filter), "filter")];
    match app.stack.last() {
        Some(Screen::Finding { .. }) => {
            hints.extend([
                (k(Action::Person), "person"),
                (k(Action::Review), "review"),
                (k(Action::AddToCase), "basket"),
                (k(Action::Case), "case"),
                (k(Action::Export), "export"),
            ]);
        }
        Some(Screen::Person { .. }) => hints.extend([(k(Action::Drill), "event"), (k(Action::SortNext), "sort")]),
        Some(Screen::Event { .. }) => hints.push((k(Action::Person), "person")),
        None => hints.extend([
            (k(Action::Drill), "open"),
            (k(Action::Person), "person"),
            (k(Action::SortNext), "sort"),
            (k(Action::TimeRange), "range"),
            (k(Action::Export), "export"),
        ]),
    }
    if !app.stack.is_empty() {
        hints.push((k(Action::Back), "back"));
    }
    hints.push((k(Action::Quit), "quit"));
    let mut spans = Vec::new();
    for (key, what) in hints {
        spans.push(Span::styled(key, Style::new().add_modifier(Modifier::BOLD)));
        spans.push(Span::raw(format!(":{what} ")));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).style(dim(app)), area);
}

/// Draws the rows of `list` on screen as a table: `cells` gives a row's cells, `style` its style.
/// A table's columns and sort as drawn: (title, width) and the sorted column's place.
struct Columns<'a> {
    columns: &'a [(&'a str, Constraint)],
    sort: Option<(usize, bool)>,
}

fn draw_table(
    frame: &mut Frame,
    area: Rect,
    Columns { columns, sort }: Columns,
    list: &List,
    cells: impl Fn(u32) -> Vec<String>,
    style: impl Fn(u32) -> Style,
    empty: &str,
) {
    let header = Row::new(columns.iter().enumerate().map(|(i, (name, _))| {
        let arrow = match sort {
            Some((c, false)) if c == i => "↑",
            Some((c, true)) if c == i => "↓",
            _ => "",
        };
        Cell::from(format!("{name}{arrow}"))
    }))
    .style(header_style());
    let page = area.height.saturating_sub(1) as usize;
    // The selection stays on screen even if the page the keys assumed was taller.
    let offset = if list.selected >= list.offset + page.max(1) {
        list.selected + 1 - page.max(1)
    } else {
        list.offset
    };
    let rows: Vec<Row> = list
        .order
        .iter()
        .enumerate()
        .skip(offset)
        .take(page)
        .map(|(i, &r)| {
            let row = Row::new(cells(r).into_iter().map(Cell::from));
            if i == list.selected {
                row.style(selected_style())
            } else {
                row.style(style(r))
            }
        })
        .collect();
    let widths: Vec<Constraint> = columns.iter().map(|(_, w)| *w).collect();
    if rows.is_empty() {
        let [h, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
        frame.render_widget(Table::new(Vec::<Row>::new(), widths).header(header), h);
        frame.render_widget(Paragraph::new(empty).wrap(Wrap { trim: true }), rest);
        return;
    }
    frame.render_widget(Table::new(rows, widths).header(header).column_spacing(1), area);
}

/// Which of a table's columns fit: (column index, constraint), dropping the optional ones
/// (`None` width) first when the screen is narrow.
fn finding_columns(width: u16) -> Vec<(usize, Constraint)> {
    let who = if width >= 120 { 18 } else { 14 };
    let mut cols = vec![
        (0, Constraint::Length(5)),
        (1, Constraint::Length(12)),
        (2, Constraint::Length(who)),
    ];
    if width >= 100 {
        cols.push((3, Constraint::Length(26)));
    }
    cols.push((4, Constraint::Length(5)));
    cols.push((5, Constraint::Fill(1)));
    cols
}

fn empty_findings_text(app: &App) -> String {
    if !app.loading.done && !app.loading.complete {
        "No findings yet: the logs are still being read and judged.".to_owned()
    } else if !app.list().filter.is_empty() {
        format!(
            "No findings match the filter `{}` (Esc clears it).",
            app.list().filter.text
        )
    } else if app.range.from.is_some() || app.range.to.is_some() {
        format!("No findings in {} (t changes the range).", app.range.label)
    } else {
        "None found.".to_owned()
    }
}

/// Draws a list with the columns that fit (`cols`: which of `names`, how wide): the sort arrow
/// follows the sorted column, and each row's cells are picked from all of its cells.
#[allow(clippy::too_many_arguments)]
fn draw_fitted(
    frame: &mut Frame,
    area: Rect,
    list: &List,
    names: &[&str],
    cols: &[(usize, Constraint)],
    cells: impl Fn(u32) -> Vec<String>,
    style: impl Fn(u32) -> Style,
    empty: &str,
) {
    let columns: Vec<(&str, Constraint)> = cols.iter().map(|&(i, w)| (names[i], w)).collect();
    let sort = list
        .sort
        .and_then(|(c, d)| cols.iter().position(|&(i, _)| i == c).map(|p| (p, d)));
    draw_table(
        frame,
        area,
        Columns {
            columns: &columns,
            sort,
        },
        list,
        |r| {
            let all = cells(r);
            cols.iter()
                .map(|&(i, _)| all.get(i).cloned().unwrap_or_default())
                .collect()
        },
        style,
        empty,
    );
}

fn draw_findings(frame: &mut Frame, app: &App, area: Rect, list: &List) {
    draw_fitted(
        frame,
        area,
        list,
        &FINDING_COLUMNS,
        &finding_columns(area.width),
        |r| app.finding_cells(r),
        |r| {
            app.findings
                .get(r as usize)
                .map_or(Style::new(), |f| sev_style(app, f.severity))
        },
        &empty_findings_text(app),
    );
}

fn event_columns(width: u16) -> Vec<(usize, Constraint)> {
    let kind = if width >= 100 { 11 } else { 9 };
    let mut cols = vec![
        (0, Constraint::Length(15)),
        (1, Constraint::Length(kind)),
        (2, Constraint::Length(12)),
    ];
    if width >= 120 {
        cols.push((3, Constraint::Length(12)));
        cols.push((4, Constraint::Length(15)));
    }
    cols.push((5, Constraint::Length(8)));
    cols.push((6, Constraint::Length(if width >= 120 { 28 } else { 19 })));
    cols.push((7, Constraint::Fill(1)));
    cols
}

fn draw_events(frame: &mut Frame, app: &App, area: Rect, list: &List, empty: &str) {
    let blocked = app.events.as_ref();
    draw_fitted(
        frame,
        area,
        list,
        &EVENT_COLUMNS,
        &event_columns(area.width),
        |r| app.event_cells(r),
        |r| {
            if blocked.is_some_and(|e| e.blocked[r as usize]) {
                sev_style(app, Severity::Medium)
            } else {
                Style::new()
            }
        },
        empty,
    );
}

fn draw_search(frame: &mut Frame, app: &App, area: Rect) {
    let list = app.list();
    let Some(events) = &app.events else {
        frame.render_widget(
            Paragraph::new("Indexing every event for search… (the findings views are usable meanwhile)")
                .wrap(Wrap { trim: true }),
            area,
        );
        return;
    };
    let [head, table] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let took = match app.last_search {
        Some(s) if app.show_timings => format!(" ({:.0} ms)", s * 1000.0),
        _ => String::new(),
    };
    frame.render_widget(
        Paragraph::new(format!(
            "{} of {} events{}",
            thousands(list.order.len() as u64),
            thousands(events.len() as u64),
            if list.pending {
                " · searching…".to_owned()
            } else {
                took
            }
        ))
        .style(dim(app)),
        head,
    );
    draw_events(
        frame,
        app,
        table,
        list,
        "No event matches (Esc clears the filter; t changes the range).",
    );
}

fn buckets(values: &[u64], width: usize) -> Vec<u64> {
    if values.is_empty() || width == 0 {
        return Vec::new();
    }
    let per = values.len().div_ceil(width);
    values.chunks(per).map(|c| c.iter().sum()).collect()
}

fn draw_overview(frame: &mut Frame, app: &App, area: Rect) {
    let [top, sources] =
        Layout::vertical([Constraint::Length(overview_top_rows(app) as u16), Constraint::Min(1)]).areas(area);
    let rows = Layout::vertical([Constraint::Length(1); 8]).split(top);
    // Findings by severity and view, in the range.
    let shown: Vec<&vigil_queries::findings::Finding> = app
        .findings
        .iter()
        .filter(|f| app.range.overlaps(f.ts_first, f.ts_last))
        .collect();
    let mut sev = vec![Span::styled("Findings  ", header_style())];
    for s in Severity::ALL {
        let n = shown.iter().filter(|f| f.severity == s).count();
        sev.push(Span::styled(format!("{n} {s}"), sev_style(app, s)));
        sev.push(Span::raw("  "));
    }
    if !app.loading.complete {
        sev.push(Span::raw(if app.findings.is_empty() {
            "(judging…)"
        } else {
            "(preliminary)"
        }));
    }
    frame.render_widget(Paragraph::new(Line::from(sev)), rows[0]);
    let mut by_view = Vec::new();
    if area.width >= 100 {
        by_view.push(Span::styled("Views     ", header_style()));
    }
    for t in Tab::ALL {
        if let Some(fam) = t.family() {
            let n = shown.iter().filter(|f| f.rule.starts_with(fam)).count();
            by_view.push(Span::raw(format!("{}:{n} ", t.title())));
        }
    }
    frame.render_widget(Paragraph::new(Line::from(by_view)), rows[1]);
    // Activity and blocks per hour across the range.
    let hours: Vec<&(i64, u64, u64)> = app
        .hourly
        .iter()
        .filter(|(h, ..)| app.range.overlaps(*h, h + 3_599_999))
        .collect();
    let label_w = 10u16;
    let spark_w = rows[2].width.saturating_sub(label_w) as usize;
    let events: Vec<u64> = hours.iter().map(|h| h.1).collect();
    let blocks: Vec<u64> = hours.iter().map(|h| h.2).collect();
    for (row, (name, data)) in [(2, ("Activity", &events)), (3, ("Blocks", &blocks))] {
        let [l, r] = Layout::horizontal([Constraint::Length(label_w), Constraint::Min(1)]).areas(rows[row]);
        frame.render_widget(Paragraph::new(name).style(header_style()), l);
        if data.is_empty() {
            let text = if app.events.is_none() {
                "indexing events…"
            } else {
                "no web or firewall events in the range"
            };
            frame.render_widget(Paragraph::new(text).style(dim(app)), r);
        } else {
            let mut spark = Sparkline::default().data(buckets(data, spark_w));
            if app.colour {
                spark = spark.style(Style::new().fg(if row == 2 { Color::Green } else { Color::Yellow }));
            }
            frame.render_widget(spark, r);
        }
    }
    // Day labels under the sparklines.
    if !hours.is_empty() && spark_w > 0 {
        let per = hours.len().div_ceil(spark_w);
        let mut line = " ".repeat(label_w as usize);
        let mut last_day = String::new();
        for (col, chunk) in hours.chunks(per).enumerate() {
            let day = local(&app.cx, chunk[0].0, "%a %d");
            if day != last_day {
                let at = label_w as usize + col;
                if at >= line.chars().count() {
                    line.push_str(&" ".repeat(at - line.chars().count()));
                    line.push_str(&day);
                    line.push(' ');
                }
                last_day = day;
            }
        }
        frame.render_widget(Paragraph::new(line).style(dim(app)), rows[4]);
    }
    // Attribution and unmapped categories.
    let mut att = vec![Span::styled("People    ", header_style())];
    let mut per_kind: Vec<(&str, u64, u64)> = Vec::new();
    for &(source, a, n) in &app.attributed {
        let kind = app
            .sources
            .get(source as usize)
            .and_then(|s| s.kind)
            .map_or("?", |k| k.as_str());
        match per_kind.iter_mut().find(|(k, ..)| *k == kind) {
            Some(e) => {
                e.1 += a;
                e.2 += n;
            }
            None => per_kind.push((kind, a, n)),
        }
    }
    if per_kind.is_empty() {
        att.push(Span::raw("attribution pending"));
    }
    for (kind, a, n) in per_kind {
        if n > 0 {
            att.push(Span::raw(format!(
                "{kind} {:.1}% attributed  ",
                100.0 * a as f64 / n as f64
            )));
        }
    }
    if !app.unmapped.is_empty() {
        att.push(Span::raw(format!(
            "· {} vendor categories unmapped",
            app.unmapped.len()
        )));
    }
    frame.render_widget(Paragraph::new(Line::from(att)), rows[5]);
    let problems = if app.problems.is_empty() {
        "no problems reading the sources".to_owned()
    } else {
        format!("{} problem(s): {}", app.problems.len(), app.problems[0])
    };
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled("Sources   ", header_style()),
            Span::raw(problems),
        ])),
        rows[6],
    );
    // Source health.
    let wide = area.width >= 100;
    let mut cols: Vec<(usize, Constraint)> = vec![(0, Constraint::Fill(1)), (1, Constraint::Length(11))];
    if wide {
        cols.push((2, Constraint::Length(12)));
    }
    cols.extend([
        (3, Constraint::Length(12)),
        (4, Constraint::Length(10)),
        (5, Constraint::Length(8)),
        (6, Constraint::Length(4)),
        (7, Constraint::Length(10)),
    ]);
    draw_fitted(
        frame,
        sources,
        app.list(),
        &SOURCE_COLUMNS,
        &cols,
        |r| {
            app.sources
                .get(r as usize)
                .map(|s| app.source_cells(s))
                .unwrap_or_default()
        },
        |r| match app.sources.get(r as usize) {
            Some(s) if s.error.is_some() => sev_style(app, Severity::High),
            Some(s) if s.rejected > 0 => sev_style(app, Severity::Medium),
            _ => Style::new(),
        },
        "No sources yet.",
    );
}

fn draw_usage(frame: &mut Frame, app: &App, area: Rect) {
    let [top, bottom] = Layout::vertical([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(area);
    draw_findings(frame, app, top, app.list());
    let [left, right] = Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(bottom);
    let talkers: Vec<Row> = app
        .usage
        .talkers
        .iter()
        .map(|(who, bytes, n)| Row::new([cell(who), human_bytes(*bytes), thousands(*n)]))
        .collect();
    let block = Block::new().borders(Borders::TOP).title("Top talkers (bytes, events)");
    if talkers.is_empty() {
        let text = if app.events.is_none() {
            "indexing events…"
        } else {
            "no traffic in the range"
        };
        frame.render_widget(Paragraph::new(text).block(block), left);
    } else {
        frame.render_widget(
            Table::new(
                talkers,
                [Constraint::Fill(1), Constraint::Length(9), Constraint::Length(10)],
            )
            .block(block)
            .column_spacing(1),
            left,
        );
    }
    let block = Block::new().borders(Borders::TOP).title("Bytes by hour of day");
    let inner = block.inner(right);
    frame.render_widget(block, right);
    if app.usage.by_hour.iter().all(|&b| b == 0) {
        return;
    }
    let [bars, axis] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    let width = (inner.width as usize).min(48);
    let per = if width >= 48 { 2 } else { 1 };
    let data: Vec<u64> = app
        .usage
        .by_hour
        .iter()
        .flat_map(|&b| std::iter::repeat_n(b, per))
        .collect();
    let mut spark = Sparkline::default().data(data);
    if app.colour {
        spark = spark.style(Style::new().fg(Color::Cyan));
    }
    frame.render_widget(spark, bars);
    let mut labels = String::new();
    for h in (0..24).step_by(6) {
        let at = h * per;
        labels.push_str(&" ".repeat(at.saturating_sub(labels.chars().count())));
        labels.push_str(&format!("{h:02}"));
    }
    frame.render_widget(Paragraph::new(labels).style(dim(app)), axis);
}

fn wrapped_rows(text: &str, width: u16) -> u16 {
    (text.chars().count().div_ceil(width.max(1) as usize)).clamp(1, 4) as u16
}

fn draw_finding(frame: &mut Frame, app: &App, area: Rect, id: &str, evidence: &EvidenceList) {
    let Some(f) = app.finding(id) else {
        frame.render_widget(
            Paragraph::new("This finding is no longer in the list (the findings were refreshed)."),
            area,
        );
        return;
    };
    let summary_rows = wrapped_rows(&f.summary, area.width);
    let review = app.store.review(&f.id);
    let header_rows = 4 + summary_rows + u16::from(review.is_some());
    let [head, sep, list_area, preview] = Layout::vertical([
        Constraint::Length(header_rows),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(3),
    ])
    .areas(area);
    let who = [f.user.as_deref(), f.device.as_deref(), f.ip.as_deref()]
        .into_iter()
        .flatten()
        .map(cell)
        .collect::<Vec<_>>()
        .join(" · ");
    let mut lines = vec![
        Line::from(vec![
            Span::styled(
                format!("{} ", f.severity.as_str().to_uppercase()),
                sev_style(app, f.severity),
            ),
            Span::styled(f.rule, Style::new().add_modifier(Modifier::BOLD)),
            Span::raw(format!("  {} event(s)", thousands(f.count))),
        ]),
        Line::from(format!("who: {}", if who.is_empty() { "-".to_owned() } else { who })),
        Line::from(format!(
            "when: {} – {}",
            local(&app.cx, f.ts_first, "%a %d %b %H:%M:%S"),
            local(&app.cx, f.ts_last, "%a %d %b %H:%M:%S")
        )),
        Line::from(format!(
            "about: {}   id: {}",
            cell(f.about.as_deref().unwrap_or("-")),
            f.id
        )),
    ];
    if let Some(r) = review {
        lines.push(Line::from(format!(
            "reviewed by {} at {}: {}",
            cell(&r.by),
            r.at,
            cell(&r.note)
        )));
    }
    let summary = Paragraph::new(cell(&f.summary)).wrap(Wrap { trim: true });
    let [info, sum] =
        Layout::vertical([Constraint::Length(header_rows - summary_rows), Constraint::Min(1)]).areas(head);
    frame.render_widget(Paragraph::new(lines), info);
    frame.render_widget(summary, sum);
    let shown = if evidence.refs.len() as u64 == f.count {
        format!("── evidence: {} line(s) as in the source files ", thousands(f.count))
    } else {
        format!(
            "── evidence: first {} of {} line(s) as in the source files ",
            thousands(evidence.refs.len() as u64),
            thousands(f.count)
        )
    };
    frame.render_widget(Paragraph::new(shown).style(header_style()), sep);
    draw_evidence(frame, app, list_area, preview, evidence);
}

fn draw_evidence(frame: &mut Frame, app: &App, list_area: Rect, preview: Rect, evidence: &EvidenceList) {
    let name_w = list_area.width.min(40) / 2;
    // The selection stays on screen even if the summary above wrapped onto more rows than the
    // keys assumed.
    let page = (list_area.height as usize).max(1);
    let (selected, offset) = (evidence.list.selected, evidence.list.offset);
    let offset = if selected >= offset + page {
        selected + 1 - page
    } else {
        offset
    };
    let rows: Vec<Row> = evidence
        .list
        .order
        .iter()
        .enumerate()
        .skip(offset)
        .take(page)
        .map(|(i, &r)| {
            let e = evidence.refs[r as usize];
            let file = app
                .sources
                .get(e.source as usize)
                .map_or_else(|| "?".to_owned(), |s| cell(&s.name()));
            let text = match evidence.lines.get(r as usize).and_then(|l| l.as_ref()) {
                Some(l) => l.text.clone().unwrap_or_else(|e| format!("[{e}]")),
                None => "…".to_owned(),
            };
            let row = Row::new([format!("{file}:{}", e.line), text]);
            if i == evidence.list.selected {
                row.style(selected_style())
            } else {
                row
            }
        })
        .collect();
    if rows.is_empty() {
        frame.render_widget(Paragraph::new("No evidence lines are recorded for this."), list_area);
    } else {
        frame.render_widget(
            Table::new(rows, [Constraint::Length(name_w + 8), Constraint::Fill(1)]).column_spacing(1),
            list_area,
        );
    }
    if let Some(r) = evidence.list.current() {
        let e = evidence.refs[r as usize];
        let path = app
            .sources
            .get(e.source as usize)
            .map_or_else(|| "?".to_owned(), |s| cell(&s.path.display().to_string()));
        let text = match evidence.lines.get(r as usize).and_then(|l| l.as_ref()) {
            Some(l) => l.text.clone().unwrap_or_else(|e| format!("[{e}]")),
            None => String::new(),
        };
        let p = Paragraph::new(vec![
            Line::styled(format!("{path} line {} (byte {})", e.line, e.offset), dim(app)),
            Line::from(text),
        ])
        .wrap(Wrap { trim: false });
        frame.render_widget(p, preview);
    }
}

fn draw_person(frame: &mut Frame, app: &App, area: Rect, p: &super::app::Profile, list: &List) {
    let [head, sep, table] = Layout::vertical([
        Constraint::Length(profile_rows(app) as u16 - 1),
        Constraint::Length(1),
        Constraint::Min(1),
    ])
    .areas(area);
    let top = |v: &[(String, u64)], n: usize| -> String {
        let mut s: Vec<String> = v
            .iter()
            .take(n)
            .map(|(k, c)| format!("{} ({})", cell(k), thousands(*c)))
            .collect();
        if v.len() > n {
            s.push(format!("+{} more", v.len() - n));
        }
        if s.is_empty() { "-".to_owned() } else { s.join(", ") }
    };
    let mut fsum: Vec<String> = Vec::new();
    for s in Severity::ALL {
        let n = p.findings[s as usize];
        if n > 0 {
            fsum.push(format!("{n} {s}"));
        }
    }
    let kinds: Vec<String> = p
        .kinds
        .iter()
        .map(|(k, n, b, bytes)| {
            let mut s = format!("{k} {}", thousands(*n));
            if *b > 0 {
                s.push_str(&format!(" ({} blocked)", thousands(*b)));
            }
            if *bytes > 0 {
                s.push_str(&format!(" {}", human_bytes(*bytes)));
            }
            s
        })
        .collect();
    let lines = vec![
        Line::from(vec![
            Span::styled(cell(&p.key), Style::new().add_modifier(Modifier::BOLD)),
            Span::raw(format!(
                "  groups: {}  findings: {}",
                if p.groups.is_empty() {
                    "-".to_owned()
                } else {
                    cell(&p.groups.join(", "))
                },
                if fsum.is_empty() {
                    "none".to_owned()
                } else {
                    fsum.join(", ")
                }
            )),
        ]),
        Line::from(format!("accounts: {}", top(&p.accounts, 3))),
        Line::from(format!(
            "devices: {}  addresses: {}",
            top(&p.devices, 3),
            top(&p.ips, 3)
        )),
        Line::from(if kinds.is_empty() {
            if app.events.is_none() {
                "events: still being indexed…".to_owned()
            } else {
                "events: none".to_owned()
            }
        } else {
            format!(
                "{}  {}",
                kinds.join(" · "),
                p.span
                    .map(|(a, b)| format!(
                        "from {} to {}",
                        local(&app.cx, a, "%a %d %H:%M"),
                        local(&app.cx, b, "%a %d %H:%M")
                    ))
                    .unwrap_or_default()
            )
        }),
    ];
    frame.render_widget(Paragraph::new(lines), head);
    frame.render_widget(
        Paragraph::new(format!(
            "── timeline: {} event(s) across all sources ",
            thousands(list.order.len() as u64)
        ))
        .style(header_style()),
        sep,
    );
    draw_events(frame, app, table, list, "No events in the range for this person.");
}

fn draw_event(frame: &mut Frame, app: &App, area: Rect, fields: &[(&'static str, String)], evidence: &EvidenceList) {
    let n = fields.len() as u16;
    let [head, sep, line, preview] = Layout::vertical([
        Constraint::Length(n.min(area.height.saturating_sub(6))),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(2),
    ])
    .areas(area);
    let lines: Vec<Line> = fields
        .iter()
        .map(|(k, v)| {
            Line::from(vec![
                Span::styled(format!("{k:>7} "), header_style()),
                Span::raw(v.clone()),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), head);
    frame.render_widget(
        Paragraph::new("── the line as in the source file ").style(header_style()),
        sep,
    );
    draw_evidence(frame, app, line, preview, evidence);
}

fn draw_help(frame: &mut Frame, app: &App, area: Rect, scroll: usize) {
    let w = area.width.saturating_sub(4).min(96);
    let h = area.height.saturating_sub(2);
    let popup = Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + 1,
        width: w,
        height: h,
    };
    frame.render_widget(Clear, popup);
    let mut lines: Vec<Line> = Vec::new();
    for (keys, what) in app.keymap.help_lines() {
        lines.push(Line::from(vec![
            Span::styled(format!("{keys:<22}"), Style::new().add_modifier(Modifier::BOLD)),
            Span::raw(what),
        ]));
    }
    lines.push(Line::from(vec![
        Span::styled(format!("{:<22}", "1 … 9"), Style::new().add_modifier(Modifier::BOLD)),
        Span::raw("go to view 1 (Overview) … 9 (Search)"),
    ]));
    lines.push(Line::from(vec![
        Span::styled(format!("{:<22}", "C-c"), Style::new().add_modifier(Modifier::BOLD)),
        Span::raw("quit at once"),
    ]));
    lines.push(Line::raw(""));
    for text in [
        "Filters: words (all must appear) and field:value terms; -term excludes; \"quoted words\".",
        "  findings: user: device: ip: rule: severity: about: summary: reviewed:   e.g. rule:bypass severity:high+",
        "  events:   user: device: ip: kind: action: host: detail:   e.g. user:jsmith action:blocked",
        "  a value with * or ? is a pattern: user:js*   host: and detail: look for the text anywhere.",
        "Keys come from the key file (vigil tui --print-keys writes one; --keys FILE or",
        "~/.config/vigil/keys.toml reads it).",
    ] {
        lines.push(Line::raw(text));
    }
    let block = Block::bordered().title(" vigil keys (j/k scroll, any other key closes) ");
    let p = Paragraph::new(lines)
        .block(block)
        .wrap(Wrap { trim: false })
        .scroll((scroll.min(u16::MAX as usize) as u16, 0));
    frame.render_widget(p, popup);
}

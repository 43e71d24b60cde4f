//! Named actions, the keys bound to them (vi/less style by default, overridable from a TOML file)
//! and the help screen generated from the bindings.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context as _, Result, bail};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Everything a key can do in the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// Move down one row.
    Down,
    /// Move up one row.
    Up,
    /// Move down one page.
    PageDown,
    /// Move up one page.
    PageUp,
    /// Move down half a page.
    HalfPageDown,
    /// Move up half a page.
    HalfPageUp,
    /// Go to the first row.
    Top,
    /// Go to the last row.
    Bottom,
    /// Next view (tab).
    NextView,
    /// Previous view (tab).
    PrevView,
    /// Open what is selected: a finding's details, a person, an evidence line.
    Drill,
    /// Go back one screen (or clear the filter).
    Back,
    /// Open the person behind the selected row.
    Person,
    /// Type a filter (`/`) for the current list.
    Filter,
    /// Next row matching the filter text.
    SearchNext,
    /// Previous row matching the filter text.
    SearchPrev,
    /// Sort by the next column.
    SortNext,
    /// Reverse the sort order.
    SortReverse,
    /// Cycle the time range: everything, the last day, the last week.
    TimeRange,
    /// Type a time range.
    TimeRangeCustom,
    /// Export the current view to a CSV or JSON file.
    Export,
    /// Mark the selected finding reviewed, with a note.
    Review,
    /// Add the selected finding and its evidence to the case basket.
    AddToCase,
    /// File the case basket into a case, or add a note to a case.
    Case,
    /// Show or hide the help screen.
    Help,
    /// Leave vigil.
    Quit,
}

impl Action {
    /// Every action, in help order.
    pub const ALL: [Action; 26] = [
        Action::Down,
        Action::Up,
        Action::PageDown,
        Action::PageUp,
        Action::HalfPageDown,
        Action::HalfPageUp,
        Action::Top,
        Action::Bottom,
        Action::NextView,
        Action::PrevView,
        Action::Drill,
        Action::Back,
        Action::Person,
        Action::Filter,
        Action::SearchNext,
        Action::SearchPrev,
        Action::SortNext,
        Action::SortReverse,
        Action::TimeRange,
        Action::TimeRangeCustom,
        Action::Export,
        Action::Review,
        Action::AddToCase,
        Action::Case,
        Action::Help,
        Action::Quit,
    ];

    /// The action's name in a key file.
    pub fn name(self) -> &'static str {
        match self {
            Action::Down => "down",
            Action::Up => "up",
            Action::PageDown => "page-down",
            Action::PageUp => "page-up",
            Action::HalfPageDown => "half-page-down",
            Action::HalfPageUp => "half-page-up",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::NextView => "next-view",
            Action::PrevView => "previous-view",
            Action::Drill => "drill",
            Action::Back => "back",
            Action::Person => "person",
            Action::Filter => "filter",
            Action::SearchNext => "search-next",
            Action::SearchPrev => "search-previous",
            Action::SortNext => "sort",
            Action::SortReverse => "sort-reverse",
            Action::TimeRange => "time-range",
            Action::TimeRangeCustom => "time-range-custom",
            Action::Export => "export",
            Action::Review => "review",
            Action::AddToCase => "add-to-case",
            Action::Case => "case",
            Action::Help => "help",
            Action::Quit => "quit",
        }
    }

    /// What the action does, for the help screen.
    pub fn describe(self) -> &'static str {
        match self {
            Action::Down => "down one row",
            Action::Up => "up one row",
            Action::PageDown => "down one page",
            Action::PageUp => "up one page",
            Action::HalfPageDown => "down half a page",
            Action::HalfPageUp => "up half a page",
            Action::Top => "first row",
            Action::Bottom => "last row",
            Action::NextView => "next view",
            Action::PrevView => "previous view",
            Action::Drill => "open: finding, person, evidence line",
            Action::Back => "back (or clear the filter)",
            Action::Person => "the person behind the row",
            Action::Filter => "filter: text, field:value (user: rule: severity: host: kind: …)",
            Action::SearchNext => "next row matching the filter text",
            Action::SearchPrev => "previous row matching the filter text",
            Action::SortNext => "sort by the next column",
            Action::SortReverse => "reverse the sort",
            Action::TimeRange => "time range: all, the last day, that week",
            Action::TimeRangeCustom => "type a time range (2026-11-16..2026-11-18)",
            Action::Export => "export this view (.csv or .json)",
            Action::Review => "mark the finding reviewed, with a note",
            Action::AddToCase => "add the finding and its evidence to the case basket",
            Action::Case => "file the case basket into a case (NAME), or note in one (NAME: text)",
            Action::Help => "this help",
            Action::Quit => "quit",
        }
    }

    fn from_name(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == name)
    }

    fn default_keys(self) -> &'static [&'static str] {
        match self {
            Action::Down => &["j", "Down"],
            Action::Up => &["k", "Up"],
            Action::PageDown => &["PageDown", "Space", "C-f"],
            Action::PageUp => &["PageUp", "b", "C-b"],
            Action::HalfPageDown => &["C-d"],
            Action::HalfPageUp => &["C-u"],
            Action::Top => &["g", "Home"],
            Action::Bottom => &["G", "End"],
            Action::NextView => &["Tab", "l", "Right"],
            Action::PrevView => &["BackTab", "h", "Left"],
            Action::Drill => &["Enter"],
            Action::Back => &["Esc", "Backspace"],
            Action::Person => &["p"],
            Action::Filter => &["/"],
            Action::SearchNext => &["n"],
            Action::SearchPrev => &["N"],
            Action::SortNext => &["s"],
            Action::SortReverse => &["S"],
            Action::TimeRange => &["t"],
            Action::TimeRangeCustom => &["T"],
            Action::Export => &["e"],
            Action::Review => &["r"],
            Action::AddToCase => &["c"],
            Action::Case => &["C"],
            Action::Help => &["?", "F1"],
            Action::Quit => &["q"],
        }
    }
}

/// A key with its modifiers, as written in a key file: `j`, `G`, `Enter`, `C-d`, `BackTab`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    code: KeyCodeOrd,
    ctrl: bool,
    alt: bool,
}

/// `KeyCode` subset with an order (for the map).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum KeyCodeOrd {
    Char(char),
    F(u8),
    Named(&'static str),
}

const NAMED: [(&str, KeyCode); 13] = [
    ("Enter", KeyCode::Enter),
    ("Esc", KeyCode::Esc),
    ("Tab", KeyCode::Tab),
    ("BackTab", KeyCode::BackTab),
    ("Backspace", KeyCode::Backspace),
    ("Up", KeyCode::Up),
    ("Down", KeyCode::Down),
    ("Left", KeyCode::Left),
    ("Right", KeyCode::Right),
    ("PageUp", KeyCode::PageUp),
    ("PageDown", KeyCode::PageDown),
    ("Home", KeyCode::Home),
    ("End", KeyCode::End),
];

impl Key {
    /// Parses a key as written in a key file.
    pub fn parse(text: &str) -> Option<Key> {
        let (mut ctrl, mut alt, mut rest) = (false, false, text);
        loop {
            if let Some(r) = rest.strip_prefix("C-").filter(|r| !r.is_empty()) {
                ctrl = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("M-").filter(|r| !r.is_empty()) {
                alt = true;
                rest = r;
            } else {
                break;
            }
        }
        let code = if rest == "Space" {
            KeyCodeOrd::Char(' ')
        } else if let Some((name, _)) = NAMED.iter().find(|(n, _)| *n == rest) {
            KeyCodeOrd::Named(name)
        } else if let Some(n) = rest.strip_prefix('F').and_then(|n| n.parse::<u8>().ok()) {
            KeyCodeOrd::F(n)
        } else {
            let mut chars = rest.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => KeyCodeOrd::Char(if ctrl { c.to_ascii_lowercase() } else { c }),
                _ => return None,
            }
        };
        Some(Key { code, ctrl, alt })
    }

    /// The key of a terminal key event.
    pub fn of(event: KeyEvent) -> Option<Key> {
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        let alt = event.modifiers.contains(KeyModifiers::ALT);
        let code = match event.code {
            KeyCode::Char(c) => KeyCodeOrd::Char(if ctrl { c.to_ascii_lowercase() } else { c }),
            KeyCode::F(n) => KeyCodeOrd::F(n),
            other => KeyCodeOrd::Named(NAMED.iter().find(|(_, c)| *c == other)?.0),
        };
        Some(Key { code, ctrl, alt })
    }
}

impl Key {
    /// The key as a terminal key event (for tests and scripted key sequences).
    pub fn event(self) -> KeyEvent {
        let code = match self.code {
            KeyCodeOrd::Char(c) => KeyCode::Char(c),
            KeyCodeOrd::F(n) => KeyCode::F(n),
            KeyCodeOrd::Named(n) => NAMED
                .iter()
                .find(|(name, _)| *name == n)
                .map_or(KeyCode::Null, |(_, c)| *c),
        };
        let mut mods = KeyModifiers::NONE;
        if self.ctrl {
            mods |= KeyModifiers::CONTROL;
        }
        if self.alt {
            mods |= KeyModifiers::ALT;
        }
        if code == KeyCode::BackTab {
            mods |= KeyModifiers::SHIFT;
        }
        KeyEvent::new(code, mods)
    }
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.ctrl {
            f.write_str("C-")?;
        }
        if self.alt {
            f.write_str("M-")?;
        }
        match self.code {
            KeyCodeOrd::Char(' ') => f.write_str("Space"),
            KeyCodeOrd::Char(c) => write!(f, "{c}"),
            KeyCodeOrd::F(n) => write!(f, "F{n}"),
            KeyCodeOrd::Named(n) => f.write_str(n),
        }
    }
}

/// Keys to actions.
#[derive(Debug, Clone)]
pub struct Keymap {
    keys: BTreeMap<Key, Action>,
}

impl Default for Keymap {
    fn default() -> Self {
        let mut keys = BTreeMap::new();
        for action in Action::ALL {
            for k in action.default_keys() {
                if let Some(key) = Key::parse(k) {
                    keys.insert(key, action);
                }
            }
        }
        Keymap { keys }
    }
}

/// A key file: `[keys]` of action = ["key", …].
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    keys: BTreeMap<String, Vec<String>>,
}

impl Keymap {
    /// The defaults with the bindings of a key file: each action it names takes exactly the
    /// keys it lists (an empty list unbinds it); a key may not be bound to two actions.
    pub fn load(path: &Path) -> Result<Keymap> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading the key file {}", path.display()))?;
        Keymap::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }

    /// [`Keymap::load`] of a key file's text.
    pub fn parse(text: &str) -> Result<Keymap> {
        let file: KeyFile = toml::from_str(text).map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut map = Keymap::default();
        let mut seen: BTreeMap<Key, &str> = BTreeMap::new();
        for (name, keys) in &file.keys {
            let Some(action) = Action::from_name(name) else {
                let names: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
                bail!("unknown action `{name}` in [keys] (actions: {})", names.join(", "));
            };
            map.keys.retain(|_, a| *a != action);
            for k in keys {
                let Some(key) = Key::parse(k) else {
                    bail!(
                        "[keys] {name}: `{k}` is not a key (a character, C-x, M-x, F1, Space, Enter, Esc, Tab, BackTab, \
                         Backspace, Up, Down, Left, Right, PageUp, PageDown, Home, End)"
                    );
                };
                if matches!(key.code, KeyCodeOrd::Char('c')) && key.ctrl {
                    bail!("[keys] {name}: C-c always quits and cannot be bound");
                }
                if let Some(other) = seen.insert(key, name)
                    && other != name
                {
                    bail!("[keys]: `{k}` is bound to both `{other}` and `{name}`");
                }
            }
        }
        // The file's keys win over a default binding of the same key to another action.
        for (name, keys) in &file.keys {
            if let Some(action) = Action::from_name(name) {
                for key in keys.iter().filter_map(|k| Key::parse(k)) {
                    map.keys.insert(key, action);
                }
            }
        }
        Ok(map)
    }

    /// The action of a key press, if any.
    pub fn action(&self, event: KeyEvent) -> Option<Action> {
        let key = Key::of(event)?;
        self.keys.get(&key).copied()
    }

    /// The keys bound to `action`, as written in a key file.
    pub fn keys_of(&self, action: Action) -> Vec<String> {
        self.keys
            .iter()
            .filter(|(_, a)| **a == action)
            .map(|(k, _)| k.to_string())
            .collect()
    }

    /// The first key of `action`, for hints (`?` when unbound).
    pub fn hint(&self, action: Action) -> String {
        let mut keys = self.keys_of(action);
        // Prefer a single character (as a user would type it) over a named key.
        keys.sort_by_key(|k| (k.chars().count() != 1, k != "Esc", k.clone()));
        keys.into_iter().next().unwrap_or_else(|| "(unbound)".to_owned())
    }

    /// The help screen: one line per action, its keys and what it does.
    pub fn help_lines(&self) -> Vec<(String, &'static str)> {
        Action::ALL
            .iter()
            .map(|&a| {
                let keys = self.keys_of(a);
                let keys = if keys.is_empty() {
                    "(unbound)".to_owned()
                } else {
                    keys.join(" ")
                };
                (keys, a.describe())
            })
            .collect()
    }

    /// A key file with every binding, as `vigil tui --print-keys` writes it.
    pub fn to_file(&self) -> String {
        let mut out = String::from(
            "# vigil's dashboard keys: each action takes exactly the keys listed (an empty list unbinds it).\n\
             # Keys: a character, C-x (control), M-x (alt), F1…F12, Space, Enter, Esc, Tab, BackTab, Backspace,\n\
             # Up, Down, Left, Right, PageUp, PageDown, Home, End. C-c always quits.\n[keys]\n",
        );
        for a in Action::ALL {
            let keys: Vec<String> = self.keys_of(a).iter().map(|k| format!("{k:?}")).collect();
            out.push_str(&format!("{} = [{}]  # {}\n", a.name(), keys.join(", "), a.describe()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn defaults_are_vi_and_less_keys() {
        let m = Keymap::default();
        assert_eq!(
            m.action(press(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some(Action::Down)
        );
        assert_eq!(
            m.action(press(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Action::Bottom)
        );
        assert_eq!(
            m.action(press(KeyCode::Char('d'), KeyModifiers::CONTROL)),
            Some(Action::HalfPageDown)
        );
        assert_eq!(
            m.action(press(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(Action::PrevView)
        );
        assert_eq!(
            m.action(press(KeyCode::Char('/'), KeyModifiers::NONE)),
            Some(Action::Filter)
        );
        assert_eq!(m.action(press(KeyCode::Char('x'), KeyModifiers::NONE)), None);
    }

    #[test]
    fn a_key_file_rebinds_and_is_checked() {
        let m = Keymap::parse("[keys]\ndown = [\"C-n\", \"Down\"]\nquit = [\"x\"]\n").expect("valid");
        assert_eq!(
            m.action(press(KeyCode::Char('n'), KeyModifiers::CONTROL)),
            Some(Action::Down)
        );
        assert_eq!(m.action(press(KeyCode::Char('j'), KeyModifiers::NONE)), None);
        assert_eq!(
            m.action(press(KeyCode::Char('x'), KeyModifiers::NONE)),
            Some(Action::Quit)
        );
        assert_eq!(m.action(press(KeyCode::Char('q'), KeyModifiers::NONE)), None);
        let err = Keymap::parse("[keys]\nfly = [\"f\"]\n").expect_err("unknown action");
        assert!(err.to_string().contains("unknown action `fly`"), "{err}");
        let err = Keymap::parse("[keys]\ndown = [\"Ctrl+n\"]\n").expect_err("bad key");
        assert!(err.to_string().contains("`Ctrl+n` is not a key"), "{err}");
        let err = Keymap::parse("[keys]\ndown = [\"x\"]\nup = [\"x\"]\n").expect_err("twice");
        assert!(err.to_string().contains("bound to both"), "{err}");
    }

    #[test]
    fn the_written_key_file_reads_back_the_same() {
        let m = Keymap::default();
        let again = Keymap::parse(&m.to_file()).expect("round trip");
        for a in Action::ALL {
            assert_eq!(m.keys_of(a), again.keys_of(a), "{}", a.name());
        }
    }
}

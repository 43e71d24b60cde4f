//! The dashboard, as a user drives it: the whole app rendered into ratatui's `TestBackend` after
//! injected keys (insta snapshots at 80x24 and 160x48), and the real binary in tmux.

mod support;
mod tmux;
mod views;

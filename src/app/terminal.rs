//! The terminal: machine output on stdout, people's lines on stderr, `--color`, `-q`,
//! and the progress bars. Every byte custody prints goes through here (clap's own help
//! and the raw completion and manual page bytes aside).

use crate::diagnostic::{Diagnostic, Severity};
use crate::progress::Reporter;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget};
use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;

/// Output settings of one run, and the bars in flight.
pub struct Terminal {
    /// `-q`: errors, warnings and machine output only.
    quiet: bool,
    /// Set when bars are drawn (stderr is a terminal and not `-q`): lines then go
    /// through it so they print above the bars instead of through them.
    multi: Option<MultiProgress>,
    /// Warnings already shown: `serve` rebuilds again and again, and the same warning
    /// (not a git repository) once is enough.
    warned: Mutex<HashSet<String>>,
}

impl Terminal {
    pub fn new(quiet: bool) -> Self {
        let bars = std::io::stderr().is_terminal() && !quiet;
        Terminal {
            quiet,
            multi: bars.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr())),
            warned: Mutex::new(HashSet::new()),
        }
    }

    /// Machine or report output on stdout, coloured or stripped per `--color`.
    pub fn out(&self, s: &str) {
        let mut out = anstream::stdout();
        let _ = out.write_all(s.as_bytes());
        let _ = out.flush();
    }

    /// Bytes on stdout as they are: a completion script or manual page must never be
    /// stripped or recoloured.
    pub fn out_raw(&self, bytes: &[u8]) {
        let _ = std::io::stdout().write_all(bytes);
    }

    /// Text on stderr, always (errors, the lines a command is for).
    pub fn err(&self, s: &str) {
        stderr(s);
    }

    /// A progress, summary or next-step line on stderr; `-q` silences it.
    pub fn status(&self, s: &str) {
        if !self.quiet {
            self.err(s);
        }
    }

    /// Every diagnostic on stderr with its source snippet and hint; a warning already
    /// shown in this run is not shown again.
    pub fn diagnostics<'a>(&self, diags: impl IntoIterator<Item = &'a Diagnostic>) {
        for d in diags {
            if let Some(text) = self.rendered(d) {
                self.err(&text);
            }
        }
    }

    fn rendered(&self, d: &Diagnostic) -> Option<String> {
        if d.severity != Severity::Error {
            let mut warned = self.warned.lock().unwrap_or_else(|e| e.into_inner());
            if !warned.insert(d.to_string()) {
                return None;
            }
        }
        Some(crate::diagnostic::render(d))
    }

    /// A line on stderr; bars being drawn are cleared for it and drawn again below.
    /// (Not `MultiProgress::println`: it pads the line to the terminal's width, so the
    /// bytes would differ from the same line without bars.)
    fn line(&self, s: &str) {
        match &self.multi {
            Some(m) => m.suspend(|| self.err(s)),
            None => self.err(s),
        }
    }
}

/// Text on stderr, for the one place without a [`Terminal`] at hand: a signal
/// handler's thread.
pub fn stderr(s: &str) {
    let mut err = anstream::stderr();
    let _ = err.write_all(s.as_bytes());
}

impl Reporter for Terminal {
    fn status(&self, line: &str) {
        if !self.quiet {
            self.line(&format!("{line}\n"));
        }
    }

    fn notice(&self, line: &str) {
        self.line(&format!("{line}\n"));
    }

    fn diagnostic(&self, d: &Diagnostic) {
        if let Some(text) = self.rendered(d) {
            self.line(&text);
        }
    }

    fn bar(&self, len: u64) -> ProgressBar {
        match &self.multi {
            Some(m) => m.add(ProgressBar::new(len)),
            None => ProgressBar::hidden(),
        }
    }

    fn draws_bars(&self) -> bool {
        self.multi.is_some()
    }
}

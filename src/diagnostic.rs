//! Input problems as values: every one names the file and the line and column (TOML)
//! or the JSON path (Graph JSON), so a run can gather them all and report them together.
//! Each carries a severity and a stable [`Code`] (listed in the README, generated from
//! [`Code::ALL`]), so scripts and tests can tell problems apart without matching text.

use serde::Serialize;
use std::fmt;
use std::ops::Range;

/// How bad a diagnostic is. Only errors make a run exit 2; warnings and notes are shown
/// and the run goes on as if they were not there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
    Note,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The stable code of a diagnostic: which input or stage it is about. The text of a
/// message may be reworded; a code is kept once published (a removed code is never
/// reused). A constructor picks it from the file the problem is in
/// ([`Code::for_file`]); [`Diagnostic::with_code`] names a more precise one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    /// A command-line argument (`--client`, `--month`, `--shard`, a URL, a key file).
    Usage,
    /// An entry of `clients/` that is not a client folder (name, file, link, no client.toml).
    RepoLayout,
    /// A policy file of a client (`clients/<id>/*.toml`, `notes.md`): missing, unreadable
    /// or invalid (unknown key, wrong type, value out of bounds, unknown control id).
    PolicyFile,
    /// The policy in force at the end of a month cannot be read from git history.
    PolicyHistory,
    /// A Microsoft Graph snapshot (`evidence/<id>/<month>/graph/*.json`).
    EvidenceGraph,
    /// Backup job records (`backup-jobs.csv` or a product's mapped CSV export).
    EvidenceBackupJobs,
    /// Veeam Backup for Microsoft 365 responses (`backup/veeam/*.json`).
    EvidenceVeeam,
    /// Restore test records (`restore-tests.toml`).
    EvidenceRestoreTests,
    /// A month's `manifest.json`.
    EvidenceManifest,
    /// Any other file or folder under `evidence/`.
    EvidenceFile,
    /// A template under `site-templates/`.
    SiteTemplates,
    /// The output folder of `build` or `serve` (refused, or cannot be written).
    SiteOutput,
    /// A client's logo (`client.toml` `logo`).
    SiteLogo,
    /// Any other file or folder custody was given or needed.
    Io,
    /// Warning: the repository is not a git repository, so every month is evaluated
    /// against the working tree.
    NotGit,
    /// Warning: `serve` cannot watch an input folder for changes.
    Watch,
    /// Warning: the GitHub step summary (`GITHUB_STEP_SUMMARY`) cannot be written.
    StepSummary,
}

impl Code {
    /// Every code, in the order the README lists them.
    pub const ALL: [Code; 17] = [
        Code::Usage,
        Code::RepoLayout,
        Code::PolicyFile,
        Code::PolicyHistory,
        Code::EvidenceGraph,
        Code::EvidenceBackupJobs,
        Code::EvidenceVeeam,
        Code::EvidenceRestoreTests,
        Code::EvidenceManifest,
        Code::EvidenceFile,
        Code::SiteTemplates,
        Code::SiteOutput,
        Code::SiteLogo,
        Code::Io,
        Code::NotGit,
        Code::Watch,
        Code::StepSummary,
    ];

    /// The published spelling: `area.kind`, lowercase.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Usage => "usage",
            Code::RepoLayout => "repo.layout",
            Code::PolicyFile => "policy.file",
            Code::PolicyHistory => "policy.history",
            Code::EvidenceGraph => "evidence.graph",
            Code::EvidenceBackupJobs => "evidence.backup-jobs",
            Code::EvidenceVeeam => "evidence.veeam",
            Code::EvidenceRestoreTests => "evidence.restore-tests",
            Code::EvidenceManifest => "evidence.manifest",
            Code::EvidenceFile => "evidence.file",
            Code::SiteTemplates => "site.templates",
            Code::SiteOutput => "site.output",
            Code::SiteLogo => "site.logo",
            Code::Io => "io",
            Code::NotGit => "history.not-git",
            Code::Watch => "serve.watch",
            Code::StepSummary => "report.step-summary",
        }
    }

    /// The severity a diagnostic with this code has unless it says otherwise.
    pub fn severity(self) -> Severity {
        match self {
            Code::NotGit | Code::Watch | Code::StepSummary => Severity::Warning,
            _ => Severity::Error,
        }
    }

    /// One line for the README's list of codes.
    pub fn description(self) -> &'static str {
        match self {
            Code::Usage => {
                "a command-line argument: `--client`, `--month`, `--shard`, a URL, a key file"
            }
            Code::RepoLayout => {
                "an entry of `clients/` that is not a client folder (a name that is not a client id, a file, a symbolic link, a folder without `client.toml`), or a `--client` naming no client folder"
            }
            Code::PolicyFile => {
                "a policy file `clients/<id>/*.toml` is missing, unreadable or invalid (unknown key, wrong type, value out of bounds, unknown control id)"
            }
            Code::PolicyHistory => {
                "the policy in force at the end of a month cannot be read from git history"
            }
            Code::EvidenceGraph => {
                "a Microsoft Graph snapshot `evidence/<id>/<month>/graph/*.json` (the message names the JSON path)"
            }
            Code::EvidenceBackupJobs => {
                "backup job records: `backup-jobs.csv` or a product's CSV export mapped in `backup.toml`"
            }
            Code::EvidenceVeeam => "Veeam Backup for Microsoft 365 responses under `backup/veeam/`",
            Code::EvidenceRestoreTests => "the month's `restore-tests.toml`",
            Code::EvidenceManifest => "the month's `manifest.json`",
            Code::EvidenceFile => "any other file or folder under `evidence/`",
            Code::SiteTemplates => "a template override under `site-templates/`",
            Code::SiteOutput => {
                "the output folder of `build` or `serve`: refused, or cannot be written"
            }
            Code::SiteLogo => "a client's logo (`logo` in `client.toml`)",
            Code::Io => "any other file or folder custody was given or needed",
            Code::NotGit => {
                "not a git repository, so every month is evaluated against the working tree"
            }
            Code::Watch => "`serve` cannot watch an input folder for changes",
            Code::StepSummary => {
                "the GitHub step summary (`GITHUB_STEP_SUMMARY`) cannot be written"
            }
        }
    }

    /// The code of a problem with `file` (repository-relative, `/`-separated): the input
    /// it belongs to.
    pub fn for_file(file: &str) -> Code {
        let parts: Vec<&str> = file.split('/').collect();
        match parts.as_slice() {
            [flag, ..] if flag.starts_with("--") => Code::Usage,
            ["clients"] | ["clients", _] => Code::RepoLayout,
            ["clients", _, ..] => Code::PolicyFile,
            ["site-templates", ..] => Code::SiteTemplates,
            ["evidence", rest @ ..] => {
                let name = rest.last().copied().unwrap_or("");
                if rest.contains(&"graph") {
                    Code::EvidenceGraph
                } else if rest.contains(&"veeam") {
                    Code::EvidenceVeeam
                } else if name == "manifest.json" {
                    Code::EvidenceManifest
                } else if name == "restore-tests.toml" {
                    Code::EvidenceRestoreTests
                } else if name.ends_with(".csv") {
                    Code::EvidenceBackupJobs
                } else {
                    Code::EvidenceFile
                }
            }
            _ => Code::Io,
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem with the input, located.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Not serialized: the JSON outputs' `errors` carry errors only, in a shape whose
    /// schema_version a new key would have to bump.
    #[serde(skip)]
    pub severity: Severity,
    /// Not serialized, for the same reason as `severity`.
    #[serde(skip)]
    pub code: Code,
    /// Client the problem belongs to, when it belongs to one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// Repository-relative path of the file, with `/` separators.
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// JSON pointer inside a JSON file (`/value/3/userType`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub json_path: Option<String>,
    pub message: String,
    /// What to do about it ("did you mean `tenant_id`?"), shown under the snippet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// The offending source line, for text output.
    #[serde(skip)]
    pub snippet: Option<String>,
    /// How many characters of `snippet` from `column` the caret underlines.
    #[serde(skip)]
    pub width: usize,
}

impl Diagnostic {
    /// A problem with a whole file (missing, unreadable).
    pub fn file(file: impl Into<String>, message: impl Into<String>) -> Self {
        let file = file.into();
        let code = Code::for_file(&file);
        Diagnostic {
            severity: code.severity(),
            code,
            client: None,
            file,
            line: None,
            column: None,
            json_path: None,
            message: message.into(),
            hint: None,
            snippet: None,
            width: 1,
        }
    }

    /// A problem at a byte offset of a text file; line and column are 1-based.
    pub fn at(file: &SourceText, offset: usize, message: impl Into<String>) -> Self {
        let (line, column) = file.line_col(offset);
        Diagnostic {
            line: Some(line),
            column: Some(column),
            snippet: file.line_text(line).map(str::to_owned),
            ..Diagnostic::file(file.path.clone(), message)
        }
    }

    /// A problem spanning a byte range of a text file: the caret underlines the part of
    /// the range on its first line.
    pub fn span(file: &SourceText, range: Range<usize>, message: impl Into<String>) -> Self {
        let mut d = Diagnostic::at(file, range.start, message);
        if let (Some(line), Some(col)) = (&d.snippet, d.column) {
            let end = range.end.min(file.text.len()).max(range.start);
            let spanned = file.text.get(range.start..end).unwrap_or("");
            let on_line = spanned.split(['\n', '\r']).next().unwrap_or("");
            let room = line.chars().count().saturating_sub(col - 1);
            d.width = on_line.chars().count().clamp(1, room.max(1));
        }
        d
    }

    /// A problem that is about no file (the repository is not a git repository, a
    /// folder cannot be watched): printed as one `severity: message` line.
    pub fn general(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.severity(),
            ..Diagnostic::file("", message)
        }
    }

    /// A more precise code than the file's; the severity follows the code.
    pub fn with_code(mut self, code: Code) -> Self {
        self.code = code;
        self.severity = code.severity();
        self
    }

    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn json(
        file: impl Into<String>,
        json_path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            json_path: Some(json_path.into()),
            ..Diagnostic::file(file, message)
        }
    }

    pub fn for_client(mut self, client: &str) -> Self {
        self.client = Some(client.to_owned());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.file.is_empty() {
            return f.write_str(&self.message);
        }
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        if let Some(path) = &self.json_path {
            write!(f, " at {path}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The text form of a diagnostic, as cargo and rustc print theirs: the grep-able
/// `error: file:line:column: message` line, then the source line with a caret under the
/// problem and the hint. Styled with ANSI colours; print it through `anstream`, which
/// strips them when the stream is not a terminal, `NO_COLOR` is set or `--color never`.
pub fn render(d: &Diagnostic) -> String {
    use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
    let title = printable(&d.to_string());
    if d.file.is_empty() {
        // About no file: one plain line, as a warning always looked.
        return format!("{}: {title}\n", d.severity);
    }
    let level = match d.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Note => Level::NOTE,
    };
    let mut report = Vec::new();
    let mut group = Group::with_title(level.primary_title(title.as_str()));
    let snippet = d.snippet.as_deref().map(printable);
    if let (Some(line), Some(snippet), Some(col)) = (d.line, &snippet, d.column) {
        let start: usize = snippet
            .chars()
            .take(col.saturating_sub(1))
            .map(char::len_utf8)
            .sum();
        let len: usize = snippet[start..]
            .chars()
            .take(d.width.max(1))
            .map(char::len_utf8)
            .sum();
        group = group.element(
            Snippet::source(snippet.as_str())
                .line_start(line)
                .annotation(AnnotationKind::Primary.span(start..start + len)),
        );
    }
    report.push(group);
    if let Some(hint) = &d.hint {
        report.push(Group::with_title(
            Level::HELP.secondary_title(hint.as_str()),
        ));
    }
    let mut out = Renderer::styled().render(&report);
    out.push('\n');
    out
}

/// Input text made safe for a terminal: control characters (an escape sequence in a
/// policy file) become U+FFFD, one for one, so columns still line up.
fn printable(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect()
}

/// The candidate nearest to a misspelt word, when it is near enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// A text file kept in memory with its repository-relative path, for locating offsets.
#[derive(Debug, Clone)]
pub struct SourceText {
    pub path: String,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceText {
    pub fn new(path: impl Into<String>, text: String) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        SourceText {
            path: path.into(),
            text,
            line_starts,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts[line - 1];
        let column = self
            .text
            .get(start..offset)
            .map_or(1, |s| s.chars().count() + 1);
        (line, column)
    }

    pub fn line_text(&self, line: usize) -> Option<&str> {
        let start = *self.line_starts.get(line.checked_sub(1)?)?;
        let end = self.line_starts.get(line).map_or(self.text.len(), |&e| e);
        Some(self.text[start..end].trim_end_matches(['\n', '\r']))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one_and_in_characters() {
        let src = SourceText::new("a.toml", "x = 1\nnäme = 2\n".to_owned());
        assert_eq!(src.line_col(0), (1, 1));
        assert_eq!(src.line_col(6), (2, 1));
        let after_umlaut = src.text.find("me").unwrap();
        assert_eq!(src.line_col(after_umlaut), (2, 3));
        assert_eq!(src.line_text(2), Some("näme = 2"));
    }

    fn plain(d: &Diagnostic) -> String {
        anstream::adapter::strip_str(&render(d)).to_string()
    }

    #[test]
    fn render_puts_a_caret_under_the_span_and_the_hint_below() {
        let src = SourceText::new(
            "clients/a/client.toml",
            "name = \"A\"\ntenantid = \"x\"\n".to_owned(),
        );
        let at = src.text.find("tenantid").unwrap();
        let d = Diagnostic::span(&src, at..at + 8, "unknown key `tenantid`")
            .with_hint("did you mean `tenant_id`?");
        let out = plain(&d);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[0],
            "error: clients/a/client.toml:2:1: unknown key `tenantid`"
        );
        let code = lines
            .iter()
            .position(|l| l.ends_with("tenantid = \"x\""))
            .unwrap();
        assert!(lines[code].trim_start().starts_with("2 |"), "{out}");
        let caret = lines[code + 1];
        let col = caret.find('^').unwrap();
        assert_eq!(col, lines[code].find("tenantid").unwrap(), "{out}");
        assert_eq!(caret[col..].trim_end(), "^^^^^^^^", "{out}");
        assert!(out.contains("help: did you mean `tenant_id`?"), "{out}");
    }

    #[test]
    fn render_counts_columns_in_characters_and_keeps_file_only_errors_to_one_line() {
        let src = SourceText::new("a.toml", "näme = 2\n".to_owned());
        let at = src.text.find('=').unwrap();
        let out = plain(&Diagnostic::span(&src, at..at + 1, "bad"));
        let code = out.lines().find(|l| l.contains("näme")).unwrap();
        let caret = out.lines().find(|l| l.contains('^')).unwrap();
        assert_eq!(
            caret.chars().position(|c| c == '^'),
            code.chars().position(|c| c == '=')
        );
        let whole = plain(&Diagnostic::file("clients/a/raci.toml", "cannot read"));
        assert_eq!(whole.trim_end(), "error: clients/a/raci.toml: cannot read");
    }

    #[test]
    fn render_is_coloured_only_as_ansi_that_anstream_can_strip() {
        let d = Diagnostic::file("a.toml", "bad");
        assert!(render(&d).contains("\x1b["));
        assert!(!plain(&d).contains('\x1b'));
    }

    #[test]
    fn render_never_passes_escape_sequences_from_input_to_the_terminal() {
        let src = SourceText::new("a.toml", "k\u{1b}]0;pwned\u{7} = 1\n".to_owned());
        let d = Diagnostic::span(&src, 0..1, "unknown key `k\u{1b}[2J`");
        let out = render(&d);
        let stripped = anstream::adapter::strip_str(&out).to_string();
        assert!(
            !stripped.contains('\u{1b}') && !stripped.contains('\u{7}'),
            "{out:?}"
        );
        assert!(
            stripped.contains("k\u{fffd}]0;pwned\u{fffd} = 1"),
            "{stripped}"
        );
    }

    #[test]
    fn did_you_mean_picks_a_close_candidate_only() {
        assert_eq!(
            did_you_mean("tenantid", ["name", "tenant_id"]),
            Some("tenant_id")
        );
        assert_eq!(did_you_mean("zzz", ["name", "tenant_id"]), None);
    }

    #[test]
    fn display_names_file_line_and_column() {
        let src = SourceText::new("clients/a/raci.toml", "a\nbad\n".to_owned());
        let d = Diagnostic::at(&src, 2, "unknown key");
        assert_eq!(d.to_string(), "clients/a/raci.toml:2:1: unknown key");
    }

    #[test]
    fn codes_are_unique_dotted_lowercase_and_each_listed_once() {
        let mut seen = std::collections::BTreeSet::new();
        for c in Code::ALL {
            let s = c.as_str();
            assert!(seen.insert(s), "{s} twice");
            assert!(
                s.split('.').all(|part| !part.is_empty()
                    && part.chars().all(|ch| ch.is_ascii_lowercase() || ch == '-')),
                "{s}"
            );
            assert!(!c.description().is_empty(), "{s}");
        }
    }

    #[test]
    fn a_file_gives_the_code_of_the_input_it_belongs_to() {
        let code = |f: &str| Diagnostic::file(f, "x").code;
        assert_eq!(code("--client"), Code::Usage);
        assert_eq!(code("clients"), Code::RepoLayout);
        assert_eq!(code("clients/Bad Name"), Code::RepoLayout);
        assert_eq!(code("clients/a/raci.toml"), Code::PolicyFile);
        assert_eq!(
            code("evidence/a/2026-05/graph/users.json"),
            Code::EvidenceGraph
        );
        assert_eq!(
            code("evidence/a/2026-05/graph/users.json.gz"),
            Code::EvidenceGraph
        );
        assert_eq!(
            code("evidence/a/2026-05/backup/veeam/Jobs.json"),
            Code::EvidenceVeeam
        );
        assert_eq!(
            code("evidence/a/2026-05/backup-jobs.csv"),
            Code::EvidenceBackupJobs
        );
        assert_eq!(
            code("evidence/a/2026-05/restore-tests.toml"),
            Code::EvidenceRestoreTests
        );
        assert_eq!(
            code("evidence/a/2026-05/manifest.json"),
            Code::EvidenceManifest
        );
        assert_eq!(code("evidence/a/2026-05"), Code::EvidenceFile);
        assert_eq!(code("site-templates/month.html"), Code::SiteTemplates);
        assert_eq!(code("/tmp/key"), Code::Io);
        assert!(
            Code::ALL
                .iter()
                .all(|c| c.severity() == Diagnostic::file("a", "x").with_code(*c).severity)
        );
    }

    #[test]
    fn a_warning_about_no_file_renders_as_one_plain_line() {
        let w = Diagnostic::general(
            Code::NotGit,
            "not a git repository: month-end policy versions unavailable",
        );
        assert_eq!(w.severity, Severity::Warning);
        assert_eq!(
            render(&w),
            "warning: not a git repository: month-end policy versions unavailable\n"
        );
        let e = Diagnostic::general(Code::Usage, "--month: bad");
        assert_eq!(
            (e.severity, render(&e).as_str()),
            (Severity::Error, "error: --month: bad\n")
        );
        // A located warning keeps the snippet, titled as a warning.
        let src = SourceText::new("a.toml", "k = 1\n".to_owned());
        let located = Diagnostic::at(&src, 0, "odd").with_severity(Severity::Warning);
        let plain = anstream::adapter::strip_str(&render(&located)).to_string();
        assert!(plain.starts_with("warning: a.toml:1:1: odd"), "{plain}");
    }
}

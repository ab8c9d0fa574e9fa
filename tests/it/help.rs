//! `--help` of every command, found by walking the clap command tree (a new command or
//! flag shows up here without touching this file): a snapshot each, examples in each,
//! and every example must parse.

use assert_cmd::Command;
use clap::{CommandFactory, Parser};
use custody::app::Cli;

/// Every command path: `[]` for the top level, `["check"]`, … (clap's own `help` aside).
fn command_paths() -> Vec<Vec<String>> {
    fn walk(cmd: &clap::Command, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
        out.push(prefix.clone());
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let mut path = prefix.clone();
            path.push(sub.get_name().to_owned());
            walk(sub, path, out);
        }
    }
    let mut out = Vec::new();
    walk(&Cli::command(), Vec::new(), &mut out);
    out
}

fn help(path: &[String]) -> String {
    let out = Command::cargo_bin("custody")
        .unwrap()
        .args(path)
        .arg("--help")
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        // clap wraps at $COLUMNS when stdout is not a terminal: pin it.
        .env("COLUMNS", "100")
        .output()
        .unwrap();
    assert!(out.status.success(), "{path:?}: {out:?}");
    assert!(out.stderr.is_empty(), "{path:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// The example command lines of a help text: the indented `custody …` lines after
/// `Examples:`, without their trailing comment, split at `&&`, pipes and redirections.
fn examples(help: &str) -> Vec<Vec<String>> {
    let Some((_, after)) = help.split_once("Examples:\n") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for line in after.lines().take_while(|l| l.starts_with("  ")) {
        let code = line.trim().split("   ").next().unwrap_or("");
        for part in code.split("&&") {
            let cmd = part.split(['|', '>']).next().unwrap_or("").trim();
            if cmd.starts_with("custody") {
                out.push(cmd.split_whitespace().map(str::to_owned).collect());
            }
        }
    }
    out
}

#[test]
fn every_help_matches_its_snapshot() {
    for path in command_paths() {
        let name = if path.is_empty() {
            "custody".to_owned()
        } else {
            format!("custody-{}", path.join("-"))
        };
        insta::assert_snapshot!(name, help(&path));
    }
}

#[test]
fn every_command_shows_examples_that_parse() {
    let paths = command_paths();
    assert!(paths.len() > 8, "{paths:?}");
    for path in paths {
        let text = help(&path);
        let examples = examples(&text);
        assert!(
            !examples.is_empty(),
            "custody {path:?} --help has no examples"
        );
        for argv in &examples {
            if let Err(e) = Cli::try_parse_from(argv) {
                panic!("example {argv:?} in custody {path:?} --help does not parse: {e}");
            }
        }
        // A command's examples show that command (and may go on to a next step).
        if let Some(sub) = path.last() {
            assert!(
                examples.iter().any(|argv| argv.contains(sub)),
                "custody {path:?} --help has no example of itself: {examples:?}"
            );
        }
    }
}

#[test]
fn global_options_are_accepted_before_and_after_the_command() {
    for argv in [
        &["custody", "-q", "check"][..],
        &["custody", "check", "-vv"],
        &["custody", "--color", "never", "build"],
        &["custody", "verify", "site", "--color=always", "--quiet"],
    ] {
        Cli::try_parse_from(argv).unwrap_or_else(|e| panic!("{argv:?}: {e}"));
    }
    let err = Cli::try_parse_from(["custody", "-q", "-v", "check"]).unwrap_err();
    assert_eq!(err.kind(), clap::error::ErrorKind::ArgumentConflict);
    assert!(Cli::try_parse_from(["custody", "--color", "sometimes", "check"]).is_err());
}

//! The publish workflow writes the month's e-mail digests after the build and uploads
//! them as an artifact (issue 20 item 6), in this repository's workflow and in the one
//! `custody init` writes; its exact command line works on the sample repository.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// This repository's publish workflow and the one `custody init` writes into `dir`.
fn publish_workflows(dir: &Path) -> Vec<(String, String)> {
    let out = Command::new(env!("CARGO_BIN_EXE_custody"))
        .args(["init", "-q"])
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    [
        repo_root().join(".github/workflows/publish.yml"),
        dir.join(".github/workflows/publish.yml"),
    ]
    .into_iter()
    .map(|p| {
        (
            p.display().to_string(),
            std::fs::read_to_string(&p).unwrap(),
        )
    })
    .collect()
}

/// The lines of job `job` (from its `  <job>:` line to the next job).
fn job<'a>(text: &'a str, job: &str) -> Vec<&'a str> {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .position(|l| *l == format!("  {job}:"))
        .unwrap_or_else(|| panic!("no job {job}"));
    lines[start + 1..]
        .iter()
        .take_while(|l| l.is_empty() || l.starts_with("   ") || l.trim_start().starts_with('#'))
        .copied()
        .collect()
}

/// The body of the step named `name`: its lines up to the next step.
fn step<'a>(lines: &[&'a str], name: &str) -> Vec<&'a str> {
    let at = lines
        .iter()
        .position(|l| l.trim() == format!("- name: {name}"))
        .unwrap_or_else(|| panic!("no step {name}"));
    lines[at + 1..]
        .iter()
        .take_while(|l| !l.trim_start().starts_with("- ") && !l.trim_start().starts_with('#'))
        .copied()
        .collect()
}

#[test]
fn the_publish_workflow_writes_the_digests_after_the_build_and_uploads_them() {
    let tmp = tempfile::tempdir().unwrap();
    for (label, text) in publish_workflows(&tmp.path().join("demo")) {
        let build = job(&text, "build");
        let pos = |needle: &str| {
            build
                .iter()
                .position(|l| l.trim() == needle)
                .unwrap_or_else(|| panic!("{label}: no `{needle}` in the build job"))
        };
        let digest = step(&build, "Monthly e-mail digests");
        assert_eq!(
            digest.iter().map(|l| l.trim()).collect::<Vec<_>>(),
            [
                "env:",
                "MONTH: ${{ needs.plan.outputs.month }}",
                "run: custody digest --month \"${MONTH}\" --out digest",
            ],
            "{label}"
        );
        let run = pos("run: custody digest --month \"${MONTH}\" --out digest");
        assert!(
            pos("args: build --out site") < run,
            "{label}: the digests are written after the build"
        );
        // The upload right after it: the pinned upload-artifact used elsewhere, the folder
        // the digest wrote, failing when it is empty.
        let upload = &build[run + 1..run + 7];
        assert_eq!(
            upload.iter().map(|l| l.trim()).collect::<Vec<_>>(),
            [
                "- uses: actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02 # v4.6.2",
                "with:",
                "name: digest-${{ needs.plan.outputs.month }}",
                "path: digest/",
                "if-no-files-found: error",
                "retention-days: 30",
            ],
            "{label}"
        );
        // Sending stays the MSP's: an example, commented out, never a live mail step.
        assert!(
            build
                .iter()
                .any(|l| l.trim() == "#   uses: dawidd6/action-send-mail@<40-hex commit> # vX.Y.Z"),
            "{label}"
        );
        assert!(
            !build
                .iter()
                .any(|l| l.trim_start().starts_with("uses:") && l.contains("send-mail")),
            "{label}"
        );
    }
}

#[test]
fn the_workflows_digest_command_writes_every_clients_digest_on_the_sample() {
    let text = std::fs::read_to_string(repo_root().join(".github/workflows/publish.yml")).unwrap();
    let line = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("run: custody digest "))
        .expect("the publish workflow runs custody digest");
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("digest");
    // The step's words, with the month the plan job validated and its output folder.
    let args: Vec<String> = line
        .split_whitespace()
        .map(|w| match w {
            "\"${MONTH}\"" => "2026-11".to_owned(),
            "digest" => out_dir.display().to_string(),
            w => w.to_owned(),
        })
        .collect();
    let out = Command::new(env!("CARGO_BIN_EXE_custody"))
        .arg("--repo")
        .arg(repo_root())
        .arg("digest")
        .args(&args)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut files: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut want = Vec::new();
    for c in ["fabrikam", "northwind", "portfolio", "tailspin"] {
        want.push(format!("{c}.html"));
        want.push(format!("{c}.txt"));
    }
    assert_eq!(files, want);
}

//! `governance.no-placeholders`: the text `custody init` writes for a new client to
//! replace is still in its policy or notes. A warning (check exits 0 for it) that the
//! site shows, so "Replace this text" is never published silently.

use super::{Control, Ctx, Outcome, count};
use crate::evidence::Missing;
use crate::scorecard::Domain;

/// What the init templates leave for the MSP to replace, matched case-insensitively
/// outside TOML comments: the notes' sentence, the client-id token of a template copied
/// by hand, and the all-zero tenant id.
pub const MARKERS: &[&str] = &[
    "replace this text",
    "@client@",
    "00000000-0000-0000-0000-000000000000",
];

pub fn control() -> Control {
    Control::new(
        "governance.no-placeholders",
        Domain::Governance,
        "No template placeholder is left in the policy or notes",
        eval,
    )
    .doc(
        "The client's policy files and notes.md hold none of the text `custody init` writes for the MSP to replace: \"Replace this text\" (the notes template), the @CLIENT@ token of a template copied by hand, or the all-zero tenant id; TOML comments are not read. Each one found is listed with its file and line; the result is a warning, not a failure.",
        "A client added by copying the example folder publishes \"Replace this text\" on its report site and evaluates a tenant that does not exist: the report looks finished and is not.",
        "Replace the listed text in the named file and line (or delete notes.md to show no notes); the comments in each file explain every key.",
    )
}

/// Every placeholder in the policy's files: "clients/acme/notes.md:5: Replace this text".
pub fn find(sources: &[(String, String)]) -> Vec<String> {
    let mut found = Vec::new();
    for (path, text) in sources {
        let toml = path.ends_with(".toml");
        for (i, line) in text.lines().enumerate() {
            if toml && line.trim_start().starts_with('#') {
                continue;
            }
            let lower = line.to_lowercase();
            for m in MARKERS.iter().filter(|m| lower.contains(*m)) {
                let at = lower.find(m).unwrap_or(0);
                // The original spelling, from the same byte offset (lowercasing keeps
                // ASCII offsets; a marker is ASCII).
                let shown = line.get(at..at + m.len()).unwrap_or(m);
                found.push(format!("{path}:{}: {shown}", i + 1));
            }
        }
    }
    found
}

fn eval(ctx: &Ctx, _: &Control) -> Result<Outcome, Missing> {
    let found = find(&ctx.policy.sources);
    let o = if found.is_empty() {
        Outcome::pass("no template placeholder in the policy files or notes")
    } else {
        Outcome::warn(format!(
            "{} from the init templates left to replace",
            count(found.len(), "placeholder", "placeholders")
        ))
    };
    Ok(o.measured(found.len().to_string())
        .value(found.len() as f64)
        .threshold("none")
        .items(found))
}

#[cfg(test)]
mod tests {
    use crate::controls::testing::Fx;
    use crate::scorecard::Status;

    #[test]
    fn the_init_templates_placeholders_warn_with_file_and_line() {
        let fx = Fx::new()
            .policy(
                "notes.md",
                "# Notes\n\nReplace this text with what the client should know.\n",
            )
            .policy(
                "client.toml",
                "# Replace this text in comments is fine\nname = \"@CLIENT@\"\ntenant_id = \"00000000-0000-0000-0000-000000000000\"\ndomains = [\"acme.example\"]\n",
            );
        let o = fx.eval("governance.no-placeholders");
        assert_eq!(o.status, Status::Warn, "{o:?}");
        assert_eq!(
            o.items,
            [
                "clients/acme/client.toml:2: @CLIENT@",
                "clients/acme/client.toml:3: 00000000-0000-0000-0000-000000000000",
                "clients/acme/notes.md:3: Replace this text",
            ]
        );
        assert_eq!(
            o.message,
            "3 placeholders from the init templates left to replace"
        );
    }

    #[test]
    fn a_finished_policy_passes() {
        let o = Fx::new()
            .policy("notes.md", "# Notes\n\nThe backup project is done.\n")
            .eval("governance.no-placeholders");
        assert_eq!(o.status, Status::Pass, "{o:?}");
    }
}

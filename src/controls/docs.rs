//! The catalogue as documentation: `custody controls` prints it, and the README's
//! control reference is generated from it (a test keeps the two in step).

use super::catalogue;
use std::fmt::Write;

pub fn render(markdown: bool) -> String {
    let mut out = String::new();
    for c in catalogue() {
        if markdown {
            let _ = writeln!(out, "#### `{}` — {}\n", c.id, c.title);
            let _ = writeln!(out, "- **What it checks:** {}", c.what);
            let _ = writeln!(out, "- **Why it matters:** {}", c.why);
            let _ = writeln!(out, "- **How to fix:** {}", c.fix);
            let _ = writeln!(out, "- **Baselines:** {}", baselines_markdown(c));
            if !c.params.is_empty() {
                let ps: Vec<String> = c
                    .params
                    .iter()
                    .map(|p| format!("`{}` = {} ({})", p.name, p.default, p.doc))
                    .collect();
                let _ = writeln!(out, "- **Thresholds:** {}", ps.join("; "));
            }
            out.push('\n');
        } else {
            let _ = writeln!(out, "{} — {}", c.id, c.title);
            let _ = writeln!(out, "  what: {}", c.what);
            let _ = writeln!(out, "  why:  {}", c.why);
            let _ = writeln!(out, "  fix:  {}", c.fix);
            let _ = writeln!(out, "  baselines: {}", baselines_text(c));
            for p in c.params {
                let _ = writeln!(
                    out,
                    "  threshold {} = {} ({}, {}–{})",
                    p.name, p.default, p.doc, p.min, p.max
                );
            }
            out.push('\n');
        }
    }
    out
}

/// What a control without baseline references says about itself.
pub const OWN_CONTROL: &str =
    "None: custody's own control (no SCuBA, CIS or Maester policy checks this)";

/// A control's baseline ids for one line of the catalogue, e.g. `MS.AAD.1.1, CIS 5.2.2.3`.
fn baseline_ids(c: &Control) -> Vec<String> {
    c.baselines().iter().map(|r| r.label()).collect()
}

fn baselines_text(c: &Control) -> String {
    let ids = baseline_ids(c);
    if ids.is_empty() {
        "none (custody's own)".to_owned()
    } else {
        ids.join(", ")
    }
}

fn baselines_markdown(c: &Control) -> String {
    let ids = baseline_ids(c);
    if ids.is_empty() {
        "none (custody's own)".to_owned()
    } else {
        ids.iter()
            .map(|i| format!("`{i}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

// ---------------------------------------------------------------- the control reference
//
// One text per control, in three renderings: `custody explain` (plain text), the site's
// control pages (website::control_pages) and docs/controls.md (Markdown). Each control
// comes from a step of the shared responsibility model, named by its domain.

use super::{Control, Param};
use crate::scorecard::Domain;

/// A step of the shared responsibility model: the customer-side duty a domain's controls
/// check (Microsoft runs the service; these are the customer's, delegated to the MSP).
#[derive(Debug)]
pub struct Step {
    /// Anchor of the step in docs/controls.md and the site's controls/index.html.
    pub id: &'static str,
    pub title: &'static str,
    pub summary: &'static str,
    /// Microsoft's documentation of the duty.
    pub reference: &'static str,
}

const STEPS: [Step; 6] = [
    Step {
        id: "step-governance",
        title: "1. Agree who does what",
        summary: "Microsoft runs the service; the customer owns its data, identities, accounts and devices, and delegates much of that to the MSP. Writing the split down as a RACI matrix, with one accountable party per activity and an owner for every control and workload, is what makes the rest of the model enforceable.",
        reference: "https://learn.microsoft.com/en-us/azure/security/fundamentals/shared-responsibility",
    },
    Step {
        id: "step-identity",
        title: "2. Protect identities",
        summary: "Microsoft provides multifactor authentication, Conditional Access and security defaults; switching them on, covering every user and admin, blocking legacy protocols and licensing them is the customer's side. Identity is the perimeter of a SaaS tenant.",
        reference: "https://learn.microsoft.com/en-us/entra/identity/conditional-access/overview",
    },
    Step {
        id: "step-access",
        title: "3. Limit privilege",
        summary: "Who holds administrative roles is the customer's decision alone: few Global Administrators, elevation just in time through PIM, emergency (break-glass) accounts ready, no guests or dormant accounts with privilege, and every change reviewed against an approved list.",
        reference: "https://learn.microsoft.com/en-us/entra/id-governance/privileged-identity-management/pim-configure",
    },
    Step {
        id: "step-backup",
        title: "4. Back up customer data",
        summary: "Microsoft keeps the service available and its data replicated, but recovering from deletion, corruption or ransomware within an agreed RPO and RTO is the customer's responsibility: each workload needs a complete backup policy, protection in place, successful jobs and tested restores.",
        reference: "https://learn.microsoft.com/en-us/microsoft-365/backup/backup-overview",
    },
    Step {
        id: "step-retention",
        title: "5. Keep records as the law requires",
        summary: "Microsoft provides retention policies; deciding how long records are kept, and not mistaking a backup (kept for recovery) for a records archive (kept for compliance), is the customer's.",
        reference: "https://learn.microsoft.com/en-us/purview/retention",
    },
    Step {
        id: "step-evidence",
        title: "6. Prove it every month",
        summary: "A responsibility the customer cannot show is a responsibility not met: a complete, dated and hashed snapshot of the tenant, collected each month, is the evidence the client and its auditors rely on.",
        reference: "https://learn.microsoft.com/en-us/graph/overview",
    },
];

/// Every step, in the order of the model (and of the domains).
pub fn steps() -> &'static [Step] {
    &STEPS
}

/// The step a control comes from.
pub fn step(domain: Domain) -> &'static Step {
    &STEPS[Domain::ALL
        .iter()
        .position(|d| *d == domain)
        .expect("every domain is listed")]
}

/// Where a threshold is tuned, as written in `controls.toml`.
pub fn threshold_key(c: &Control, p: &Param) -> String {
    format!(
        "[thresholds] \"{}\" = {{ {} = {} }}",
        c.id, p.name, p.default
    )
}

/// Every policy key that changes how the control is evaluated for a client.
pub fn policy_keys(c: &Control) -> Vec<String> {
    let mut keys: Vec<String> = c
        .params
        .iter()
        .map(|p| format!("controls.toml {}", threshold_key(c, p)))
        .collect();
    keys.push(format!(
        "controls.toml [[waiver]] control = \"{}\" (with reason, approved_by, ticket, expires)",
        c.id
    ));
    keys.push(format!(
        "controls.toml [[disabled]] control = \"{}\" (with reason)",
        c.id
    ));
    keys.push(format!(
        "raci.toml [[activity]] controls = [\"{}\"] (its owner)",
        c.id
    ));
    keys.extend(super::backup::policy_keys(c));
    keys
}

/// The parts a control's documentation lacks; empty when it is complete. The catalogue
/// test and tests/it/explain.rs fail on any.
pub fn missing_parts(c: &Control) -> Vec<&'static str> {
    let mut missing = Vec::new();
    let long_enough = |s: &str| s.trim().len() > 20;
    if c.title.trim().is_empty() {
        missing.push("title");
    }
    if !long_enough(c.what) {
        missing.push("what it checks");
    }
    if !long_enough(c.why) {
        missing.push("why it matters");
    }
    if !long_enough(c.fix) {
        missing.push("how to fix");
    }
    let s = step(c.domain);
    if !long_enough(s.summary) || !s.reference.starts_with("https://") {
        missing.push("shared responsibility step");
    }
    if c.params.iter().any(|p| !long_enough(p.doc)) {
        missing.push("threshold documentation");
    }
    missing
}

/// `custody explain ID`: the control's reference as plain text.
pub fn explain(c: &Control) -> String {
    let s = step(c.domain);
    let mut out = String::new();
    let _ = writeln!(out, "{} — {}", c.id, c.title);
    let _ = writeln!(out, "Domain: {} (weight {})\n", c.domain.title(), c.weight);
    let _ = writeln!(out, "What it checks\n  {}\n", c.what);
    let _ = writeln!(out, "Why it matters\n  {}", c.why);
    let _ = writeln!(
        out,
        "  Shared responsibility step: {} — {}\n  See docs/controls.md#{} and {}\n",
        s.title, s.summary, s.id, s.reference
    );
    let _ = writeln!(out, "How to fix\n  {}\n", c.fix);
    let _ = writeln!(out, "Baselines");
    if c.baselines().is_empty() {
        let _ = writeln!(out, "  {OWN_CONTROL}");
    }
    for r in c.baselines() {
        let _ = writeln!(
            out,
            "  {} ({}): {}",
            r.label(),
            r.framework.title(),
            r.title
        );
    }
    out.push('\n');
    let _ = writeln!(out, "Thresholds");
    if c.params.is_empty() {
        let _ = writeln!(out, "  none: the control has no tunable threshold");
    }
    for p in c.params {
        let _ = writeln!(
            out,
            "  {}: {} (default {}, allowed {} to {})\n    set in controls.toml: {}",
            p.name,
            p.doc,
            p.default,
            p.min,
            p.max,
            threshold_key(c, p)
        );
    }
    let _ = writeln!(out, "\nPolicy keys");
    for k in policy_keys(c) {
        let _ = writeln!(out, "  {k}");
    }
    out
}

/// docs/controls.md: every step, then every control with all its parts.
pub fn reference_markdown() -> String {
    let mut out = String::from(
        "# Control reference\n\n\
         Generated from the control catalogue (`src/controls/`) by `custody explain --all --format markdown`;\n\
         a test fails when this file is stale. `custody explain <id>` prints one control, and\n\
         `custody build` writes the same text as `controls/<id>.html` in every client's site.\n\n\
         ## The shared responsibility model, step by step\n\n",
    );
    for s in steps() {
        let _ = writeln!(
            out,
            "### <a id=\"{}\"></a>{}\n\n{}\n\nMicrosoft's documentation: <{}>\n",
            s.id, s.title, s.summary, s.reference
        );
        let ids: Vec<String> = catalogue()
            .iter()
            .filter(|c| step(c.domain).id == s.id)
            .map(|c| format!("[`{}`](#{})", c.id, anchor(&c.id)))
            .collect();
        let _ = writeln!(out, "Controls: {}\n", ids.join(", "));
    }
    out.push_str("## Controls\n\n");
    for c in catalogue() {
        out.push_str(&control_markdown(c));
    }
    out
}

/// One control's section of docs/controls.md.
pub fn control_markdown(c: &Control) -> String {
    let s = step(c.domain);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### <a id=\"{}\"></a>`{}` — {}\n",
        anchor(&c.id),
        c.id,
        c.title
    );
    let _ = writeln!(
        out,
        "- **Domain:** {} (weight {})",
        c.domain.title(),
        c.weight
    );
    let _ = writeln!(out, "- **What it checks:** {}", c.what);
    let _ = writeln!(
        out,
        "- **Why it matters:** {} (shared responsibility step [{}](#{}))",
        c.why, s.title, s.id
    );
    let _ = writeln!(out, "- **How to fix:** {}", c.fix);
    if c.baselines().is_empty() {
        let _ = writeln!(out, "- **Baselines:** {OWN_CONTROL}");
    } else {
        let _ = writeln!(out, "- **Baselines:**");
        for r in c.baselines() {
            let _ = writeln!(
                out,
                "  - {} ({}): {}",
                r.label(),
                r.framework.title(),
                r.title
            );
        }
    }
    if c.params.is_empty() {
        let _ = writeln!(out, "- **Thresholds:** none");
    } else {
        let _ = writeln!(out, "- **Thresholds:**");
        for p in c.params {
            let _ = writeln!(
                out,
                "  - `{}`: {} (default {}, allowed {} to {}); set with `{}` in controls.toml",
                p.name,
                p.doc,
                p.default,
                p.min,
                p.max,
                threshold_key(c, p)
            );
        }
    }
    let _ = writeln!(out, "- **Policy keys:**");
    for k in policy_keys(c) {
        let _ = writeln!(out, "  - `{k}`");
    }
    out.push('\n');
    out
}

/// The HTML anchor of a control (ids are dotted slugs, already anchor-safe).
pub fn anchor(id: &str) -> String {
    id.replace('.', "-")
}

// ---------------------------------------------------------------- the catalogue as JSON

#[derive(serde::Serialize)]
struct CatalogueJson {
    schema_version: u32,
    cis_version: &'static str,
    controls: Vec<ControlJson>,
}

#[derive(serde::Serialize)]
struct ControlJson {
    id: &'static str,
    domain: &'static str,
    title: &'static str,
    weight: u32,
    baselines: Vec<BaselineJson>,
    parameters: Vec<ParamJson>,
}

#[derive(serde::Serialize)]
struct BaselineJson {
    framework: super::baselines::Framework,
    /// The id as the baseline writes it (`5.2.2.3`).
    id: &'static str,
    /// The id as custody cites it (`CIS 5.2.2.3`).
    label: String,
    title: &'static str,
}

#[derive(serde::Serialize)]
struct ParamJson {
    name: &'static str,
    doc: &'static str,
    default: f64,
    min: f64,
    max: f64,
    /// `higher_is_stricter` or `lower_is_stricter`.
    direction: &'static str,
    /// Where the threshold is tuned, as written in controls.toml.
    key: String,
}

/// `custody controls --format json`: the catalogue for scripts and other tools. Bump
/// `schema_version` when a key changes meaning or disappears.
pub fn catalogue_json() -> String {
    let controls = catalogue()
        .iter()
        .map(|c| ControlJson {
            id: c.id.as_str(),
            domain: c.domain.as_str(),
            title: c.title.as_str(),
            weight: c.weight,
            baselines: c
                .baselines()
                .iter()
                .map(|r| BaselineJson {
                    framework: r.framework,
                    id: r.id,
                    label: r.label(),
                    title: r.title,
                })
                .collect(),
            parameters: c
                .params
                .iter()
                .map(|p| ParamJson {
                    name: p.name,
                    doc: p.doc,
                    default: p.default,
                    min: p.min,
                    max: p.max,
                    direction: p.direction.as_str(),
                    key: threshold_key(c, p),
                })
                .collect(),
        })
        .collect();
    let doc = CatalogueJson {
        schema_version: 1,
        cis_version: super::baselines::CIS_VERSION,
        controls,
    };
    let mut out = serde_json::to_string_pretty(&doc).expect("JSON of static data");
    out.push('\n');
    out
}

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

//! `custody explain CONTROL_ID`: one control's reference (what it checks, why it matters
//! and the shared responsibility step it comes from, how to fix it, thresholds and their
//! policy keys), from the same text as docs/controls.md and the site's control pages.

use crate::controls::{self, docs};
use crate::diagnostic::{Code, Diagnostic};

/// The text to print for one control (`Some(id)`) or every control (`None`), as plain
/// text or Markdown; or the usage error (an unknown id, with the nearest known ones).
pub fn explain(id: Option<&str>, markdown: bool) -> Result<String, Diagnostic> {
    let Some(id) = id else {
        return Ok(if markdown {
            docs::reference_markdown()
        } else {
            controls::catalogue()
                .iter()
                .map(docs::explain)
                .collect::<Vec<_>>()
                .join("\n")
        });
    };
    let Some(c) = controls::find(id) else {
        return Err(Diagnostic::general(Code::Usage, unknown(id)));
    };
    Ok(if markdown {
        docs::control_markdown(c)
    } else {
        docs::explain(c)
    })
}

fn unknown(id: &str) -> String {
    let mut msg = format!("unknown control id {id:?}");
    // A domain or workload prefix names several controls: list them.
    let under: Vec<&str> = controls::catalogue()
        .iter()
        .map(|c| c.id.as_str())
        .filter(|c| !id.is_empty() && c.starts_with(id))
        .collect();
    match (controls::closest_id(id), under.len()) {
        (_, 2..) => msg.push_str(&format!(
            "; controls starting with it: {}",
            under.join(", ")
        )),
        (Some(near), _) => msg.push_str(&format!("; did you mean {near:?}?")),
        (None, 1) => msg.push_str(&format!("; did you mean {:?}?", under[0])),
        (None, _) => {}
    }
    msg.push_str(" (`custody controls` lists every id)");
    msg
}

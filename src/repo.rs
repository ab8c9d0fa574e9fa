//! The repository `custody` reads: which clients exist (validated ids) and which
//! months of evidence each has.

use crate::client_id::ClientId;
use crate::diagnostic::Diagnostic;
use std::path::Path;

/// Client folders under `clients/`, sorted. A folder whose name is not a valid client id
/// is reported and skipped: it never becomes a path.
pub fn discover_clients(root: &Path) -> Result<(Vec<ClientId>, Vec<Diagnostic>), Diagnostic> {
    let dir = root.join("clients");
    let entries = std::fs::read_dir(&dir).map_err(|e| {
        Diagnostic::file(
            "clients",
            format!(
                "cannot read the clients folder in {}: {e} (is --repo the policy repository?)",
                root.display()
            ),
        )
    })?;
    let mut ids = Vec::new();
    let mut diags = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        if !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        match ClientId::parse(&name) {
            Ok(id) => ids.push(id),
            Err(e) => diags.push(Diagnostic::file(
                format!("clients/{}", name.escape_debug()),
                e,
            )),
        }
    }
    ids.sort();
    Ok((ids, diags))
}

/// The clients to run: all, or the named ones (validated; unknown ids are errors).
pub fn select_clients(
    root: &Path,
    wanted: &[String],
) -> Result<(Vec<ClientId>, Vec<Diagnostic>), Vec<Diagnostic>> {
    let (all, mut diags) = discover_clients(root).map_err(|d| vec![d])?;
    if wanted.is_empty() {
        return Ok((all, diags));
    }
    let mut picked = Vec::new();
    let mut bad = Vec::new();
    for w in wanted {
        match ClientId::parse(w) {
            Ok(id) if all.contains(&id) => picked.push(id),
            Ok(id) => bad.push(Diagnostic::file(
                format!("clients/{id}"),
                format!("no client {id:?} in clients/"),
            )),
            Err(e) => bad.push(Diagnostic::file("--client", e)),
        }
    }
    if !bad.is_empty() {
        return Err(bad);
    }
    picked.sort();
    picked.dedup();
    diags.clear(); // problems with other folders do not concern a selected run
    Ok((picked, diags))
}

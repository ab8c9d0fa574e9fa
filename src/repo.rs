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
        Diagnostic::file("clients", format!("cannot read the clients folder in {}: {e} (is --repo the policy repository?)", root.display()))
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
            Err(e) => diags.push(Diagnostic::file(format!("clients/{}", name.escape_debug()), e)),
        }
    }
    ids.sort();
    Ok((ids, diags))
}

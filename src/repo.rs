//! The repository `custody` reads: which clients exist (validated ids) and which
//! months of evidence each has.

use crate::client_id::ClientId;
use crate::diagnostic::Diagnostic;
use std::path::Path;

/// Client folders under `clients/`, sorted. Anything else there is reported, never
/// skipped in silence and never used as a path: a name that is not a client id, a file,
/// a symbolic link, a folder without `client.toml` (a typo, a half-deleted client). The
/// valid clients are still returned, so one bad entry never stops the others.
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
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                diags.push(Diagnostic::file("clients", format!("cannot list: {e}")));
                continue;
            }
        };
        let name = entry.file_name().to_string_lossy().into_owned();
        let label = format!("clients/{}", name.escape_debug());
        match client_folder_problem(&entry, &name) {
            Ok(id) => ids.push(id),
            Err(message) => diags.push(Diagnostic::file(label, message)),
        }
    }
    ids.sort();
    diags.sort_by(|a, b| a.file.cmp(&b.file));
    Ok((ids, diags))
}

/// The client id of an entry of `clients/`, or why it is not a client folder.
fn client_folder_problem(entry: &std::fs::DirEntry, name: &str) -> Result<ClientId, String> {
    const EXPECTED: &str = "only client folders (clients/<id>/client.toml, …) belong in clients/";
    let kind = entry
        .file_type()
        .map_err(|e| format!("cannot read its type: {e}"))?;
    if kind.is_symlink() {
        return Err(
            "is a symbolic link; a client folder must be a real folder (links are never followed)"
                .into(),
        );
    }
    if !kind.is_dir() {
        return Err(format!("is a file, not a client folder; {EXPECTED}"));
    }
    let id = ClientId::parse(name)?;
    match std::fs::symlink_metadata(entry.path().join("client.toml")) {
        Ok(_) => Ok(id),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(format!(
            "has no client.toml, so it is not a client folder; {EXPECTED} (add client.toml, or remove the folder)"
        )),
        Err(e) => Err(format!("cannot read client.toml: {e}")),
    }
}

/// The clients to run: all, or the named ones. A named id that is invalid or unknown is
/// reported and the valid ones still run (the run then exits 2); it never becomes a path.
pub fn select_clients(
    root: &Path,
    wanted: &[String],
) -> Result<(Vec<ClientId>, Vec<Diagnostic>), Vec<Diagnostic>> {
    let (all, diags) = discover_clients(root).map_err(|d| vec![d])?;
    if wanted.is_empty() {
        return Ok((all, diags));
    }
    // Problems with other folders do not concern a selected run; the selected folder's own
    // problem (no client.toml, a link) is the one to report.
    let mut bad = Vec::new();
    let mut picked = Vec::new();
    for w in wanted {
        match ClientId::parse(w) {
            Ok(id) if all.contains(&id) => picked.push(id),
            Ok(id) => bad.push(
                diags
                    .iter()
                    .find(|d| d.file == format!("clients/{id}"))
                    .cloned()
                    .unwrap_or_else(|| {
                        Diagnostic::file(
                            format!("clients/{id}"),
                            format!("no client {:?} in clients/", id.as_str()),
                        )
                    }),
            ),
            Err(e) => bad.push(Diagnostic::file("--client", e)),
        }
    }
    if picked.is_empty() {
        return Err(bad); // nothing valid to run: stop before anything is written
    }
    picked.sort();
    picked.dedup();
    Ok((picked, bad))
}

/// Refuses a path that resolves outside the repository, through a symbolic link at the
/// file itself or at any folder on the way: inputs are read from the repository only,
/// never from wherever a link in a pull request points. `Ok(())` for absent paths (the
/// caller reports them as missing) and for links that stay inside `root`.
pub fn refuse_outside_links(root: &Path, path: &Path) -> Result<(), String> {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Ok(());
    };
    let inside = match (std::fs::canonicalize(root), std::fs::canonicalize(path)) {
        (Ok(r), Ok(p)) => p.starts_with(r),
        _ => false,
    };
    if inside {
        return Ok(());
    }
    if meta.file_type().is_symlink() {
        let target = std::fs::read_link(path)
            .map(|t| t.display().to_string())
            .unwrap_or_default();
        Err(format!(
            "is a symbolic link to {target:?}, outside the repository; refusing to follow it (commit what it points at instead)"
        ))
    } else {
        Err(
            "is reached through a linked folder that leads outside the repository; refusing to follow it"
                .to_owned(),
        )
    }
}

/// Decodes an input file as UTF-8 (a leading byte-order mark is dropped). Anything else
/// is described with the line and column of the first bad byte, and UTF-16 (what
/// Windows PowerShell 5 writes by default) is named as such.
pub fn decode_utf8(bytes: Vec<u8>) -> Result<String, String> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(
            "is UTF-16 encoded (a byte-order mark FF FE / FE FF); expected UTF-8: re-save it as UTF-8 (PowerShell: Out-File -Encoding utf8)"
                .into(),
        );
    }
    let skip = if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        3
    } else {
        0
    };
    match std::str::from_utf8(&bytes[skip..]) {
        Ok(_) => {
            let mut bytes = bytes;
            bytes.drain(..skip);
            String::from_utf8(bytes).map_err(|e| e.to_string())
        }
        Err(e) => {
            let good = &bytes[skip..skip + e.valid_up_to()];
            let text = String::from_utf8_lossy(good);
            let line = text.matches('\n').count() + 1;
            let column = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            let byte = bytes[skip + e.valid_up_to()];
            Err(format!(
                "not valid UTF-8: byte 0x{byte:02X} at line {line}, column {column}; expected UTF-8 text"
            ))
        }
    }
}

/// The message for a file over its size limit, naming both sizes.
pub fn too_large(len: u64, cap: u64) -> String {
    format!("is {len} bytes, larger than the {cap} byte limit for this kind of file")
}

/// The line and column a [`decode_utf8`] error names, so a diagnostic can carry them as
/// a location (for SARIF and annotations) and not only in its text.
pub fn decode_error_position(message: &str) -> Option<(usize, usize)> {
    let rest = &message[message.find(" at line ")? + " at line ".len()..];
    let (line, rest) = rest.split_once(", column ")?;
    let column: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some((line.parse().ok()?, column.parse().ok()?))
}

/// Reads at most `cap` bytes of a file: a larger file is an error naming both sizes,
/// found before anything is read (a 1 GB file costs nothing).
pub fn read_capped(path: &Path, cap: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if meta.is_dir() {
        return Err(std::io::Error::other(
            "is a directory, expected a file".to_owned(),
        ));
    }
    if meta.len() > cap {
        return Err(std::io::Error::other(too_large(meta.len(), cap)));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(cap + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(std::io::Error::other(format!(
            "is larger than the {cap} byte limit for this kind of file"
        )));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_errors_name_line_and_column_and_boms_are_dropped() {
        assert_eq!(decode_utf8(b"\xEF\xBB\xBFa = 1".to_vec()).unwrap(), "a = 1");
        let e = decode_utf8(b"a = 1\nb = \"\xFF\"\n".to_vec()).unwrap_err();
        assert!(e.contains("byte 0xFF at line 2, column 6"), "{e}");
        assert_eq!(decode_error_position(&e), Some((2, 6)));
        assert_eq!(
            decode_error_position("cannot read: Permission denied"),
            None
        );
        assert!(
            decode_utf8(b"\xFF\xFEa\0".to_vec())
                .unwrap_err()
                .contains("UTF-16")
        );
    }

    #[test]
    fn oversized_files_are_refused_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big");
        std::fs::File::create(&p).unwrap().set_len(1 << 30).unwrap();
        let e = read_capped(&p, 1024).unwrap_err().to_string();
        assert!(
            e.contains("1073741824 bytes") && e.contains("1024 byte limit"),
            "{e}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn links_outside_the_repository_are_refused() {
        let outside = tempfile::tempdir().unwrap();
        let repo = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "x").unwrap();
        std::fs::write(repo.path().join("inside"), "x").unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), repo.path().join("out")).unwrap();
        std::os::unix::fs::symlink(repo.path().join("inside"), repo.path().join("in")).unwrap();
        assert!(refuse_outside_links(repo.path(), &repo.path().join("out")).is_err());
        assert!(refuse_outside_links(repo.path(), &repo.path().join("in")).is_ok());
        assert!(refuse_outside_links(repo.path(), &repo.path().join("inside")).is_ok());
        std::os::unix::fs::symlink(outside.path(), repo.path().join("dir")).unwrap();
        let e = refuse_outside_links(repo.path(), &repo.path().join("dir/secret")).unwrap_err();
        assert!(e.contains("linked folder"), "{e}");
    }
}

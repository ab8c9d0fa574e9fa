//! The repository `custody` reads: which clients exist (validated ids) and which
//! months of evidence each has.

use crate::client_id::ClientId;
use crate::diagnostic::Diagnostic;
use std::fmt;
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
            Err(problem) => diags.push(Diagnostic::file(label, problem.to_string())),
        }
    }
    ids.sort();
    diags.sort_by(|a, b| a.file.cmp(&b.file));
    Ok((ids, diags))
}

/// Why an entry of `clients/` is not a client folder.
#[derive(Debug)]
pub enum NotAClientFolder {
    /// Its file type cannot be read.
    Type(std::io::Error),
    Link,
    File,
    /// Its name is not a client id.
    Name(crate::client_id::ClientIdError),
    NoClientToml,
    ClientToml(std::io::Error),
}

const EXPECTED: &str = "only client folders (clients/<id>/client.toml, …) belong in clients/";

impl fmt::Display for NotAClientFolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotAClientFolder::Type(e) => write!(f, "cannot read its type: {e}"),
            NotAClientFolder::Link => f.write_str(
                "is a symbolic link; a client folder must be a real folder (links are never followed)",
            ),
            NotAClientFolder::File => write!(f, "is a file, not a client folder; {EXPECTED}"),
            NotAClientFolder::Name(e) => e.fmt(f),
            NotAClientFolder::NoClientToml => write!(
                f,
                "has no client.toml, so it is not a client folder; {EXPECTED} (add client.toml, or remove the folder)"
            ),
            NotAClientFolder::ClientToml(e) => write!(f, "cannot read client.toml: {e}"),
        }
    }
}

impl std::error::Error for NotAClientFolder {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            NotAClientFolder::Type(e) | NotAClientFolder::ClientToml(e) => Some(e),
            NotAClientFolder::Name(e) => Some(e),
            _ => None,
        }
    }
}

/// The client id of an entry of `clients/`, or why it is not a client folder.
fn client_folder_problem(
    entry: &std::fs::DirEntry,
    name: &str,
) -> Result<ClientId, NotAClientFolder> {
    let kind = entry.file_type().map_err(NotAClientFolder::Type)?;
    if kind.is_symlink() {
        return Err(NotAClientFolder::Link);
    }
    if !kind.is_dir() {
        return Err(NotAClientFolder::File);
    }
    let id = ClientId::parse(name).map_err(NotAClientFolder::Name)?;
    match std::fs::symlink_metadata(entry.path().join("client.toml")) {
        Ok(_) => Ok(id),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(NotAClientFolder::NoClientToml),
        Err(e) => Err(NotAClientFolder::ClientToml(e)),
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
            Err(e) => bad.push(Diagnostic::file("--client", e.to_string())),
        }
    }
    if picked.is_empty() {
        return Err(bad); // nothing valid to run: stop before anything is written
    }
    picked.sort();
    picked.dedup();
    Ok((picked, bad))
}

/// How a path leads outside the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutsideLink {
    /// The path itself is a symbolic link to `target`, outside.
    Link { target: String },
    /// A folder on the way is a link that leads outside.
    ThroughFolder,
}

impl fmt::Display for OutsideLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutsideLink::Link { target } => write!(
                f,
                "is a symbolic link to {target:?}, outside the repository; refusing to follow it (commit what it points at instead)"
            ),
            OutsideLink::ThroughFolder => f.write_str(
                "is reached through a linked folder that leads outside the repository; refusing to follow it",
            ),
        }
    }
}

impl std::error::Error for OutsideLink {}

// The loaders of policy and evidence put it into their diagnostics' text.
impl From<OutsideLink> for String {
    fn from(e: OutsideLink) -> String {
        e.to_string()
    }
}

/// Refuses a path that resolves outside the repository, through a symbolic link at the
/// file itself or at any folder on the way: inputs are read from the repository only,
/// never from wherever a link in a pull request points. `Ok(())` for absent paths (the
/// caller reports them as missing) and for links that stay inside `root`.
pub fn refuse_outside_links(root: &Path, path: &Path) -> Result<(), OutsideLink> {
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
        Err(OutsideLink::Link { target })
    } else {
        Err(OutsideLink::ThroughFolder)
    }
}

/// Why an input file is not UTF-8 text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// A UTF-16 byte-order mark (what Windows PowerShell 5 writes by default).
    Utf16,
    /// The first byte that is not UTF-8, and where it is (1-based).
    Invalid {
        byte: u8,
        line: usize,
        column: usize,
    },
}

impl DecodeError {
    /// The line and column of the first bad byte, for a diagnostic's location.
    pub fn position(&self) -> Option<(usize, usize)> {
        match self {
            DecodeError::Utf16 => None,
            DecodeError::Invalid { line, column, .. } => Some((*line, *column)),
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Utf16 => f.write_str(
                "is UTF-16 encoded (a byte-order mark FF FE / FE FF); expected UTF-8: re-save it as UTF-8 (PowerShell: Out-File -Encoding utf8)",
            ),
            DecodeError::Invalid { byte, line, column } => write!(
                f,
                "not valid UTF-8: byte 0x{byte:02X} at line {line}, column {column}; expected UTF-8 text"
            ),
        }
    }
}

impl std::error::Error for DecodeError {}

// The evidence loader carries it as its diagnostics' text.
impl From<&DecodeError> for String {
    fn from(e: &DecodeError) -> String {
        e.to_string()
    }
}

/// Decodes an input file as UTF-8 (a leading byte-order mark is dropped). Anything else
/// is described with the line and column of the first bad byte, and UTF-16 (what
/// Windows PowerShell 5 writes by default) is named as such.
pub fn decode_utf8(bytes: Vec<u8>) -> Result<String, DecodeError> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(DecodeError::Utf16);
    }
    let skip = if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        3
    } else {
        0
    };
    let mut bytes = bytes;
    bytes.drain(..skip);
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let valid = e.utf8_error().valid_up_to();
        let text = String::from_utf8_lossy(&bytes[..valid]);
        let line = text.matches('\n').count() + 1;
        let column = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        DecodeError::Invalid {
            byte: bytes.get(valid).copied().unwrap_or_default(),
            line,
            column,
        }
    })
}

/// The message for a file over its size limit, naming both sizes.
pub fn too_large(len: u64, cap: u64) -> String {
    format!("is {len} bytes, larger than the {cap} byte limit for this kind of file")
}

/// The line and column a [`decode_utf8`] error names, so a diagnostic can carry them as
/// a location (for SARIF and annotations) and not only in its text: from the error
/// itself, or from its text where a loader carried it as text.
pub fn decode_error_position<E: DecodePosition + ?Sized>(e: &E) -> Option<(usize, usize)> {
    e.decode_position()
}

/// Where a [`DecodeError`] is, typed or in its text.
pub trait DecodePosition {
    fn decode_position(&self) -> Option<(usize, usize)>;
}

impl DecodePosition for DecodeError {
    fn decode_position(&self) -> Option<(usize, usize)> {
        self.position()
    }
}

/// A source's error (`policy::load::ReadError`): the first [`DecodeError`] in its
/// chain of sources, or else its text.
impl DecodePosition for Box<dyn std::error::Error + Send + Sync> {
    fn decode_position(&self) -> Option<(usize, usize)> {
        let mut at: Option<&(dyn std::error::Error + 'static)> = Some(self.as_ref());
        while let Some(e) = at {
            if let Some(d) = e.downcast_ref::<DecodeError>() {
                return d.position();
            }
            at = e.source();
        }
        position_in_text(&self.to_string())
    }
}

impl DecodePosition for String {
    fn decode_position(&self) -> Option<(usize, usize)> {
        position_in_text(self)
    }
}

impl DecodePosition for str {
    fn decode_position(&self) -> Option<(usize, usize)> {
        position_in_text(self)
    }
}

fn position_in_text(message: &str) -> Option<(usize, usize)> {
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
        assert!(
            e.to_string().contains("byte 0xFF at line 2, column 6"),
            "{e}"
        );
        assert_eq!(decode_error_position(&e), Some((2, 6)));
        // Carried as text by a loader, or inside another error, the position is found.
        assert_eq!(decode_error_position(&e.to_string()), Some((2, 6)));
        #[derive(Debug)]
        struct Wrapped(DecodeError);
        impl fmt::Display for Wrapped {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("cannot read it")
            }
        }
        impl std::error::Error for Wrapped {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(Wrapped(e.clone()));
        assert_eq!(decode_error_position(&boxed), Some((2, 6)));
        assert_eq!(
            decode_error_position("cannot read: Permission denied"),
            None
        );
        assert_eq!(
            decode_utf8(b"\xFF\xFEa\0".to_vec()).unwrap_err(),
            DecodeError::Utf16
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
        assert_eq!(e, OutsideLink::ThroughFolder);
        assert!(e.to_string().contains("linked folder"), "{e}");
    }
}

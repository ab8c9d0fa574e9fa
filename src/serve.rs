//! `custody serve`: build the site, serve it on 127.0.0.1 for local preview, and build
//! again when the inputs change. The server is a small static file server: GET and HEAD
//! only, one response per connection, never a file outside the site folder, and only to
//! requests addressed to a loopback host name (a web page elsewhere cannot read the
//! preview through DNS rebinding).

use crate::cli::eprint;
use notify::{EventKind, RecursiveMode, Watcher};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The input folders whose changes trigger a rebuild.
pub const WATCHED: [&str; 3] = ["clients", "evidence", "site-templates"];

/// Quiet time after the last change before rebuilding: an editor's save, a `git pull` or
/// a `custody collect` writes many files in a burst.
const DEBOUNCE: Duration = Duration::from_millis(300);
/// A change storm never postpones the rebuild longer than this.
const MAX_DELAY: Duration = Duration::from_secs(3);

pub struct ServeOptions {
    pub repo: PathBuf,
    pub out: PathBuf,
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
}

/// Serves until the process is stopped. `Err` when the port cannot be bound or the inputs
/// cannot be watched; build failures are printed and never end the preview.
pub fn run(opts: &ServeOptions) -> Result<(), String> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, opts.port)).map_err(|e| {
        format!(
            "cannot listen on 127.0.0.1:{}: {e} (choose another with --port, or 0 for any free port)",
            opts.port
        )
    })?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot read the bound address: {e}"))?;
    let repo = std::fs::canonicalize(&opts.repo)
        .map_err(|e| format!("cannot open the repository {}: {e}", opts.repo.display()))?;

    let out = resolve(&opts.out);
    if let Some(dir) = WATCHED.iter().find(|w| out.starts_with(repo.join(w))) {
        return Err(format!(
            "--out {} is inside {dir}/, which is watched: every build would trigger the next",
            opts.out.display()
        ));
    }

    // Watch before the first build so a change made while it runs is not missed.
    let (tx, rx) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(tx)
        .map_err(|e| format!("cannot watch {}: {e}", repo.display()))?;
    // The root itself, without recursion, to notice a watched folder being created.
    watcher
        .watch(&repo, RecursiveMode::NonRecursive)
        .map_err(|e| format!("cannot watch {}: {e}", repo.display()))?;
    let mut watching = Vec::new();
    watch_inputs(&mut watcher, &repo, &mut watching);

    rebuild(opts);
    let root = opts.out.clone();
    std::thread::spawn(move || accept(listener, root));
    // Always printed, even with -q: it is the one thing the command is for.
    eprint(&format!(
        "serving {} on http://{addr}/ (rebuilt when {} change; Ctrl-C to stop)\n",
        opts.out.display(),
        WATCHED.map(|w| format!("{w}/")).join(", ")
    ));

    while let Ok(first) = rx.recv() {
        let Some(changed) = relevant(&repo, first) else {
            continue;
        };
        // Wait for quiet; the events of the burst need no look, one rebuild covers them.
        let started = Instant::now();
        loop {
            match rx.recv_timeout(DEBOUNCE) {
                Ok(_) if started.elapsed() > MAX_DELAY => break,
                Ok(_) => {}
                Err(mpsc::RecvTimeoutError::Timeout) => break,
                Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(()),
            }
        }
        watch_inputs(&mut watcher, &repo, &mut watching);
        crate::cli::status(&format!("{changed} changed: rebuilding\n"));
        rebuild(opts);
    }
    Ok(())
}

/// An absolute path with symlinks and `..` resolved as far as it exists, the rest
/// appended as written (the output folder may not exist yet).
fn resolve(path: &Path) -> PathBuf {
    let mut existing = path.to_path_buf();
    let mut rest = Vec::new();
    loop {
        if let Ok(canon) = std::fs::canonicalize(&existing) {
            let mut out = canon;
            for part in rest.iter().rev() {
                if part == ".." {
                    out.pop();
                } else if part != "." {
                    out.push(part);
                }
            }
            return out;
        }
        let Some(last) = existing.file_name().map(|n| n.to_owned()).or_else(|| {
            existing
                .ends_with("..")
                .then(|| std::ffi::OsString::from(".."))
        }) else {
            return path.to_path_buf();
        };
        rest.push(last);
        if !existing.pop() || existing.as_os_str().is_empty() {
            existing = PathBuf::from(".");
        }
    }
}

/// Adds a recursive watch on every input folder that exists and is not watched yet.
fn watch_inputs(watcher: &mut impl Watcher, repo: &Path, watching: &mut Vec<&'static str>) {
    for dir in WATCHED {
        let path = repo.join(dir);
        if watching.contains(&dir) || !path.is_dir() {
            continue;
        }
        match watcher.watch(&path, RecursiveMode::Recursive) {
            Ok(()) => watching.push(dir),
            Err(e) => eprint(&format!("warning: cannot watch {}: {e}\n", path.display())),
        }
    }
}

/// The repository-relative path an event changed under an input folder, or `None` to
/// ignore it. Reads (the build's own) are ignored.
fn relevant(repo: &Path, event: notify::Result<notify::Event>) -> Option<String> {
    let event = match event {
        Ok(e) => e,
        Err(e) => {
            eprint(&format!("warning: watching the inputs: {e}\n"));
            return None;
        }
    };
    if matches!(event.kind, EventKind::Access(_)) {
        return None;
    }
    event
        .paths
        .iter()
        .filter_map(|p| p.strip_prefix(repo).ok())
        .find(|rel| {
            rel.components()
                .next()
                .is_some_and(|c| WATCHED.iter().any(|w| c.as_os_str() == *w))
        })
        .map(|rel| {
            let rel = rel.to_string_lossy().replace('\\', "/");
            tracing::debug!(kind = ?event.kind, path = rel, "input changed");
            rel
        })
}

/// One build through the same entry point as `custody build`. A failed build leaves the
/// site folder untouched, so the last good site keeps being served.
fn rebuild(opts: &ServeOptions) {
    let build = crate::website::BuildOptions {
        repo: opts.repo.clone(),
        out: opts.out.clone(),
        clients: Vec::new(),
    };
    match crate::website::build(&build) {
        Ok(summary) => {
            crate::cli::eprint_diags(&summary.errors);
            crate::cli::log_build(&summary);
            crate::cli::status(&format!("{}\n", summary.line()));
        }
        Err(diags) => {
            crate::cli::eprint_diags(&diags);
            eprint("rebuild failed: still serving the last good site\n");
        }
    }
}

fn accept(listener: TcpListener, root: PathBuf) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let root = root.clone();
        std::thread::spawn(move || {
            if let Err(e) = handle(stream, &root) {
                tracing::debug!(error = %e, "connection");
            }
        });
    }
}

/// An HTTP response before it is written.
#[derive(Debug, PartialEq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Response {
    fn text(status: u16, body: &str) -> Response {
        Response {
            status,
            headers: vec![("Content-Type", "text/plain; charset=utf-8".into())],
            body: body.as_bytes().to_vec(),
        }
    }
}

fn handle(stream: TcpStream, root: &Path) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new((&stream).take(64 * 1024));
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut host = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim_end().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.trim().eq_ignore_ascii_case("host")
        {
            host = Some(value.trim().to_owned());
        }
    }
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let response = respond(root, method, target, host.as_deref());
    tracing::debug!(method = ?method, target = ?target, status = response.status, "request");
    let reason = match response.status {
        200 => "OK",
        301 => "Moved Permanently",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Internal Server Error",
    };
    let mut head = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Length: {}\r\nConnection: close\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n",
        response.status,
        response.body.len()
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut w = &stream;
    w.write_all(head.as_bytes())?;
    if method != "HEAD" {
        w.write_all(&response.body)?;
    }
    w.flush()
}

/// The response to one request for a file of the site in `root`.
pub fn respond(root: &Path, method: &str, target: &str, host: Option<&str>) -> Response {
    if method != "GET" && method != "HEAD" {
        let mut r = Response::text(405, "only GET and HEAD\n");
        r.headers.push(("Allow", "GET, HEAD".into()));
        return r;
    }
    if let Some(host) = host
        && !is_loopback_host(host)
    {
        return Response::text(
            403,
            "this preview answers only to 127.0.0.1 and localhost\n",
        );
    }
    let path = target.split(['?', '#']).next().unwrap_or("");
    let Some(segments) = url_segments(path) else {
        return Response::text(400, "bad request path\n");
    };
    let Ok(root) = std::fs::canonicalize(root) else {
        return Response::text(404, "the site has not been built yet\n");
    };
    let mut file = root.clone();
    file.extend(&segments);
    if file.is_dir() {
        if !path.ends_with('/') {
            // Pages link relative to their folder: /client must become /client/.
            return Response {
                status: 301,
                headers: vec![("Location", format!("{path}/"))],
                body: Vec::new(),
            };
        }
        file.push("index.html");
    }
    // A symlink inside the site must not lead out of it either.
    let inside = std::fs::canonicalize(&file).is_ok_and(|f| f.starts_with(&root) && f.is_file());
    match inside.then(|| std::fs::read(&file)) {
        Some(Ok(body)) => Response {
            status: 200,
            headers: vec![("Content-Type", content_type(&file).into())],
            body,
        },
        _ => Response::text(404, "not found\n"),
    }
}

/// The decoded segments of a URL path, or `None` for anything that could name a file
/// outside the site: `..`, a drive or root component, a backslash, NUL, bad escapes.
fn url_segments(path: &str) -> Option<Vec<String>> {
    let rest = path.strip_prefix('/')?;
    let mut out = Vec::new();
    for raw in rest.split('/') {
        let seg = percent_decode(raw)?;
        if seg.is_empty() || seg == "." {
            continue;
        }
        if seg.contains(['/', '\\', '\0', ':']) {
            return None;
        }
        let mut comps = Path::new(&seg).components();
        match (comps.next(), comps.next()) {
            (Some(Component::Normal(_)), None) => out.push(seg),
            _ => return None,
        }
    }
    Some(out)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn is_loopback_host(host: &str) -> bool {
    let name = if let Some(v6) = host.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("zip") => "application/zip",
        Some("pdf") => "application/pdf",
        Some("csv") => "text/csv; charset=utf-8",
        Some("txt" | "md") => "text/plain; charset=utf-8",
        Some("xml") => "application/xml",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        std::fs::create_dir_all(site.join("contoso/2026-05")).unwrap();
        std::fs::write(site.join("index.html"), "<h1>portfolio</h1>").unwrap();
        std::fs::write(site.join("contoso/index.html"), "<h1>contoso</h1>").unwrap();
        std::fs::write(site.join("contoso/2026-05/trend.svg"), "<svg/>").unwrap();
        std::fs::write(dir.path().join("secret.toml"), "outside").unwrap();
        dir
    }

    fn get(dir: &tempfile::TempDir, target: &str) -> Response {
        respond(
            &dir.path().join("site"),
            "GET",
            target,
            Some("127.0.0.1:8000"),
        )
    }

    #[test]
    fn serves_files_with_their_content_type_and_folders_as_index() {
        let dir = site();
        let r = get(&dir, "/");
        assert_eq!(
            (r.status, r.body.as_slice()),
            (200, &b"<h1>portfolio</h1>"[..])
        );
        assert_eq!(r.headers[0].1, "text/html; charset=utf-8");
        let r = get(&dir, "/contoso/2026-05/trend.svg?x=1");
        assert_eq!((r.status, r.headers[0].1.as_str()), (200, "image/svg+xml"));
        let r = get(&dir, "/contoso");
        assert_eq!(r.status, 301);
        assert_eq!(r.headers[0], ("Location", "/contoso/".to_owned()));
        assert_eq!(get(&dir, "/contoso/").body, b"<h1>contoso</h1>");
        assert_eq!(get(&dir, "/%63ontoso/index.html").status, 200);
        assert_eq!(get(&dir, "/nope.html").status, 404);
    }

    #[test]
    fn never_serves_outside_the_site_folder() {
        let dir = site();
        for target in [
            "/../secret.toml",
            "/contoso/../../secret.toml",
            "/%2e%2e/secret.toml",
            "/..%2fsecret.toml",
            "/contoso/..%5c..%5csecret.toml",
            "/%2fetc%2fpasswd",
            "//etc/passwd",
            "/C:%5cWindows",
            "/%00",
            "/%zz",
            "secret.toml",
        ] {
            let r = get(&dir, target);
            assert!(matches!(r.status, 400 | 404), "{target}: {}", r.status);
            assert!(
                !String::from_utf8_lossy(&r.body).contains("outside"),
                "{target}"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_out_of_the_site_is_not_followed() {
        let dir = site();
        std::os::unix::fs::symlink(
            dir.path().join("secret.toml"),
            dir.path().join("site/link.html"),
        )
        .unwrap();
        assert_eq!(get(&dir, "/link.html").status, 404);
    }

    #[test]
    fn only_get_and_head_from_a_loopback_host() {
        let dir = site();
        let root = dir.path().join("site");
        assert_eq!(respond(&root, "POST", "/", None).status, 405);
        assert_eq!(respond(&root, "HEAD", "/", None).status, 200);
        for host in ["localhost:8000", "127.0.0.1", "[::1]:9", "LOCALHOST"] {
            assert_eq!(respond(&root, "GET", "/", Some(host)).status, 200, "{host}");
        }
        for host in [
            "evil.example",
            "evil.example:8000",
            "10.0.0.1:8000",
            "localhost.evil.example",
        ] {
            assert_eq!(respond(&root, "GET", "/", Some(host)).status, 403, "{host}");
        }
    }

    #[test]
    fn resolve_makes_a_not_yet_existing_path_absolute() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::create_dir(root.join("clients")).unwrap();
        let p = dir.path().join("site/../clients/new/site");
        assert_eq!(resolve(&p), root.join("clients/new/site"));
        assert_eq!(resolve(&root.join("clients")), root.join("clients"));
        let cwd = std::env::current_dir().unwrap().canonicalize().unwrap();
        assert_eq!(
            resolve(Path::new("no-such-dir/x")),
            cwd.join("no-such-dir/x")
        );
    }

    #[test]
    fn only_changes_under_an_input_folder_are_relevant() {
        let repo = Path::new("/r");
        let ev = |kind, p: &str| Ok(notify::Event::new(kind).add_path(PathBuf::from(p)));
        let modify = EventKind::Modify(notify::event::ModifyKind::Any);
        assert_eq!(
            relevant(repo, ev(modify, "/r/clients/a/client.toml")),
            Some("clients/a/client.toml".into())
        );
        assert_eq!(relevant(repo, ev(modify, "/r/site/index.html")), None);
        assert_eq!(relevant(repo, ev(modify, "/r/clientsx/a")), None);
        let read = EventKind::Access(notify::event::AccessKind::Any);
        assert_eq!(relevant(repo, ev(read, "/r/evidence/a/x.json")), None);
    }
}

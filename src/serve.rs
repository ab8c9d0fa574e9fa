//! `custody serve`: build the site, serve it on 127.0.0.1 for local preview, and build
//! again when the inputs change. The server is a small static file server: GET and HEAD
//! only, one response per connection, never a file outside the site folder, and only to
//! requests addressed to a loopback host name (a web page elsewhere cannot read the
//! preview through DNS rebinding). Its redirects stay on the same origin, and a bounded
//! number of connections each get a deadline for the whole request and the whole
//! response, so slow or stalled clients cannot hold the server.

use crate::diagnostic::{Code, Diagnostic};
use crate::progress::Reporter;
use notify::{EventKind, RecursiveMode, Watcher};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, Shutdown, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The input folders whose changes trigger a rebuild.
pub const WATCHED: [&str; 3] = ["clients", "evidence", "site-templates"];

/// Quiet time after the last change before rebuilding: an editor's save, a `git pull` or
/// a `custody collect` writes many files in a burst.
const DEBOUNCE: Duration = Duration::from_millis(300);
/// A change storm never postpones the rebuild longer than this.
const MAX_DELAY: Duration = Duration::from_secs(3);

/// Connections handled at once, each on its own thread; one more is answered 503 at
/// once. A browser opens about six per origin, so this leaves room for several tabs.
pub const MAX_CONNECTIONS: usize = 32;
/// The whole request head must arrive within this: a browser sends it at once, and a
/// client dripping it a byte at a time (slowloris) is dropped, however steady its drip.
pub const HEAD_DEADLINE: Duration = Duration::from_secs(5);
/// The whole response must be taken within this (the largest evidence pack on loopback
/// takes well under a second), so a client that stops reading frees its thread.
pub const WRITE_DEADLINE: Duration = Duration::from_secs(30);
/// The largest request head read.
const MAX_HEAD: u64 = 64 * 1024;

pub struct ServeOptions {
    pub repo: PathBuf,
    pub out: PathBuf,
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
}

/// Serves until the process is stopped. `Err` when the port cannot be bound or the inputs
/// cannot be watched. `rebuild` builds the site once and reports how it went (the app
/// layer's `build`, so both print the same); a failed build never ends the preview.
pub fn run(
    opts: &ServeOptions,
    report: &dyn Reporter,
    rebuild: &dyn Fn(),
) -> Result<(), Diagnostic> {
    let io = |message: String| Diagnostic::general(Code::Io, message);
    // Every rebuild checks again; this makes a refused folder end the command at once
    // (it also refuses a folder inside a watched input, whose builds would retrigger).
    crate::website::output::check(&opts.repo, &opts.out).map_err(|reason| {
        Diagnostic::general(
            Code::SiteOutput,
            format!("{}: refusing to build here: {reason}", opts.out.display()),
        )
    })?;
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, opts.port)).map_err(|e| {
        Diagnostic::general(
            Code::Usage,
            format!(
                "cannot listen on 127.0.0.1:{}: {e} (choose another with --port, or 0 for any free port)",
                opts.port
            ),
        )
    })?;
    let addr = listener
        .local_addr()
        .map_err(|e| io(format!("cannot read the bound address: {e}")))?;
    let repo = std::fs::canonicalize(&opts.repo).map_err(|e| {
        io(format!(
            "cannot open the repository {}: {e}",
            opts.repo.display()
        ))
    })?;

    // Watch before the first build so a change made while it runs is not missed.
    let (tx, rx) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(tx)
        .map_err(|e| io(format!("cannot watch {}: {e}", repo.display())))?;
    // The root itself, without recursion, to notice a watched folder being created.
    watcher
        .watch(&repo, RecursiveMode::NonRecursive)
        .map_err(|e| io(format!("cannot watch {}: {e}", repo.display())))?;
    let mut watching = Vec::new();
    watch_inputs(&mut watcher, &repo, &mut watching, report);

    rebuild();
    let root = opts.out.clone();
    std::thread::spawn(move || accept(listener, root));
    // Always shown, even with -q: it is the one thing the command is for.
    report.notice(&format!(
        "serving {} on http://{addr}/ (rebuilt when {} change; Ctrl-C to stop)",
        opts.out.display(),
        WATCHED.map(|w| format!("{w}/")).join(", ")
    ));

    while let Ok(first) = rx.recv() {
        let Some(changed) = relevant(&repo, first, report) else {
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
        watch_inputs(&mut watcher, &repo, &mut watching, report);
        report.status(&format!("{changed} changed: rebuilding"));
        rebuild();
    }
    Ok(())
}

/// Adds a recursive watch on every input folder that exists and is not watched yet.
fn watch_inputs(
    watcher: &mut impl Watcher,
    repo: &Path,
    watching: &mut Vec<&'static str>,
    report: &dyn Reporter,
) {
    for dir in WATCHED {
        let path = repo.join(dir);
        if watching.contains(&dir) || !path.is_dir() {
            continue;
        }
        match watcher.watch(&path, RecursiveMode::Recursive) {
            Ok(()) => watching.push(dir),
            Err(e) => report.diagnostic(&Diagnostic::general(
                Code::Watch,
                format!("cannot watch {}: {e}", path.display()),
            )),
        }
    }
}

/// The repository-relative path an event changed under an input folder, or `None` to
/// ignore it. Reads (the build's own) are ignored.
fn relevant(
    repo: &Path,
    event: notify::Result<notify::Event>,
    report: &dyn Reporter,
) -> Option<String> {
    let event = match event {
        Ok(e) => e,
        Err(e) => {
            report.diagnostic(&Diagnostic::general(
                Code::Watch,
                format!("watching the inputs: {e}"),
            ));
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

/// One thread per connection, at most [`MAX_CONNECTIONS`]; beyond that a connection is
/// answered 503 by the accepting thread without waiting for its request.
fn accept(listener: TcpListener, root: PathBuf) {
    let active = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        let stream = match stream {
            Ok(s) => s,
            Err(e) => {
                // Out of file descriptors and the like: wait instead of spinning.
                tracing::debug!(error = %e, "accept");
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        if active.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            active.fetch_sub(1, Ordering::SeqCst);
            busy(&stream);
            continue;
        }
        let slot = Slot(Arc::clone(&active));
        let root = root.clone();
        let spawned = std::thread::Builder::new()
            .name("serve-connection".into())
            .spawn(move || {
                let _slot = slot;
                if let Err(e) = handle(&stream, &root) {
                    tracing::debug!(error = %e, "connection");
                }
            });
        // On failure the closure is dropped: the connection closes and its slot frees.
        if let Err(e) = spawned {
            tracing::debug!(error = %e, "cannot start a connection thread");
        }
    }
}

/// A connection's place among the [`MAX_CONNECTIONS`], given back however its thread ends.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Answers 503 on a connection over the limit. What the client already sent is read
/// first, so closing does not reset the connection before the answer is read; the short
/// timeout keeps the accepting thread from ever waiting on the client.
fn busy(stream: &TcpStream) {
    let mut sink = [0u8; 8192];
    if stream.set_nonblocking(true).is_ok() {
        let _ = (&*stream).read(&mut sink);
    }
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_write_timeout(Some(Duration::from_millis(200)));
    let body = "the preview is busy: try again\n";
    let _ = (&*stream).write_all(
        format!(
            "HTTP/1.1 503 Service Unavailable\r\nContent-Length: {}\r\nContent-Type: text/plain; charset=utf-8\r\nRetry-After: 1\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    );
    let _ = stream.shutdown(Shutdown::Write);
    tracing::debug!("connection refused: {MAX_CONNECTIONS} already open");
}

/// Reads and writes on a stream with one deadline for all of them: each call waits at
/// most the time left, so a peer that trickles bytes cannot stretch it.
struct Deadline<'a> {
    stream: &'a TcpStream,
    until: Instant,
}

impl Deadline<'_> {
    fn left(&self) -> std::io::Result<Duration> {
        self.until
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::TimedOut, "deadline passed"))
    }
}

impl Read for Deadline<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.stream.set_read_timeout(Some(self.left()?))?;
        (&*self.stream).read(buf)
    }
}

impl Write for Deadline<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.stream.set_write_timeout(Some(self.left()?))?;
        (&*self.stream).write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        (&*self.stream).flush()
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

fn handle(stream: &TcpStream, root: &Path) -> std::io::Result<()> {
    let head_deadline = Deadline {
        stream,
        until: Instant::now() + HEAD_DEADLINE,
    };
    let mut reader = BufReader::new(head_deadline.take(MAX_HEAD));
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
        503 => "Service Unavailable",
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
    let mut w = Deadline {
        stream,
        until: Instant::now() + WRITE_DEADLINE,
    };
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
                headers: vec![("Location", folder_location(&segments))],
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

/// The redirect target of a folder: rebuilt from its decoded segments, each
/// percent-encoded, never from the request's own spelling. It always starts with one
/// `/` followed by a segment or nothing, so it stays on this origin whatever the request
/// was (`//evil.example`, `/\\evil`, `/%2F%2Fevil` would otherwise leave it).
fn folder_location(segments: &[String]) -> String {
    let mut location = String::from("/");
    // An empty segment would make `//`, the start of a host: skipped.
    for seg in segments.iter().filter(|s| !s.is_empty()) {
        for b in seg.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                location.push(char::from(b));
            } else {
                location.push_str(&format!("%{b:02X}"));
            }
        }
        location.push('/');
    }
    location
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

    #[test]
    fn redirects_stay_on_this_origin_however_the_folder_is_spelt() {
        let dir = site();
        for (target, location) in [
            ("/contoso", "/contoso/"),
            ("//contoso", "/contoso/"),
            ("///contoso", "/contoso/"),
            ("/./contoso", "/contoso/"),
            ("//./contoso", "/contoso/"),
            ("/contoso/.", "/contoso/"),
            ("/%63ontoso", "/contoso/"),
            ("//contoso?x=//evil.example", "/contoso/"),
            ("/contoso/2026-05", "/contoso/2026-05/"),
            ("/.", "/"),
        ] {
            let r = get(&dir, target);
            assert_eq!(r.status, 301, "{target}");
            assert_eq!(
                r.headers,
                vec![("Location", location.to_owned())],
                "{target}"
            );
        }
        // Tricks that would put a host in the Location never redirect at all.
        for target in [
            "/%2F%2Fcontoso",
            "/%2fcontoso",
            "/\\contoso",
            "/%5Ccontoso",
            "/%5C%5Ccontoso",
        ] {
            let r = get(&dir, target);
            assert!(matches!(r.status, 400 | 404), "{target}: {}", r.status);
            assert!(r.headers.iter().all(|(n, _)| *n != "Location"), "{target}");
        }
    }

    #[test]
    fn a_folder_location_is_one_slash_then_encoded_segments() {
        let segs = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(folder_location(&[]), "/");
        assert_eq!(
            folder_location(&segs(&["a b", "é", "x?y#z", "evil.example"])),
            "/a%20b/%C3%A9/x%3Fy%23z/evil.example/"
        );
        for seg in ["", "/", "\\", "@evil", "%2F"] {
            let l = folder_location(&segs(&[seg]));
            assert!(
                l.starts_with('/') && !l.starts_with("//") && !l.starts_with("/\\"),
                "{seg:?}: {l}"
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

    /// A connected loopback pair: (server side, client side).
    fn pair() -> (TcpStream, TcpStream) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        (l.accept().unwrap().0, client)
    }

    #[test]
    fn the_write_deadline_ends_a_response_the_client_never_reads() {
        let (server, _client) = pair();
        let mut w = Deadline {
            stream: &server,
            until: Instant::now() + Duration::from_millis(300),
        };
        let started = Instant::now();
        // Far more than the socket buffers hold: without a deadline this blocks forever.
        let body = vec![0u8; 64 * 1024 * 1024];
        assert!(w.write_all(&body).is_err());
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn the_read_deadline_covers_the_whole_head_not_each_read() {
        let (server, mut client) = pair();
        let drip = std::thread::spawn(move || {
            // Five seconds of one byte every 50 ms: each read alone is quick.
            for _ in 0..100 {
                if client.write_all(b"a").is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        let r = Deadline {
            stream: &server,
            until: Instant::now() + Duration::from_millis(400),
        };
        let started = Instant::now();
        let mut line = String::new();
        let e = BufReader::new(r).read_line(&mut line).unwrap_err();
        // Past the deadline between reads, or the socket timing out during one.
        assert!(
            matches!(
                e.kind(),
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
            ),
            "{e}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
        drop(server);
        drip.join().unwrap();
    }

    #[test]
    fn only_changes_under_an_input_folder_are_relevant() {
        let repo = Path::new("/r");
        let ev = |kind, p: &str| Ok(notify::Event::new(kind).add_path(PathBuf::from(p)));
        let modify = EventKind::Modify(notify::event::ModifyKind::Any);
        assert_eq!(
            relevant(
                repo,
                ev(modify, "/r/clients/a/client.toml"),
                &crate::progress::Silent
            ),
            Some("clients/a/client.toml".into())
        );
        assert_eq!(
            relevant(
                repo,
                ev(modify, "/r/site/index.html"),
                &crate::progress::Silent
            ),
            None
        );
        assert_eq!(
            relevant(repo, ev(modify, "/r/clientsx/a"), &crate::progress::Silent),
            None
        );
        let read = EventKind::Access(notify::event::AccessKind::Any);
        assert_eq!(
            relevant(
                repo,
                ev(read, "/r/evidence/a/x.json"),
                &crate::progress::Silent
            ),
            None
        );
    }
}

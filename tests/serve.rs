//! `custody serve` end to end: start on a free loopback port, fetch a page, change an
//! input and see the rebuilt page, break an input and keep the last good site.

use custody::controls::testing::Fx;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Kills the server however the test ends.
struct Server {
    child: Child,
    addr: String,
    stderr: mpsc::Receiver<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(repo: &std::path::Path, out: &std::path::Path) -> Server {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("custody"))
            .arg("--repo")
            .arg(repo)
            .args(["serve", "--port", "0", "--out"])
            .arg(out)
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, rx) = mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = Server {
            child,
            addr: String::new(),
            stderr: rx,
        };
        let line = server.wait_for_line("serving ");
        let url = line.split("http://").nth(1).unwrap();
        server.addr = url.split('/').next().unwrap().to_owned();
        assert!(server.addr.starts_with("127.0.0.1:"), "{line}");
        server
    }

    fn wait_for_line(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut seen = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.stderr.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(line) => seen.push(line),
                Err(_) => break,
            }
        }
        panic!(
            "no stderr line containing {needle:?}; saw:\n{}",
            seen.join("\n")
        );
    }

    /// Status, headers and body of a raw request.
    fn request(&self, raw: &str) -> (u16, String, Vec<u8>) {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        s.write_all(raw.as_bytes()).unwrap();
        let mut bytes = Vec::new();
        s.read_to_end(&mut bytes).unwrap();
        let split = bytes.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = String::from_utf8(bytes[..split].to_vec()).unwrap();
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        (status, head, bytes[split + 4..].to_vec())
    }

    fn get(&self, path: &str) -> (u16, String, String) {
        let (status, head, body) = self.request(&format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\n\r\n",
            self.addr
        ));
        (status, head, String::from_utf8_lossy(&body).into_owned())
    }

    /// Polls a page until its body contains `needle`.
    fn wait_for_page(&self, path: &str, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let (status, _, body) = self.get(path);
            if status == 200 && body.contains(needle) {
                return body;
            }
            assert!(
                Instant::now() < deadline,
                "{path} never contained {needle:?}: {status} {body}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

#[test]
fn serves_the_site_rebuilds_on_change_and_keeps_the_last_good_site() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    Fx::new().with_prev().write_to(&repo, "acme");
    std::fs::write(dir.path().join("secret.txt"), "do not serve").unwrap();
    let site = dir.path().join("site");
    let server = Server::start(&repo, &site);

    let (status, head, body) = server.get("/");
    assert_eq!(status, 200, "{head}\n{body}");
    assert!(
        head.contains("Content-Type: text/html; charset=utf-8"),
        "{head}"
    );
    assert!(body.contains("Acme Fixture Ltd"), "{body}");
    let (status, head, _) = server.get("/acme");
    assert_eq!(status, 301);
    assert!(head.contains("Location: /acme/"), "{head}");
    assert!(server.get("/acme/").2.contains("Acme Fixture Ltd"));
    assert_eq!(server.get("/no-such-page.html").0, 404);
    let (status, head, _) = server.get("/acme/scorecard.json");
    if status == 200 {
        assert!(head.contains("Content-Type: application/json"), "{head}");
    }

    // Never a file outside the site, however the path is spelt.
    for path in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/acme/..%2f..%2fsecret.txt",
    ] {
        let (status, _, body) = server.get(path);
        assert!(matches!(status, 400 | 404), "{path}: {status}");
        assert!(!body.contains("do not serve"), "{path}");
    }
    // Only to loopback host names (no DNS rebinding), only GET and HEAD.
    let (status, _, _) = server.request("GET / HTTP/1.1\r\nHost: evil.example\r\n\r\n");
    assert_eq!(status, 403);
    let (status, _, _) = server.request("DELETE / HTTP/1.1\r\nHost: localhost\r\n\r\n");
    assert_eq!(status, 405);
    let (status, head, body) = server.request("HEAD / HTTP/1.1\r\nHost: localhost\r\n\r\n");
    assert_eq!((status, body.len()), (200, 0), "{head}");

    // An input change is rebuilt and served.
    let client_toml = repo.join("clients/acme/client.toml");
    let text = std::fs::read_to_string(&client_toml).unwrap();
    std::fs::write(
        &client_toml,
        text.replace("Acme Fixture Ltd", "Acme Renamed GmbH"),
    )
    .unwrap();
    server.wait_for_line("clients/acme/client.toml changed");
    server.wait_for_page("/", "Acme Renamed GmbH");

    // A broken policy: its error is printed, and the client's last good pages stay.
    std::fs::write(&client_toml, "name = \n").unwrap();
    server.wait_for_line("error: clients/acme/client.toml:1:");
    let (status, _, body) = server.get("/acme/");
    assert_eq!(status, 200);
    assert!(body.contains("Acme Renamed GmbH"), "{body}");

    // Fixed again: served again.
    std::fs::write(
        &client_toml,
        text.replace("Acme Fixture Ltd", "Acme Fixed AG"),
    )
    .unwrap();
    server.wait_for_page("/", "Acme Fixed AG");

    // A broken template (in a site-templates/ folder created while serving) fails the
    // whole build: the last good site is still served.
    std::fs::create_dir(repo.join("site-templates")).unwrap();
    std::fs::write(repo.join("site-templates/base.html"), "{% if %}").unwrap();
    server.wait_for_line("rebuild failed: still serving the last good site");
    let (status, _, body) = server.get("/");
    assert_eq!(status, 200);
    assert!(body.contains("Acme Fixed AG"), "{body}");
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(assert_cmd::cargo::cargo_bin("custody"))
        .arg("--repo")
        .arg(dir.path())
        .args(["serve", "--port", &port])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{err}"
    );
}

#[test]
fn an_output_folder_inside_a_watched_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    Fx::new().write_to(dir.path(), "acme");
    let out = Command::new(assert_cmd::cargo::cargo_bin("custody"))
        .arg("--repo")
        .arg(dir.path())
        .args(["serve", "--port", "0", "--out"])
        .arg(dir.path().join("evidence/preview"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("refusing to build here: is inside evidence/ of the repository"),
        "{err}"
    );
    assert!(!dir.path().join("evidence/preview").exists());
}

#[path = "support/files.rs"]
mod files;

#[test]
fn serve_refuses_to_build_into_the_repository_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    Fx::new().write_to(&repo, "acme");
    std::fs::write(repo.join("uncommitted.txt"), "work in progress").unwrap();
    let before = files::tree(dir.path());
    for (out, reason) in [
        (repo.clone(), "is the repository itself"),
        (dir.path().to_path_buf(), "contains the repository"),
        (repo.join("clients"), "is clients/ of the repository"),
        (repo.join("uncommitted.txt"), "is a file, not a folder"),
    ] {
        let o = Command::new(assert_cmd::cargo::cargo_bin("custody"))
            .arg("--repo")
            .arg(&repo)
            .args(["serve", "--port", "0", "--out"])
            .arg(&out)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{}: {err}", out.display());
        assert!(err.contains(reason), "{reason:?} in {err}");
        assert!(!err.contains("serving "), "it must not start: {err}");
        assert!(
            files::tree(dir.path()) == before,
            "{} changed files",
            out.display()
        );
    }
}

/// Serves a one-client fixture repository into a fresh site folder.
fn fixture_server() -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    Fx::new().with_prev().write_to(&repo, "acme");
    let server = Server::start(&repo, &dir.path().join("site"));
    (dir, server)
}

#[test]
fn redirects_never_leave_the_origin() {
    let (_dir, server) = fixture_server();
    // `//acme` used to answer `Location: //acme/`, which a browser reads as the host acme.
    for (path, location) in [
        ("/acme", "/acme/"),
        ("//acme", "/acme/"),
        ("///acme", "/acme/"),
        ("//./acme", "/acme/"),
        ("/%61cme", "/acme/"),
        ("//acme?next=//evil.example", "/acme/"),
    ] {
        let (status, head, _) = server.get(path);
        assert_eq!(status, 301, "{path}: {head}");
        let got = head
            .lines()
            .find_map(|l| l.strip_prefix("Location: "))
            .unwrap_or_default();
        assert_eq!(got, location, "{path}: {head}");
    }
    for path in [
        "/%2F%2Facme",
        "/%2facme",
        "/\\acme",
        "/%5Cacme",
        "/%5c%5cacme",
    ] {
        let (status, head, _) = server.get(path);
        assert!(matches!(status, 400 | 404), "{path}: {head}");
        assert!(!head.contains("Location"), "{path}: {head}");
    }
}

/// Whether the server has closed `s`: reads for up to `wait`.
fn closed_by_server(s: &mut TcpStream, wait: Duration) -> bool {
    s.set_read_timeout(Some(wait)).unwrap();
    let mut buf = [0u8; 512];
    match s.read(&mut buf) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => !matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
    }
}

#[test]
fn a_drip_fed_request_is_dropped_at_its_deadline_and_others_are_still_served() {
    let (_dir, server) = fixture_server();
    let deadline = custody::serve::HEAD_DEADLINE;
    // Three clients send a request head a byte every 200 ms, never finishing it: each
    // read succeeds quickly, so only a deadline for the whole head can end them.
    let drips: Vec<_> = (0..3)
        .map(|_| {
            let addr = server.addr.clone();
            std::thread::spawn(move || {
                let mut s = TcpStream::connect(&addr).unwrap();
                let started = Instant::now();
                s.write_all(format!("GET / HTTP/1.1\r\nHost: {addr}\r\nX-Drip: ").as_bytes())
                    .unwrap();
                while started.elapsed() < deadline + Duration::from_secs(10) {
                    if s.write_all(b"a").is_err()
                        || closed_by_server(&mut s, Duration::from_millis(200))
                    {
                        return Some(started.elapsed());
                    }
                }
                None
            })
        })
        .collect();
    // While they drip, the preview answers others at once, again and again.
    std::thread::sleep(Duration::from_millis(500));
    for _ in 0..3 {
        let t = Instant::now();
        let (status, _, body) = server.get("/");
        assert_eq!(status, 200);
        assert!(body.contains("Acme Fixture Ltd"));
        assert!(
            t.elapsed() < Duration::from_secs(2),
            "slow answer: {:?}",
            t.elapsed()
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    for d in drips {
        let dropped_after = d
            .join()
            .unwrap()
            .expect("a drip-fed connection was never dropped");
        assert!(
            dropped_after + Duration::from_millis(500) >= deadline
                && dropped_after < deadline + Duration::from_secs(3),
            "dropped after {dropped_after:?}, the deadline is {deadline:?}"
        );
    }
    assert_eq!(server.get("/").0, 200);
}

#[test]
fn connections_beyond_the_limit_are_answered_503_and_service_resumes() {
    let (_dir, server) = fixture_server();
    // Idle connections (a stalled client sends nothing) fill every slot.
    let mut idle: Vec<TcpStream> = (0..custody::serve::MAX_CONNECTIONS)
        .map(|_| TcpStream::connect(&server.addr).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    // One more is answered at once, before it even sends its request.
    let mut extra = TcpStream::connect(&server.addr).unwrap();
    extra
        .set_read_timeout(Some(Duration::from_secs(3)))
        .unwrap();
    let mut answer = Vec::new();
    let _ = extra.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 503 "), "{answer:?}");
    assert!(answer.contains("Retry-After: 1"), "{answer}");
    // The idle ones are dropped at the head deadline, and the preview serves again.
    let started = Instant::now();
    for s in &mut idle {
        let left = (custody::serve::HEAD_DEADLINE + Duration::from_secs(3))
            .saturating_sub(started.elapsed())
            .max(Duration::from_millis(1));
        assert!(
            closed_by_server(s, left),
            "an idle connection was never dropped"
        );
    }
    assert_eq!(server.get("/").0, 200);
}

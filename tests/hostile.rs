//! Hostile content: HTML and script planted in every string that reaches a page (client
//! name, RACI and backup policy text, approved principals, Graph display names and UPNs,
//! Conditional Access policy names, notes.md) must come out escaped. The test builds the
//! site and scans every page (HTML and SVG, and the HTML inside evidence packs) for
//! script elements, event-handler attributes, script-capable URLs and external resources.

use custody::controls::testing::{
    BACKUP_TOML, CLIENT_TOML, CONTROLS_TOML, Fx, RACI_TOML, default_graph,
};
use std::io::Read;
use std::path::Path;
use std::process::Command;

/// Each payload carries a unique marker so the test can prove it reached a page.
const NAME: &str = r#"Acme <script>alert('m-name')</script> & "Co""#;
const UPN: &str = r#"alice"><img src=x onerror=alert('m-upn')>@acme.example"#;
const CA_NAME: &str = r#"Require MFA <svg onload=alert('m-ca')>"#;
const OWNER: &str = r#"<iframe src="javascript:alert('m-owner')"></iframe>"#;
const ACTIVITY: &str = r#"Everything <b onmouseover=alert('m-activity')>x</b>"#;
const PRINCIPAL: &str = r#"ghost<script>alert('m-principal')</script>@acme.example"#;

const NOTES: &str = r#"# Notes <script>alert('m-notes-heading')</script>

<script>alert('m-notes-raw')</script>
<img src=x onerror="alert('m-notes-img')">
<a href="javascript:alert('m-notes-a')">raw link</a>

[click me](javascript:alert('m-notes-md'))
[and me](  JaVaScRiPt:alert('m-notes-case'))
[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)
[vb](vbscript:msgbox('m-notes-vb'))
<javascript:alert('m-notes-autolink')>
![pixel](https://evil.example/m-notes-pixel.png)
![local](//evil.example/m-notes-proto.png)
"#;

fn toml_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn json_escape(s: &str) -> String {
    let quoted = serde_json::to_string(s).expect("string");
    quoted[1..quoted.len() - 1].to_owned()
}

fn hostile_fixture() -> Fx {
    let mut fx = Fx::new()
        .policy(
            "client.toml",
            &CLIENT_TOML.replace("Acme Fixture Ltd", &toml_escape(NAME)),
        )
        .policy(
            "raci.toml",
            &RACI_TOML
                .replace("\"Everything\"", &format!("\"{}\"", toml_escape(ACTIVITY))),
        )
        .policy(
            "backup.toml",
            &BACKUP_TOML.replace("MSP Backup Team", &toml_escape(OWNER)),
        )
        .policy(
            "controls.toml",
            &format!(
                "{}\n[[approved_assignment]]\nprincipal = \"{}\"\nrole = \"Global Administrator\"\nassignment = \"eligible\"\n",
                CONTROLS_TOML.replace("alice@acme.example", &toml_escape(UPN)),
                toml_escape(PRINCIPAL)
            ),
        )
        .policy("notes.md", NOTES);
    for (file, json) in default_graph() {
        let json = json
            .replace("alice@acme.example", &json_escape(UPN))
            .replace("Require MFA for all users", &json_escape(CA_NAME));
        fx = fx.graph(&file, &json);
    }
    fx
}

/// The tags of an HTML/SVG document (`<name attrs...>`), lowercased.
fn tags(doc: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = doc;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        if !rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
            continue;
        }
        let end = rest.find('>').unwrap_or(rest.len());
        out.push(rest[..end].to_ascii_lowercase());
        rest = &rest[end..];
    }
    out
}

/// Attribute `name=value` pairs of a tag (quoted or bare values).
fn attributes(tag: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let bytes = tag.as_bytes();
    let mut i = tag.find(char::is_whitespace).unwrap_or(tag.len());
    while i < bytes.len() {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'=' {
            i += 1;
        }
        let name = tag[start..i].to_owned();
        let mut value = String::new();
        if i < bytes.len() && bytes[i] == b'=' {
            i += 1;
            if i < bytes.len() && (bytes[i] == b'"' || bytes[i] == b'\'') {
                let q = bytes[i];
                let vstart = i + 1;
                i = vstart;
                while i < bytes.len() && bytes[i] != q {
                    i += 1;
                }
                value = tag[vstart..i.min(tag.len())].to_owned();
                i += 1;
            } else {
                let vstart = i;
                while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                    i += 1;
                }
                value = tag[vstart..i].to_owned();
            }
        }
        if !name.is_empty() {
            out.push((name, value));
        }
    }
    out
}

/// Problems of one page: script elements, event handlers, script-capable URLs, external
/// resources (anything the browser would fetch from another origin).
fn scan(page: &str, doc: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for tag in tags(doc) {
        let name = tag
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("");
        if matches!(
            name,
            "script" | "iframe" | "object" | "embed" | "base" | "form"
        ) {
            problems.push(format!("{page}: <{name}> element: <{tag}>"));
        }
        for (attr, value) in attributes(&tag) {
            let compact: String = value.chars().filter(|c| !c.is_whitespace()).collect();
            if attr.starts_with("on") {
                problems.push(format!("{page}: event handler {attr}= in <{tag}>"));
            }
            if ["javascript:", "vbscript:", "data:text"]
                .iter()
                .any(|s| compact.contains(s))
            {
                problems.push(format!("{page}: script-capable URL in <{tag}>"));
            }
            let external = compact.starts_with("http:")
                || compact.starts_with("https:")
                || compact.starts_with("//");
            // Links out (<a href>) are allowed; the SVG namespace is a name, not a fetch.
            let is_link = name == "a" && attr == "href";
            let is_namespace = attr.starts_with("xmlns");
            if external && !is_link && !is_namespace {
                problems.push(format!(
                    "{page}: external resource {attr}={value:?} in <{tag}>"
                ));
            }
            if attr == "http-equiv" && compact == "refresh" {
                problems.push(format!("{page}: meta refresh"));
            }
        }
        if tag.contains("url(http") || tag.contains("@import") {
            problems.push(format!("{page}: external CSS in <{tag}>"));
        }
    }
    let lower = doc.to_ascii_lowercase();
    if lower.contains("@import") || lower.contains("url(http") || lower.contains("url(//") {
        problems.push(format!("{page}: external CSS"));
    }
    problems
}

/// Every page of the site, and every HTML page inside its evidence packs.
fn pages(site: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(site)
        .into_iter()
        .filter_map(Result::ok)
    {
        let p = entry.path();
        let rel = p.strip_prefix(site).expect("inside").display().to_string();
        match p.extension().and_then(|e| e.to_str()) {
            Some("html" | "svg") => {
                out.push((rel, std::fs::read_to_string(p).expect("pages are UTF-8")));
            }
            Some("zip") => {
                let mut zip = zip::ZipArchive::new(std::fs::File::open(p).expect("open pack"))
                    .expect("pack is a zip");
                for i in 0..zip.len() {
                    let mut f = zip.by_index(i).expect("entry");
                    let name = f.name().expect("entry name").into_owned();
                    if name.ends_with(".html") || name.ends_with(".svg") {
                        let mut s = String::new();
                        f.read_to_string(&mut s).expect("utf-8 entry");
                        out.push((format!("{rel}!{name}"), s));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

#[test]
fn planted_html_and_script_come_out_escaped_on_every_page() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    hostile_fixture().write_to(&root, "acme");
    let site = dir.path().join("site");
    let out = Command::new(env!("CARGO_BIN_EXE_custody"))
        .arg("--repo")
        .arg(&root)
        .arg("build")
        .arg("--out")
        .arg(&site)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        site.join("acme/index.html").is_file(),
        "build failed ({:?}): {stderr}",
        out.status.code()
    );

    let pages = pages(&site);
    assert!(pages.len() >= 4, "{pages:?}");
    let problems: Vec<String> = pages.iter().flat_map(|(p, d)| scan(p, d)).collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // Non-vacuous: the payloads did reach the pages, as text.
    let all: String = pages.iter().map(|(_, d)| d.as_str()).collect();
    for marker in [
        "m-name",
        "m-upn",
        "m-ca",
        "m-owner",
        "m-activity",
        "m-principal",
        "m-notes-heading",
        "m-notes-raw",
        "m-notes-img",
        "m-notes-a",
    ] {
        assert!(
            all.contains(marker),
            "payload {marker} never reached a page"
        );
    }
    assert!(
        all.contains("&lt;script&gt;"),
        "escaped script text expected"
    );
    // A Markdown image from another origin must not become a fetch.
    assert!(!all.contains("src=\"https://evil.example"));
}

#[test]
fn the_scanner_catches_what_it_looks_for() {
    // The scanner itself must not be vacuous.
    for bad in [
        "<p><script>alert(1)</script></p>",
        "<img src=x onerror=alert(1)>",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<a href=\" jav\tascript:alert(1)\">x</a>",
        "<img src=\"https://evil.example/p.png\">",
        "<link rel=stylesheet href=\"//cdn.example/x.css\">",
        "<div style=\"background:url(https://e.example/x)\">",
        "<svg><image href=\"https://e.example/x\"/></svg>",
    ] {
        assert!(!scan("t", bad).is_empty(), "missed {bad}");
    }
    for fine in [
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>",
        "<a href=\"https://example.com/x\">out</a>",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>",
        "<a href=\"2026-11/index.html\">month</a>",
    ] {
        assert!(
            scan("t", fine).is_empty(),
            "false alarm on {fine}: {:?}",
            scan("t", fine)
        );
    }
}

/// Workflow-command injection: a newline in an input string must not start a new
/// `::command::` line in `--format github` output (GitHub would run it).
#[test]
fn newlines_in_inputs_cannot_inject_github_workflow_commands() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    let principal = "ghost\\n::error::m-inject-principal\\n@acme.example";
    let fx = Fx::new()
        .policy(
            "client.toml",
            &CLIENT_TOML.replace("Acme Fixture Ltd", "Acme\\n::warning::m-inject-name"),
        )
        .policy(
            "controls.toml",
            &format!(
                "{CONTROLS_TOML}\n[[approved_assignment]]\nprincipal = \"{principal}\"\nrole = \"Global Administrator\"\nassignment = \"eligible\"\n"
            ),
        );
    fx.write_to(&root, "acme");
    let summary = dir.path().join("summary.md");
    let out = Command::new(env!("CARGO_BIN_EXE_custody"))
        .arg("--repo")
        .arg(&root)
        .args(["check", "--format", "github"])
        .env("NO_COLOR", "1")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("m-inject-principal"),
        "the payload must reach the output for the test to mean anything: {stdout}"
    );
    for line in stdout.lines() {
        assert!(
            !line.starts_with("::error::m-inject") && !line.starts_with("::warning::m-inject"),
            "injected a workflow command: {line}"
        );
    }
}

/// A real 1×1 PNG (IHDR, IDAT, IEND).
const PNG_1X1: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0B, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x60, 0x00, 0x02, 0x00,
    0x00, 0x05, 0x00, 0x01, 0x7A, 0x5E, 0xAB, 0x3F, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44,
    0xAE, 0x42, 0x60, 0x82,
];

const SVG_OPEN: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">"#;

/// A logo whose dangerous parts must be removed, keeping a drawing (`<rect>`).
fn svg_logo(payload: &str) -> Vec<u8> {
    format!("{SVG_OPEN}\n{payload}\n<rect width=\"10\" height=\"10\" fill=\"#0f766e\"/>\n</svg>\n")
        .into_bytes()
}

/// An SVG asset must hold drawing elements only: no active or fetching element, and
/// every reference inside the document.
fn scan_svg(page: &str, doc: &str) -> Vec<String> {
    let mut problems = scan(page, doc);
    for tag in tags(doc) {
        let name = tag
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("");
        if matches!(
            name,
            "foreignobject" | "style" | "image" | "a" | "animate" | "set" | "feimage" | "iframe"
        ) || name.starts_with("animate")
        {
            problems.push(format!("{page}: <{name}> in an SVG asset: <{tag}>"));
        }
        for (attr, value) in attributes(&tag) {
            if attr.ends_with("href") && !value.starts_with('#') {
                problems.push(format!("{page}: {attr}={value:?} leaves the document"));
            }
            if attr == "style" {
                problems.push(format!("{page}: style attribute in <{tag}>"));
            }
        }
    }
    if doc.contains("<!") {
        problems.push(format!("{page}: a DOCTYPE, comment or CDATA survived"));
    }
    problems
}

/// Issue 12, class 2: a client's logo is published on the site's origin, where a script
/// in it could read every other client's pages. Each hostile logo is either reduced to a
/// safe drawing or refused (exit 2, the file named); the other clients are still built.
#[test]
fn hostile_logos_are_reduced_to_safe_svg_or_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    jpeg.extend_from_slice(b"JFIF\0<svg onload=alert('m-jpeg')>");
    jpeg.extend_from_slice(&[0xFF, 0xD9]);
    let mut png_polyglot = PNG_1X1.to_vec();
    png_polyglot.extend_from_slice(
        b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert('m-png-tail')\"/>",
    );
    let mut oversized = PNG_1X1[..PNG_1X1.len() - 12].to_vec();
    oversized.resize(600 * 1024, 0);
    // (client, logo file, bytes, refused: the message expected on stderr)
    let cases: Vec<(&str, &str, Vec<u8>, Option<&str>)> = vec![
        ("script", "logo.svg", svg_logo("<script>alert('m-script')</script><script href=\"https://evil.example/x.js\"/>"), None),
        ("onload", "logo.svg", b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert('m-onload')\"><rect width=\"1\" height=\"1\" onclick=\"alert(2)\" onmouseover=\"alert(3)\"/></svg>".to_vec(), None),
        ("foreign", "logo.svg", svg_logo("<foreignObject width=\"10\" height=\"10\"><div xmlns=\"http://www.w3.org/1999/xhtml\"><iframe src=\"javascript:alert('m-foreign')\"></iframe></div></foreignObject>"), None),
        ("xlink", "logo.svg", svg_logo("<a xlink:href=\"javascript:alert('m-xlink')\"><text>x</text></a><use xlink:href=\"javascript:alert(1)\"/><use href=\"https://evil.example/s.svg#i\"/>"), None),
        ("extimage", "logo.svg", svg_logo("<image href=\"https://evil.example/track.png\" width=\"1\" height=\"1\"/><image xlink:href=\"//evil.example/p.png\"/><rect width=\"1\" height=\"1\" fill=\"url(https://evil.example/f#g)\"/>"), None),
        ("cssimport", "logo.svg", svg_logo("<style>@import url(https://evil.example/x.css); rect { fill: url(https://evil.example/) }</style><rect width=\"2\" height=\"2\" style=\"fill:url(//evil.example/)\"/>"), None),
        ("animate", "logo.svg", svg_logo("<a><animate attributeName=\"href\" to=\"javascript:alert('m-animate')\"/><set attributeName=\"href\" to=\"javascript:alert(1)\"/><text>x</text></a>"), None),
        ("entity", "logo.svg", b"<?xml version=\"1.0\"?>\n<!DOCTYPE svg [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY ext SYSTEM \"file:///etc/passwd\">]>\n<svg xmlns=\"http://www.w3.org/2000/svg\"><text>&b;&ext;</text></svg>\n".to_vec(), Some("clients/entity/logo.svg:2:1: an SVG logo must not have a DOCTYPE")),
        ("svgaspng", "logo.png", svg_logo("<script>alert('m-svgaspng')</script>"), Some("clients/svgaspng/logo.png: is not a PNG image")),
        ("pngtail", "logo.png", png_polyglot, Some("clients/pngtail/logo.png: has 70 bytes after the PNG's IEND chunk")),
        ("jpegsvg", "logo.svg", jpeg, Some("clients/jpegsvg/logo.svg: is a JPEG image, but its name promises an SVG image")),
        ("oversized", "logo.png", oversized, Some("clients/oversized/logo.png: cannot read the logo: is 614400 bytes, larger than the 524288 byte limit")),
        ("missing", "gone.svg", Vec::new(), Some("clients/missing/gone.svg: not found")),
        ("clean", "logo.png", PNG_1X1.to_vec(), None),
    ];
    for (i, (client, file, bytes, _)) in cases.iter().enumerate() {
        let tenant = format!("11111111-2222-3333-4444-{:012}", 600_000 + i);
        Fx::new()
            .policy(
                "client.toml",
                &format!(
                    "{}\n[branding]\nlogo = \"{file}\"\n",
                    CLIENT_TOML.replace("11111111-2222-3333-4444-555555555555", &tenant)
                ),
            )
            .write_to(&root, client);
        if *client != "missing" {
            std::fs::write(root.join("clients").join(client).join(file), bytes).unwrap();
        }
    }
    let site = dir.path().join("site");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_custody"))
            .arg("--repo")
            .arg(&root)
            .args(args)
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    let out = run(&["build", "--out", site.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let check = run(&["check", "--format", "json"]);
    assert_eq!(check.status.code(), Some(2), "check refuses the same logos");
    let check_err = String::from_utf8_lossy(&check.stderr);
    for (client, file, bytes, refused) in &cases {
        let asset = site.join(client).join("assets").join(file);
        let index = std::fs::read_to_string(site.join(client).join("index.html"))
            .unwrap_or_else(|e| panic!("{client} was not built ({e}): {stderr}"));
        match refused {
            Some(message) => {
                assert!(
                    stderr.contains(message),
                    "{client}: expected {message:?} in\n{stderr}"
                );
                assert!(check_err.contains(message), "{client}: check: {check_err}");
                assert!(!asset.exists(), "{client}: a refused logo was published");
                assert!(
                    !index.contains("class=\"logo\""),
                    "{client}: page still shows the logo"
                );
            }
            None => {
                assert!(
                    !stderr.contains(&format!("clients/{client}/")),
                    "{client}: {stderr}"
                );
                let published = std::fs::read(&asset).unwrap();
                assert!(
                    index.contains("<img class=\"logo\"") && index.contains(*file),
                    "{client}: no <img>"
                );
                if file.ends_with(".png") {
                    assert_eq!(&published, bytes, "a clean raster is published as is");
                    continue;
                }
                let svg = String::from_utf8(published).unwrap();
                let problems = scan_svg(&format!("{client}/assets/{file}"), &svg);
                assert!(problems.is_empty(), "{}\n{svg}", problems.join("\n"));
                assert!(
                    !svg.contains("m-"),
                    "{client}: payload text survived: {svg}"
                );
                assert!(
                    svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\"")
                        && (svg.contains("<rect") || svg.contains("<text")),
                    "{client}: the drawing is kept: {svg}"
                );
            }
        }
    }
    // And every page and pack of the site passes the page scan.
    let problems: Vec<String> = pages(&site)
        .iter()
        .flat_map(|(p, d)| {
            if p.ends_with(".svg") {
                scan_svg(p, d)
            } else {
                scan(p, d)
            }
        })
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_svg_scanner_catches_what_it_looks_for() {
    for bad in [
        "<svg><foreignObject/></svg>",
        "<svg><style>x</style></svg>",
        "<svg><use href=\"other.svg#x\"/></svg>",
        "<svg><rect style=\"fill:red\"/></svg>",
        "<svg><animate attributeName=\"href\"/></svg>",
        "<!DOCTYPE svg><svg/>",
    ] {
        assert!(!scan_svg("t", bad).is_empty(), "missed {bad}");
    }
    assert!(
        scan_svg(
            "t",
            "<svg xmlns=\"http://www.w3.org/2000/svg\"><use href=\"#a\"/></svg>"
        )
        .is_empty()
    );
}

//! A client's logo, made safe to publish. The site's CSP is a `<meta>` tag, which does
//! not protect a file opened on its own: an SVG published as written could run script on
//! the site's origin and read other clients' pages. So a raster logo (PNG, JPEG, WebP) is
//! published only when its bytes are the format its name says, and an SVG is parsed with
//! a real XML parser, reduced to an allow-list of drawing elements and attributes, and
//! written again from the parsed tree: no byte of the original text is passed through.

use crate::client_id::ClientId;
use crate::diagnostic::Diagnostic;
use std::fmt::Write as _;
use std::path::Path;

/// Largest logo accepted, before and after sanitising: a logo is a few kilobytes, and the
/// file is copied into every evidence pack.
pub const MAX_LOGO_BYTES: u64 = 512 * 1024;

/// Largest number of XML nodes in an SVG logo; bounds the parser's memory on hostile input.
const MAX_SVG_NODES: u32 = 20_000;

const SVG_NS: &str = "http://www.w3.org/2000/svg";
const XLINK_NS: &str = "http://www.w3.org/1999/xlink";

/// The formats a logo may have, told apart by content and required to match the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Svg,
    Png,
    Jpeg,
    Webp,
}

impl Kind {
    /// The kind a file name promises (case-insensitive extension).
    pub fn from_name(name: &str) -> Option<Kind> {
        let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "svg" => Some(Kind::Svg),
            "png" => Some(Kind::Png),
            "jpg" | "jpeg" => Some(Kind::Jpeg),
            "webp" => Some(Kind::Webp),
            _ => None,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Kind::Svg => "an SVG image",
            Kind::Png => "a PNG image",
            Kind::Jpeg => "a JPEG image",
            Kind::Webp => "a WebP image",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Kind::Svg => ".svg",
            Kind::Png => ".png",
            Kind::Jpeg => ".jpg",
            Kind::Webp => ".webp",
        }
    }
}

/// Reads `clients/<id>/<name>` and returns the bytes to publish, or a diagnostic naming
/// the file (and, for SVG, the line and column) and why the logo is refused.
pub fn load(repo: &Path, id: &ClientId, name: &str) -> Result<Vec<u8>, Diagnostic> {
    let rel = format!("clients/{id}/{name}");
    let fail = |message: String| {
        Diagnostic::file(rel.clone(), message)
            .with_code(crate::diagnostic::Code::SiteLogo)
            .for_client(id.as_str())
    };
    // The loader already restricts the name; this keeps the function safe on its own.
    if name.is_empty() || name.starts_with('.') || name.contains(['/', '\\']) {
        return Err(fail(
            "a logo must be a file name inside the client's folder".into(),
        ));
    }
    let path = repo.join("clients").join(id.as_str()).join(name);
    let meta = std::fs::symlink_metadata(&path).map_err(|e| {
        fail(if e.kind() == std::io::ErrorKind::NotFound {
            "not found: `[branding] logo` in client.toml names this file".to_owned()
        } else {
            format!("cannot read the logo: {e}")
        })
    })?;
    if meta.file_type().is_symlink() {
        return Err(fail(
            "is a symbolic link; a logo must be a regular file (links are never followed)".into(),
        ));
    }
    if !meta.is_file() {
        return Err(fail("is not a regular file".into()));
    }
    let bytes = crate::repo::read_capped(&path, MAX_LOGO_BYTES)
        .map_err(|e| fail(format!("cannot read the logo: {e}")))?;
    let kind = Kind::from_name(name)
        .ok_or_else(|| fail("a logo must be .svg, .png, .jpg, .jpeg or .webp".into()))?;
    sanitize(kind, &bytes).map_err(|e| {
        let mut d = fail(e.message);
        d.line = e.line;
        d.column = e.column;
        d
    })
}

/// Why a logo is refused, with the position in an SVG when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub message: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl Refusal {
    fn new(message: impl Into<String>) -> Self {
        Refusal {
            message: message.into(),
            line: None,
            column: None,
        }
    }

    fn at(message: impl Into<String>, line: u32, column: u32) -> Self {
        Refusal {
            message: message.into(),
            line: Some(line as usize),
            column: Some(column as usize),
        }
    }
}

/// The bytes to publish for a logo whose name promises `kind`.
pub fn sanitize(kind: Kind, bytes: &[u8]) -> Result<Vec<u8>, Refusal> {
    if bytes.len() as u64 > MAX_LOGO_BYTES {
        return Err(Refusal::new(crate::repo::too_large(
            bytes.len() as u64,
            MAX_LOGO_BYTES,
        )));
    }
    let found = sniff(bytes);
    match (kind, found) {
        (Kind::Svg, None) => sanitize_svg(bytes),
        (want, Some(got)) if want == got => {
            check_raster(got, bytes)?;
            Ok(bytes.to_vec())
        }
        (want, Some(got)) => Err(Refusal::new(format!(
            "is {}, but its name promises {}: rename it to end in {} (the content decides, never the name)",
            got.label(),
            want.label(),
            got.extension()
        ))),
        (want, None) => Err(Refusal::new(format!(
            "is not {}: its first bytes are not a PNG, JPEG or WebP signature (an SVG or other text named as a raster image is refused)",
            want.label()
        ))),
    }
}

/// The raster format the bytes start with, by magic number.
fn sniff(bytes: &[u8]) -> Option<Kind> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Kind::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Kind::Jpeg)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(Kind::Webp)
    } else {
        None
    }
}

/// The file's structure matches its signature, with nothing appended: a polyglot (an
/// image with an HTML or SVG document after its end) is refused.
fn check_raster(kind: Kind, bytes: &[u8]) -> Result<(), Refusal> {
    match kind {
        Kind::Png => check_png(bytes),
        Kind::Jpeg => {
            if bytes.len() < 4 || !bytes.ends_with(&[0xFF, 0xD9]) {
                Err(Refusal::new(
                    "is a truncated JPEG or has data after its end-of-image marker (FF D9)",
                ))
            } else {
                Ok(())
            }
        }
        Kind::Webp => {
            let declared = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize;
            if declared.checked_add(8) == Some(bytes.len()) {
                Ok(())
            } else {
                Err(Refusal::new(format!(
                    "is a WebP whose RIFF size ({declared} + 8 bytes) does not match the file ({} bytes): truncated or with data appended",
                    bytes.len()
                )))
            }
        }
        Kind::Svg => Ok(()),
    }
}

/// Walks the PNG chunks: IHDR first, IEND last, and nothing after IEND.
fn check_png(bytes: &[u8]) -> Result<(), Refusal> {
    let mut at = 8;
    let mut first = true;
    loop {
        let Some(head) = bytes.get(at..at + 8) else {
            return Err(Refusal::new(
                "is a truncated PNG: it ends before its IEND chunk",
            ));
        };
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let kind = &head[4..8];
        if first && kind != b"IHDR" {
            return Err(Refusal::new(
                "is not a valid PNG: the first chunk is not IHDR",
            ));
        }
        first = false;
        // length + type + data + CRC
        let end = at
            .checked_add(12)
            .and_then(|n| n.checked_add(len))
            .filter(|&n| n <= bytes.len())
            .ok_or_else(|| Refusal::new("is a truncated PNG: a chunk runs past the end"))?;
        at = end;
        if kind == b"IEND" {
            return if at == bytes.len() {
                Ok(())
            } else {
                Err(Refusal::new(format!(
                    "has {} bytes after the PNG's IEND chunk (a polyglot file); export the image again",
                    bytes.len() - at
                )))
            };
        }
    }
}

/// Drawing elements kept in an SVG logo (SVG namespace only). Anything else is dropped
/// with everything inside it: script, foreignObject, style, image, a, animate, set, …
const ELEMENTS: &[&str] = &[
    "svg",
    "g",
    "defs",
    "title",
    "desc",
    "symbol",
    "use",
    "path",
    "rect",
    "circle",
    "ellipse",
    "line",
    "polyline",
    "polygon",
    "text",
    "tspan",
    "linearGradient",
    "radialGradient",
    "stop",
    "clipPath",
    "mask",
    "pattern",
    "marker",
];

/// Elements that draw something: a logo with none of them left is refused.
const DRAWING: &[&str] = &[
    "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text", "use",
];

/// Attributes kept (without a namespace). No event handler, no `style`, no `class`.
const ATTRIBUTES: &[&str] = &[
    "id",
    "x",
    "y",
    "width",
    "height",
    "viewBox",
    "preserveAspectRatio",
    "version",
    "d",
    "cx",
    "cy",
    "r",
    "rx",
    "ry",
    "x1",
    "y1",
    "x2",
    "y2",
    "fx",
    "fy",
    "dx",
    "dy",
    "points",
    "pathLength",
    "transform",
    "fill",
    "fill-opacity",
    "fill-rule",
    "stroke",
    "stroke-width",
    "stroke-linecap",
    "stroke-linejoin",
    "stroke-miterlimit",
    "stroke-dasharray",
    "stroke-dashoffset",
    "stroke-opacity",
    "opacity",
    "color",
    "clip-path",
    "clip-rule",
    "mask",
    "marker-start",
    "marker-mid",
    "marker-end",
    "visibility",
    "display",
    "font-family",
    "font-size",
    "font-weight",
    "font-style",
    "text-anchor",
    "dominant-baseline",
    "letter-spacing",
    "word-spacing",
    "text-decoration",
    "gradientUnits",
    "gradientTransform",
    "spreadMethod",
    "offset",
    "stop-color",
    "stop-opacity",
    "patternUnits",
    "patternContentUnits",
    "patternTransform",
    "clipPathUnits",
    "maskUnits",
    "maskContentUnits",
    "markerWidth",
    "markerHeight",
    "markerUnits",
    "refX",
    "refY",
    "orient",
    "role",
    "aria-label",
    "aria-labelledby",
    "aria-hidden",
    "focusable",
];

/// Elements whose `href` may point at another element of the same document.
const HREF_ELEMENTS: &[&str] = &["use", "linearGradient", "radialGradient", "pattern"];

fn sanitize_svg(bytes: &[u8]) -> Result<Vec<u8>, Refusal> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        Refusal::new(format!(
            "is neither a PNG, JPEG or WebP image nor UTF-8 SVG text (invalid UTF-8 at byte {})",
            e.valid_up_to()
        ))
    })?;
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let opts = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_SVG_NODES,
        ..roxmltree::ParsingOptions::default()
    };
    // A DOCTYPE can declare entities (billion laughs, external files): refused outright,
    // even an empty one, so that no document type ever reaches a browser.
    if let Some(at) = find_ci(text, "<!doctype") {
        let pos = position(text, at);
        return Err(Refusal::at(
            "an SVG logo must not have a DOCTYPE (entities and external DTDs are refused)",
            pos.0,
            pos.1,
        ));
    }
    let doc = roxmltree::Document::parse_with_options(text, opts).map_err(|e| {
        let p = e.pos();
        Refusal::at(format!("is not well-formed SVG: {e}"), p.row, p.col)
    })?;
    let root = doc.root_element();
    let root_ns = root.tag_name().namespace();
    if root.tag_name().name() != "svg" || !matches!(root_ns, None | Some(SVG_NS)) {
        let p = doc.text_pos_at(root.range().start);
        return Err(Refusal::at(
            format!(
                "the root element is <{}>, expected <svg> in the SVG namespace ({SVG_NS})",
                root.tag_name().name()
            ),
            p.row,
            p.col,
        ));
    }
    let mut out = String::with_capacity(text.len().min(MAX_LOGO_BYTES as usize));
    let mut drawn = 0usize;
    write_element(&mut out, root, root_ns, true, &mut drawn);
    out.push('\n');
    if drawn == 0 {
        return Err(Refusal::new(
            "has nothing left to draw once unsafe content (script, foreignObject, style, images, links, animation, event handlers, external references) is removed",
        ));
    }
    if out.len() as u64 > MAX_LOGO_BYTES {
        return Err(Refusal::new(crate::repo::too_large(
            out.len() as u64,
            MAX_LOGO_BYTES,
        )));
    }
    Ok(out.into_bytes())
}

/// Writes an allowed element and its allowed content; anything else is skipped whole.
fn write_element(
    out: &mut String,
    node: roxmltree::Node,
    root_ns: Option<&str>,
    is_root: bool,
    drawn: &mut usize,
) {
    let tag = node.tag_name();
    // Only SVG: in a document without a namespace, elements without one are SVG too.
    if tag.namespace() != root_ns {
        return;
    }
    let Some(&name) = ELEMENTS.iter().find(|e| **e == tag.name()) else {
        return;
    };
    if name == "svg" && !is_root {
        return; // nested documents bring their own namespaces and viewports: not needed
    }
    // A `<use>` draws only what it references: without a same-document href it is dropped.
    if name == "use"
        && !node
            .attributes()
            .any(|a| a.name() == "href" && safe_attribute(name, a).is_some())
    {
        return;
    }
    if DRAWING.contains(&name) {
        *drawn += 1;
    }
    let _ = write!(out, "<{name}");
    if is_root {
        let _ = write!(out, " xmlns=\"{SVG_NS}\"");
    }
    for a in node.attributes() {
        if let Some(value) = safe_attribute(name, a) {
            let attr = match a.namespace() {
                None => ATTRIBUTES
                    .iter()
                    .find(|n| **n == a.name())
                    .copied()
                    .unwrap_or("href"),
                Some(_) => "href",
            };
            let _ = write!(out, " {attr}=\"{}\"", escape_xml(value));
        }
    }
    let keeps_text = matches!(name, "title" | "desc" | "text" | "tspan");
    let mut body = String::new();
    for child in node.children() {
        if child.is_element() {
            write_element(&mut body, child, root_ns, false, drawn);
        } else if child.is_text() && keeps_text {
            body.push_str(&escape_xml(child.text().unwrap_or("")));
        }
    }
    if body.is_empty() {
        out.push_str("/>");
    } else {
        let _ = write!(out, ">{body}</{name}>");
    }
}

/// The value to keep for an attribute, or `None` to drop it.
fn safe_attribute<'a>(element: &str, a: roxmltree::Attribute<'a, '_>) -> Option<&'a str> {
    let value = a.value();
    match a.namespace() {
        None if a.name() == "href" => same_document_ref(element, value),
        None if ATTRIBUTES.contains(&a.name()) => safe_value(value).then_some(value),
        Some(XLINK_NS) if a.name() == "href" => same_document_ref(element, value),
        // xml:space and the like change nothing that matters; any other namespace is
        // not SVG (editor metadata, or an attempt to smuggle something past the list).
        _ => None,
    }
}

/// `href="#id"` on the elements that reference others; nothing else (no URL, no data:).
fn same_document_ref<'a>(element: &str, value: &'a str) -> Option<&'a str> {
    let id = value.strip_prefix('#')?;
    (HREF_ELEMENTS.contains(&element) && is_id(id)).then_some(value)
}

fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 200
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
}

/// Presentation values are parsed as CSS: `url(...)` may only name an element of the
/// document (`url(#grad)`), and a backslash (a CSS escape that could spell `url`) or a
/// control character is refused.
fn safe_value(value: &str) -> bool {
    if value.chars().any(|c| c == '\\' || c.is_control()) {
        return false;
    }
    let lower = value.to_ascii_lowercase();
    if lower.contains("javascript:") || lower.contains("expression(") || lower.contains("@import") {
        return false;
    }
    let mut rest = lower.as_str();
    while let Some(i) = rest.find("url(") {
        rest = &rest[i + 4..];
        let inner = rest.trim_start().trim_start_matches(['"', '\'']);
        let Some(end) = inner.find(')') else {
            return false;
        };
        let target = inner[..end].trim_end().trim_end_matches(['"', '\'']);
        match target.strip_prefix('#') {
            Some(id) if is_id(id) => {}
            _ => return false,
        }
    }
    true
}

fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

fn find_ci(text: &str, needle: &str) -> Option<usize> {
    text.as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// 1-based line and column of a byte offset.
fn position(text: &str, at: usize) -> (u32, u32) {
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line as u32, column as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG_1X1: &[u8] = &[
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F,
        0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0B, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x60,
        0x00, 0x02, 0x00, 0x00, 0x05, 0x00, 0x01, 0x7A, 0x5E, 0xAB, 0x3F, 0x00, 0x00, 0x00, 0x00,
        0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ];

    fn svg(s: &str) -> Result<String, Refusal> {
        sanitize(Kind::Svg, s.as_bytes()).map(|b| String::from_utf8(b).unwrap())
    }

    #[test]
    fn a_clean_logo_keeps_its_drawing() {
        let out = svg(r##"<?xml version="1.0"?><!-- made by hand -->
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" role="img" aria-labelledby="t">
  <title id="t">Northwind &amp; Co</title>
  <defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient></defs>
  <rect x="2" y="2" width="60" height="60" rx="12" fill="url(#g)"/>
  <use href="#g"/>
</svg>"##)
        .unwrap();
        assert!(out.starts_with(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 64 64\" role=\"img\" aria-labelledby=\"t\">"
        ), "{out}");
        assert!(
            out.contains("<title id=\"t\">Northwind &amp; Co</title>"),
            "{out}"
        );
        assert!(out.contains("fill=\"url(#g)\""), "{out}");
        assert!(out.contains("<use href=\"#g\"/>"), "{out}");
        assert!(!out.contains("<!--") && !out.contains("<?xml"), "{out}");
    }

    #[test]
    fn script_handlers_foreign_content_and_external_references_are_removed() {
        let out = svg(r##"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" onload="alert(1)">
  <script>alert(1)</script>
  <script xlink:href="https://evil.example/x.js"/>
  <foreignObject><div xmlns="http://www.w3.org/1999/xhtml"><img src="x" onerror="alert(1)"/></div></foreignObject>
  <style>@import url(https://evil.example/x.css); rect { fill: red }</style>
  <a href="javascript:alert(1)"><rect width="1" height="1"/></a>
  <image href="https://evil.example/track.png" width="1" height="1"/>
  <use xlink:href="javascript:alert(1)"/>
  <use xlink:href="https://evil.example/sprite.svg#x"/>
  <use href="data:image/svg+xml;base64,PHN2Zz4="/>
  <animate attributeName="href" to="javascript:alert(1)"/>
  <set attributeName="onclick" to="alert(1)"/>
  <rect width="5" height="5" style="fill:url(https://evil.example/)" class="c" onclick="alert(1)"
        fill="url(https://evil.example/#g)" stroke="\75 rl(https://evil.example/)"/>
  <circle r="3" fill="url(#ok)" xmlns:ev="http://www.w3.org/2001/xml-events" ev:event="click"/>
</svg>"##).unwrap();
        for bad in [
            "script",
            "onload",
            "onclick",
            "onerror",
            "foreignObject",
            "style",
            "evil",
            "javascript",
            "data:",
            "<a",
            "image",
            "animate",
            "<set",
            "class",
            "ev:",
            "\\",
        ] {
            assert!(!out.contains(bad), "{bad} survived: {out}");
        }
        assert!(out.contains("<rect width=\"5\" height=\"5\"/>"), "{out}");
        assert!(out.contains("<circle r=\"3\" fill=\"url(#ok)\"/>"), "{out}");
        assert_eq!(
            out.matches("<use").count(),
            0,
            "a <use> without a safe href: {out}"
        );
    }

    #[test]
    fn doctype_and_entities_are_refused_with_their_position() {
        let e = svg("<?xml version=\"1.0\"?>\n<!DOCTYPE svg [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]>\n<svg xmlns=\"http://www.w3.org/2000/svg\"><text>&b;</text></svg>").unwrap_err();
        assert!(e.message.contains("DOCTYPE"), "{e:?}");
        assert_eq!((e.line, e.column), (Some(2), Some(1)));
        let e = svg("<svg xmlns=\"http://www.w3.org/2000/svg\">\n  <text>&ext;</text></svg>")
            .unwrap_err();
        assert!(e.message.contains("well-formed"), "{e:?}");
        assert_eq!(e.line, Some(2));
    }

    #[test]
    fn unusable_svgs_are_refused() {
        for (input, says) in [
            ("<html><body>hi</body></html>", "root element is <html>"),
            (
                "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>",
                "nothing left to draw",
            ),
            (
                "<svg xmlns=\"http://www.w3.org/2000/svg\"><rect",
                "well-formed",
            ),
            (
                "<x:svg xmlns:x=\"http://example.com/not-svg\"><rect/></x:svg>",
                "expected <svg>",
            ),
        ] {
            let e = svg(input).unwrap_err();
            assert!(e.message.contains(says), "{input}: {e:?}");
        }
    }

    #[test]
    fn rasters_must_be_what_their_name_says_with_nothing_appended() {
        assert_eq!(sanitize(Kind::Png, PNG_1X1).unwrap(), PNG_1X1);
        let mut polyglot = PNG_1X1.to_vec();
        polyglot.extend_from_slice(b"<svg onload=alert(1)>");
        assert!(
            sanitize(Kind::Png, &polyglot)
                .unwrap_err()
                .message
                .contains("after the PNG's IEND")
        );
        let e = sanitize(Kind::Png, b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>").unwrap_err();
        assert!(e.message.contains("is not a PNG image"), "{e:?}");
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0, 0xFF, 0xD9,
        ];
        assert!(sanitize(Kind::Jpeg, &jpeg).is_ok());
        let e = sanitize(Kind::Svg, &jpeg).unwrap_err();
        assert!(
            e.message
                .contains("is a JPEG image, but its name promises an SVG"),
            "{e:?}"
        );
        let e = sanitize(Kind::Png, &jpeg).unwrap_err();
        assert!(e.message.contains("rename it to end in .jpg"), "{e:?}");
        let mut webp = b"RIFF\x04\x00\x00\x00WEBP".to_vec();
        assert!(sanitize(Kind::Webp, &webp).is_ok());
        webp.push(0);
        assert!(sanitize(Kind::Webp, &webp).is_err());
        let big = vec![0u8; MAX_LOGO_BYTES as usize + 1];
        assert!(
            sanitize(Kind::Png, &big)
                .unwrap_err()
                .message
                .contains("byte limit")
        );
    }

    #[test]
    fn css_values_may_reference_only_the_document() {
        assert!(safe_value("url(#g)") && safe_value("url( '#g' ) red") && safe_value("#0f766e"));
        for bad in [
            "url(http://x)",
            "url(//x)",
            "url(data:x)",
            "URL(#a) url(x)",
            "\\75 rl(x)",
            "url(#a",
            "javascript:x",
        ] {
            assert!(!safe_value(bad), "{bad}");
        }
    }
}

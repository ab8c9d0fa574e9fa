//! A client's notes.md rendered with pulldown-cmark, made safe: raw HTML is shown as
//! text, links with script-capable schemes lose their link, images must be local.

use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd, html};

fn safe_url(url: &str) -> bool {
    let lower: String = url
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    match lower.split_once(':') {
        // A scheme before any '/', '?' or '#': only these are allowed.
        Some((scheme, _)) if !scheme.contains(['/', '?', '#']) => {
            matches!(scheme, "https" | "http" | "mailto")
        }
        _ => true,
    }
}

/// Notes sit inside a page section (h2): their headings start at h3.
fn demote(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H3,
        HeadingLevel::H2 => HeadingLevel::H4,
        HeadingLevel::H3 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    }
}

/// A line of text with Markdown inline code (remediation texts): HTML-escaped, with
/// `code` spans, no paragraph wrapper.
pub fn inline(text: &str) -> String {
    let html = render(text);
    let trimmed = html.trim_end();
    trimmed
        .strip_prefix("<p>")
        .and_then(|h| h.strip_suffix("</p>"))
        .unwrap_or(trimmed)
        .to_owned()
}

pub fn render(markdown: &str) -> String {
    render_with(markdown, false)
}

/// [`render`] for the scorecard inside an evidence pack, where every link must resolve
/// inside the pack: a link that is not to an anchor of the page keeps its text and shows
/// its address after it, unlinked.
pub fn render_in_pack(markdown: &str) -> String {
    render_with(markdown, true)
}

fn render_with(markdown: &str, in_pack: bool) -> String {
    // Per open link: whether it was dropped, and the address to show after its text.
    let mut depth_dropped: Vec<(bool, Option<String>)> = Vec::new();
    let events = Parser::new_ext(
        markdown,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
    )
    .filter_map(|ev| match ev {
        Event::Html(s) | Event::InlineHtml(s) => Some(Event::Text(s)),
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Some(Event::Start(Tag::Heading {
            level: demote(level),
            id,
            classes,
            attrs,
        })),
        Event::End(TagEnd::Heading(level)) => Some(Event::End(TagEnd::Heading(demote(level)))),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            let ok = link_type == LinkType::Email || safe_url(&dest_url);
            let local = dest_url.starts_with('#');
            if in_pack && ok && !local {
                // Autolinks and e-mail links already show their address as their text.
                let shown = matches!(link_type, LinkType::Autolink | LinkType::Email);
                depth_dropped.push((true, (!shown).then(|| dest_url.to_string())));
                return None;
            }
            depth_dropped.push((!ok, None));
            ok.then_some(Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }))
        }
        Event::End(TagEnd::Link) => match depth_dropped.pop() {
            Some((true, Some(url))) => Some(Event::Text(CowStr::from(format!(" ({url})")))),
            Some((true, None)) => None,
            _ => Some(Event::End(TagEnd::Link)),
        },
        Event::Start(Tag::Image { dest_url, .. }) => {
            // Images outside the site break the Content-Security-Policy: show the address instead.
            depth_dropped.push((true, None));
            Some(Event::Text(CowStr::from(format!("[image: {dest_url}] "))))
        }
        Event::End(TagEnd::Image) => {
            depth_dropped.pop();
            None
        }
        other => Some(other),
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_is_escaped() {
        let out = render("Hello <script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n");
        assert!(!out.contains("<script"), "{out}");
        assert!(!out.contains("<img"), "{out}");
        assert!(out.contains("&lt;script&gt;"), "{out}");
    }

    #[test]
    fn script_links_lose_their_link_but_keep_text() {
        let out = render(
            "[click](javascript:alert(1)) [x](JaVaScRiPt:alert(1)) [d](data:text/html,hi) [ok](https://example.com/a)",
        );
        assert!(!out.to_lowercase().contains("javascript:"), "{out}");
        assert!(!out.contains("data:"), "{out}");
        assert!(out.contains("click"));
        assert!(
            out.contains(r#"<a href="https://example.com/a">ok</a>"#),
            "{out}"
        );
    }

    #[test]
    fn markdown_still_renders() {
        let out = render("# Title\n\n- a\n- **b**\n");
        assert!(
            out.contains("<h3>Title</h3>") && out.contains("<strong>b</strong>"),
            "{out}"
        );
    }
}

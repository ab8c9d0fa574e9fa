//! Fast path for `{"value": [...]}` collections: the file is read through a buffer and
//! each array item is cut out and parsed from a slice, which is about twice as fast as
//! serde_json's reader path and never holds more than one item's bytes. Anything
//! unusual (escaped keys, a repeated `value`, a bad item, malformed JSON) returns
//! `None`, and the caller parses the file again the usual way, so diagnostics are
//! exactly those of the reader path.

use serde::de::{DeserializeOwned, IgnoredAny};
use std::io::BufRead;

/// The items of the `value` array, or `None` to fall back.
#[cfg(test)]
pub fn parse_value_array<T: DeserializeOwned>(r: impl BufRead) -> Option<Vec<T>> {
    parse_page(r).map(|(items, _)| items)
}

/// The items of the `value` array and the page markers (`@odata.nextLink`,
/// `@odata.count`) that say whether they are all of them, or `None` to fall back.
pub fn parse_page<T: DeserializeOwned>(
    mut r: impl BufRead,
) -> Option<(Vec<T>, super::graph::PageMarkers)> {
    let mut markers = super::graph::PageMarkers::default();
    let mut s = Scanner {
        r: &mut r,
        buf: Vec::new(),
    };
    s.ws()?;
    s.expect(b'{')?;
    let mut value: Option<Vec<T>> = None;
    s.ws()?;
    if s.peek()? == b'}' {
        return None;
    }
    loop {
        s.ws()?;
        let key = s.key()?;
        s.ws()?;
        s.expect(b':')?;
        s.ws()?;
        if key == b"value" {
            if value.is_some() {
                return None;
            }
            s.expect(b'[')?;
            let mut items = Vec::new();
            s.ws()?;
            if s.peek()? == b']' {
                s.bump();
            } else {
                loop {
                    s.ws()?;
                    s.capture()?;
                    items.push(serde_json::from_slice::<T>(&s.buf).ok()?);
                    s.ws()?;
                    match s.next()? {
                        b',' => continue,
                        b']' => break,
                        _ => return None,
                    }
                }
            }
            value = Some(items);
        } else if key == b"@odata.nextLink" {
            s.capture()?;
            let link = serde_json::from_slice::<serde_json::Value>(&s.buf).ok()?;
            markers.next_link = super::graph::is_next_link(&link);
        } else if key == b"@odata.count" {
            s.capture()?;
            let v = serde_json::from_slice::<serde_json::Value>(&s.buf).ok()?;
            markers.count = super::graph::count_of(&v);
        } else {
            s.capture()?;
            serde_json::from_slice::<IgnoredAny>(&s.buf).ok()?;
        }
        s.ws()?;
        match s.next()? {
            b',' => continue,
            // Only white space may follow the document; anything else (a second
            // response pasted in, NUL padding) falls back so the reader path names it.
            b'}' => {
                s.ws()?;
                let at_end = s.r.fill_buf().ok()?.is_empty();
                return if at_end {
                    value.map(|v| (v, markers))
                } else {
                    None
                };
            }
            _ => return None,
        }
    }
}

struct Scanner<'r, R: BufRead> {
    r: &'r mut R,
    /// The bytes of the value being captured.
    buf: Vec<u8>,
}

impl<R: BufRead> Scanner<'_, R> {
    fn peek(&mut self) -> Option<u8> {
        self.r.fill_buf().ok()?.first().copied()
    }

    fn bump(&mut self) {
        self.r.consume(1);
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.bump();
        Some(b)
    }

    fn expect(&mut self, want: u8) -> Option<()> {
        (self.next()? == want).then_some(())
    }

    fn ws(&mut self) -> Option<()> {
        loop {
            let chunk = self.r.fill_buf().ok()?;
            if chunk.is_empty() {
                return Some(());
            }
            let n = chunk
                .iter()
                .take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
                .count();
            let all = n == chunk.len();
            self.r.consume(n);
            if !all {
                return Some(());
            }
        }
    }

    /// A member name without escapes.
    fn key(&mut self) -> Option<Vec<u8>> {
        self.expect(b'"')?;
        let mut key = Vec::new();
        loop {
            match self.next()? {
                b'"' => return Some(key),
                b'\\' => return None,
                b => key.push(b),
            }
        }
    }

    /// Copies one JSON value into `buf`, tracking strings and nesting; the value is
    /// validated by the parse that follows. Strings are skipped with memchr and nesting
    /// with a byte table: this loop runs over every byte of a large tenant's files.
    fn capture(&mut self) -> Option<()> {
        self.buf.clear();
        let (mut depth, mut in_str, mut esc) = (0usize, false, false);
        loop {
            let chunk = self.r.fill_buf().ok()?;
            if chunk.is_empty() {
                return None;
            }
            let mut i = 0;
            let mut done = false;
            while i < chunk.len() {
                if esc {
                    esc = false;
                    i += 1;
                    continue;
                }
                if in_str {
                    match memchr::memchr2(b'"', b'\\', &chunk[i..]) {
                        None => i = chunk.len(),
                        Some(k) => {
                            i += k + 1;
                            if chunk[i - 1] == b'\\' {
                                esc = true;
                            } else {
                                in_str = false;
                                if depth == 0 {
                                    done = true;
                                    break;
                                }
                            }
                        }
                    }
                    continue;
                }
                let table = if depth == 0 { &TOP } else { &NESTED };
                let Some(k) = chunk[i..].iter().position(|b| table[*b as usize]) else {
                    i = chunk.len();
                    continue;
                };
                i += k;
                match chunk[i] {
                    b'"' => in_str = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' if depth > 0 => {
                        depth -= 1;
                        if depth == 0 {
                            i += 1;
                            done = true;
                            break;
                        }
                    }
                    // A closing bracket, comma or blank ends a top-level value here.
                    _ => {
                        done = true;
                        break;
                    }
                }
                i += 1;
            }
            self.buf.extend_from_slice(&chunk[..i]);
            self.r.consume(i);
            if done {
                return (!self.buf.is_empty()).then_some(());
            }
        }
    }
}

/// Bytes that matter at the top level of a value: quotes, brackets, commas, blanks.
static TOP: [bool; 256] = table(b"\"{}[], \t\n\r");
/// Bytes that matter inside an object or array: quotes and brackets.
static NESTED: [bool; 256] = table(b"\"{}[]");

const fn table(bytes: &[u8]) -> [bool; 256] {
    let mut t = [false; 256];
    let mut i = 0;
    while i < bytes.len() {
        t[bytes[i] as usize] = true;
        i += 1;
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Deserialize)]
    struct Item {
        id: String,
    }

    fn fast(json: &str) -> Option<Vec<Item>> {
        // A tiny buffer, so values straddle refills.
        parse_value_array(std::io::BufReader::with_capacity(3, json.as_bytes()))
    }

    #[test]
    fn reads_items_across_buffer_refills_and_ignores_other_members() {
        let json = r#" {"@odata.context":"x,\"y]","n":[1,{"a":"}"}],
            "value" : [ {"id":"a\"b","extra":{"k":[1,2]}} , {"id":"c"} ], "@odata.nextLink": null }
 "#;
        let items = fast(json).unwrap();
        assert_eq!(
            items,
            vec![Item { id: "a\"b".into() }, Item { id: "c".into() }]
        );
        assert_eq!(fast(r#"{"value":[]}"#).unwrap(), vec![]);
    }

    #[test]
    fn page_markers_say_whether_the_page_is_the_whole_collection() {
        let page = |json: &str| {
            parse_page::<Item>(std::io::BufReader::with_capacity(3, json.as_bytes()))
                .map(|(_, m)| m)
        };
        let m = page(r#"{"@odata.nextLink":"https://x/?$skiptoken=a","value":[]}"#).unwrap();
        assert!(m.next_link);
        for last in [
            r#"{"value":[],"@odata.nextLink":null}"#,
            r#"{"value":[],"@odata.nextLink":""}"#,
            r#"{"value":[]}"#,
        ] {
            assert!(!page(last).unwrap().next_link, "{last}");
        }
        assert_eq!(
            page(r#"{"@odata.count":12,"value":[{"id":"a"}]}"#)
                .unwrap()
                .count,
            Some(12)
        );
        assert_eq!(
            page(r#"{"@odata.count":"12","value":[]}"#).unwrap().count,
            Some(12)
        );
        assert_eq!(
            page(r#"{"@odata.count":{"x":1},"value":[]}"#)
                .unwrap()
                .count,
            None
        );
    }

    #[test]
    fn data_after_the_document_falls_back() {
        assert!(fast(r#"{"value": [{"id": "a"}]} "#).is_some());
        assert!(fast(r#"{"value": [{"id": "a"}]} {"value": []}"#).is_none());
        assert!(fast("{\"value\": []}\0\0").is_none());
    }

    #[test]
    fn anything_unusual_falls_back() {
        for bad in [
            r#"{"value":[{"id":"a"}],"value":[]}"#,
            r#"{"val\u0075e":[]}"#,
            r#"{"value":[{"id":1}]}"#,
            r#"{"value":[{"id":"a"},]}"#,
            r#"{"value":null}"#,
            r#"{"other":[}"#,
            r#"{"value":[{"id":"a"}"#,
            r#"{}"#,
            r#"[]"#,
            "",
        ] {
            assert!(fast(bad).is_none(), "{bad}");
        }
    }
}

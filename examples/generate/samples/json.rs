//! JSON documents in insertion order, written the way Python's `json.dumps(obj, indent=2,
//! ensure_ascii=False)` writes them (the committed sample files are in that form), plus
//! the compact ASCII `json.dumps(value)` the audit log's modified properties carry.

/// A JSON value whose objects keep their keys in insertion order, and whose numbers keep
/// Python's int/float distinction (`100.0` stays `100.0`).
#[derive(Debug, Clone, PartialEq)]
pub enum J {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

impl J {
    /// `d[key] = value`: replaces in place (keeping the key's position) or appends.
    pub fn set(&mut self, key: &str, value: impl Into<J>) {
        if let J::Obj(fields) = self {
            let value = value.into();
            match fields.iter_mut().find(|(k, _)| k == key) {
                Some(slot) => slot.1 = value,
                None => fields.push((key.to_owned(), value)),
            }
        }
    }

    pub fn get(&self, key: &str) -> Option<&J> {
        match self {
            J::Obj(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn str(&self) -> &str {
        match self {
            J::Str(s) => s,
            _ => "",
        }
    }

    pub fn arr(&self) -> &[J] {
        match self {
            J::Arr(a) => a,
            _ => &[],
        }
    }

    /// The `value` array of a Graph collection.
    pub fn value(&self) -> &[J] {
        self.get("value").map_or(&[], J::arr)
    }
}

impl From<&str> for J {
    fn from(s: &str) -> J {
        J::Str(s.to_owned())
    }
}
impl From<String> for J {
    fn from(s: String) -> J {
        J::Str(s)
    }
}
impl From<&String> for J {
    fn from(s: &String) -> J {
        J::Str(s.clone())
    }
}
impl From<bool> for J {
    fn from(b: bool) -> J {
        J::Bool(b)
    }
}
impl From<i64> for J {
    fn from(n: i64) -> J {
        J::Int(n)
    }
}
impl From<usize> for J {
    fn from(n: usize) -> J {
        J::Int(n as i64)
    }
}
impl From<f64> for J {
    fn from(n: f64) -> J {
        J::Float(n)
    }
}
impl<T: Into<J>> From<Option<T>> for J {
    fn from(o: Option<T>) -> J {
        o.map_or(J::Null, Into::into)
    }
}
impl<T: Into<J>> From<Vec<T>> for J {
    fn from(v: Vec<T>) -> J {
        J::Arr(v.into_iter().map(Into::into).collect())
    }
}

/// `obj! { "key" => value, ... }`: an object with its keys in the written order (`J` must
/// be in scope where it is used: the module is compiled into the example and, through
/// `#[path]`, into the test binary, so no absolute path names it).
macro_rules! obj {
    ($($k:expr => $v:expr),* $(,)?) => {
        J::Obj(vec![$(($k.to_string(), J::from($v))),*])
    };
}
pub(crate) use obj;

/// `[a, b, ...]` of strings.
pub fn strs(items: &[&str]) -> J {
    J::Arr(items.iter().map(|s| J::from(*s)).collect())
}

/// `json.dumps(obj, indent=2, ensure_ascii=False) + "\n"`, as UTF-8 bytes.
pub fn pretty(v: &J) -> Vec<u8> {
    let mut out = String::new();
    write(&mut out, v, 0);
    out.push('\n');
    out.into_bytes()
}

fn write(out: &mut String, v: &J, depth: usize) {
    match v {
        J::Arr(items) if !items.is_empty() => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                indent(out, depth + 1);
                write(out, item, depth + 1);
            }
            out.push('\n');
            indent(out, depth);
            out.push(']');
        }
        J::Obj(fields) if !fields.is_empty() => {
            out.push('{');
            for (i, (k, item)) in fields.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                indent(out, depth + 1);
                string(out, k, false);
                out.push_str(": ");
                write(out, item, depth + 1);
            }
            out.push('\n');
            indent(out, depth);
            out.push('}');
        }
        other => scalar(out, other, false),
    }
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

fn scalar(out: &mut String, v: &J, ascii: bool) {
    match v {
        J::Null => out.push_str("null"),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Int(n) => out.push_str(&n.to_string()),
        J::Float(f) => out.push_str(&float_repr(*f)),
        J::Str(s) => string(out, s, ascii),
        J::Arr(_) => out.push_str("[]"),
        J::Obj(_) => out.push_str("{}"),
    }
}

/// A JSON string as Python's encoder writes it: `"` `\` and control characters escaped;
/// with `ascii`, everything beyond ASCII as `\uXXXX` (UTF-16 surrogate pairs).
fn string(out: &mut String, s: &str, ascii: bool) {
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if ascii && (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `json.dumps(s)` of a string: quoted, ASCII only.
pub fn dumps_str(s: &str) -> String {
    let mut out = String::new();
    string(&mut out, s, true);
    out
}

/// `json.dumps(s, ensure_ascii=False)` of a string: how the generator quotes TOML strings
/// (TOML basic strings accept JSON's escapes).
pub fn toml_str(s: &str) -> String {
    let mut out = String::new();
    string(&mut out, s, false);
    out
}

/// Python's `repr(float)`: the shortest round-tripping digits, `.0` on integral values,
/// exponent form (`1e+16`, `1e-05`) outside [1e-4, 1e16).
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let a = f.abs();
    if a != 0.0 && !(1e-4..1e16).contains(&a) {
        let e = format!("{f:e}");
        let (mantissa, exp) = e.split_once('e').unwrap_or((&e, "0"));
        let (sign, digits) = exp.strip_prefix('-').map_or(("+", exp), |d| ("-", d));
        return format!("{mantissa}e{sign}{digits:0>2}");
    }
    format!("{f:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_what_python_json_dumps_writes() {
        let v = obj! {
            "a" => vec![J::Int(1), J::Float(100.0), J::Float(52.86)],
            "e" => J::Arr(vec![]),
            "o" => J::Obj(vec![]),
            "s" => "Jörg \"x\"\n",
            "n" => J::Null,
        };
        let text = String::from_utf8(pretty(&v)).unwrap();
        assert_eq!(
            text,
            "{\n  \"a\": [\n    1,\n    100.0,\n    52.86\n  ],\n  \"e\": [],\n  \"o\": {},\n  \"s\": \"Jörg \\\"x\\\"\\n\",\n  \"n\": null\n}\n"
        );
        assert_eq!(dumps_str("Jörg"), "\"J\\u00f6rg\"");
        assert_eq!(float_repr(1e16), "1e+16");
        assert_eq!(float_repr(1.5e-5), "1.5e-05");
        assert_eq!(float_repr(0.1 + 0.2), "0.30000000000000004");
    }
}

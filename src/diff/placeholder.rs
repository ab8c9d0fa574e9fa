//! Placeholder detection for the waivers that justify a weakening: a waiver whose reason,
//! approver or ticket is filler documents nothing, so it justifies nothing.
//!
//! A value is a placeholder when, after trimming (case and surrounding punctuation
//! ignored):
//! - it is blank, or has no letter or digit at all (`-`, `...`, `?`);
//! - it is one character repeated (`x`, `xxxx`, `0000`, `....`);
//! - it is a filler word: `x`, `tbd`, `tba`, `todo`, `fixme`, `n/a`, `na`, `none`, `nil`,
//!   `null`, `test`, `testing`, `placeholder`, `dummy`, `sample`, `example`, `foo`,
//!   `bar`, `asdf`, `unknown`, `pending`, `later`, `wip`, `temp`, `tmp`, `changeme`,
//!   `lorem ipsum`, `same`, `see above`, `see ticket`, or the field's own name
//!   (`reason`, `approver`, `ticket`);
//! - it starts with `todo`, `tbd`, `tba`, `fixme`, `placeholder` or `xxx` as a word
//!   (`TODO: fill in`);
//! - it is too short: a reason under 10 characters, an approver or ticket under 3;
//! - a ticket without any digit (`CHG`, `jira`): a ticket reference names a number.
//!
//! And the three are placeholders together when two of them are equal (`reason =
//! approved_by = "Jane"`).

/// The words that stand for "nothing written yet".
const FILLER: &[&str] = &[
    "x",
    "tbd",
    "tba",
    "todo",
    "to do",
    "fixme",
    "n/a",
    "na",
    "n.a",
    "none",
    "nil",
    "null",
    "test",
    "testing",
    "placeholder",
    "dummy",
    "sample",
    "example",
    "foo",
    "bar",
    "foobar",
    "asdf",
    "qwerty",
    "unknown",
    "pending",
    "later",
    "wip",
    "temp",
    "tmp",
    "changeme",
    "lorem ipsum",
    "same",
    "see above",
    "see ticket",
    "reason",
    "approver",
    "approved by",
    "approved_by",
    "ticket",
];

/// Words that, leading the value, mark it as unfinished.
const UNFINISHED: &[&str] = &["todo", "tbd", "tba", "fixme", "placeholder", "xxx"];

fn normal(s: &str) -> String {
    let lower = s.trim().to_lowercase();
    lower.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Why `value` of waiver field `field` (`reason`, `approved_by`, `ticket`) is a
/// placeholder: "is blank", "is the filler word \"tbd\""; `None` when it is not.
pub fn field(field: &str, value: &str) -> Option<String> {
    let n = normal(value);
    if n.is_empty() {
        return Some("is blank".to_owned());
    }
    if !n.chars().any(char::is_alphanumeric) {
        return Some(format!("{value:?} has no letter or digit"));
    }
    let dense: Vec<char> = n.chars().filter(|c| !c.is_whitespace()).collect();
    if dense.iter().all(|c| *c == dense[0]) {
        return Some(format!("{value:?} is one character repeated"));
    }
    let bare = n.trim_matches(|c: char| !c.is_alphanumeric());
    if FILLER.contains(&bare) || FILLER.contains(&n.as_str()) {
        return Some(format!("{value:?} is a placeholder"));
    }
    let first = bare
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or_default();
    if UNFINISHED.contains(&first) {
        return Some(format!("{value:?} is marked unfinished"));
    }
    let min = if field == "reason" { 10 } else { 3 };
    if n.chars().count() < min {
        return Some(format!(
            "{value:?} is too short (at least {min} characters)"
        ));
    }
    if field == "ticket" && !n.chars().any(|c| c.is_ascii_digit()) {
        return Some(format!("{value:?} names no ticket number"));
    }
    None
}

/// Why a waiver's reason, approver and ticket do not document it; `None` when they do.
pub fn waiver(reason: &str, approved_by: &str, ticket: &str) -> Option<String> {
    let fields = [
        ("reason", reason),
        ("approved_by", approved_by),
        ("ticket", ticket),
    ];
    for (name, value) in fields {
        if let Some(why) = field(name, value) {
            return Some(format!("its {name} {why}"));
        }
    }
    for (i, (a, va)) in fields.iter().enumerate() {
        for (b, vb) in &fields[i + 1..] {
            if normal(va) == normal(vb) {
                return Some(format!("its {a} and {b} are the same ({va:?})"));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filler_values_are_placeholders() {
        for (f, v) in [
            ("reason", ""),
            ("reason", "   "),
            ("reason", "x"),
            ("reason", "X"),
            ("reason", "xxxxxxxxxxxx"),
            ("reason", "TBD"),
            ("reason", "tbd."),
            ("reason", "To do"),
            ("reason", "N/A"),
            ("reason", "-"),
            ("reason", "..."),
            ("reason", "…"),
            ("reason", "test"),
            ("reason", "Placeholder"),
            ("reason", "TODO: write the reason later"),
            ("reason", "short one"),
            ("approved_by", "x"),
            ("approved_by", "??"),
            ("approved_by", "me"),
            ("approved_by", "n/a"),
            ("ticket", "x"),
            ("ticket", "CHG"),
            ("ticket", "jira"),
            ("ticket", "0000"),
            ("ticket", "#1"),
        ] {
            assert!(field(f, v).is_some(), "{f} = {v:?} should be a placeholder");
        }
    }

    #[test]
    fn real_values_are_not_placeholders() {
        for (f, v) in [
            (
                "reason",
                "Teams restore test moved to Q1 after tenant migration",
            ),
            ("reason", "Test restore moved after the migration"),
            ("approved_by", "Jane Doe (Client CFO)"),
            ("approved_by", "Bo Li"),
            ("ticket", "CHG-2231"),
            ("ticket", "INC0012345"),
        ] {
            assert_eq!(field(f, v), None, "{f} = {v:?}");
        }
    }

    #[test]
    fn equal_fields_are_placeholders_together() {
        let same = waiver("Jane Doe approved it", "Jane Doe approved it", "CHG-1");
        assert!(same.is_some_and(|w| w.contains("are the same")));
        assert_eq!(
            waiver(
                "Restore test moved after the migration",
                "Jane Doe",
                "CHG-1"
            ),
            None
        );
        assert!(waiver("x", "x", "x").is_some_and(|w| w.starts_with("its reason")));
    }
}

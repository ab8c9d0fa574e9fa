//! Every file `collect` writes is first read back with the loader's own types, so a
//! snapshot that `check` would refuse (an error body or `null` answered with 200, a
//! page of the wrong shape) fails its endpoint and never replaces a good month. Also
//! finds the role-assignable groups whose members `collect` fetches next.

use crate::diagnostic::Diagnostic;
use crate::evidence::endpoints::Endpoint;
use crate::evidence::graph::{self, Collection};
use crate::evidence::parse_json;
use serde_json::Value;
use std::fmt;

/// The files whose expanded `principal` may be a group.
pub const PRINCIPAL_FILES: [Endpoint; 3] = [
    Endpoint::RoleAssignments,
    Endpoint::RoleEligibility,
    Endpoint::RoleAssignmentSchedules,
];

/// Where members of a group holding a role are stored.
pub fn group_members_file(group_id: &str) -> String {
    format!("graph/groupMembers/{group_id}.json")
}

/// The members request for a group (transitive: nested groups' members hold the role too).
pub fn group_members_request(group_id: &str) -> String {
    format!(
        "/v1.0/groups/{group_id}/transitiveMembers?$select=id,displayName,userPrincipalName,userType,accountEnabled"
    )
}

/// Parses `bytes` as the loader parses `endpoint`'s file (`rel` names it in errors).
pub fn endpoint_file(endpoint: Endpoint, rel: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
    crate::evidence::endpoints::check_body(endpoint, rel, bytes)
}

/// A group's transitive members: directory objects, each with an `id` (the shape of an
/// expanded role principal).
pub fn group_members_file_body(rel: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
    parse_json::<Collection<graph::Principal>>(rel, bytes).map(|_| ())
}

/// A 2xx body that is not data: `null`, or a Graph error object (`{"error": …}`) sent
/// with a success status. Returns what it is, for the endpoint's error.
pub fn not_data(body: &Value) -> Option<String> {
    match body {
        Value::Null => Some("a null body".into()),
        Value::Object(o) if o.contains_key("error") => {
            let e = &o["error"];
            let code = e["code"]
                .as_str()
                .or(e.as_str())
                .unwrap_or("(no error code)");
            let message = e["message"].as_str().unwrap_or("");
            Some(format!("an error body ({code}: {message})"))
        }
        Value::Object(_) => None,
        _ => Some("a body that is not a JSON object".into()),
    }
}

/// Why the groups holding a role cannot be named from a role file.
#[derive(Debug)]
pub enum GroupPrincipalError {
    /// The file does not load (it was validated when written, so this is a change on disk).
    Parse(Diagnostic),
    /// A group principal's id (`found`, debug-quoted, or none) at `/value/<index>` is
    /// not a GUID, so it cannot name the members' file.
    NotAGuid {
        rel: String,
        index: usize,
        found: Option<String>,
    },
}

impl fmt::Display for GroupPrincipalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GroupPrincipalError::Parse(d) => d.fmt(f),
            GroupPrincipalError::NotAGuid { rel, index, found } => write!(
                f,
                "{rel}: /value/{index}/principal/id: a group principal's id must be a GUID, found {}; its members are not collected under that name",
                found
                    .as_ref()
                    .map_or_else(|| "none".to_owned(), |s| format!("{s:?}"))
            ),
        }
    }
}

impl std::error::Error for GroupPrincipalError {}

/// The ids of the groups among the expanded principals of a role file (already
/// validated), each checked to be a GUID before it names a file. Lower-cased, so one
/// group is fetched once whatever the case Graph used.
pub fn group_principals(rel: &str, bytes: &[u8]) -> Result<Vec<String>, GroupPrincipalError> {
    #[derive(serde::Deserialize)]
    struct Row {
        principal: Option<Value>,
    }
    let rows = parse_json::<Collection<Row>>(rel, bytes).map_err(GroupPrincipalError::Parse)?;
    let mut ids = Vec::new();
    for (i, row) in rows.value.iter().enumerate() {
        let Some(p) = &row.principal else { continue };
        let is_group = p["@odata.type"]
            .as_str()
            .is_some_and(|t| t.eq_ignore_ascii_case("#microsoft.graph.group"));
        if !is_group {
            continue;
        }
        match p["id"].as_str() {
            Some(id) if crate::policy::load::is_guid(id) => ids.push(id.to_ascii_lowercase()),
            other => {
                return Err(GroupPrincipalError::NotAGuid {
                    rel: rel.to_owned(),
                    index: i,
                    found: other.map(str::to_owned),
                });
            }
        }
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_or_null_answered_with_200_is_not_data() {
        let v = |s: &str| serde_json::from_str::<Value>(s).unwrap();
        assert!(not_data(&v("null")).unwrap().contains("null"));
        let e = not_data(&v(r#"{"error":{"code":"Throttled","message":"later"}}"#)).unwrap();
        assert!(e.contains("Throttled: later"), "{e}");
        assert!(not_data(&v(r#"{"error":"invalid_client"}"#)).is_some());
        assert!(not_data(&v("[1]")).is_some());
        assert!(not_data(&v(r#"{"value":[]}"#)).is_none());
    }

    #[test]
    fn bodies_are_checked_with_the_loader_types() {
        assert!(endpoint_file(Endpoint::SecurityDefaults, "f", b"null").is_err());
        assert!(endpoint_file(Endpoint::SecurityDefaults, "f", br#"{"isEnabled":true}"#).is_ok());
        let e =
            endpoint_file(Endpoint::RoleAssignments, "f", br#"{"value":[{"id":1}]}"#).unwrap_err();
        assert_eq!(e.file, "f");
        assert!(group_members_file_body("f", br#"{"value":[{"displayName":"x"}]}"#).is_err());
        assert!(group_members_file_body("f", br#"{"value":[{"id":"x"}]}"#).is_ok());
    }

    #[test]
    fn group_principals_are_guids_or_the_file_fails() {
        let ok = br##"{"value":[
            {"principal":{"@odata.type":"#microsoft.graph.group","id":"AAAAAAAA-1111-2222-3333-444444444444"}},
            {"principal":{"@odata.type":"#microsoft.graph.user","id":"not-a-guid-but-a-user"}},
            {"principalId":"x"}]}"##;
        assert_eq!(
            group_principals("f", ok).unwrap(),
            ["aaaaaaaa-1111-2222-3333-444444444444"]
        );
        let bad = br##"{"value":[{"principal":{"@odata.type":"#microsoft.graph.group","id":"../../etc"}}]}"##;
        let e = group_principals("graph/roleAssignments.json", bad)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("/value/0/principal/id") && e.contains("GUID"),
            "{e}"
        );
    }
}

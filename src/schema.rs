//! `custody schema`: JSON Schemas (draft-07, the dialect Taplo / Even Better TOML reads)
//! of the policy files, so editors complete keys and flag mistakes before `custody check`.
//!
//! The schemas are derived (schemars) from the serde types the loader deserializes
//! (`policy::load::Raw*`, `evidence::restore_tests::RawTest`) and the file shapes in
//! `policy`, their doc comments becoming descriptions. What serde types cannot say (a
//! string that must be a duration, a control id of the catalogue, a threshold's range)
//! comes from the small schema types below, generated from the same rules the loader
//! applies. What a schema cannot say (duplicate activity ids, a `controls` prefix that
//! matches no control, a date written as a quoted string) is still caught by the loader.
//! The generated files are committed in `schema/`; tests/it/schema.rs fails when they are stale.

use crate::controls::{self, Control};
use crate::policy::{BackupFile, ClientFile, ControlsFile, RaciFile};
use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

/// The policy files that have a schema, in the order `custody schema` prints them.
pub const FILES: &[&str] = &[
    "client.toml",
    "raci.toml",
    "controls.toml",
    "backup.toml",
    "restore-tests.toml",
];

const DRAFT: &str = "http://json-schema.org/draft-07/schema#";

// The value rules live with the vocabulary (the loaders name them); kept reachable here.
pub use crate::model::schema_rules::{
    ACCENT, CSV_FILE, ControlId, ControlPattern, DATE, DURATION, GUID, LOGO, NOT_BLANK, SLUG,
    Thresholds, TomlDate,
};
use crate::model::schema_rules::{DURATION_HINT, FILL, FILL_CONTROL_IDS, FILL_THRESHOLDS};

/// Restore tests performed in a month (evidence/<client>/<YYYY-MM>/restore-tests.toml).
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RestoreTestsFile {
    /// The restore tests performed in the month (`[[test]]`).
    pub test: Option<Vec<crate::evidence::restore_tests::RawTest>>,
}

// ---------------------------------------------------------------- the catalogue's part

/// Completes the fragments the value rules left to the catalogue (see
/// [`crate::model::schema_rules::FILL`]): control ids and per-control thresholds.
fn fill_from_catalogue(v: &mut Value) {
    match v {
        Value::Object(obj) => {
            match obj.remove(FILL).as_ref().and_then(Value::as_str) {
                Some(FILL_CONTROL_IDS) => {
                    obj.insert("enum".into(), json!(control_ids()));
                }
                Some(FILL_THRESHOLDS) => {
                    let properties: Map<String, Value> = controls::catalogue()
                        .iter()
                        .map(|c| (c.id.clone(), control_thresholds(c)))
                        .collect();
                    obj.insert("properties".into(), Value::Object(properties));
                }
                _ => {}
            }
            for child in obj.values_mut() {
                fill_from_catalogue(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(fill_from_catalogue),
        _ => {}
    }
}

fn control_thresholds(c: &Control) -> Value {
    let params: Map<String, Value> = c
        .params
        .iter()
        .map(|p| {
            (
                p.name.to_owned(),
                json!({
                    "type": "number",
                    "description": format!("{} (default {}).", capitalise(p.doc), p.default),
                    "minimum": p.min,
                    "maximum": p.max,
                    "default": p.default,
                }),
            )
        })
        .collect();
    let mut schema = json!({
        "type": "object",
        "description": format!(
            "Thresholds of {}: {}. {} (`custody explain {}`)",
            c.id, c.title, c.what, c.id
        ),
        "properties": params,
        "additionalProperties": false,
    });
    if c.params.is_empty() {
        schema["description"] = json!(format!("{} has no thresholds.", c.id));
        // Accepted (an empty table) but never worth completing.
        schema["x-taplo"] = json!({ "hidden": true });
    }
    schema
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn control_ids() -> Vec<&'static str> {
    controls::catalogue()
        .iter()
        .map(|c| c.id.as_str())
        .collect()
}

/// The draft-07 schema of `T`, every subschema inline (Taplo shows a key's description
/// from the schema it sits in), tidied for TOML.
fn generate<T: JsonSchema>(title: &str) -> Value {
    let mut settings = SchemaSettings::draft07();
    settings.inline_subschemas = true;
    let mut value = settings
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value();
    fill_from_catalogue(&mut value);
    tidy(&mut value);
    let obj = value.as_object_mut().expect("schemas are objects");
    obj.insert("$schema".into(), json!(DRAFT));
    obj.insert("title".into(), json!(title));
    value
}

/// TOML has no null: an `Option` is a key left out, so the `null` schemars allows for
/// it goes. A duration's description also says how durations are written.
fn tidy(v: &mut Value) {
    match v {
        Value::Object(obj) => {
            if let Some(Value::Array(types)) = obj.get_mut("type") {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let t = types.remove(0);
                    obj.insert("type".into(), t);
                }
            }
            if let Some(Value::Array(any)) = obj.get("anyOf")
                && any.iter().any(|s| s.get("type") == Some(&json!("null")))
            {
                let mut rest: Vec<Value> = any
                    .iter()
                    .filter(|s| s.get("type") != Some(&json!("null")))
                    .cloned()
                    .collect();
                obj.remove("anyOf");
                if rest.len() == 1 {
                    if let Value::Object(inner) = rest.remove(0) {
                        for (k, val) in inner {
                            obj.entry(k).or_insert(val);
                        }
                    }
                } else {
                    obj.insert("anyOf".into(), Value::Array(rest));
                }
            }
            if let Some(Value::Array(e)) = obj.get_mut("enum") {
                e.retain(|x| !x.is_null());
            }
            // Doc comments wrap lines; a description is one paragraph.
            if let Some(Value::String(d)) = obj.get_mut("description") {
                *d = d.replace('\n', " ");
            }
            if obj.get("pattern") == Some(&json!(DURATION))
                && let Some(Value::String(d)) = obj.get_mut("description")
                && !d.contains(DURATION_HINT)
            {
                if !d.ends_with('.') {
                    d.push('.');
                }
                d.push(' ');
                d.push_str(DURATION_HINT);
            }
            for child in obj.values_mut() {
                tidy(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(tidy),
        _ => {}
    }
}

/// The JSON Schema (draft-07) of one policy file: one of [`FILES`].
pub fn schema_for(file: &str) -> Option<Value> {
    let title = format!("custody {file}");
    Some(match file {
        "client.toml" => generate::<ClientFile>(&title),
        "raci.toml" => generate::<RaciFile>(&title),
        "controls.toml" => generate::<ControlsFile>(&title),
        "backup.toml" => generate::<BackupFile>(&title),
        "restore-tests.toml" => generate::<RestoreTestsFile>(&title),
        _ => return None,
    })
}

/// All schemas in one JSON document `{"client.toml": {...}, ...}` (what `custody schema`
/// prints by default).
pub fn all() -> Value {
    Value::Object(
        FILES
            .iter()
            .map(|f| {
                (
                    (*f).to_owned(),
                    schema_for(f).expect("every file has a schema"),
                )
            })
            .collect(),
    )
}

/// The file name a schema is written to: `client.toml` → `client.schema.json`.
pub fn schema_file_name(file: &str) -> String {
    format!("{}.schema.json", file.trim_end_matches(".toml"))
}

/// The repository-relative glob of the files a schema applies to.
pub fn file_pattern(file: &str) -> Option<&'static str> {
    Some(match file {
        "client.toml" => "clients/*/client.toml",
        "raci.toml" => "clients/*/raci.toml",
        "controls.toml" => "clients/*/controls.toml",
        "backup.toml" => "clients/*/backup.toml",
        "restore-tests.toml" => "evidence/*/*/restore-tests.toml",
        _ => return None,
    })
}

/// A `.taplo.toml` snippet associating each schema with its file pattern
/// (`clients/*/client.toml` …), given the directory the schema files are written to
/// (relative to the `.taplo.toml`, e.g. `"schemas/"`), under the names of
/// [`schema_file_name`].
pub fn taplo_config(dir: &str) -> String {
    let dir = dir.trim_end_matches('/');
    let mut out =
        String::from("# JSON Schemas of the custody policy files (written by `custody schema`).\n");
    for file in FILES {
        let pattern = file_pattern(file).expect("every file has a pattern");
        let path = if dir.is_empty() {
            schema_file_name(file)
        } else {
            format!("{dir}/{}", schema_file_name(file))
        };
        out.push_str(&format!(
            "\n[[rule]]\ninclude = [{}]\n\n[rule.schema]\npath = {}\n",
            toml_str(pattern),
            toml_str(&path)
        ));
    }
    out
}

/// A TOML basic string.
fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// A policy file as a schema validator (and Taplo) sees it: TOML dates become strings.
/// For validating policy files against these schemas (tests, editors' tooling).
pub fn toml_to_json(v: toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => json!(i),
        toml::Value::Float(f) => json!(f),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => {
            Value::Object(t.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn parse(text: &str) -> Value {
        toml_to_json(toml::Value::Table(
            toml::from_str::<toml::Table>(text).expect("test TOML parses"),
        ))
    }

    fn validator(file: &str) -> jsonschema::Validator {
        let schema = schema_for(file).unwrap();
        jsonschema::draft7::options()
            .should_validate_formats(true)
            .build(&schema)
            .unwrap_or_else(|e| panic!("{file}: schema does not compile: {e}"))
    }

    fn errors(file: &str, text: &str) -> Vec<String> {
        let v = validator(file);
        let instance = parse(text);
        v.iter_errors(&instance)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect()
    }

    fn assert_rejected(file: &str, text: &str, expect: &str) {
        let errs = errors(file, text);
        assert!(
            errs.iter().any(|e| e.contains(expect)),
            "{file}: expected an error mentioning {expect:?}, got {errs:#?}"
        );
    }

    const CLIENT: &str = "name = \"N\"\ntenant_id = \"6f1c2a44-9a53-4a50-8a0c-3d4f0e2b7c11\"\ndomains = [\"n.example\"]\n";

    #[test]
    fn every_schema_is_valid_draft_07() {
        for file in FILES {
            let schema = schema_for(file).unwrap();
            assert_eq!(schema["$schema"], DRAFT);
            if let Err(e) = jsonschema::draft7::meta::validate(&schema) {
                panic!("{file}: not a valid draft-07 schema: {e}");
            }
            validator(file);
        }
        assert_eq!(schema_for("notes.md"), None);
        let all = all();
        assert_eq!(all.as_object().unwrap().len(), FILES.len());
        assert_eq!(all["backup.toml"], schema_for("backup.toml").unwrap());
    }

    #[test]
    fn the_bundled_policy_files_validate() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut checked = 0;
        for client in std::fs::read_dir(root.join("clients")).unwrap() {
            let dir = client.unwrap().path();
            for file in FILES {
                let path = dir.join(file);
                let Ok(text) = std::fs::read_to_string(&path) else {
                    continue;
                };
                let errs = errors(file, &text);
                assert!(errs.is_empty(), "{}: {errs:#?}", path.display());
                checked += 1;
            }
        }
        assert!(checked >= 12, "only {checked} policy files found");
        let mut tests = 0;
        for entry in walkdir::WalkDir::new(root.join("evidence")) {
            let entry = entry.unwrap();
            if entry.file_name() == "restore-tests.toml" {
                let text = std::fs::read_to_string(entry.path()).unwrap();
                let errs = errors("restore-tests.toml", &text);
                assert!(errs.is_empty(), "{}: {errs:#?}", entry.path().display());
                tests += 1;
            }
        }
        assert!(tests > 0, "no restore-tests.toml found");
    }

    #[test]
    fn the_readme_examples_validate() {
        let readme = include_str!("../README.md");
        for (heading, file) in [
            ("### `client.toml`", "client.toml"),
            ("### `raci.toml`", "raci.toml"),
            ("### `backup.toml`", "backup.toml"),
            ("#### `restore-tests.toml`", "restore-tests.toml"),
        ] {
            let section = readme.split(heading).nth(1).expect(heading);
            let block = section
                .split("```toml\n")
                .nth(1)
                .and_then(|b| b.split("```").next())
                .unwrap();
            let errs = errors(file, block);
            assert!(errs.is_empty(), "README {file}: {errs:#?}");
        }
        // The controls.toml example elides a reason as "..."; it is still valid.
        let section = readme.split("### `controls.toml`").nth(1).unwrap();
        let block = section.split("```toml\n").nth(1).unwrap();
        let block = block.split("```").next().unwrap();
        let errs = errors("controls.toml", block);
        assert!(errs.is_empty(), "README controls.toml: {errs:#?}");
    }

    #[test]
    fn an_unknown_key_is_rejected() {
        // load: "unknown key `tenantid`, expected one of ..."
        assert_rejected(
            "client.toml",
            &format!("{CLIENT}tenantid = \"x\"\n"),
            "tenantid",
        );
        // serde deny_unknown_fields inside a table and an array of tables.
        assert_rejected(
            "backup.toml",
            "[exchange]\nin_scope = true\nrpo_hours = 4\n",
            "rpo_hours",
        );
        assert_rejected(
            "restore-tests.toml",
            "[[test]]\ndate = 2026-11-12\nworkload = \"exchange\"\nitem = \"x\"\nresult = \"passed\"\nnote = \"x\"\n",
            "note",
        );
        // A threshold the control does not have, and a control that does not exist.
        assert_rejected(
            "controls.toml",
            "[thresholds]\n\"identity.mfa-users\" = { min_pct = 95 }\n",
            "min_pct",
        );
        assert_rejected(
            "controls.toml",
            "[thresholds]\n\"identity.mfa-user\" = { min_percent = 95 }\n",
            "identity.mfa-user",
        );
    }

    #[test]
    fn a_wrong_enum_value_is_rejected() {
        // load: "unknown identity model \"ca\", expected ..."
        assert_rejected(
            "controls.toml",
            "[identity]\nmodel = \"ca\"\n",
            "conditional_access",
        );
        assert_rejected(
            "controls.toml",
            "[[approved_assignment]]\nprincipal = \"a@b\"\nrole = \"Global Administrator\"\nassignment = \"permanent\"\n",
            "eligible",
        );
        assert_rejected(
            "controls.toml",
            "[[disabled]]\ncontrol = \"identity.nope\"\nreason = \"r\"\n",
            "identity.nope",
        );
        assert_rejected(
            "backup.toml",
            "[exchange]\nin_scope = true\nscope = \"some\"\n",
            "selected",
        );
        assert_rejected(
            "restore-tests.toml",
            "[[test]]\ndate = 2026-11-13\nworkload = \"exchange\"\nitem = \"y\"\nresult = \"ok\"\n",
            "passed",
        );
        assert_rejected(
            "restore-tests.toml",
            "[[test]]\ndate = 2026-11-13\nworkload = \"yammer\"\nitem = \"y\"\nresult = \"passed\"\n",
            "exchange",
        );
    }

    #[test]
    fn a_bad_duration_is_rejected() {
        for bad in ["4", "4x", "-4h", "4.5h", " 4h", "4 h", "P1Y", "h"] {
            let text = format!("[exchange]\nin_scope = true\nrpo = \"{bad}\"\n");
            assert_rejected("backup.toml", &text, DURATION);
            assert!(crate::duration::Duration::parse(bad).is_err());
        }
        assert_rejected(
            "backup.toml",
            "[retention]\nlegal_minimum = \"7 years\"\n",
            DURATION,
        );
        for ok in ["15m", "4h", "90d", "2w", "7y"] {
            let text = format!("[exchange]\nin_scope = true\nrpo = \"{ok}\"\n");
            assert_eq!(errors("backup.toml", &text), Vec::<String>::new());
        }
    }

    #[test]
    fn a_missing_required_key_is_rejected() {
        // load: "missing required key `tenant_id`"
        assert_rejected(
            "client.toml",
            "name = \"N\"\ndomains = [\"n.example\"]\n",
            "tenant_id",
        );
        assert_rejected("backup.toml", "[teams]\nreason = \"r\"\n", "in_scope");
        assert_rejected(
            "controls.toml",
            "[[waiver]]\ncontrol = \"identity.mfa-users\"\nreason = \"r\"\napproved_by = \"a\"\nticket = \"t\"\n",
            "expires",
        );
        assert_rejected("raci.toml", "[[activity]]\nid = \"a\"\n", "name");
    }

    #[test]
    fn value_rules_mirror_the_loader() {
        assert_rejected(
            "client.toml",
            "name = \" \"\ntenant_id = \"6f1c2a44-9a53-4a50-8a0c-3d4f0e2b7c11\"\ndomains = [\"n\"]\n",
            "name",
        );
        assert_rejected(
            "client.toml",
            "name = \"N\"\ntenant_id = \"northwind\"\ndomains = [\"n\"]\n",
            "northwind",
        );
        assert_rejected(
            "client.toml",
            "name = \"N\"\ntenant_id = \"6f1c2a44-9a53-4a50-8a0c-3d4f0e2b7c11\"\ndomains = []\n",
            "domains",
        );
        for (logo, ok) in [
            ("logo.svg", true),
            ("Logo-2.PNG", true),
            ("../logo.svg", false),
            (".logo.svg", false),
            ("logo.gif", false),
            ("logo.JPEG", true),
            ("logo.webp", true),
            ("a b.svg", false),
        ] {
            let text = format!("{CLIENT}[branding]\nlogo = \"{logo}\"\n");
            assert_eq!(errors("client.toml", &text).is_empty(), ok, "{logo}");
        }
        for (accent, ok) in [
            ("#0f766e", true),
            ("#0F766E", true),
            ("0f766e", false),
            ("#fff", false),
        ] {
            let text = format!("{CLIENT}[branding]\naccent = \"{accent}\"\n");
            assert_eq!(errors("client.toml", &text).is_empty(), ok, "{accent}");
        }
        for (id, ok) in [
            ("a", true),
            ("client-42", true),
            ("-a", false),
            ("A", false),
            ("a_b", false),
        ] {
            let text = format!("[[activity]]\nid = \"{id}\"\nname = \"n\"\n");
            assert_eq!(errors("raci.toml", &text).is_empty(), ok, "{id}");
        }
        for (pattern, ok) in [
            ("access.*", true),
            ("*", true),
            ("identity.mfa-admins", true),
            ("identity.mfa", false),
            ("Access.*", false),
        ] {
            let text =
                format!("[[activity]]\nid = \"a\"\nname = \"n\"\ncontrols = [\"{pattern}\"]\n");
            assert_eq!(errors("raci.toml", &text).is_empty(), ok, "{pattern}");
        }
        // Threshold bounds come from the catalogue's `Param`.
        assert_rejected(
            "controls.toml",
            "[thresholds]\n\"identity.mfa-users\" = { min_percent = 101 }\n",
            "101",
        );
        assert_rejected(
            "controls.toml",
            "[[waiver]]\ncontrol = \"identity.mfa-users\"\nreason = \"r\"\napproved_by = \"a\"\nticket = \"t\"\nexpires = \"2026-02-30\"\n",
            "2026-02-30",
        );
        assert_rejected(
            "controls.toml",
            "[[waiver]]\ncontrol = \"identity.mfa-users\"\nreason = \"r\"\napproved_by = \"a\"\nticket = \"t\"\nexpires = 2026-12-31T10:00:00Z\n",
            "2026-12-31T10:00:00Z",
        );
    }

    #[test]
    fn every_catalogue_parameter_is_under_thresholds() {
        let schema = schema_for("controls.toml").unwrap();
        let thresholds = &schema["properties"]["thresholds"]["properties"];
        for c in controls::catalogue() {
            let props = &thresholds[&c.id]["properties"];
            assert!(props.is_object(), "{} missing under thresholds", c.id);
            assert_eq!(props.as_object().unwrap().len(), c.params.len(), "{}", c.id);
            for p in c.params {
                let s = &props[p.name];
                assert_eq!(s["minimum"], json!(p.min), "{}.{}", c.id, p.name);
                assert_eq!(s["maximum"], json!(p.max), "{}.{}", c.id, p.name);
                assert!(
                    s["description"].as_str().unwrap().contains(&p.doc[1..]),
                    "{}.{}",
                    c.id,
                    p.name
                );
            }
        }
        assert!(
            controls::catalogue().iter().any(|c| !c.params.is_empty()),
            "the catalogue has parameters"
        );
        let waiver_ids = &schema["properties"]["waiver"]["items"]["properties"]["control"]["enum"];
        assert_eq!(
            waiver_ids.as_array().unwrap().len(),
            controls::catalogue().len()
        );
    }

    #[test]
    fn taplo_config_associates_each_schema_with_its_files() {
        let config = taplo_config("schemas/");
        let parsed: toml::Table = toml::from_str(&config).expect("the snippet is TOML");
        let rules = parsed["rule"].as_array().unwrap();
        assert_eq!(rules.len(), FILES.len());
        assert_eq!(
            rules[0]["include"][0].as_str(),
            Some("clients/*/client.toml")
        );
        assert_eq!(
            rules[0]["schema"]["path"].as_str(),
            Some("schemas/client.schema.json")
        );
        assert_eq!(
            rules[4]["include"][0].as_str(),
            Some("evidence/*/*/restore-tests.toml")
        );
        assert_eq!(
            rules[4]["schema"]["path"].as_str(),
            Some("schemas/restore-tests.schema.json")
        );
        assert_eq!(taplo_config("schemas"), config);
    }
}

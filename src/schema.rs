//! `custody schema`: JSON Schemas (draft-07, the dialect Taplo / Even Better TOML reads)
//! of the policy files, so editors complete keys and flag mistakes before `custody check`.
//!
//! The schemas mirror `policy::load` and `evidence::restore_tests`: the same keys, the
//! same required keys, the same value rules. Thresholds and control ids are generated
//! from the control catalogue. What a schema cannot say (duplicate activity ids, a
//! `controls` prefix that matches no control, a date written as a quoted string) is
//! still caught by the loader.

use crate::controls::{self, Control};
use crate::policy::{M365_BACKUP, Workload};
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

/// `Duration::parse`: a whole number and one unit.
const DURATION: &str = "^[0-9]+[mhdwy]$";
/// A TOML local date (`2026-12-31`), which reaches a schema validator as a string.
const DATE: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";
/// `ClientId::parse`: 1-63 of a-z, 0-9 and '-', not starting or ending with '-'.
const SLUG: &str = "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$";
/// `load::is_guid`.
const GUID: &str = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";
/// `#rrggbb`.
const ACCENT: &str = "^#[0-9a-fA-F]{6}$";
/// A .svg or .png file name of ASCII letters, digits, '-', '_' and '.', not starting with '.'.
const LOGO: &str = "^[A-Za-z0-9_-][A-Za-z0-9._-]*\\.([sS][vV][gG]|[pP][nN][gG])$";
/// A control id prefix ending in `*` (`access.*`).
const CONTROL_PREFIX: &str = "^[a-z0-9.-]*\\*$";
/// Contains something other than white space (the loader trims before checking).
const NOT_BLANK: &str = "\\S";

/// The JSON Schema (draft-07) of one policy file: one of [`FILES`].
pub fn schema_for(file: &str) -> Option<Value> {
    let (title, mut schema) = match file {
        "client.toml" => ("custody client.toml", client()),
        "raci.toml" => ("custody raci.toml", raci()),
        "controls.toml" => ("custody controls.toml", controls_file()),
        "backup.toml" => ("custody backup.toml", backup()),
        "restore-tests.toml" => ("custody restore-tests.toml", restore_tests()),
        _ => return None,
    };
    let obj = schema.as_object_mut().expect("schemas are objects");
    let mut out = Map::new();
    out.insert("$schema".into(), json!(DRAFT));
    out.insert("title".into(), json!(title));
    out.append(obj);
    Some(Value::Object(out))
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

// ---------------------------------------------------------------- building blocks

fn object(properties: Value, required: &[&str], description: &str) -> Value {
    let mut o = json!({
        "type": "object",
        "description": description,
        "properties": properties,
        "additionalProperties": false,
    });
    if !required.is_empty() {
        o["required"] = json!(required);
    }
    o
}

fn string(description: &str) -> Value {
    json!({ "type": "string", "description": description })
}

fn non_blank(description: &str) -> Value {
    json!({ "type": "string", "description": description, "pattern": NOT_BLANK })
}

fn strings(description: &str) -> Value {
    json!({ "type": "array", "description": description, "items": { "type": "string" } })
}

fn boolean(description: &str, default: bool) -> Value {
    json!({ "type": "boolean", "description": description, "default": default })
}

fn duration(description: &str) -> Value {
    json!({
        "type": "string",
        "description": format!("{description}. A duration: a number and a unit m, h, d, w or y (365 days), e.g. \"4h\", \"90d\"."),
        "pattern": DURATION,
        "examples": ["15m", "4h", "90d", "7y"],
    })
}

fn date(description: &str) -> Value {
    json!({
        "type": "string",
        "format": "date",
        "pattern": DATE,
        "description": format!("{description}. A TOML date like 2026-12-31 (unquoted)."),
    })
}

fn string_enum(values: &[&str], description: &str) -> Value {
    json!({ "type": "string", "description": description, "enum": values })
}

fn array_of(item: Value, description: &str) -> Value {
    json!({ "type": "array", "description": description, "items": item })
}

fn control_ids() -> Vec<&'static str> {
    controls::catalogue()
        .iter()
        .map(|c| c.id.as_str())
        .collect()
}

fn known_control(description: &str) -> Value {
    json!({
        "type": "string",
        "description": format!("{description} (see `custody controls`)."),
        "enum": control_ids(),
    })
}

// ---------------------------------------------------------------- client.toml

fn client() -> Value {
    object(
        json!({
            "name": non_blank("The client's name, shown on every page."),
            "tenant_id": {
                "type": "string",
                "description": "Entra tenant id, a GUID like 6f1c2a44-9a53-4a50-8a0c-3d4f0e2b7c11.",
                "pattern": GUID,
            },
            "domains": {
                "type": "array",
                "description": "The client's domains, at least one.",
                "items": { "type": "string" },
                "minItems": 1,
            },
            "branding": object(
                json!({
                    "accent": {
                        "type": "string",
                        "description": "Accent colour of the client's site, #rrggbb.",
                        "pattern": ACCENT,
                        "default": "#1f4e79",
                    },
                    "logo": {
                        "type": "string",
                        "description": "A .svg or .png file inside the client's folder (a file name, no paths).",
                        "pattern": LOGO,
                    },
                }),
                &[],
                "Branding of the client's site.",
            ),
            "publishing": object(
                json!({
                    "enabled": boolean("Include the client in `custody build`.", true),
                }),
                &[],
                "Publishing settings.",
            ),
        }),
        &["name", "tenant_id", "domains"],
        "A client: name, tenant, domains, branding and publishing settings.",
    )
}

// ---------------------------------------------------------------- raci.toml

fn raci() -> Value {
    let activity = object(
        json!({
            "id": {
                "type": "string",
                "description": "Slug of a-z, 0-9 and '-', unique in the file.",
                "pattern": SLUG,
            },
            "name": string("The activity's name."),
            "responsible": strings("Who does the work; at least one (checked by governance.raci-complete)."),
            "accountable": strings("Who answers for it; exactly one (checked by governance.raci-complete)."),
            "consulted": strings("Who is consulted (optional)."),
            "informed": strings("Who is informed (optional)."),
            "controls": array_of(
                json!({
                    "description": "A control id, or a prefix ending in `*` (`access.*`).",
                    "anyOf": [
                        { "type": "string", "enum": control_ids() },
                        { "type": "string", "pattern": CONTROL_PREFIX },
                    ],
                }),
                "The controls this activity covers: control ids; a trailing `*` matches a prefix.",
            ),
        }),
        &["id", "name"],
        "An activity with its responsible, accountable, consulted and informed parties.",
    );
    object(
        json!({ "activity": array_of(activity, "The RACI activities (`[[activity]]`).") }),
        &[],
        "Who is responsible, accountable, consulted and informed for each activity, and the controls each covers.",
    )
}

// ---------------------------------------------------------------- controls.toml

fn thresholds() -> Value {
    let properties: Map<String, Value> = controls::catalogue()
        .iter()
        .map(|c| (c.id.clone(), control_thresholds(c)))
        .collect();
    json!({
        "type": "object",
        "description": "Thresholds per control id; every parameter optional, the defaults apply otherwise.",
        "properties": properties,
        "additionalProperties": false,
    })
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
        "description": format!("Thresholds of {}: {}.", c.id, c.title),
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

fn controls_file() -> Value {
    object(
        json!({
            "identity": object(
                json!({
                    "model": {
                        "type": "string",
                        "description": "How identity is protected: Conditional Access (Entra ID P1) or security defaults.",
                        "enum": ["conditional_access", "security_defaults"],
                        "default": "conditional_access",
                    },
                    "pim": boolean("Privileged roles are managed through PIM (needs Entra ID P2).", true),
                }),
                &[],
                "The identity protection model.",
            ),
            "access": object(
                json!({
                    "break_glass": strings("UPNs of the break-glass (emergency access) accounts."),
                    "privileged_roles": strings("Role display names added to the built-in privileged role list."),
                }),
                &[],
                "Break-glass accounts and extra privileged roles.",
            ),
            "thresholds": thresholds(),
            "approved_assignment": array_of(
                object(
                    json!({
                        "principal": string("UPN, or object id for service principals."),
                        "role": string("Role display name."),
                        "assignment": string_enum(&["eligible", "active"], "Eligible (through PIM) or active."),
                    }),
                    &["principal", "role", "assignment"],
                    "An approved privileged role assignment.",
                ),
                "The approved privileged role assignments (the drift baseline).",
            ),
            "waiver": array_of(
                object(
                    json!({
                        "control": known_control("The waived control"),
                        "reason": non_blank("Why the control is waived."),
                        "approved_by": non_blank("Who approved the waiver."),
                        "ticket": non_blank("The change or ticket reference."),
                        "expires": date("When the waiver expires"),
                    }),
                    &["control", "reason", "approved_by", "ticket", "expires"],
                    "A waiver in force turns a fail or warn into waived; an expired waiver is a fail.",
                ),
                "Waivers, each with an approver, a ticket and an expiry.",
            ),
            "disabled": array_of(
                object(
                    json!({
                        "control": known_control("The control that does not apply"),
                        "reason": non_blank("Why it does not apply."),
                    }),
                    &["control", "reason"],
                    "A control that does not apply, with the reason.",
                ),
                "Controls that do not apply to this client.",
            ),
        }),
        &[],
        "Identity model, break-glass accounts, thresholds, approved privileged assignments, waivers and disabled controls.",
    )
}

// ---------------------------------------------------------------- backup.toml

fn workload(w: Workload) -> Value {
    object(
        json!({
            "in_scope": { "type": "boolean", "description": "Whether the MSP backs this workload up." },
            "reason": string("Why the workload is out of scope."),
            "provider": {
                "type": "string",
                "description": format!("\"{M365_BACKUP}\" or the vendor product name."),
                "examples": [M365_BACKUP, "Acme Cloud Backup"],
            },
            "scope": string_enum(&["all", "selected"], "All items, or selected ones."),
            "scope_note": string("What the scope covers."),
            "frequency": duration("How often a backup runs"),
            "retention": duration("How long backups are kept"),
            "encryption": string("How backups are encrypted."),
            "storage_location": string("Where backups are stored."),
            "rpo": duration("Largest allowed gap between successful backups"),
            "rto": duration("Largest allowed restore duration"),
            "owner": string("Who owns the workload's backup."),
            "restore_test_cadence": duration("A passed restore test at least this often"),
            "known_gaps": strings("Documented gaps in the backup."),
        }),
        &["in_scope"],
        &format!("Backup policy of {}.", w.title()),
    )
}

fn backup() -> Value {
    let mut properties = Map::new();
    for w in Workload::ALL {
        properties.insert(w.id().to_owned(), workload(w));
    }
    properties.insert(
        "retention".into(),
        object(
            json!({
                "legal_minimum": duration("The longest legal or contractual retention minimum"),
                "compliance_location": string("Where records retention lives (e.g. Microsoft Purview retention policies)."),
                "relies_on_backup": boolean("Backup is used as the records archive.", false),
            }),
            &[],
            "Records retention, kept separate from backup.",
        ),
    );
    object(
        Value::Object(properties),
        &[],
        "Backup policy per workload (exchange, onedrive, sharepoint, teams) and retention.",
    )
}

// ---------------------------------------------------------------- restore-tests.toml

fn restore_tests() -> Value {
    let workloads: Vec<&str> = Workload::ALL.iter().map(|w| w.id()).collect();
    let test = object(
        json!({
            "date": date("When the test was performed"),
            "workload": string_enum(&workloads, "The workload restored."),
            "item": string("What was restored."),
            "result": string_enum(&["passed", "partial", "failed"], "The outcome."),
            "duration": duration("Time to restore, compared with the workload's rto"),
            "ticket": string("The ticket reference."),
            "performed_by": string("Who performed the test."),
        }),
        &["date", "workload", "item", "result"],
        "A restore test.",
    );
    object(
        json!({ "test": array_of(test, "The restore tests performed in the month (`[[test]]`).") }),
        &[],
        "Restore tests performed in a month (evidence/<client>/<YYYY-MM>/restore-tests.toml).",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// TOML as a schema validator (and Taplo) sees it: dates become strings.
    fn to_json(v: toml::Value) -> Value {
        match v {
            toml::Value::String(s) => Value::String(s),
            toml::Value::Integer(i) => json!(i),
            toml::Value::Float(f) => json!(f),
            toml::Value::Boolean(b) => Value::Bool(b),
            toml::Value::Datetime(d) => Value::String(d.to_string()),
            toml::Value::Array(a) => Value::Array(a.into_iter().map(to_json).collect()),
            toml::Value::Table(t) => {
                Value::Object(t.into_iter().map(|(k, v)| (k, to_json(v))).collect())
            }
        }
    }

    fn parse(text: &str) -> Value {
        to_json(toml::Value::Table(
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

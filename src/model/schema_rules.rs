//! The value rules policy keys follow (durations, dates, slugs, GUIDs, colours, control
//! ids), as regular expressions and JSON Schema fragments. The loaders' serde types name
//! them in `#[schemars(...)]` attributes; `crate::schema` assembles the files.
//!
//! What only the control catalogue knows (its ids, each control's thresholds) is not
//! known down here: those fragments carry a [`FILL`] marker that `crate::schema` replaces
//! with the catalogue's content when it generates a file, so the loaders never depend on
//! the catalogue.

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use std::borrow::Cow;

/// `Duration::parse`: a whole number and one unit.
pub const DURATION: &str = "^[0-9]+[mhdwy]$";
/// A TOML local date (`2026-12-31`), which reaches a schema validator as a string.
pub const DATE: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";
/// `ClientId::parse`: 1-63 of a-z, 0-9 and '-', not starting or ending with '-'.
pub const SLUG: &str = "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$";
/// `load::is_guid`.
pub const GUID: &str =
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";
/// `#rrggbb`.
pub const ACCENT: &str = "^#[0-9a-fA-F]{6}$";
/// A .svg, .png, .jpg/.jpeg or .webp file name of ASCII letters, digits, '-', '_' and '.', not starting with '.'.
pub const LOGO: &str = "^[A-Za-z0-9_-][A-Za-z0-9._-]*\\.([sS][vV][gG]|[pP][nN][gG]|[jJ][pP][eE]?[gG]|[wW][eE][bB][pP])$";
/// The image types a client logo may be (the extensions `LOGO` allows, lower case).
pub const LOGO_EXTENSIONS: [&str; 5] = ["svg", "png", "jpg", "jpeg", "webp"];
/// A control id prefix ending in `*` (`access.*`).
pub const CONTROL_PREFIX: &str = "^[a-z0-9.-]*\\*$";
/// Contains something other than white space (the loader trims before checking).
pub const NOT_BLANK: &str = "\\S";
/// A CSV file name in a month's backup/ folder: no path, ends .csv.
pub const CSV_FILE: &str = "^[A-Za-z0-9_-][A-Za-z0-9._ -]*\\.[cC][sS][vV]$";

/// Appended to the description of every duration value, whatever the key.
pub const DURATION_HINT: &str =
    "A duration: a number and a unit m, h, d, w or y (365 days), e.g. \"4h\", \"90d\".";

/// The key of a fragment the catalogue completes: its value names what goes there
/// ([`FILL_CONTROL_IDS`] adds `enum`, [`FILL_THRESHOLDS`] adds `properties`).
pub const FILL: &str = "x-custody-fill";
/// Fill in `"enum"`: every control id of the catalogue.
pub const FILL_CONTROL_IDS: &str = "control-ids";
/// Fill in `"properties"`: per control id, its thresholds.
pub const FILL_THRESHOLDS: &str = "thresholds";

impl JsonSchema for crate::model::Duration {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": DURATION_HINT,
            "pattern": DURATION,
            "examples": ["15m", "4h", "90d", "7y"],
        })
    }
}

/// A TOML local date (`expires = 2026-12-31`, unquoted), as the loader requires.
pub struct TomlDate;

impl JsonSchema for TomlDate {
    fn schema_name() -> Cow<'static, str> {
        "TomlDate".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "format": "date",
            "pattern": DATE,
            "description": "A TOML date like 2026-12-31 (unquoted).",
        })
    }
}

/// A control id of the catalogue (the ids are filled in by `crate::schema`).
pub struct ControlId;

impl JsonSchema for ControlId {
    fn schema_name() -> Cow<'static, str> {
        "ControlId".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "A control id (see `custody controls`).",
            FILL: FILL_CONTROL_IDS,
        })
    }
}

/// A control id, or a prefix ending in `*` (`policy::pattern_matches`).
pub struct ControlPattern;

impl JsonSchema for ControlPattern {
    fn schema_name() -> Cow<'static, str> {
        "ControlPattern".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A control id, or a prefix ending in `*` (`access.*`).",
            "anyOf": [
                { "type": "string", FILL: FILL_CONTROL_IDS },
                { "type": "string", "pattern": CONTROL_PREFIX },
            ],
        })
    }
}

/// `[thresholds]`: per control id, the parameters it declares (`model::Param`), each
/// within its range, as `load::thresholds` checks them (filled in by `crate::schema`).
pub struct Thresholds;

impl JsonSchema for Thresholds {
    fn schema_name() -> Cow<'static, str> {
        "Thresholds".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "object",
            FILL: FILL_THRESHOLDS,
            "additionalProperties": false,
        })
    }
}

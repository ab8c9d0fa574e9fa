//! The policy loader checks control ids and thresholds against the catalogue it is
//! given (`load_policy(source, client, known)`), not one it reaches for itself; and the
//! value rules it applies without the catalogue (a logo's file name) agree with what the
//! site can render.

use custody::client_id::ClientId;
use custody::controls::testing::{BACKUP_TOML, CLIENT_TOML, CONTROLS_TOML, RACI_TOML};
use custody::model::schema_rules::LOGO_EXTENSIONS;
use custody::model::{Direction, KnownControls, Param};
use custody::policy::{PolicySource, load_policy};

/// The fixture client `acme`, with `client.toml` and `controls.toml` given.
struct Acme {
    client: String,
    controls: String,
}

impl Acme {
    fn new() -> Acme {
        Acme {
            client: CLIENT_TOML.to_owned(),
            controls: CONTROLS_TOML.to_owned(),
        }
    }
}

impl PolicySource for Acme {
    fn read(&self, rel_path: &str) -> Result<Option<String>, custody::policy::load::ReadError> {
        Ok(match rel_path.strip_prefix("clients/acme/") {
            Some("client.toml") => Some(self.client.clone()),
            Some("raci.toml") => Some(RACI_TOML.to_owned()),
            Some("controls.toml") => Some(self.controls.clone()),
            Some("backup.toml") => Some(BACKUP_TOML.to_owned()),
            _ => None,
        })
    }
}

fn acme() -> ClientId {
    ClientId::parse("acme").expect("slug")
}

/// A catalogue of one control, `demo.widgets`, with one threshold.
struct OneControl;

const MAX_WIDGETS: Param = Param {
    name: "max_widgets",
    default: 3.0,
    min: 1.0,
    max: 10.0,
    doc: "most widgets",
    direction: Direction::LowerIsStricter,
};

impl KnownControls for OneControl {
    fn ids(&self) -> Vec<&str> {
        vec!["demo.widgets"]
    }
    fn params(&self, id: &str) -> Option<&'static [Param]> {
        (id == "demo.widgets").then_some(&[MAX_WIDGETS][..])
    }
}

fn messages(source: &Acme, known: &dyn KnownControls) -> Vec<String> {
    match load_policy(source, &acme(), known) {
        Ok(_) => Vec::new(),
        Err(d) => d.into_iter().map(|d| d.message).collect(),
    }
}

#[test]
fn the_loader_checks_ids_and_thresholds_against_the_catalogue_it_is_given() {
    let mut source = Acme::new();
    source.controls = format!(
        "{CONTROLS_TOML}\n[thresholds]\n\"demo.widgets\" = {{ max_widgets = 5 }}\n\n[[disabled]]\ncontrol = \"demo.widgets\"\nreason = \"not sold\"\n"
    );
    // Known to the given catalogue: loads, with the threshold.
    let policy = load_policy(&source, &acme(), &OneControl).expect("loads");
    assert_eq!(
        policy.controls.thresholds["demo.widgets"]["max_widgets"].0,
        5.0
    );
    // Unknown to the real catalogue: the same files are refused.
    let real = messages(&source, custody::controls::known());
    assert!(
        real.iter()
            .any(|m| m.starts_with("unknown control id \"demo.widgets\"")),
        "{real:?}"
    );
}

#[test]
fn a_threshold_outside_the_given_bounds_or_misspelt_is_named() {
    let mut source = Acme::new();
    source.controls = format!(
        "{CONTROLS_TOML}\n[thresholds]\n\"demo.widgets\" = {{ max_widgets = 11, max_widget = 2 }}\n\"demo.widget\" = {{}}\n"
    );
    let got = messages(&source, &OneControl);
    assert!(
        got.contains(
            &"`max_widgets` of demo.widgets must be a number from 1 to 10 (most widgets)"
                .to_owned()
        ),
        "{got:?}"
    );
    assert!(
        got.contains(
            &"unknown threshold `max_widget` for demo.widgets: expected one of `max_widgets`"
                .to_owned()
        ),
        "{got:?}"
    );
    assert!(
        got.contains(
            &"unknown control id \"demo.widget\"; did you mean \"demo.widgets\"?".to_owned()
        ),
        "{got:?}"
    );
}

fn with_logo(logo: &str) -> Vec<String> {
    let mut source = Acme::new();
    source.client = format!("{CLIENT_TOML}\n[branding]\nlogo = {logo:?}\n");
    messages(&source, custody::controls::known())
}

#[test]
fn a_logo_is_an_image_file_name_of_a_kind_the_site_renders() {
    for ok in ["logo.svg", "Logo.PNG", "brand-1.jpeg", "x_y.jpg", "a.webp"] {
        assert_eq!(with_logo(ok), Vec::<String>::new(), "{ok}");
    }
    for bad in [
        "logo.gif",
        "logo",
        ".svg",
        "logo.svg.exe",
        "../x.svg",
        "a b.png",
    ] {
        let errors = with_logo(bad);
        assert!(
            errors.first().is_some_and(|e| e.contains("`logo` must be")),
            "{bad}: {errors:?}"
        );
    }
}

/// The loader accepts a logo by `LOGO_EXTENSIONS` (policy does not import the site);
/// they must be exactly the kinds the site can render.
#[test]
fn the_logo_extensions_the_loader_accepts_are_the_ones_the_site_renders() {
    use custody::website::logo::Kind;
    for ext in LOGO_EXTENSIONS {
        let name = format!("logo.{}", ext.to_ascii_uppercase());
        assert!(Kind::from_name(&name).is_some(), "{name}");
    }
    for other in ["gif", "bmp", "svgz", "tiff", "html"] {
        assert!(
            Kind::from_name(&format!("logo.{other}")).is_none(),
            "{other}: the site renders it but the loader refuses it"
        );
        assert!(!LOGO_EXTENSIONS.contains(&other));
    }
}

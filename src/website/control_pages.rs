//! The control reference in the site: `controls/index.html` (the shared responsibility
//! steps and their controls) and `controls/<id>.html` per control, from the same text as
//! `custody explain` and docs/controls.md. Rendered once per build; the same files are
//! written at the site root and inside every client's folder, so a client's site hosted
//! alone still links every result to its control page (both are one level below the
//! folder holding `assets/`).

use super::templates;
use crate::controls::{self, docs};
use minijinja::Environment;
use serde::Serialize;

#[derive(Serialize)]
struct StepView {
    id: &'static str,
    title: &'static str,
    summary: &'static str,
    reference: &'static str,
    controls: Vec<super::views::Link>,
}

#[derive(Serialize)]
struct ThresholdView {
    name: &'static str,
    doc: &'static str,
    default: String,
    min: String,
    max: String,
    key: String,
}

#[derive(Serialize)]
struct BaselineView {
    label: String,
    benchmark: &'static str,
    title: &'static str,
}

#[derive(Serialize)]
struct ControlPage {
    title: String,
    root: &'static str,
    id: String,
    name: String,
    domain: &'static str,
    weight: u32,
    what: &'static str,
    why: &'static str,
    fix_html: String,
    step: StepView,
    baselines: Vec<BaselineView>,
    own_control: &'static str,
    thresholds: Vec<ThresholdView>,
    policy_keys: Vec<String>,
}

#[derive(Serialize)]
struct IndexPage {
    title: &'static str,
    root: &'static str,
    steps: Vec<StepView>,
}

/// The relative file name of a control's page inside `controls/`.
pub fn page_name(id: &str) -> String {
    format!("{id}.html")
}

fn step_view(s: &'static docs::Step) -> StepView {
    StepView {
        id: s.id,
        title: s.title,
        summary: s.summary,
        reference: s.reference,
        controls: controls::catalogue()
            .iter()
            .filter(|c| docs::step(c.domain).id == s.id)
            .map(|c| super::views::Link {
                label: format!("{} — {}", c.id, c.title),
                href: page_name(&c.id),
            })
            .collect(),
    }
}

/// Every control page and the index, as (path relative to the folder holding
/// `assets/`, bytes).
pub fn render(env: &Environment) -> Result<Vec<(String, Vec<u8>)>, templates::TemplateError> {
    let mut files = Vec::with_capacity(controls::catalogue().len() + 1);
    let index = IndexPage {
        title: "Control reference — custody",
        root: "../",
        steps: docs::steps().iter().map(step_view).collect(),
    };
    files.push((
        "controls/index.html".to_owned(),
        templates::render(env, "controls.html", &index)?.into_bytes(),
    ));
    for c in controls::catalogue() {
        let page = ControlPage {
            title: format!("{} — control reference — custody", c.id),
            root: "../",
            id: c.id.clone(),
            name: c.title.clone(),
            domain: c.domain.title(),
            weight: c.weight,
            what: c.what,
            why: c.why,
            fix_html: super::notes::inline(c.fix),
            step: step_view(docs::step(c.domain)),
            baselines: c
                .baselines()
                .iter()
                .map(|r| BaselineView {
                    label: r.label(),
                    benchmark: r.framework.title(),
                    title: r.title,
                })
                .collect(),
            own_control: docs::OWN_CONTROL,
            thresholds: c
                .params
                .iter()
                .map(|p| ThresholdView {
                    name: p.name,
                    doc: p.doc,
                    default: p.default.to_string(),
                    min: p.min.to_string(),
                    max: p.max.to_string(),
                    key: docs::threshold_key(c, p),
                })
                .collect(),
            policy_keys: docs::policy_keys(c),
        };
        files.push((
            format!("controls/{}", page_name(&c.id)),
            templates::render(env, "control.html", &page)?.into_bytes(),
        ));
    }
    Ok(files)
}

//! The classification rules (documented in `mod.rs`), one function per area of the
//! policy. Each function compares BASE with HEAD and pushes the changes it finds, located
//! at HEAD (or at BASE for removals).

use super::{Change, Effect, HeadWaiver, placeholder};
use crate::controls::{self, Direction};
use crate::duration::Duration;
use crate::policy::{
    Activity, ApprovedAssignment, AssignmentKind, At, Disabled, IdentityModel, Policy, Scope,
    Waiver, Workload, WorkloadPolicy,
};
use crate::scorecard::Domain;
use jiff::civil::Date;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// Every change between two versions of a client's policy, and every HEAD waiver (with
/// whether this diff added or changed it), for justification.
pub(super) fn all(
    client: &str,
    b: &Policy,
    h: &Policy,
    today: Date,
) -> (Vec<Change>, Vec<HeadWaiver>) {
    let mut out = Vec::new();
    client_info(&mut out, client, b, h);
    notes(&mut out, client, b, h);
    raci(&mut out, b, h);
    identity(&mut out, b, h);
    thresholds(&mut out, b, h);
    break_glass(&mut out, b, h);
    privileged_roles(&mut out, b, h);
    approved(&mut out, b, h);
    let head_waivers = waivers(&mut out, b, h, today);
    disabled(&mut out, b, h);
    for w in Workload::ALL {
        workload(
            &mut out,
            w,
            b.backup.workloads.get(&w),
            h.backup.workloads.get(&w),
        );
    }
    retention(&mut out, b, h);
    csv_export(&mut out, b, h);
    super::keys::unclassified(&mut out, client, b, h);
    (out, head_waivers)
}

/// The one change of a client that exists on one side only.
pub(super) fn client_presence(client: &str, p: &Policy, added: bool) -> Change {
    let loc = Loc {
        file: source_path(p, client, "client.toml"),
        line: None,
    };
    let name = &p.client.name;
    let ch = Ch::new("client", client, format!("client {client}"), loc, None);
    if added {
        ch.values(None, Some(name.clone()))
            .reason(format!(
                "client {client} ({name}) added: neutral (evaluated from now on)"
            ))
            .build()
    } else {
        ch.values(Some(name.clone()), None)
            .effect(Effect::Weakens)
            .reason(format!(
                "client {client} ({name}) removed from evaluation: weakens"
            ))
            .build()
    }
}

// ---------------------------------------------------------------- building changes

/// Where a change is shown.
#[derive(Clone)]
pub(super) struct Loc {
    pub(super) file: String,
    pub(super) line: Option<usize>,
}

impl Loc {
    pub(super) fn at(at: &At) -> Loc {
        Loc {
            file: at.file.clone(),
            line: Some(at.line),
        }
    }
}

/// A change being built: the sentence is "<what> <before> → <after>: <effect> (<note>)".
pub(super) struct Ch {
    area: &'static str,
    subject: String,
    what: String,
    before: Option<String>,
    after: Option<String>,
    /// What the sentence shows instead of `before`/`after`, when they differ.
    shown: Option<(Option<String>, Option<String>)>,
    effect: Effect,
    note: Option<String>,
    reason: Option<String>,
    loc: Loc,
    domain: Option<Domain>,
    /// The controls the change bears on: a waiver for one of them can justify it.
    controls: Vec<String>,
}

impl Ch {
    pub(super) fn new(
        area: &'static str,
        subject: impl Into<String>,
        what: impl Into<String>,
        loc: Loc,
        domain: Option<Domain>,
    ) -> Ch {
        Ch {
            area,
            subject: subject.into(),
            what: what.into(),
            before: None,
            after: None,
            shown: None,
            effect: Effect::Neutral,
            note: None,
            reason: None,
            loc,
            domain,
            controls: Vec::new(),
        }
    }

    pub(super) fn bears_on<S: Into<String>>(mut self, ids: impl IntoIterator<Item = S>) -> Ch {
        self.controls.extend(ids.into_iter().map(Into::into));
        self
    }

    pub(super) fn values(mut self, before: Option<String>, after: Option<String>) -> Ch {
        self.before = before;
        self.after = after;
        self
    }

    fn shown(mut self, before: Option<String>, after: Option<String>) -> Ch {
        self.shown = Some((before, after));
        self
    }

    pub(super) fn effect(mut self, e: Effect) -> Ch {
        self.effect = e;
        self
    }

    pub(super) fn note(mut self, n: impl Into<String>) -> Ch {
        self.note = Some(n.into());
        self
    }

    fn maybe_note(mut self, n: Option<String>) -> Ch {
        self.note = n;
        self
    }

    pub(super) fn reason(mut self, r: String) -> Ch {
        self.reason = Some(r);
        self
    }

    pub(super) fn build(self) -> Change {
        let reason = self.reason.unwrap_or_else(|| {
            let (b, a) = self
                .shown
                .clone()
                .unwrap_or_else(|| (self.before.clone(), self.after.clone()));
            sentence(
                &self.what,
                b.as_deref(),
                a.as_deref(),
                self.effect,
                self.note.as_deref(),
            )
        });
        Change {
            area: self.area.to_owned(),
            subject: self.subject,
            before: self.before,
            after: self.after,
            effect: self.effect,
            reason,
            file: self.loc.file,
            line: self.loc.line,
            domain: self.domain,
            controls: self.controls,
            justified: false,
            justified_by: None,
            unjustified_because: None,
        }
    }
}

fn sentence(
    what: &str,
    before: Option<&str>,
    after: Option<&str>,
    effect: Effect,
    note: Option<&str>,
) -> String {
    let mut s = match (before, after) {
        (Some(b), Some(a)) => format!("{what} {b} → {a}: {effect}"),
        (None, Some(a)) => format!("{what} {a} added: {effect}"),
        (Some(b), None) => format!("{what} {b} removed: {effect}"),
        (None, None) => format!("{what}: {effect}"),
    };
    if let Some(n) = note {
        s.push_str(&format!(" ({n})"));
    }
    s
}

/// The effect of an ordered setting changing from `b` to `a`: declaring one strengthens,
/// removing one weakens, otherwise the direction decides.
fn ordered<T: Ord>(b: Option<T>, a: Option<T>, higher_is_stronger: bool) -> Effect {
    match (b, a) {
        (None, None) => Effect::Neutral,
        (None, Some(_)) => Effect::Strengthens,
        (Some(_), None) => Effect::Weakens,
        (Some(b), Some(a)) => direction(a.cmp(&b), higher_is_stronger),
    }
}

/// The effect of a value moving in direction `after.cmp(before)`.
fn direction(after_vs_before: Ordering, higher_is_stronger: bool) -> Effect {
    match (after_vs_before, higher_is_stronger) {
        (Ordering::Equal, _) => Effect::Neutral,
        (Ordering::Greater, true) | (Ordering::Less, false) => Effect::Strengthens,
        _ => Effect::Weakens,
    }
}

/// A threshold as written: `95`, `99.5`.
fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        format!("{x}")
    }
}

pub(super) fn names(v: &[String]) -> String {
    if v.is_empty() {
        "nobody".to_owned()
    } else {
        v.join(", ")
    }
}

fn domain_of(control: &str) -> Option<Domain> {
    controls::find(control).map(|c| c.domain)
}

/// The repository-relative path of one of the client's policy files.
pub(super) fn source_path(p: &Policy, client: &str, name: &str) -> String {
    let suffix = format!("/{name}");
    p.sources
        .iter()
        .map(|(f, _)| f)
        .find(|f| f.ends_with(&suffix))
        .cloned()
        .unwrap_or_else(|| format!("clients/{client}/{name}"))
}

/// The 1-based line of `key = …` in `[table]` of a policy file (`""`: before any table),
/// for settings the typed policy does not locate.
pub(super) fn key_line(p: &Policy, file: &str, table: &str, key: &str) -> Option<usize> {
    let (_, text) = p.sources.iter().find(|(f, _)| f == file)?;
    let mut current = String::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if let Some(header) = t.strip_prefix('[') {
            current = header
                .trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or_default()
                .trim()
                .trim_matches('"')
                .to_owned();
            continue;
        }
        if current == table
            && let Some(rest) = t.strip_prefix(key)
            && rest.trim_start().starts_with('=')
        {
            return Some(i + 1);
        }
    }
    None
}

/// A key's line at HEAD, else at BASE (it was removed), else `fallback`.
fn key_loc(
    b: &Policy,
    h: &Policy,
    file_of: fn(&Policy) -> &str,
    table: &str,
    key: &str,
    fallback: Loc,
) -> Loc {
    for p in [h, b] {
        if let Some(line) = key_line(p, file_of(p), table, key) {
            return Loc {
                file: file_of(p).to_owned(),
                line: Some(line),
            };
        }
    }
    fallback
}

fn controls_file(p: &Policy) -> &str {
    &p.controls.file
}

fn backup_file(p: &Policy) -> &str {
    &p.backup.file
}

fn client_file(p: &Policy) -> &str {
    p.sources
        .iter()
        .map(|(f, _)| f.as_str())
        .find(|f| f.ends_with("/client.toml"))
        .unwrap_or_default()
}

// ---------------------------------------------------------------- client.toml

fn client_info(out: &mut Vec<Change>, client: &str, b: &Policy, h: &Policy) {
    let file_loc = Loc {
        file: source_path(h, client, "client.toml"),
        line: None,
    };
    let (cb, ch) = (&b.client, &h.client);
    let publish = ordered(Some(cb.publish), Some(ch.publish), true);
    // (key, table, label, before, after, effect, note). The tenant decides whose evidence
    // is accepted as this client's, so a new tenant weakens until reviewed; publishing
    // switched off stops the client's scorecards and evidence packs from being published.
    let fields = [
        (
            "name",
            "",
            "name",
            cb.name.clone(),
            ch.name.clone(),
            Effect::Neutral,
            None,
        ),
        (
            "tenant_id",
            "",
            "tenant",
            cb.tenant_id.clone(),
            ch.tenant_id.clone(),
            Effect::Weakens,
            Some("evidence is now accepted from another tenant"),
        ),
        (
            "domains",
            "",
            "domains",
            cb.domains.join(", "),
            ch.domains.join(", "),
            Effect::Neutral,
            None,
        ),
        (
            "accent",
            "branding",
            "accent colour",
            cb.accent.clone(),
            ch.accent.clone(),
            Effect::Neutral,
            None,
        ),
        (
            "logo",
            "branding",
            "logo",
            cb.logo.clone().unwrap_or_else(|| "none".to_owned()),
            ch.logo.clone().unwrap_or_else(|| "none".to_owned()),
            Effect::Neutral,
            None,
        ),
        (
            "enabled",
            "publishing",
            "publishing",
            cb.publish.to_string(),
            ch.publish.to_string(),
            publish,
            Some(if ch.publish {
                "the client's scorecards and evidence packs are published again"
            } else {
                "the client's scorecards and evidence packs are no longer published"
            }),
        ),
    ];
    for (key, table, label, before, after, effect, note) in fields {
        if before == after {
            continue;
        }
        let subject = if table.is_empty() {
            format!("client.{key}")
        } else {
            format!("client.{table}.{key}")
        };
        let loc = key_loc(b, h, client_file, table, key, file_loc.clone());
        out.push(
            Ch::new("client", subject, format!("client {label}"), loc, None)
                .values(Some(before), Some(after))
                .effect(effect)
                .maybe_note(note.map(str::to_owned))
                .build(),
        );
    }
}

/// `notes.md` is shown on the client's site and decides nothing: any change is neutral,
/// but listed.
fn notes(out: &mut Vec<Change>, client: &str, b: &Policy, h: &Policy) {
    if b.notes == h.notes {
        return;
    }
    let (before, after) = (
        b.notes.as_ref().map(|_| "notes".to_owned()),
        h.notes.as_ref().map(|_| "notes".to_owned()),
    );
    let what = match (&before, &after) {
        (Some(_), Some(_)) => "client notes (notes.md) changed: neutral",
        (None, _) => "client notes (notes.md) added: neutral",
        (_, None) => "client notes (notes.md) removed: neutral",
    };
    let side = if h.notes.is_some() { h } else { b };
    out.push(
        Ch::new(
            "notes",
            "notes.md",
            "notes",
            Loc {
                file: source_path(side, client, "notes.md"),
                line: None,
            },
            None,
        )
        .values(before, after)
        .reason(what.to_owned())
        .build(),
    );
}

// ---------------------------------------------------------------- raci.toml

pub(super) fn covered(p: &Policy, control: &str) -> bool {
    p.raci.activities.iter().any(|a| a.covers(control))
}

pub(super) fn capped_list(ids: &[&str]) -> String {
    const N: usize = 5;
    let mut s = ids.iter().take(N).copied().collect::<Vec<_>>().join(", ");
    if ids.len() > N {
        s.push_str(&format!(" and {} more", ids.len() - N));
    }
    s
}

/// A `controls` pattern gone from (or new to) an activity: weakens when a control it
/// matched is owned by no activity at HEAD (strengthens when it owns a control no
/// activity owned at BASE); otherwise neutral. `other` is the side to compare with.
fn coverage_change(
    out: &mut Vec<Change>,
    act: &Activity,
    pattern: &str,
    other: &Policy,
    added: bool,
) {
    let affected: Vec<&str> = controls::catalogue()
        .iter()
        .filter(|c| crate::policy::pattern_matches(pattern, &c.id) && !covered(other, &c.id))
        .map(|c| c.id.as_str())
        .collect();
    let (effect, note) = match (affected.is_empty(), added) {
        (true, false) => (
            Effect::Neutral,
            "still owned by another activity".to_owned(),
        ),
        (true, true) => (
            Effect::Neutral,
            "already owned by another activity".to_owned(),
        ),
        (false, added) => (
            if added {
                Effect::Strengthens
            } else {
                Effect::Weakens
            },
            format!(
                "{} control{} {}: {}",
                affected.len(),
                if affected.len() == 1 { "" } else { "s" },
                if added {
                    "now owned"
                } else {
                    "no longer owned"
                },
                capped_list(&affected)
            ),
        ),
    };
    let (before, after) = if added {
        (None, Some(pattern.to_owned()))
    } else {
        (Some(pattern.to_owned()), None)
    };
    out.push(
        Ch::new(
            "raci",
            format!("{}.controls", act.id),
            format!("{}: controls", act.id),
            Loc::at(&act.at),
            Some(Domain::Governance),
        )
        .bears_on(["governance.controls-owned"])
        .values(before, after)
        .effect(effect)
        .note(note)
        .build(),
    );
}

fn raci(out: &mut Vec<Change>, b: &Policy, h: &Policy) {
    let find = |p: &'_ Policy, id: &str| -> Option<usize> {
        p.raci.activities.iter().position(|a| a.id == id)
    };
    for ba in &b.raci.activities {
        let Some(i) = find(h, &ba.id) else {
            out.push(
                Ch::new(
                    "raci",
                    ba.id.clone(),
                    "activity",
                    Loc::at(&ba.at),
                    Some(Domain::Governance),
                )
                .values(Some(ba.name.clone()), None)
                .shown(Some(format!("{} ({})", ba.id, ba.name)), None)
                .build(),
            );
            for p in &ba.controls {
                coverage_change(out, ba, p, h, false);
            }
            continue;
        };
        let ha = &h.raci.activities[i];
        activity(out, ba, ha);
        for p in ba.controls.iter().filter(|p| !ha.controls.contains(p)) {
            coverage_change(out, ha, p, h, false);
        }
        for p in ha.controls.iter().filter(|p| !ba.controls.contains(p)) {
            coverage_change(out, ha, p, b, true);
        }
    }
    for ha in h
        .raci
        .activities
        .iter()
        .filter(|a| find(b, &a.id).is_none())
    {
        out.push(
            Ch::new(
                "raci",
                ha.id.clone(),
                "activity",
                Loc::at(&ha.at),
                Some(Domain::Governance),
            )
            .values(None, Some(ha.name.clone()))
            .shown(None, Some(format!("{} ({})", ha.id, ha.name)))
            .build(),
        );
        for p in &ha.controls {
            coverage_change(out, ha, p, b, true);
        }
    }
}

/// Changes within one activity present on both sides.
fn activity(out: &mut Vec<Change>, ba: &Activity, ha: &Activity) {
    let ch = |field: &str| {
        Ch::new(
            "raci",
            format!("{}.{field}", ha.id),
            format!("{}: {field}", ha.id),
            Loc::at(&ha.at),
            Some(Domain::Governance),
        )
        .bears_on(["governance.raci-complete"])
    };
    if ba.name != ha.name {
        out.push(
            ch("name")
                .values(Some(ba.name.clone()), Some(ha.name.clone()))
                .build(),
        );
    }
    if ba.accountable != ha.accountable {
        let valid = |v: &[String]| v.len() == 1;
        let (effect, note) = match (valid(&ba.accountable), valid(&ha.accountable)) {
            (true, false) if ha.accountable.is_empty() => {
                (Effect::Weakens, Some("no one accountable".to_owned()))
            }
            (true, false) => (Effect::Weakens, Some("a second accountable".to_owned())),
            (false, true) => (
                Effect::Strengthens,
                Some("exactly one accountable again".to_owned()),
            ),
            _ => (Effect::Neutral, None),
        };
        out.push(
            ch("accountable")
                .values(Some(names(&ba.accountable)), Some(names(&ha.accountable)))
                .effect(effect)
                .maybe_note(note)
                .build(),
        );
    }
    let sorted = |v: &[String]| {
        let mut v = v.to_vec();
        v.sort();
        v
    };
    if sorted(&ba.responsible) != sorted(&ha.responsible) {
        let (effect, note) = match (ba.responsible.is_empty(), ha.responsible.is_empty()) {
            (false, true) => (Effect::Weakens, Some("no one responsible")),
            (true, false) => (Effect::Strengthens, Some("someone responsible again")),
            _ => (Effect::Neutral, None),
        };
        out.push(
            ch("responsible")
                .values(Some(names(&ba.responsible)), Some(names(&ha.responsible)))
                .effect(effect)
                .maybe_note(note.map(str::to_owned))
                .build(),
        );
    }
    for (field, bv, hv) in [
        ("consulted", &ba.consulted, &ha.consulted),
        ("informed", &ba.informed, &ha.informed),
    ] {
        if sorted(bv) != sorted(hv) {
            out.push(ch(field).values(Some(names(bv)), Some(names(hv))).build());
        }
    }
}

// ---------------------------------------------------------------- controls.toml

fn identity(out: &mut Vec<Change>, b: &Policy, h: &Policy) {
    let fallback = Loc {
        file: h.controls.file.clone(),
        line: None,
    };
    let (mb, mh) = (b.controls.identity_model, h.controls.identity_model);
    if mb != mh {
        let name = |m: IdentityModel| match m {
            IdentityModel::ConditionalAccess => "conditional_access",
            IdentityModel::SecurityDefaults => "security_defaults",
        };
        let (effect, note) = if mh == IdentityModel::SecurityDefaults {
            (
                Effect::Weakens,
                "security defaults instead of Conditional Access policies",
            )
        } else {
            (
                Effect::Strengthens,
                "Conditional Access policies instead of security defaults",
            )
        };
        let loc = key_loc(b, h, controls_file, "identity", "model", fallback.clone());
        out.push(
            Ch::new(
                "identity",
                "identity.model",
                "identity model",
                loc,
                Some(Domain::Identity),
            )
            .bears_on([
                "identity.ca-mfa-all-users",
                "identity.ca-mfa-admins",
                "identity.ca-block-legacy-auth",
                "identity.security-defaults",
                "identity.licences",
            ])
            .values(Some(name(mb).to_owned()), Some(name(mh).to_owned()))
            .effect(effect)
            .note(note)
            .build(),
        );
    }
    if b.controls.pim != h.controls.pim {
        let effect = ordered(Some(b.controls.pim), Some(h.controls.pim), true);
        let note = if h.controls.pim {
            "privileged roles are expected to be held through PIM"
        } else {
            "privileged roles are no longer expected to be held through PIM"
        };
        let loc = key_loc(b, h, controls_file, "identity", "pim", fallback);
        out.push(
            Ch::new("identity", "identity.pim", "PIM", loc, Some(Domain::Access))
                .bears_on(["access.pim-standing-privilege", "identity.licences"])
                .values(
                    Some(b.controls.pim.to_string()),
                    Some(h.controls.pim.to_string()),
                )
                .effect(effect)
                .note(note)
                .build(),
        );
    }
}

fn thresholds(out: &mut Vec<Change>, b: &Policy, h: &Policy) {
    let ids: BTreeSet<&String> = b
        .controls
        .thresholds
        .keys()
        .chain(h.controls.thresholds.keys())
        .collect();
    for id in ids {
        let Some(control) = controls::find(id) else {
            continue;
        };
        for p in control.params {
            let get = |pol: &Policy| {
                pol.controls
                    .thresholds
                    .get(id.as_str())
                    .and_then(|t| t.get(p.name))
                    .cloned()
            };
            let (bv, hv) = (get(b), get(h));
            let bn = bv.as_ref().map_or(p.default, |v| v.0);
            let hn = hv.as_ref().map_or(p.default, |v| v.0);
            if bv.is_none() && hv.is_none() || (bv.is_some() == hv.is_some() && bn == hn) {
                continue;
            }
            let show = |v: &Option<(f64, At)>| match v {
                Some((x, _)) => num(*x),
                None => format!("{} (default)", num(p.default)),
            };
            // The direction is declared on the parameter in the catalogue (a `Param`
            // cannot be written without one), never guessed from its name.
            let effect = match p.direction {
                _ if bn == hn => Effect::Neutral,
                Direction::HigherIsStricter => direction(hn.total_cmp(&bn), true),
                Direction::LowerIsStricter => direction(hn.total_cmp(&bn), false),
            };
            let at = hv.as_ref().or(bv.as_ref()).map(|v| &v.1);
            let loc = at.map_or_else(
                || Loc {
                    file: h.controls.file.clone(),
                    line: None,
                },
                Loc::at,
            );
            out.push(
                Ch::new(
                    "threshold",
                    format!("{id}.{}", p.name),
                    format!("{id} {}", p.name),
                    loc,
                    Some(control.domain),
                )
                .bears_on([id.clone()])
                .values(Some(show(&bv)), Some(show(&hv)))
                .effect(effect)
                .maybe_note((bn == hn).then(|| "same as the catalogue default".to_owned()))
                .build(),
            );
        }
    }
}

/// The controls whose checks exempt the declared break-glass accounts (Conditional
/// Access exclusions, standing Global Administrator) or check them.
const BREAK_GLASS_CONTROLS: [&str; 5] = [
    "access.break-glass",
    "access.pim-standing-privilege",
    "identity.ca-mfa-all-users",
    "identity.ca-mfa-admins",
    "identity.ca-block-legacy-auth",
];

/// A break-glass account added widens the exemptions (it may be excluded from MFA
/// policies and hold Global Administrator permanently): weakens. One removed narrows
/// them: strengthens, unless none is left (no emergency access declared): weakens.
fn break_glass(out: &mut Vec<Change>, b: &Policy, h: &Policy) {
    let has = |p: &Policy, upn: &str| {
        p.controls
            .break_glass
            .iter()
            .any(|(u, _)| u.eq_ignore_ascii_case(upn))
    };
    let ch = |upn: &str, at: &At| {
        Ch::new(
            "break_glass",
            upn.to_owned(),
            "break-glass account",
            Loc::at(at),
            Some(Domain::Access),
        )
        .bears_on(BREAK_GLASS_CONTROLS)
    };
    for (upn, at) in h.controls.break_glass.iter().filter(|(u, _)| !has(b, u)) {
        out.push(
            ch(upn, at)
                .values(None, Some(upn.clone()))
                .effect(Effect::Weakens)
                .note("exclusion widened: it may be excluded from MFA policies and hold Global Administrator permanently")
                .build(),
        );
    }
    let none_left = h.controls.break_glass.is_empty();
    for (upn, at) in b.controls.break_glass.iter().filter(|(u, _)| !has(h, u)) {
        let (effect, note) = if none_left {
            (
                Effect::Weakens,
                "no break-glass account is declared any more: no emergency access",
            )
        } else {
            (
                Effect::Strengthens,
                "no longer exempt; a standing assignment of it is now a finding",
            )
        };
        out.push(
            ch(upn, at)
                .values(Some(upn.clone()), None)
                .effect(effect)
                .note(note)
                .build(),
        );
    }
}

fn privileged_roles(out: &mut Vec<Change>, b: &Policy, h: &Policy) {
    let has = |p: &Policy, role: &str| {
        p.controls
            .extra_privileged_roles
            .iter()
            .any(|r| r.eq_ignore_ascii_case(role))
    };
    let fallback = Loc {
        file: h.controls.file.clone(),
        line: None,
    };
    let loc = key_loc(b, h, controls_file, "access", "privileged_roles", fallback);
    for r in h
        .controls
        .extra_privileged_roles
        .iter()
        .filter(|r| !has(b, r))
    {
        out.push(
            Ch::new(
                "privileged_role",
                r.clone(),
                "privileged role",
                loc.clone(),
                Some(Domain::Access),
            )
            .values(None, Some(r.clone()))
            .effect(Effect::Strengthens)
            .note("more roles watched")
            .build(),
        );
    }
    for r in b
        .controls
        .extra_privileged_roles
        .iter()
        .filter(|r| !has(h, r))
    {
        out.push(
            Ch::new(
                "privileged_role",
                r.clone(),
                "privileged role",
                loc.clone(),
                Some(Domain::Access),
            )
            .bears_on([
                "access.pim-standing-privilege",
                "access.guest-admins",
                "access.stale-admins",
                "access.approved-assignments",
                "access.role-changes",
            ])
            .values(Some(r.clone()), None)
            .effect(Effect::Weakens)
            .note("no longer watched")
            .build(),
        );
    }
}

fn approved(out: &mut Vec<Change>, b: &Policy, h: &Policy) {
    fn find<'a>(p: &'a Policy, principal: &str, role: &str) -> Option<&'a ApprovedAssignment> {
        p.controls.approved.iter().find(|a| {
            a.principal.eq_ignore_ascii_case(principal) && a.role.eq_ignore_ascii_case(role)
        })
    }
    let ch = |principal: &str, role: &str, at: &At| {
        Ch::new(
            "approved_assignment",
            format!("{principal}: {role}"),
            "approved assignment",
            Loc::at(at),
            Some(Domain::Access),
        )
        .bears_on([
            "access.approved-assignments",
            "access.pim-standing-privilege",
        ])
    };
    for a in &h.controls.approved {
        let kind = a.assignment.as_str().to_owned();
        match find(b, &a.principal, &a.role) {
            None => {
                // Any approval added is more privilege approved; active is standing.
                let (effect, note) = match a.assignment {
                    AssignmentKind::Active => (Effect::Weakens, "more standing privilege approved"),
                    AssignmentKind::Eligible => (
                        Effect::Weakens,
                        "more privilege approved, eligible: activated just in time",
                    ),
                };
                out.push(
                    ch(&a.principal, &a.role, &a.at)
                        .values(None, Some(kind.clone()))
                        .shown(None, Some(format!("{}: {} ({kind})", a.principal, a.role)))
                        .effect(effect)
                        .note(note)
                        .build(),
                );
            }
            Some(old) if old.assignment != a.assignment => {
                let (effect, note) = match a.assignment {
                    AssignmentKind::Active => (Effect::Weakens, "standing privilege approved"),
                    AssignmentKind::Eligible => {
                        (Effect::Strengthens, "standing privilege withdrawn")
                    }
                };
                let mut c = ch(&a.principal, &a.role, &a.at)
                    .values(Some(old.assignment.as_str().to_owned()), Some(kind))
                    .effect(effect)
                    .note(note);
                c.what = format!("approved assignment {}: {}", a.principal, a.role);
                out.push(c.build());
            }
            Some(_) => {}
        }
    }
    for a in &b.controls.approved {
        if find(h, &a.principal, &a.role).is_none() {
            let kind = a.assignment.as_str().to_owned();
            out.push(
                ch(&a.principal, &a.role, &a.at)
                    .values(Some(kind.clone()), None)
                    .shown(Some(format!("{}: {} ({kind})", a.principal, a.role)), None)
                    .effect(Effect::Strengthens)
                    .note("no longer approved")
                    .build(),
            );
        }
    }
}

/// Waivers, matched by control in file order. Returns every HEAD waiver with whether
/// this diff added or changed it.
fn waivers(out: &mut Vec<Change>, b: &Policy, h: &Policy, today: Date) -> Vec<HeadWaiver> {
    fn group(p: &Policy) -> BTreeMap<&str, Vec<&Waiver>> {
        let mut m: BTreeMap<&str, Vec<&Waiver>> = BTreeMap::new();
        for w in &p.controls.waivers {
            m.entry(w.control.as_str()).or_default().push(w);
        }
        m
    }
    let (gb, gh) = (group(b), group(h));
    let ids: BTreeSet<&str> = gb.keys().chain(gh.keys()).copied().collect();
    let desc = |w: &Waiver| format!("until {} ({})", w.expires, w.ticket);
    let mut head = Vec::new();
    let keep = |w: &Waiver, changed: bool, head: &mut Vec<HeadWaiver>| {
        head.push(HeadWaiver {
            control: w.control.clone(),
            reason: w.reason.clone(),
            approved_by: w.approved_by.clone(),
            ticket: w.ticket.clone(),
            expires: w.expires,
            changed,
        });
    };
    for id in ids {
        let (bs, hs) = (
            gb.get(id).map(Vec::as_slice).unwrap_or_default(),
            gh.get(id).map(Vec::as_slice).unwrap_or_default(),
        );
        let what = format!("waiver for {id}");
        let domain = domain_of(id);
        let ch =
            |what: String, at: &At| Ch::new("waiver", id, what, Loc::at(at), domain).bears_on([id]);
        for i in 0..bs.len().max(hs.len()) {
            match (bs.get(i).copied(), hs.get(i).copied()) {
                (None, Some(w)) => {
                    out.push(
                        ch(what.clone(), &w.at)
                            .values(None, Some(desc(w)))
                            .effect(Effect::Weakens)
                            .note(format!("{}; approved by {}", w.reason, w.approved_by))
                            .build(),
                    );
                    keep(w, true, &mut head);
                }
                (Some(w), None) => out.push(
                    ch(what.clone(), &w.at)
                        .values(Some(desc(w)), None)
                        .effect(Effect::Strengthens)
                        .build(),
                ),
                (Some(bw), Some(hw)) => {
                    let before = out.len();
                    if bw.expires != hw.expires {
                        let (effect, note) = if hw.expires <= bw.expires {
                            (Effect::Strengthens, "shortened")
                        } else if bw.expires < today && hw.expires >= today {
                            (Effect::Weakens, "an expired waiver put back in force")
                        } else {
                            (Effect::Weakens, "extended")
                        };
                        out.push(
                            ch(format!("{what} expiry"), &hw.at)
                                .values(Some(bw.expires.to_string()), Some(hw.expires.to_string()))
                                .effect(effect)
                                .note(note)
                                .build(),
                        );
                    }
                    for (field, bv, hv) in [
                        ("reason", &bw.reason, &hw.reason),
                        ("ticket", &bw.ticket, &hw.ticket),
                        ("approved_by", &bw.approved_by, &hw.approved_by),
                    ] {
                        if bv == hv {
                            continue;
                        }
                        // A record that loses its real reason, approver or ticket no
                        // longer documents the risk it accepts.
                        let (effect, note) = match placeholder::field(field, hv) {
                            Some(why) => (Effect::Weakens, Some(format!("the new {field} {why}"))),
                            None => (Effect::Neutral, None),
                        };
                        out.push(
                            ch(format!("{what} {field}"), &hw.at)
                                .values(Some(bv.clone()), Some(hv.clone()))
                                .effect(effect)
                                .maybe_note(note)
                                .build(),
                        );
                    }
                    keep(hw, out.len() > before, &mut head);
                }
                (None, None) => {}
            }
        }
    }
    head
}

fn disabled(out: &mut Vec<Change>, b: &Policy, h: &Policy) {
    fn find<'a>(p: &'a Policy, id: &str) -> Option<&'a Disabled> {
        p.controls.disabled.iter().find(|d| d.control == id)
    }
    for d in &h.controls.disabled {
        let ch = Ch::new(
            "disabled",
            d.control.clone(),
            "disabled control",
            Loc::at(&d.at),
            domain_of(&d.control),
        )
        .bears_on([d.control.clone()]);
        match find(b, &d.control) {
            None => out.push(
                ch.values(None, Some(d.control.clone()))
                    .effect(Effect::Weakens)
                    .note(format!("no longer evaluated: {}", d.reason))
                    .build(),
            ),
            Some(old) if old.reason != d.reason => {
                let mut ch = ch.values(Some(old.reason.clone()), Some(d.reason.clone()));
                ch.what = format!("disabled control {} reason", d.control);
                out.push(ch.build());
            }
            Some(_) => {}
        }
    }
    for d in b
        .controls
        .disabled
        .iter()
        .filter(|d| find(h, &d.control).is_none())
    {
        out.push(
            Ch::new(
                "disabled",
                d.control.clone(),
                "disabled control",
                Loc::at(&d.at),
                domain_of(&d.control),
            )
            .values(Some(d.control.clone()), None)
            .effect(Effect::Strengthens)
            .note("evaluated again")
            .build(),
        );
    }
}

// ---------------------------------------------------------------- backup.toml

/// A workload's ordered duration settings: `(key, label, value, longer_is_stronger)`.
pub(super) fn durations(
    p: &WorkloadPolicy,
) -> [(&'static str, &'static str, Option<Duration>, bool); 5] {
    [
        ("frequency", "frequency", p.frequency, false),
        ("retention", "retention", p.retention, true),
        ("rpo", "RPO", p.rpo, false),
        ("rto", "RTO", p.rto, false),
        (
            "restore_test_cadence",
            "restore test cadence",
            p.restore_test_cadence,
            false,
        ),
    ]
}
/// The backup controls of a workload a key of its table bears on.
pub(super) fn workload_controls(w: Workload, key: &str) -> Vec<String> {
    let c = |name: &str| format!("backup.{}.{name}", w.id());
    match key {
        "in_scope" | "" => [
            "policy-complete",
            "protection-coverage",
            "job-success",
            "rpo",
            "restore-test",
        ]
        .iter()
        .map(|n| c(n))
        .chain(["governance.workload-owners".to_owned()])
        .collect(),
        "scope" => vec![c("protection-coverage")],
        "known_gaps" => vec![c("protection-coverage"), c("policy-complete")],
        "frequency" => vec![c("rpo"), c("policy-complete")],
        "rpo" => vec![
            c("rpo"),
            c("policy-complete"),
            "governance.workload-owners".to_owned(),
        ],
        "rto" => vec![
            c("restore-test"),
            c("policy-complete"),
            "governance.workload-owners".to_owned(),
        ],
        "restore_test_cadence" => vec![c("restore-test"), c("policy-complete")],
        "veeam_jobs" => vec![
            c("protection-coverage"),
            c("job-success"),
            c("rpo"),
            c("restore-test"),
        ],
        "retention" => vec![c("policy-complete"), "retention.legal-minimum".to_owned()],
        "owner" => vec![
            c("policy-complete"),
            "governance.workload-owners".to_owned(),
        ],
        _ => vec![c("policy-complete")],
    }
}

fn workload(
    out: &mut Vec<Change>,
    w: Workload,
    b: Option<&WorkloadPolicy>,
    h: Option<&WorkloadPolicy>,
) {
    let title = w.title();
    let scope_word = |p: &WorkloadPolicy| {
        if p.in_scope {
            "in scope"
        } else {
            "out of scope"
        }
    };
    let (b, h) = match (b, h) {
        (None, None) => return,
        (None, Some(h)) => {
            let effect = if h.in_scope {
                Effect::Strengthens
            } else {
                Effect::Neutral
            };
            out.push(
                Ch::new("backup", w.id(), "", Loc::at(&h.at), Some(Domain::Backup))
                    .bears_on(workload_controls(w, ""))
                    .values(None, Some(scope_word(h).to_owned()))
                    .effect(effect)
                    .reason(format!(
                        "{title} backup declared ({}): {effect}",
                        scope_word(h)
                    ))
                    .build(),
            );
            return;
        }
        (Some(b), None) => {
            let effect = if b.in_scope {
                Effect::Weakens
            } else {
                Effect::Neutral
            };
            out.push(
                Ch::new("backup", w.id(), "", Loc::at(&b.at), Some(Domain::Backup))
                    .bears_on(workload_controls(w, ""))
                    .values(Some(scope_word(b).to_owned()), None)
                    .effect(effect)
                    .reason(format!(
                        "{title} backup no longer declared (was {}): {effect}",
                        scope_word(b)
                    ))
                    .build(),
            );
            return;
        }
        (Some(b), Some(h)) => (b, h),
    };
    let loc = |key: &str| {
        h.key_at
            .get(key)
            .or_else(|| b.key_at.get(key))
            .map_or_else(|| Loc::at(&h.at), Loc::at)
    };
    let ch = |key: &str, label: &str| {
        Ch::new(
            "backup",
            format!("{}.{key}", w.id()),
            format!("{title} backup {label}"),
            loc(key),
            Some(Domain::Backup),
        )
        .bears_on(workload_controls(w, key))
    };
    if b.in_scope != h.in_scope {
        out.push(
            ch("in_scope", "in scope")
                .values(Some(b.in_scope.to_string()), Some(h.in_scope.to_string()))
                .effect(ordered(Some(b.in_scope), Some(h.in_scope), true))
                .maybe_note(h.reason.clone().filter(|_| !h.in_scope))
                .build(),
        );
    }
    // Settings only weigh while the workload is in scope at HEAD.
    let mut setting =
        |key: &str, label: &str, before: Option<String>, after: Option<String>, effect: Effect| {
            if before == after {
                return;
            }
            let (effect, note) = if h.in_scope || effect == Effect::Neutral {
                (effect, None)
            } else {
                (Effect::Neutral, Some("workload out of scope".to_owned()))
            };
            out.push(
                ch(key, label)
                    .values(before, after)
                    .effect(effect)
                    .maybe_note(note)
                    .build(),
            );
        };
    // Which Veeam jobs' sessions count as the workload's backups: a job added can hide
    // another's failures, one removed drops its failures. The reviewers decide.
    if b.veeam_jobs != h.veeam_jobs {
        setting(
            "veeam_jobs",
            "Veeam jobs",
            b.veeam_jobs.as_ref().map(|v| v.join(", ")),
            h.veeam_jobs.as_ref().map(|v| v.join(", ")),
            Effect::Weakens,
        );
    }
    let scope_name = |s: Scope| match s {
        Scope::All => "all",
        Scope::Selected => "selected",
    };
    let scope_rank = |s: Scope| u8::from(s == Scope::All);
    setting(
        "scope",
        "scope",
        b.scope.map(|s| scope_name(s).to_owned()),
        h.scope.map(|s| scope_name(s).to_owned()),
        ordered(b.scope.map(scope_rank), h.scope.map(scope_rank), true),
    );
    for ((key, label, bv, longer_is_stronger), (_, _, hv, _)) in
        durations(b).into_iter().zip(durations(h))
    {
        setting(
            key,
            label,
            bv.map(|d| d.to_string()),
            hv.map(|d| d.to_string()),
            ordered(bv, hv, longer_is_stronger),
        );
    }
    // Settings that `backup.<w>.policy-complete` requires: declaring one completes the
    // policy (strengthens), removing one leaves it incomplete (weakens), a new value is
    // for the reviewer to judge (neutral).
    let required = [
        ("provider", "provider", &b.provider, &h.provider),
        ("encryption", "encryption", &b.encryption, &h.encryption),
        (
            "storage_location",
            "storage location",
            &b.storage_location,
            &h.storage_location,
        ),
        ("owner", "owner", &b.owner, &h.owner),
    ];
    for (key, label, bv, hv) in required {
        let effect = match (bv, hv) {
            (Some(_), Some(_)) | (None, None) => Effect::Neutral,
            (None, Some(_)) => Effect::Strengthens,
            (Some(_), None) => Effect::Weakens,
        };
        setting(key, label, bv.clone(), hv.clone(), effect);
    }
    // Descriptions that no control reads.
    let texts = [
        ("scope_note", "scope note", &b.scope_note, &h.scope_note),
        ("reason", "out-of-scope reason", &b.reason, &h.reason),
    ];
    for (key, label, bv, hv) in texts {
        setting(key, label, bv.clone(), hv.clone(), Effect::Neutral);
    }
    // `known_gaps`: the key itself is required by policy-complete (`[]` when there are
    // none). A gap added widens what the declared protection leaves out: weakens. A gap
    // removed is neutral: the diff cannot tell a gap closed from a gap no longer
    // written down, and a listed gap never excuses a coverage failure, so the evidence
    // (protection-coverage) decides.
    match (&b.known_gaps, &h.known_gaps) {
        (Some(_), None) => setting(
            "known_gaps",
            "known gaps",
            Some("declared".to_owned()),
            None,
            Effect::Weakens,
        ),
        (None, Some(_)) => setting(
            "known_gaps",
            "known gaps",
            None,
            Some("declared".to_owned()),
            Effect::Strengthens,
        ),
        _ => {}
    }
    let gaps = |p: &WorkloadPolicy| p.known_gaps.clone().unwrap_or_default();
    let (gb, gh) = (gaps(b), gaps(h));
    for g in gh.iter().filter(|g| !gb.contains(g)) {
        setting(
            "known_gaps",
            "known gap",
            None,
            Some(g.clone()),
            Effect::Weakens,
        );
    }
    for g in gb.iter().filter(|g| !gh.contains(g)) {
        let mut c = ch("known_gaps", "known gap")
            .values(Some(g.clone()), None)
            .note("closed or no longer written down: protection-coverage on the evidence tells");
        c.effect = Effect::Neutral;
        out.push(c.build());
    }
}

/// backup.toml `[csv]`: how a product's export is read decides which runs pass (a
/// status mapped to "success", a column swapped). Any change weakens: the reviewers
/// decide.
fn csv_export(out: &mut Vec<Change>, b: &Policy, h: &Policy) {
    let (cb, ch) = (&b.backup.csv, &h.backup.csv);
    if cb == ch {
        return;
    }
    let describe = |c: &Option<crate::policy::CsvExport>| {
        c.as_ref().map(|c| {
            let statuses: Vec<String> = c
                .status_map
                .iter()
                .map(|(k, v)| format!("{k:?} = {v:?}"))
                .collect();
            format!("backup/{} ({})", c.file, statuses.join(", ")).to_lowercase()
        })
    };
    let loc = ch
        .as_ref()
        .or(cb.as_ref())
        .map_or_else(|| Loc::at(&h.backup.retention.at), |c| Loc::at(&c.at));
    let controls: Vec<String> = Workload::ALL
        .iter()
        .flat_map(|w| {
            ["protection-coverage", "job-success", "rpo"].map(|n| format!("backup.{}.{n}", w.id()))
        })
        .collect();
    out.push(
        Ch::new(
            "backup",
            "csv",
            "product export mapping",
            loc,
            Some(Domain::Backup),
        )
        .bears_on(controls)
        .values(describe(cb), describe(ch))
        .effect(Effect::Weakens)
        .note("which runs count and which pass is read through this mapping: reviewers decide")
        .build(),
    );
}

fn retention(out: &mut Vec<Change>, b: &Policy, h: &Policy) {
    let (rb, rh) = (&b.backup.retention, &h.backup.retention);
    let ch = |key: &str, label: &str| {
        let loc = key_loc(b, h, backup_file, "retention", key, Loc::at(&rh.at));
        let control = if key == "legal_minimum" {
            "retention.legal-minimum"
        } else {
            "retention.separate-from-backup"
        };
        Ch::new(
            "retention",
            format!("retention.{key}"),
            label.to_owned(),
            loc,
            Some(Domain::Retention),
        )
        .bears_on([control])
    };
    if rb.legal_minimum != rh.legal_minimum {
        out.push(
            ch("legal_minimum", "legal minimum retention")
                .values(
                    rb.legal_minimum.map(|d| d.to_string()),
                    rh.legal_minimum.map(|d| d.to_string()),
                )
                .effect(ordered(rb.legal_minimum, rh.legal_minimum, true))
                .build(),
        );
    }
    if rb.relies_on_backup != rh.relies_on_backup {
        let note = if rh.relies_on_backup {
            "backup becomes the records archive"
        } else {
            "records retention kept apart from backup"
        };
        out.push(
            ch("relies_on_backup", "retention relies on backup")
                .values(
                    Some(rb.relies_on_backup.to_string()),
                    Some(rh.relies_on_backup.to_string()),
                )
                .effect(ordered(
                    Some(rb.relies_on_backup),
                    Some(rh.relies_on_backup),
                    false,
                ))
                .note(note)
                .build(),
        );
    }
    if rb.compliance_location != rh.compliance_location {
        let effect = match (&rb.compliance_location, &rh.compliance_location) {
            (Some(_), None) => Effect::Weakens,
            (None, Some(_)) => Effect::Strengthens,
            _ => Effect::Neutral,
        };
        out.push(
            ch("compliance_location", "compliance retention location")
                .values(
                    rb.compliance_location.clone(),
                    rh.compliance_location.clone(),
                )
                .effect(effect)
                .build(),
        );
    }
}

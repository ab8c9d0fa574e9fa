//! The control catalogue: one entry per control with a stable id, its documentation
//! (what it checks, why it matters, how to fix it), tunable thresholds (bounds and
//! direction), the trend it feeds and a small evaluation function. Each control is one
//! file, `<domain>/<control>.rs` (definition, evaluation, tests), registered with one
//! line in its domain's registry (`<domain>.rs`), whose order is the report order.

pub mod access;
pub mod backup;
pub mod baselines;
pub mod docs;
pub mod evidence;
pub mod governance;
pub mod identity;
pub mod placeholders;
pub mod retention;

use crate::evidence::{Missing, Snapshot};
use crate::model::{At, Domain, EvidenceRef, KnownControls, Month, Status, Workload};
pub use crate::model::{Direction, Param};
use crate::policy::Policy;
use std::sync::LazyLock;

/// `backup.*.rpo` matches `backup.exchange.rpo`: the `*` stands for one dot-free segment.
fn id_matches(pattern: &str, id: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == id,
        Some((prefix, suffix)) => id
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(suffix))
            .is_some_and(|segment| !segment.is_empty() && !segment.contains('.')),
    }
}

/// What a control evaluation needs: the client's policy, this month's snapshot, the
/// previous month's (for changes) and every earlier month's (for restore-test history).
pub struct Ctx<'a> {
    pub client: &'a str,
    pub policy: &'a Policy,
    pub snap: &'a Snapshot,
    pub prev: Option<&'a Snapshot>,
    /// A snapshot of some earlier month exists: without `prev` too, the previous month
    /// is a gap in the history, not the client's first month.
    pub earlier: bool,
    /// Every restore test recorded up to and including this month, with its file.
    pub restore_history: &'a [(String, crate::evidence::restore_tests::RestoreTest)],
    pub month: Month,
    /// This month's privileged assignments, computed once for every control that needs them.
    pub assignments: std::sync::OnceLock<Result<access::Privileged, Missing>>,
}

impl Ctx<'_> {
    /// The value of a threshold: the policy's, else the default; with where it was set.
    /// The threshold is named by its declaration (the `const` beside the control), so a
    /// misspelt name does not compile and there is nothing to look up that could fail.
    pub fn param(&self, control: &Control, param: &Param) -> (f64, Option<At>) {
        match self
            .policy
            .controls
            .thresholds
            .get(&control.id)
            .and_then(|t| t.get(param.name))
        {
            Some((v, at)) => (*v, Some(at.clone())),
            None => (param.default, None),
        }
    }
}

/// Evaluates a control: `Err(Missing)` becomes `no_evidence` with the reason.
pub type EvalFn = fn(&Ctx, &Control) -> Result<Outcome, Missing>;

pub struct Control {
    pub id: String,
    pub domain: Domain,
    pub title: String,
    pub what: &'static str,
    pub why: &'static str,
    pub fix: &'static str,
    /// Relative weight within its domain's score.
    pub weight: u32,
    pub params: &'static [Param],
    /// The workload of a per-workload backup control.
    pub workload: Option<Workload>,
    /// The trend chart this control's measured value feeds, if any.
    pub trend: Option<Trend>,
    pub eval: EvalFn,
}

/// A monthly series of the scorecard's `metrics` that a control's measured value feeds
/// (when the control measured something: not `no_evidence`, not `not_applicable`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trend {
    /// `metrics.mfa_admins_percent`.
    MfaAdminsPercent,
    /// `metrics.mfa_users_percent`.
    MfaUsersPercent,
    /// `metrics.global_admins`.
    GlobalAdmins,
}

impl Control {
    pub fn new(id: &str, domain: Domain, title: &str, eval: EvalFn) -> Control {
        Control {
            id: id.to_owned(),
            domain,
            title: title.to_owned(),
            what: "",
            why: "",
            fix: "",
            weight: 1,
            params: &[],
            workload: None,
            trend: None,
            eval,
        }
    }

    pub fn doc(mut self, what: &'static str, why: &'static str, fix: &'static str) -> Control {
        self.what = what;
        self.why = why;
        self.fix = fix;
        self
    }

    pub fn weight(mut self, w: u32) -> Control {
        self.weight = w;
        self
    }

    pub fn params(mut self, p: &'static [Param]) -> Control {
        self.params = p;
        self
    }

    pub fn trend(mut self, t: Trend) -> Control {
        self.trend = Some(t);
        self
    }

    /// The baseline policies this control checks (see [`baselines::BASELINES`]); empty
    /// for custody's own controls.
    pub fn baselines(&self) -> &'static [baselines::Reference] {
        baselines::of(&self.id)
    }

    /// The declared direction of one of this control's thresholds (on its [`Param`]);
    /// `None` for a name the control does not declare.
    pub fn param_direction(&self, name: &str) -> Option<Direction> {
        self.params
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.direction)
    }
}

/// What a control found. Findings are data, never errors.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub status: Status,
    pub measured: Option<String>,
    /// The measured value as a number, for trend charts (percentages, counts).
    pub value: Option<f64>,
    pub threshold: Option<String>,
    pub message: String,
    pub items: Vec<String>,
    pub evidence: Vec<EvidenceRef>,
    pub policy: Vec<At>,
    /// For `not_licensed`: the licence that would enable the control.
    pub licence: Option<String>,
}

impl Outcome {
    pub fn new(status: Status, message: impl Into<String>) -> Outcome {
        Outcome {
            status,
            measured: None,
            value: None,
            threshold: None,
            message: message.into(),
            items: Vec::new(),
            evidence: Vec::new(),
            policy: Vec::new(),
            licence: None,
        }
    }

    /// The tenant lacks `licence`, which the control's evidence needs.
    pub fn not_licensed(licence: &str, m: impl Into<String>) -> Outcome {
        Outcome {
            licence: Some(licence.to_owned()),
            ..Outcome::new(Status::NotLicensed, m)
        }
    }

    pub fn pass(m: impl Into<String>) -> Outcome {
        Outcome::new(Status::Pass, m)
    }
    pub fn fail(m: impl Into<String>) -> Outcome {
        Outcome::new(Status::Fail, m)
    }
    pub fn warn(m: impl Into<String>) -> Outcome {
        Outcome::new(Status::Warn, m)
    }
    pub fn na(m: impl Into<String>) -> Outcome {
        Outcome::new(Status::NotApplicable, m)
    }

    /// Pass when `ok`, else fail, with the matching message.
    pub fn check(ok: bool, pass: impl Into<String>, fail: impl Into<String>) -> Outcome {
        if ok {
            Outcome::pass(pass)
        } else {
            Outcome::fail(fail)
        }
    }

    pub fn measured(mut self, m: impl Into<String>) -> Outcome {
        self.measured = Some(m.into());
        self
    }
    pub fn value(mut self, v: f64) -> Outcome {
        self.value = Some(v);
        self
    }
    pub fn threshold(mut self, t: impl Into<String>) -> Outcome {
        self.threshold = Some(t.into());
        self
    }
    pub fn items(mut self, items: impl IntoIterator<Item = String>) -> Outcome {
        self.items.extend(items);
        self
    }
    pub fn evidence(mut self, file: impl Into<String>, pointer: impl Into<String>) -> Outcome {
        self.evidence.push(EvidenceRef {
            file: file.into(),
            pointer: pointer.into(),
        });
        self
    }
    pub fn policy(mut self, at: impl IntoIterator<Item = At>) -> Outcome {
        self.policy.extend(at);
        self
    }
}

/// A percentage as shown in results: one decimal, no trailing `.0`.
pub fn pct(x: f64) -> String {
    let r = (x * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        format!("{r:.0}%")
    } else {
        format!("{r:.1}%")
    }
}

/// `n` and its noun, singular or plural: "1 gap", "3 gaps" (never "gap(s)").
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// At most `n` items, then one line saying how many more there are.
pub fn capped(mut items: Vec<String>, n: usize) -> Vec<String> {
    if items.len() > n {
        let more = items.len() - n;
        items.truncate(n);
        items.push(format!("… and {more} more"));
    }
    items
}

/// `part / whole` in percent; `None` for an empty whole. Nothing in scope proves
/// nothing: an empty whole is never 100%, so every caller must say what it means (for
/// a control, `no_evidence` naming what was empty).
pub fn ratio(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| 100.0 * part as f64 / whole as f64)
}

static CATALOGUE: LazyLock<Vec<Control>> = LazyLock::new(|| {
    let mut all = Vec::new();
    all.extend(governance::controls());
    all.extend(identity::controls());
    all.extend(access::controls());
    all.extend(backup::controls());
    all.extend(retention::controls());
    all.extend(evidence::controls());
    all
});

/// Every control, in report order.
pub fn catalogue() -> &'static [Control] {
    &CATALOGUE
}

pub fn find(id: &str) -> Option<&'static Control> {
    catalogue().iter().find(|c| c.id == id)
}

/// The catalogue as the policy loader sees it (ids and thresholds): what the engine
/// passes to `policy::load_policy`.
pub fn known() -> &'static dyn KnownControls {
    &Known
}

struct Known;

impl KnownControls for Known {
    fn ids(&self) -> Vec<&str> {
        catalogue().iter().map(|c| c.id.as_str()).collect()
    }
    fn params(&self, id: &str) -> Option<&'static [Param]> {
        find(id).map(|c| c.params)
    }
}

/// The known id nearest to a misspelt one, for "did you mean".
pub fn closest_id(id: &str) -> Option<&'static str> {
    Known
        .closest_id(id)
        .and_then(|c| find(c))
        .map(|c| c.id.as_str())
}

#[doc(hidden)]
pub mod testing;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_stable_and_documented() {
        let mut ids: Vec<&str> = catalogue().iter().map(|c| c.id.as_str()).collect();
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate control ids");
        for c in catalogue() {
            assert!(
                c.id.starts_with(c.domain.as_str()),
                "{} is not in its domain's namespace",
                c.id
            );
            for (part, text) in [("what", c.what), ("why", c.why), ("fix", c.fix)] {
                assert!(text.len() > 20, "{} has no `{part}` documentation", c.id);
            }
            for (i, p) in c.params.iter().enumerate() {
                assert!(
                    p.min <= p.default && p.default <= p.max,
                    "{}.{} default out of range",
                    c.id,
                    p.name
                );
                assert!(
                    c.params[..i].iter().all(|q| q.name != p.name),
                    "{}.{} is declared twice",
                    c.id,
                    p.name
                );
            }
        }
    }

    #[test]
    fn the_catalogue_has_every_issue_listed_id() {
        let mut expected = vec![
            "governance.raci-complete",
            "governance.controls-owned",
            "governance.workload-owners",
            "governance.licence-utilisation",
            "governance.no-placeholders",
            "identity.mfa-admins",
            "identity.mfa-users",
            "identity.ca-mfa-all-users",
            "identity.ca-mfa-admins",
            "identity.ca-block-legacy-auth",
            "identity.security-defaults",
            "identity.licences",
            "identity.break-glass-excluded-everywhere",
            "identity.ca-block-high-risk-users",
            "identity.ca-block-high-risk-sign-ins",
            "identity.ca-block-device-code-flow",
            "identity.phishing-resistant-mfa-admins",
            "identity.weak-methods-disabled",
            "identity.user-consent-restricted",
            "identity.guest-access-restricted",
            "identity.passwords-never-expire",
            "access.global-admin-count",
            "access.break-glass",
            "access.pim-standing-privilege",
            "access.guest-admins",
            "access.stale-admins",
            "access.approved-assignments",
            "access.role-changes",
            "access.ga-activation-approval",
            "access.cloud-only-admins",
            "retention.separate-from-backup",
            "retention.legal-minimum",
            "evidence.snapshot-complete",
            "evidence.snapshot-fresh",
        ]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
        for w in ["exchange", "onedrive", "sharepoint", "teams"] {
            for c in [
                "policy-complete",
                "protection-coverage",
                "job-success",
                "rpo",
                "restore-test",
            ] {
                expected.push(format!("backup.{w}.{c}"));
            }
        }
        for id in &expected {
            assert!(find(id).is_some(), "missing control {id}");
        }
        assert_eq!(catalogue().len(), expected.len());
    }

    #[test]
    fn thresholds_declare_their_direction_on_the_param() {
        let stale = find("access.stale-admins").expect("control");
        assert_eq!(
            stale.param_direction("max_days"),
            Some(Direction::LowerIsStricter)
        );
        assert_eq!(stale.param_direction("min_days"), None);
        assert!(id_matches("backup.*.rpo", "backup.teams.rpo"));
        assert!(!id_matches("backup.*.rpo", "backup.rpo"));
        assert!(!id_matches("backup.*.rpo", "backup.a.b.rpo"));
        let count = find("access.global-admin-count").expect("control");
        assert_eq!(
            count.param_direction("min"),
            Some(Direction::HigherIsStricter)
        );
        assert_eq!(
            count.param_direction("max"),
            Some(Direction::LowerIsStricter)
        );
    }

    #[test]
    fn the_trend_metrics_are_declared_by_their_controls() {
        let fed: Vec<(&str, Trend)> = catalogue()
            .iter()
            .filter_map(|c| Some((c.id.as_str(), c.trend?)))
            .collect();
        assert_eq!(
            fed,
            [
                ("identity.mfa-admins", Trend::MfaAdminsPercent),
                ("identity.mfa-users", Trend::MfaUsersPercent),
                ("access.global-admin-count", Trend::GlobalAdmins),
            ]
        );
    }

    #[test]
    fn the_loader_sees_the_catalogue_s_ids_and_thresholds() {
        assert_eq!(known().ids().len(), catalogue().len());
        let params = known().params("identity.mfa-users").expect("known");
        assert_eq!(
            params.iter().map(|p| p.name).collect::<Vec<_>>(),
            ["min_percent"]
        );
        assert!(known().params("identity.mfa-user").is_none());
    }

    #[test]
    fn closest_id_suggests_a_near_miss() {
        assert_eq!(
            closest_id("access.guest-admin"),
            Some("access.guest-admins")
        );
        assert_eq!(closest_id("nothing.like.it"), None);
    }

    #[test]
    fn percentages_print_without_noise() {
        assert_eq!(pct(100.0), "100%");
        assert_eq!(pct(93.3333), "93.3%");
        assert_eq!(ratio(1, 3).map(pct).as_deref(), Some("33.3%"));
    }

    /// Regression (red team): `ratio(0, 0)` was 100%, so "0 of 0 in-scope items
    /// protected" passed coverage: an empty whole has no share.
    #[test]
    fn an_empty_whole_has_no_percentage() {
        assert_eq!(ratio(0, 0), None);
        assert_eq!(ratio(0, 4), Some(0.0));
        assert_eq!(ratio(4, 4), Some(100.0));
    }
}

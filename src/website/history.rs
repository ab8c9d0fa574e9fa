//! Findings over time: for a month, whether each finding is new, open since an earlier
//! month, or was fixed. Read from the scorecards of that month and the months before it
//! only, so a month's pages never change when a later month arrives.

use super::views::{MonthPage, ResultView};
use crate::scorecard::{ControlResult, Scorecard, Status};

/// A result that needs attention: what the history follows.
pub fn is_finding(s: Status) -> bool {
    matches!(s, Status::Fail | Status::NoEvidence | Status::Warn)
}

fn result<'a>(card: &'a Scorecard, control: &str) -> Option<&'a ControlResult> {
    card.results.iter().find(|r| r.control == control)
}

/// The first month of the unbroken run of evaluated months, ending at `cards[i]`, in
/// which `control` was a finding; `None` when it is not a finding in `cards[i]`.
pub fn open_since(cards: &[&Scorecard], i: usize, control: &str) -> Option<String> {
    let finding = |j: usize| result(cards[j], control).is_some_and(|r| is_finding(r.status));
    if !finding(i) {
        return None;
    }
    let mut first = i;
    while first > 0 && finding(first - 1) {
        first -= 1;
    }
    Some(cards[first].month.to_string())
}

/// "New this month" or "Open since 2026-08"; nothing for the first month evaluated
/// (there is nothing to compare with) or for a result that is not a finding.
pub fn label(cards: &[&Scorecard], i: usize, control: &str) -> Option<String> {
    if i == 0 {
        return None;
    }
    let since = open_since(cards, i, control)?;
    Some(if since == cards[i].month.to_string() {
        "New this month".to_owned()
    } else {
        format!("Open since {since}")
    })
}

/// The findings of `cards[i]` that were not findings the month before (none for the
/// first month evaluated).
pub fn new_findings<'a>(cards: &[&'a Scorecard], i: usize) -> Vec<&'a ControlResult> {
    if i == 0 {
        return Vec::new();
    }
    cards[i]
        .results
        .iter()
        .filter(|r| is_finding(r.status))
        .filter(|r| !result(cards[i - 1], &r.control).is_some_and(|p| is_finding(p.status)))
        .collect()
}

/// The findings of the month before `cards[i]` that pass in it. A finding that became
/// waived, disabled or a licence gap is not fixed: only a pass is.
pub fn fixed<'a>(cards: &[&'a Scorecard], i: usize) -> Vec<&'a ControlResult> {
    if i == 0 {
        return Vec::new();
    }
    cards[i]
        .results
        .iter()
        .filter(|r| r.status == Status::Pass)
        .filter(|r| result(cards[i - 1], &r.control).is_some_and(|p| is_finding(p.status)))
        .collect()
}

/// Fills a month page's history: each finding's label and the fixed list.
pub fn annotate(page: &mut MonthPage, cards: &[&Scorecard], i: usize) {
    let mark = |v: &mut ResultView| v.history = label(cards, i, &v.id);
    page.attention.iter_mut().for_each(mark);
    for s in &mut page.sections {
        s.results.iter_mut().for_each(mark);
    }
    page.fixed = fixed(cards, i)
        .into_iter()
        .map(super::views::result_view)
        .collect();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controls::testing::Fx;
    use crate::month::Month;

    /// Four months of one control: fail, fail, pass, fail.
    fn months(statuses: &[Status]) -> Vec<Scorecard> {
        let base = Fx::new().scorecard();
        statuses
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let mut c = base.clone();
                c.month = Month::parse(&format!("2026-{:02}", i + 6)).unwrap();
                c.results[0].status = *s;
                c
            })
            .collect()
    }

    #[test]
    fn a_finding_is_new_open_since_its_first_month_or_fixed() {
        use Status::*;
        let cards = months(&[Fail, NoEvidence, Pass, Fail, Waived]);
        let refs: Vec<&Scorecard> = cards.iter().collect();
        let id = cards[0].results[0].control.clone();
        // The first month has nothing to compare with: no label, nothing new or fixed.
        assert_eq!(label(&refs, 0, &id), None);
        assert!(new_findings(&refs, 0).is_empty() && fixed(&refs, 0).is_empty());
        // Fail then no evidence: one unbroken run of findings since June.
        assert_eq!(label(&refs, 1, &id).as_deref(), Some("Open since 2026-06"));
        assert!(new_findings(&refs, 1).iter().all(|r| r.control != id));
        // Passing in August: fixed, no label.
        assert_eq!(label(&refs, 2, &id), None);
        assert_eq!(fixed(&refs, 2)[0].control, id);
        // Failing again in September: new again, not open since June.
        assert_eq!(label(&refs, 3, &id).as_deref(), Some("New this month"));
        assert_eq!(new_findings(&refs, 3)[0].control, id);
        // Waived is not fixed.
        assert!(fixed(&refs, 4).iter().all(|r| r.control != id));
    }
}

//! Exit codes, decided here and nowhere else (ripgrep's model): a command says how its
//! run went as an [`Outcome`], or fails with diagnostics; this maps both to the
//! documented codes.

use crate::diagnostic::Diagnostic;

/// How a command's run went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// Everything passed, or the command did what it was asked.
    Success,
    /// Findings: a control fails or lacks evidence (check), a pack was tampered with
    /// (verify), an unjustified weakening (diff --fail-on weaken).
    Findings,
    /// Bad input or usage, already reported (the others were still processed).
    BadInput,
    /// verify: every pack checked is intact, but some could not be re-evaluated.
    NotReevaluated,
}

/// A command that could not run: its diagnostics are printed and the exit code is 2.
#[derive(Debug)]
pub struct Failure(pub Vec<Diagnostic>);

impl From<Diagnostic> for Failure {
    fn from(d: Diagnostic) -> Self {
        Failure(vec![d])
    }
}

impl From<Vec<Diagnostic>> for Failure {
    fn from(d: Vec<Diagnostic>) -> Self {
        Failure(d)
    }
}

/// What a command returns.
pub type CommandResult = Result<Outcome, Failure>;

pub const EXIT_OK: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_INPUT: i32 = 2;
pub const EXIT_NOT_REEVALUATED: i32 = 3;
/// `collect` stopped by Ctrl-C, SIGTERM or SIGHUP (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: i32 = 130;

/// Ends the process at once after an interrupt (the only exit that does not return
/// through [`code`]: the signal handler's thread cannot wait for the command).
pub fn interrupted() -> ! {
    std::process::exit(EXIT_INTERRUPTED)
}

/// The documented exit code of an outcome.
pub fn code(outcome: &CommandResult) -> i32 {
    match outcome {
        Ok(Outcome::Success) => EXIT_OK,
        Ok(Outcome::Findings) => EXIT_FINDINGS,
        Ok(Outcome::BadInput) | Err(_) => EXIT_INPUT,
        Ok(Outcome::NotReevaluated) => EXIT_NOT_REEVALUATED,
    }
}

/// `check`: input errors win over findings, since a run with bad input is incomplete.
pub fn of_check(errors: &[Diagnostic], any_finding: bool) -> Outcome {
    if errors.iter().any(Diagnostic::is_error) {
        Outcome::BadInput
    } else if any_finding {
        Outcome::Findings
    } else {
        Outcome::Success
    }
}

/// `verify`: a tampered or unverifiable pack first, then unreadable input, then packs
/// that could not be re-evaluated.
pub fn of_verify(report: &crate::pack::VerifyReport) -> Outcome {
    if !report.problems.is_empty() {
        Outcome::Findings
    } else if !report.unreadable.is_empty() {
        Outcome::BadInput
    } else if !report.not_reevaluated.is_empty() {
        Outcome::NotReevaluated
    } else {
        Outcome::Success
    }
}

/// Input errors, or success.
pub fn of_errors(errors: &[Diagnostic]) -> Outcome {
    of_check(errors, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Code;

    #[test]
    fn every_outcome_has_its_documented_code() {
        assert_eq!(code(&Ok(Outcome::Success)), 0);
        assert_eq!(code(&Ok(Outcome::Findings)), 1);
        assert_eq!(code(&Ok(Outcome::BadInput)), 2);
        assert_eq!(code(&Err(Failure(Vec::new()))), 2);
        assert_eq!(code(&Ok(Outcome::NotReevaluated)), 3);
    }

    #[test]
    fn input_errors_win_over_findings_but_warnings_do_not_count() {
        let error = Diagnostic::file("clients/a/client.toml", "bad");
        let warning = Diagnostic::general(Code::NotGit, "not a git repository");
        assert_eq!(
            of_check(std::slice::from_ref(&error), true),
            Outcome::BadInput
        );
        assert_eq!(
            of_check(std::slice::from_ref(&warning), true),
            Outcome::Findings
        );
        assert_eq!(of_check(&[warning], false), Outcome::Success);
        assert_eq!(of_errors(&[error]), Outcome::BadInput);
    }

    #[test]
    fn verify_orders_tampering_before_unreadable_before_not_reevaluated() {
        let mut r = crate::pack::VerifyReport::default();
        assert_eq!(of_verify(&r), Outcome::Success);
        r.not_reevaluated.push("x".into());
        assert_eq!(of_verify(&r), Outcome::NotReevaluated);
        r.unreadable.push("x".into());
        assert_eq!(of_verify(&r), Outcome::BadInput);
        r.problems.push("x".into());
        assert_eq!(of_verify(&r), Outcome::Findings);
        assert_eq!(code(&Ok(of_verify(&r))), r.exit_code());
    }
}

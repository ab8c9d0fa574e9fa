//! Large-tenant benchmark: a synthetic client with 200,000 users, their MFA registration
//! and 200,000 mailbox protection units (about 150 MB of Graph JSON), loaded and evaluated
//! end to end.
//!
//! Run: `cargo bench --bench evaluate` (set `CUSTODY_BENCH_USERS` to change the size).
//! Target: load + evaluate of one 200k-user month well under 5 s on a 2-core machine;
//! evaluation itself is a small fraction of reading the input.

use custody::client_id::ClientId;
use custody::controls::testing::Fx;
use custody::evaluate::{MonthInput, evaluate_month, restore_history};
use custody::evidence::{load_snapshot, months};
use custody::month::Month;
use custody::scorecard::PolicyProvenance;
use std::fmt::Write;
use std::time::Instant;

fn main() {
    let n: usize = std::env::var("CUSTODY_BENCH_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let dir = std::env::temp_dir().join(format!("custody-bench-{}", std::process::id()));
    let (mut users, mut regs) = (String::from("{\"value\":["), String::from("{\"value\":["));
    let mut units = String::from("{\"value\":[");
    for i in 0..n {
        let sep = if i == 0 { "" } else { "," };
        let id = format!("00000000-0000-0000-0000-{i:012}");
        let _ = write!(
            users,
            r#"{sep}{{"id":"{id}","displayName":"User {i}","userPrincipalName":"user{i}@big.example","userType":"Member","accountEnabled":true,"assignedLicenses":[{{"skuId":"x"}}],"signInActivity":{{"lastSignInDateTime":"2026-11-0{}T08:00:00Z","lastNonInteractiveSignInDateTime":"0001-01-01T00:00:00Z","lastSuccessfulSignInDateTime":null}}}}"#,
            1 + i % 9
        );
        let _ = write!(
            regs,
            r#"{sep}{{"id":"{id}","userPrincipalName":"user{i}@big.example","userDisplayName":"User {i}","isAdmin":false,"isMfaRegistered":{},"userType":"member","methodsRegistered":["microsoftAuthenticatorPush"]}}"#,
            i % 37 != 0
        );
        let _ = write!(
            units,
            r##"{sep}{{"@odata.type":"#microsoft.graph.mailboxProtectionUnit","id":"u{i}","policyId":"pp1","directoryObjectId":"{id}","email":"user{i}@big.example","status":"{}"}}"##,
            if i % 101 == 0 {
                "protectRequested"
            } else {
                "protected"
            }
        );
    }
    units.push_str("]}");
    users.push_str("]}");
    regs.push_str("]}");
    let mb = (users.len() + regs.len() + units.len()) as f64 / 1e6;
    Fx::new()
        .graph("users.json", &users)
        .graph("userRegistrationDetails.json", &regs)
        .graph("mailboxProtectionUnits.json", &units)
        .write_to(&dir, "big");

    let id = ClientId::parse("big").expect("id");
    let month = Month::parse("2026-11").expect("month");
    let t = Instant::now();
    let (policy, _) = custody::evaluate::working_tree_policy(&dir, &id).expect("policy loads");
    let snap = load_snapshot(&dir, &id, month);
    let load = t.elapsed();
    let t = Instant::now();
    let (history, _) = restore_history(&dir, &id, &months(&dir, &id), month);
    let provenance = PolicyProvenance::working_tree(Vec::new());
    let card = evaluate_month(&MonthInput {
        client: &id,
        policy: &policy,
        provenance,
        snap: &snap,
        prev: None,
        earlier: false,
        restore_history: &history,
    });
    let eval = t.elapsed();
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "{n} users ({mb:.1} MB of Graph JSON): load {:.2}s, evaluate {:.3}s, score {:?}, mfa-users {:?}, exchange coverage {:?}",
        load.as_secs_f64(),
        eval.as_secs_f64(),
        card.score,
        card.metrics.mfa_users_percent,
        card.results
            .iter()
            .find(|r| r.control == "backup.exchange.protection-coverage")
            .and_then(|r| r.measured_value)
    );
}

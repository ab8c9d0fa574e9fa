//! Fabrikam Logistics GmbH: the struggling client that improves over the half-year
//! (remediation plan FAB-1150): too many Global Administrators, a guest admin, MFA in
//! report-only, unprotected mailboxes, an RPO breach, then PIM, enforcement and coverage.

use super::audit::{PimDetails, core_event, pim_event};
use super::graph::{Ca, admin_role_ids, ca_policy, score_control};
use super::ids::{T, dt, gid, month_of};
use super::json::J;
use super::model::{
    Client, Grant, Items, JobIds, JobSpec, Kind, Licence, Person, RestoreTest, SignIn, Site,
};
use super::policies::{LIMITED_GUESTS, MEMBER_GUESTS, NEVER_EXPIRE};
use super::reference::{GA, MONTHS};

const STAFF: &[(&str, &str)] = &[
    ("joerg.mueller", "Jörg Müller"),
    ("sabine.kuehn", "Sabine Kühn"),
    ("bjoern.schaefer", "Björn Schäfer"),
    ("claudia.wagner", "Claudia Wagner"),
    ("thomas.fischer", "Thomas Fischer"),
    ("petra.hoffmann", "Petra Hoffmann"),
    ("markus.becker", "Markus Becker"),
    ("julia.richter", "Julia Richter"),
    ("andreas.wolf", "Andreas Wolf"),
    ("nicole.schulz", "Nicole Schulz"),
    ("frank.zimmermann", "Frank Zimmermann"),
    ("monika.krueger", "Monika Krüger"),
    ("tobias.hartmann", "Tobias Hartmann"),
    ("sandra.lange", "Sandra Lange"),
    ("michael.schmitt", "Michael Schmitt"),
    ("kerstin.werner", "Kerstin Werner"),
    ("daniel.krause", "Daniel Krause"),
    ("birgit.meier", "Birgit Meier"),
    ("oliver.lehmann", "Oliver Lehmann"),
    ("ute.koehler", "Ute Köhler"),
];

/// When each member registered for MFA (`None`: never); the rollout that lifts 69% to 96%.
const MFA: &[(&str, Option<&str>)] = &[
    ("joerg.mueller", Some("2024-02-01")),
    ("sabine.kuehn", Some("2024-02-01")),
    ("bjoern.schaefer", Some("2026-06-15")),
    ("claudia.wagner", Some("2024-02-01")),
    ("thomas.fischer", Some("2026-07-20")),
    ("petra.hoffmann", Some("2024-02-01")),
    ("markus.becker", Some("2026-06-22")),
    ("julia.richter", Some("2024-02-01")),
    ("andreas.wolf", Some("2026-09-21")),
    ("nicole.schulz", Some("2024-02-01")),
    ("frank.zimmermann", Some("2026-11-09")),
    ("monika.krueger", Some("2024-02-01")),
    ("tobias.hartmann", Some("2024-02-01")),
    ("sandra.lange", Some("2026-07-22")),
    ("michael.schmitt", Some("2024-02-01")),
    ("kerstin.werner", Some("2026-10-12")),
    ("daniel.krause", Some("2024-02-01")),
    ("birgit.meier", Some("2024-02-01")),
    ("oliver.lehmann", None),
    ("ute.koehler", Some("2024-02-01")),
];

const ONMS: &str = "fabrikamlogistics.onmicrosoft.com";

fn member(alias: &str, name: &str) -> Person {
    let mut p = Person::new(
        alias,
        name,
        &format!("{alias}@fabrikam.example"),
        Kind::Member,
    );
    p.licences = vec![Licence::Always("SPB")];
    p
}

fn opt(s: &str) -> Option<String> {
    Some(s.to_owned())
}

pub fn client() -> Client {
    let mut c = Client::new("fabrikam");
    c.name = "Fabrikam Logistics GmbH";
    c.tenant_name = "fabrikamlogistics";
    c.domain = "fabrikam.example";
    c.onms = ONMS;
    c.sp_host = "fabrikamlogistics.sharepoint.com";
    c.office_ip = "203.0.113.77";
    c.p1 = true;
    c.p2 = |t| t >= dt("2026-09-01");
    c.m365_backup = true;
    c.security_defaults = false;
    c.audit_retention_days = 30;
    c.backup_since = "2026-03-02T09:00:00";
    c.backup_admin = "katrin.vogel";
    c.policy_modified = vec![
        (
            "exchange",
            vec![
                "2026-06-30T10:00:00",
                "2026-08-18T10:00:00",
                "2026-09-29T10:00:00",
            ],
        ),
        ("onedrive", vec!["2026-07-14T10:00:00"]),
        ("sharepoint", vec!["2026-09-01T10:00:00"]),
    ];

    // tested irregularly until the MSP started monthly break-glass tests in July
    let mut bg1 = Person::new(
        "bg-01",
        "Notfallzugang 01",
        &format!("bg-01@{ONMS}"),
        Kind::BreakGlass,
    );
    bg1.created = "2025-02-03".into();
    bg1.signin = SignIn::Monthly;
    bg1.monthly_from = Some(("2026-07-01".into(), "2026-05-20T07:41:09".into()));
    bg1.mailbox = false;
    bg1.drive = false;
    bg1.mfa_from = opt("2025-02-03");
    c.add(bg1);
    let mut bg2 = Person::new(
        "bg-02",
        "Notfallzugang 02",
        &format!("bg-02@{ONMS}"),
        Kind::BreakGlass,
    );
    bg2.created = "2026-07-08T09:20:00".into();
    bg2.signin = SignIn::Monthly;
    bg2.mailbox = false;
    bg2.drive = false;
    bg2.mfa_from = opt("2026-07-08T09:35:00");
    c.add(bg2);
    let p = c.add(member("juergen.weiss", "Jürgen Weiß"));
    p.mfa_from = opt("2026-08-04T07:31:00");
    p.lower_case = true;
    c.add(member("katrin.vogel", "Katrin Vogel")).methods = Some(vec![
        "microsoftAuthenticatorPush",
        "softwareOneTimePasscode",
        "passKeyDeviceBound",
    ]);
    c.add(member("stefan.braun", "Stefan Braun")).mfa_from = opt("2026-08-05");
    c.add(member("anna.schmidt", "Anna Schmidt"));
    let p = c.add(member("lukas.meyer", "Lukas Meyer"));
    p.created = "2026-09-14T08:00:00".into();
    p.mfa_from = opt("2026-09-14T09:10:00");
    p.methods = Some(vec![
        "passKeyDeviceBound",
        "microsoftAuthenticatorPush",
        "softwareOneTimePasscode",
    ]);
    // legacy Exchange admin account: unlicensed, unused since January, old SMS registration
    let mut exo = Person::new(
        "exo-admin",
        "EXO Admin (legacy)",
        &format!("exo-admin@{ONMS}"),
        Kind::Member,
    );
    exo.created = "2023-05-10".into();
    exo.signin = SignIn::Fixed;
    exo.last_signin = opt("2026-01-14T08:02:11");
    exo.methods = Some(vec!["mobilePhone"]);
    exo.mailbox = false;
    exo.drive = false;
    exo.disabled = opt("2026-10-07T10:15:00");
    exo.deleted = opt("2026-11-04T09:00:00");
    exo.mfa_from = opt("2023-05-10");
    c.add(exo);
    for (alias, name) in STAFF {
        // warehouse staff without company phones stop signing in once MFA is enforced (4 Aug)
        // and come back when they register
        let (a, n) = (alias.chars().count(), name.chars().count());
        let last = format!(
            "2026-07-{:02}T{:02}:{:02}:00",
            20 + a % 11,
            6 + a % 9,
            n * 3 % 60
        );
        let p = c.add(member(alias, name));
        p.mfa_from = MFA
            .iter()
            .find(|(k, _)| k == alias)
            .and_then(|(_, m)| m.map(String::from));
        p.dormant = Some(("2026-08-04".into(), last));
    }
    let p = c.add(member("lea.brandt", "Lea Brandt"));
    p.created = "2026-11-02T08:00:00".into();
    p.mfa_from = opt("2026-11-02T08:45:00");
    // leavers
    let p = c.add(member("heike.vogt", "Heike Vogt"));
    p.created = "2023-05-10".into();
    p.disabled = opt("2026-03-31T17:00:00");
    p.mfa_from = None;
    let p = c.add(member("rainer.koch", "Rainer Koch"));
    p.created = "2023-05-10".into();
    p.disabled = opt("2026-08-28T16:00:00");
    for (alias, name) in [
        ("disposition", "Disposition"),
        ("buchhaltung", "Buchhaltung"),
    ] {
        let mut p = Person::new(
            alias,
            name,
            &format!("{alias}@fabrikam.example"),
            Kind::Shared,
        );
        p.mfa_from = None;
        p.signin = SignIn::None;
        p.drive = false;
        c.add(p);
    }
    let mut g = Person::new(
        "marco.rossi",
        "Marco Rossi (Partner IT)",
        &format!("marco.rossi_partner.example#EXT#@{ONMS}"),
        Kind::Guest,
    );
    g.created = "2024-09-02".into();
    g.signin = SignIn::Guest;
    g.mailbox = false;
    g.drive = false;
    g.mfa_from = opt("2024-09-02");
    g.methods = Some(vec![
        "microsoftAuthenticatorPush",
        "softwareOneTimePasscode",
    ]);
    g.guest_mail = opt("marco.rossi@partner.example");
    c.add(g);
    let mut g2 = Person::new(
        "elena.petrova",
        "Elena Petrova",
        &format!("elena.petrova_auditor.example#EXT#@{ONMS}"),
        Kind::Guest,
    );
    g2.created = "2025-11-18".into();
    g2.signin = SignIn::Fixed;
    g2.last_signin = opt("2025-12-03T10:12:44");
    g2.mailbox = false;
    g2.drive = false;
    g2.mfa_from = None;
    g2.guest_mail = opt("elena.petrova@auditor.example");
    c.add(g2);
    // leavers lose their licences
    for p in &mut c.people {
        if let Some(disabled) = p.disabled.clone() {
            let created = p.created.clone();
            for l in &mut p.licences {
                if let Licence::Always(s) = l {
                    *l = Licence::Window(s, created.clone(), Some(disabled.clone()));
                }
            }
        }
    }
    // Entra ID P2 for the four admins from September
    for alias in [
        "katrin.vogel",
        "stefan.braun",
        "anna.schmidt",
        "lukas.meyer",
    ] {
        c.person_mut(alias).licences.push(Licence::Window(
            "AAD_PREMIUM_P2",
            "2026-09-01".into(),
            None,
        ));
    }

    c.add_sp(
        "mail-relay",
        "Fabrikam Legacy Mail Relay",
        "fabrikam-mail-relay",
    );

    c.grants = vec![
        Grant::active("bg-01", GA, "2025-02-03T11:00:00"),
        Grant::active("bg-02", GA, "2026-07-08T09:40:00"),
        Grant::active("juergen.weiss", GA, "2023-05-10T09:00:00").until("2026-07-09T14:05:00"),
        Grant::active("katrin.vogel", GA, "2023-05-10T09:00:00").until("2026-09-10T10:30:00"),
        Grant::eligible("katrin.vogel", GA, "2026-09-10T10:28:00"),
        Grant::active("marco.rossi", GA, "2024-09-02T15:00:00").until("2026-09-04T08:50:00"),
        Grant::active("stefan.braun", GA, "2023-05-10T09:00:00").until("2026-08-12T13:00:00"),
        Grant::active("stefan.braun", "User Administrator", "2026-08-12T13:01:00")
            .until("2026-09-10T10:40:00"),
        Grant::eligible("stefan.braun", "User Administrator", "2026-09-10T10:38:00"),
        Grant::active(
            "anna.schmidt",
            "Helpdesk Administrator",
            "2026-06-10T11:20:00",
        )
        .until("2026-09-10T10:50:00"),
        Grant::eligible(
            "anna.schmidt",
            "Helpdesk Administrator",
            "2026-09-10T10:48:00",
        ),
        Grant::active("exo-admin", "Exchange Administrator", "2023-05-10T09:30:00")
            .until("2026-10-07T10:10:00"),
        Grant::active(
            "mail-relay",
            "Exchange Administrator",
            "2024-03-12T16:00:00",
        )
        .until("2026-09-04T09:05:00"),
        Grant::eligible(
            "lukas.meyer",
            "Exchange Administrator",
            "2026-10-09T09:00:00",
        ),
        Grant::eligible(
            "lukas.meyer",
            "SharePoint Administrator",
            "2026-11-05T14:20:00",
        ),
    ];
    c.audit_events = audit_events;
    c.ca_policies = Box::new(ca_policies);
    c.skus = |t| {
        let mut s = vec![("SPB", 28, 0)];
        if t >= dt("2026-09-01") {
            s.push(("AAD_PREMIUM_P2", 4, 0));
        }
        s
    };
    c.score = |t| {
        let i = MONTHS.iter().position(|m| *m == month_of(t)).unwrap_or(0);
        let mut services = vec!["HasAADP1", "HasEXOP1", "HasSPOP1", "HasMDOP1", "HasINTUNE"];
        if i >= 3 {
            services.push("HasAADP2");
        }
        (
            [142.5, 151.0, 188.26, 231.7, 246.12, 259.3][i],
            448.0,
            services,
        )
    };
    c.score_controls = |t| {
        let mfa = t >= dt("2026-08-04");
        let legacy = t >= dt("2026-09-08");
        let pick = |on: bool, v: f64| if on { v } else { 0.0 };
        vec![
            score_control(
                "AdminMFAV2",
                "Require multifactor authentication for administrative roles",
                pick(mfa, 10.0),
                pick(mfa, 100.0),
                false,
                t,
            ),
            score_control(
                "BlockLegacyAuthentication",
                "Block legacy authentication",
                pick(legacy, 8.0),
                pick(legacy, 100.0),
                false,
                t,
            ),
        ]
    };
    c.missing = |c, f, t| {
        let pim = [
            "graph/roleEligibilitySchedules.json",
            "graph/roleAssignmentSchedules.json",
            "graph/roleManagementPolicyAssignments.json",
        ];
        if pim.contains(&f) && !(c.p2)(t) {
            return vec![
                ("status".into(), J::Int(403)),
                ("missing".into(), "not_licensed".into()),
                ("reason".into(), "Entra ID P2 is required".into()),
            ];
        }
        vec![]
    };

    // Hybrid identity: staff accounts (fabrikam.example) are synchronised from the
    // on-premises Active Directory, admins included; break-glass, the legacy Exchange admin
    // and guests are cloud-only. SMS stays on for the warehouse group and the methods
    // migration is unfinished; users may consent to any app until September, then to
    // low-impact apps of verified publishers; guests have member access until September,
    // then limited access; the public domain keeps a 90-day password expiry (the
    // federated subsidiary domain is left out); Global Administrator activation (P2 from
    // September) needs no approval.
    for p in &mut c.people {
        if p.upn.ends_with("@fabrikam.example") && p.kind != Kind::Guest {
            p.synced = true;
        }
    }
    c.auth_methods = Box::new(|c, _| {
        let warehouse = gid(&[c.cid, "group", "Lager SMS"]);
        (
            "migrationInProgress",
            vec![
                ("Sms", vec![warehouse]),
                ("Email", vec!["all_users".into()]),
            ],
        )
    });
    c.user_consent = |t| {
        if t >= dt("2026-09-01") {
            vec!["ManagePermissionGrantsForSelf.microsoft-user-default-low"]
        } else {
            vec!["ManagePermissionGrantsForSelf.microsoft-user-default-legacy"]
        }
    };
    c.guest_role = |t| {
        if t >= dt("2026-09-01") {
            LIMITED_GUESTS
        } else {
            MEMBER_GUESTS
        }
    };
    c.domains = vec![
        ("fabrikam.example", "Managed", true, Some(90), true),
        (ONMS, "Managed", true, Some(NEVER_EXPIRE), true),
        ("fabrikam-spedition.example", "Federated", true, None, true),
    ];
    c.activation_approval = Box::new(|_, _, _| (false, vec![]));
    c.unit_status = unit_status;
    let site_list = [
        ("root", "Fabrikam Intranet", "/", None),
        ("dispo", "Disposition", "/sites/Disposition", None),
        (
            "buchhaltung",
            "Buchhaltung",
            "/sites/Buchhaltung",
            Some("2026-09-01"),
        ),
        ("lager", "Lager Hamburg", "/sites/LagerHamburg", None),
        (
            "fuhrpark",
            "Fuhrpark",
            "/sites/Fuhrpark",
            Some("2026-08-01"),
        ),
        ("qm", "Qualitätsmanagement", "/sites/QM", None),
        ("vertrieb", "Vertrieb", "/teams/Vertrieb", None),
    ];
    c.sites = site_list
        .into_iter()
        .map(
            |(key, name, path, protected_from): (
                &'static str,
                &'static str,
                &'static str,
                Option<&'static str>,
            )| Site {
                key,
                name,
                path,
                created: "2024-01-10",
                status: Box::new(move |t: T| {
                    if protected_from.is_none_or(|f| t >= dt(f)) {
                        "protected"
                    } else {
                        "unprotected"
                    }
                }),
            },
        )
        .collect();

    let m365 = |offset_min: i64,
                workload: &'static str,
                failures: Vec<(&'static str, (usize, usize))>| JobSpec {
        product: "Microsoft 365 Backup",
        every_h: 8,
        offset_min,
        minutes: (6, 26),
        job_id: JobIds::M365,
        items: Items::Units(workload),
        failures,
        outages: vec![],
        fail_messages: vec![
            "Backup service throttled by Exchange Online; retry scheduled",
            "Transient service error (503), retried at next run",
        ],
        warn_messages: vec![
            "Completed with skipped items: mailbox over quota",
            "Completed with skipped items",
        ],
    };
    let mut exchange = m365(
        5,
        "exchange",
        vec![
            ("2026-06", (6, 4)),
            ("2026-07", (0, 2)),
            ("2026-08", (5, 4)),
            ("2026-09", (0, 1)),
        ],
    );
    exchange.outages = vec![(
        "2026-07",
        vec![(
            "2026-07-14T02:00:00",
            "2026-07-15T14:00:00",
            "Backup paused: Exchange protection policy suspended during licence change",
        )],
    )];
    c.job_specs = vec![
        ("exchange", exchange),
        (
            "onedrive",
            m365(
                15,
                "onedrive",
                vec![("2026-06", (0, 3)), ("2026-07", (1, 1))],
            ),
        ),
        (
            "sharepoint",
            m365(
                25,
                "sharepoint",
                vec![("2026-06", (1, 2)), ("2026-08", (0, 1))],
            ),
        ),
        (
            "teams",
            JobSpec {
                product: "Acme Cloud Backup",
                every_h: 8,
                offset_min: 60 + 50,
                minutes: (25, 70),
                job_id: JobIds::Acme,
                items: Items::Const(14),
                failures: vec![
                    ("2026-06", (8, 1)),
                    ("2026-07", (6, 2)),
                    ("2026-08", (5, 1)),
                    ("2026-10", (0, 1)),
                ],
                outages: vec![],
                fail_messages: vec![
                    "Graph API throttling (429) exceeded retry budget",
                    "Authentication failed: connector app secret expired",
                    "Job aborted: storage quota exceeded at target",
                ],
                warn_messages: vec![
                    "2 channel messages skipped (protected content)",
                    "1 team skipped: archived",
                ],
            },
        ),
    ];
    c.job_columns = vec![
        "job_id",
        "workload",
        "started_at",
        "finished_at",
        "status",
        "items_total",
        "items_protected",
        "product",
        "message",
    ];

    let test = |date, time, workload, item, duration, ticket, product| RestoreTest {
        date,
        time,
        workload,
        item,
        result: "passed",
        duration,
        ticket,
        performed_by: "MSP Backup Team",
        product: Some(product),
        session_error: None,
    };
    let mut failed = test(
        "2026-09-16",
        "10:00:00",
        "exchange",
        "Mailbox disposition@fabrikam.example, Inbox (1,204 items) to a new folder",
        "3h",
        "FAB-1187",
        "m365",
    );
    failed.result = "failed";
    failed.session_error = Some((
        "RestoreArtifactFailed",
        "The mailbox restore point could not be mounted. Retry the restore or contact support.",
    ));
    c.tests = vec![
        failed,
        test(
            "2026-10-06",
            "09:00:00",
            "exchange",
            "Mailbox disposition@fabrikam.example, Inbox (1,311 items) to a new folder",
            "50m",
            "FAB-1199",
            "m365",
        ),
        test(
            "2026-10-08",
            "13:00:00",
            "onedrive",
            "OneDrive of petra.hoffmann@fabrikam.example, folder Angebote (640 files)",
            "40m",
            "FAB-1201",
            "m365",
        ),
        test(
            "2026-10-14",
            "09:30:00",
            "sharepoint",
            "Site /sites/Buchhaltung, library Belege 2025 (3,876 files) to a new site",
            "4h",
            "FAB-1207",
            "m365",
        ),
        test(
            "2026-10-20",
            "10:00:00",
            "teams",
            "Team Disposition, channel Tagesplanung (messages and files, 30 days)",
            "2h",
            "FAB-1212",
            "acme",
        ),
        test(
            "2026-11-03",
            "09:00:00",
            "exchange",
            "Mailbox buchhaltung@fabrikam.example, folder Rechnungen (2,048 items)",
            "55m",
            "FAB-1226",
            "m365",
        ),
        test(
            "2026-11-05",
            "14:00:00",
            "onedrive",
            "OneDrive of juergen.weiss@fabrikam.example, whole drive to a new location (2,210 files)",
            "75m",
            "FAB-1229",
            "m365",
        ),
        test(
            "2026-11-10",
            "09:00:00",
            "sharepoint",
            "Site /sites/QM, full site to a new URL",
            "3h",
            "FAB-1234",
            "m365",
        ),
        test(
            "2026-11-18",
            "10:30:00",
            "teams",
            "Team Vertrieb, channel Allgemein (messages and files, 90 days)",
            "150m",
            "FAB-1240",
            "acme",
        ),
    ];
    c
}

/// Protection coverage: who was still outside the policies each month.
fn unit_status(workload: &str, p: &Person, t: T) -> Option<&'static str> {
    let unprotected: &[&str] = match (workload, month_of(t).as_str()) {
        ("exchange", "2026-06") => &[
            "oliver.lehmann",
            "ute.koehler",
            "birgit.meier",
            "daniel.krause",
            "buchhaltung",
            "rainer.koch",
        ],
        ("exchange", "2026-07") => &[
            "oliver.lehmann",
            "ute.koehler",
            "birgit.meier",
            "buchhaltung",
        ],
        ("exchange", "2026-08") => &["oliver.lehmann", "ute.koehler", "buchhaltung"],
        ("exchange", "2026-09") => &["buchhaltung"],
        ("onedrive", "2026-06") => &["oliver.lehmann", "ute.koehler", "birgit.meier"],
        ("onedrive", "2026-07") => &["oliver.lehmann"],
        _ => &[],
    };
    if unprotected.contains(&p.alias.as_str()) {
        return Some("unprotected");
    }
    if workload == "exchange" && month_of(t) == "2026-09" && p.alias == "lukas.meyer" {
        return Some("protectRequested");
    }
    if p.alias == "rainer.koch" && workload == "onedrive" && t >= dt("2026-09-01") {
        return None; // OneDrive deleted after the leaver's retention period
    }
    Some("protected")
}

fn audit_events(c: &Client) -> Vec<J> {
    let k = Some("katrin.vogel");
    let mut ev = vec![
        core_event(
            c,
            "2026-06-10T11:20:00",
            "Add member to role",
            k,
            "anna.schmidt",
            "Helpdesk Administrator",
            None,
        ),
        core_event(
            c,
            "2026-07-08T09:40:00",
            "Add member to role",
            k,
            "bg-02",
            GA,
            None,
        ),
        core_event(
            c,
            "2026-07-09T14:05:00",
            "Remove member from role",
            k,
            "juergen.weiss",
            GA,
            None,
        ),
        core_event(
            c,
            "2026-08-12T13:00:00",
            "Remove member from role",
            k,
            "stefan.braun",
            GA,
            None,
        ),
        core_event(
            c,
            "2026-08-12T13:01:00",
            "Add member to role",
            k,
            "stefan.braun",
            "User Administrator",
            None,
        ),
        core_event(
            c,
            "2026-09-04T08:50:00",
            "Remove member from role",
            k,
            "marco.rossi",
            GA,
            None,
        ),
        core_event(
            c,
            "2026-09-04T09:05:00",
            "Remove member from role",
            k,
            "mail-relay",
            "Exchange Administrator",
            None,
        ),
        core_event(
            c,
            "2026-10-07T10:10:00",
            "Remove member from role",
            k,
            "exo-admin",
            "Exchange Administrator",
            None,
        ),
    ];
    let why = |j: &'static str| PimDetails {
        justification: Some(j),
        ..PimDetails::default()
    };
    for (who, role, at, rm) in [
        (
            "katrin.vogel",
            GA,
            "2026-09-10T10:28:00",
            "2026-09-10T10:30:00",
        ),
        (
            "stefan.braun",
            "User Administrator",
            "2026-09-10T10:38:00",
            "2026-09-10T10:40:00",
        ),
        (
            "anna.schmidt",
            "Helpdesk Administrator",
            "2026-09-10T10:48:00",
            "2026-09-10T10:50:00",
        ),
    ] {
        ev.push(pim_event(
            c,
            at,
            "Add eligible member to role in PIM completed (permanent)",
            "katrin.vogel",
            who,
            role,
            why("Move to PIM, ticket FAB-1160"),
        ));
        ev.push(core_event(
            c,
            rm,
            "Remove member from role",
            k,
            who,
            role,
            None,
        ));
    }
    ev.push(pim_event(
        c,
        "2026-10-09T09:00:00",
        "Add eligible member to role in PIM completed (permanent)",
        "katrin.vogel",
        "lukas.meyer",
        "Exchange Administrator",
        why("Replaces legacy EXO admin account, ticket FAB-1203"),
    ));
    ev.push(pim_event(
        c,
        "2026-11-05T14:20:00",
        "Add eligible member to role in PIM completed (permanent)",
        "katrin.vogel",
        "lukas.meyer",
        "SharePoint Administrator",
        why("SharePoint ownership moves to IT, ticket FAB-1231"),
    ));
    ev
}

fn ca_policies(c: &Client, t: T) -> Vec<J> {
    let mut bg = vec![c.person("bg-01").id.clone()];
    if t >= dt("2026-07-08T10:00:00") {
        bg.push(c.person("bg-02").id.clone());
    }
    let enforced = t >= dt("2026-08-04");
    let mfa_state = if enforced {
        "enabled"
    } else {
        "enabledForReportingButNotEnforced"
    };
    let mfa_modified = if enforced {
        "2026-08-04T07:02:19.5512003Z"
    } else if t >= dt("2026-07-08T10:00:00") {
        "2026-07-08T10:03:41.0023188Z"
    } else {
        "2026-05-12T14:47:09.8841275Z"
    };
    let all = || vec!["All".to_owned()];
    let id = |k: &str| gid(&[c.cid, "ca", k]);
    let mut out = vec![ca_policy(
        &id("mfa-all"),
        "Require MFA for all users",
        mfa_state,
        "2026-05-12T14:47:09.8841275Z",
        mfa_modified,
        Ca {
            include_users: all(),
            exclude_users: bg.clone(),
            builtin: vec!["mfa"],
            ..Ca::default()
        },
    )];
    if t < dt("2026-09-01") {
        out.push(ca_policy(
            &id("test"),
            "Testrichtlinie Marco (nicht verwenden)",
            "disabled",
            "2024-10-01T12:00:31.1000042Z",
            "2024-10-01T12:00:31.1000042Z",
            Ca {
                include_users: vec![c.person("marco.rossi").id.clone()],
                builtin: vec!["mfa"],
                ..Ca::default()
            },
        ));
    } else {
        out.push(ca_policy(
            &id("legacy"),
            "Block legacy authentication",
            "enabled",
            "2026-09-08T08:30:12.4410987Z",
            "2026-09-08T08:30:12.4410987Z",
            Ca {
                include_users: all(),
                exclude_users: bg.clone(),
                client_app_types: Some(vec!["exchangeActiveSync", "other"]),
                builtin: vec!["block"],
                template: Some("0b2282f9-2862-4178-88b5-d79340b36cb8"),
                ..Ca::default()
            },
        ));
        out.push(ca_policy(
            &id("admins"),
            "Require MFA for admins",
            "enabled",
            "2026-09-08T08:41:55.0073321Z",
            "2026-09-08T08:41:55.0073321Z",
            Ca {
                include_roles: admin_role_ids(),
                exclude_users: bg.clone(),
                builtin: vec!["mfa"],
                template: Some("c7503427-338e-4c5e-902d-abe252abfb43"),
                ..Ca::default()
            },
        ));
        // Risk policies came with Entra ID P2: the sign-in one is still report-only, the
        // user-risk one asks for MFA but forgets the password change ...
        out.push(ca_policy(
            &id("sign-in-risk"),
            "Block high-risk sign-ins",
            "enabledForReportingButNotEnforced",
            "2026-09-08T08:50:03.1170042Z",
            "2026-09-08T08:50:03.1170042Z",
            Ca {
                include_users: all(),
                exclude_users: bg.clone(),
                sign_in_risk: vec!["high"],
                builtin: vec!["block"],
                ..Ca::default()
            },
        ));
        // ... and excludes only the first break-glass account: it can lock bg-02 out.
        out.push(ca_policy(
            &id("user-risk"),
            "High user risk: require MFA",
            "enabled",
            "2026-09-08T08:52:27.6603518Z",
            "2026-09-08T08:52:27.6603518Z",
            Ca {
                include_users: all(),
                exclude_users: bg[..1].to_vec(),
                user_risk: vec!["high"],
                builtin: vec!["mfa"],
                ..Ca::default()
            },
        ));
    }
    out
}

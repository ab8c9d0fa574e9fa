//! Northwind Traders Ltd: the mature client. Everything passes every month except a
//! waived stale seasonal admin; October catches two protection units still being added.

use super::audit::{PimDetails, core_event, ms_pim_app, pim_event};
use super::graph::{Ca, admin_role_ids, ca_policy, score_control};
use super::ids::{T, dt, gid, hours, month_of, rng, secs, ts};
use super::json::{J, obj, strs};
use super::model::{
    Activation, Client, Grant, Items, JobIds, JobSpec, Kind, Licence, Person, RestoreTest, SignIn,
    Site,
};
use super::policies::{NEVER_EXPIRE, RESTRICTED_GUESTS, approver_group};
use super::reference::{GA, MONTHS};

const STAFF: &[(&str, &str)] = &[
    ("olivia.chen", "Olivia Chen"),
    ("daniel.hughes", "Daniel Hughes"),
    ("sofia.romero", "Sofia Romero"),
    ("james.whitfield", "James Whitfield"),
    ("amelia.clarke", "Amelia Clarke"),
    ("noah.patel", "Noah Patel"),
    ("isla.murray", "Isla Murray"),
    ("ethan.brooks", "Ethan Brooks"),
    ("grace.lindqvist", "Grace Lindqvist"),
    ("lucas.moreau", "Lucas Moreau"),
    ("hannah.price", "Hannah Price"),
    ("oscar.jensen", "Oscar Jensen"),
    ("mia.thompson", "Mia Thompson"),
    ("leo.fernandes", "Leo Fernandes"),
    ("ava.kowalczyk", "Ava Kowalczyk"),
    ("samuel.reid", "Samuel Reid"),
    ("zara.ahmed", "Zara Ahmed"),
    ("henry.walsh", "Henry Walsh"),
    ("ella.novak", "Ella Novak"),
    ("jack.osei", "Jack Osei"),
    ("adam.kaur", "Adam Kaur"),
    ("freya.wilson", "Freya Wilson"),
    ("chloe.adams", "Chloe Adams"),
    ("ian.fletcher", "Ian Fletcher"),
    ("nina.rossi", "Nina Rossi"),
    ("paul.grant", "Paul Grant"),
];

const LIC: [&str; 2] = ["SPE_E3", "EMSPREMIUM"];
const ADMIN_METHODS: [&str; 4] = [
    "passKeyDeviceBound",
    "microsoftAuthenticatorPasswordless",
    "microsoftAuthenticatorPush",
    "softwareOneTimePasscode",
];

/// A licensed staff member of northwind.example.
fn member(alias: &str, name: &str) -> Person {
    let mut p = Person::new(
        alias,
        name,
        &format!("{alias}@northwind.example"),
        Kind::Member,
    );
    p.licences = LIC.iter().map(|s| Licence::Always(s)).collect();
    p
}

fn guest(alias: &str, name: &str, home: &str) -> Person {
    let mut p = Person::new(
        alias,
        name,
        &format!("{}_{home}#EXT#@northwind.onmicrosoft.com", alias),
        Kind::Guest,
    );
    p.signin = SignIn::Guest;
    p.mailbox = false;
    p.drive = false;
    p.guest_mail = Some(format!("{alias}@{home}"));
    p
}

fn break_glass(alias: &str, name: &str) -> Person {
    let mut p = Person::new(
        alias,
        name,
        &format!("{alias}@northwind.onmicrosoft.com"),
        Kind::BreakGlass,
    );
    p.created = "2024-01-15".into();
    p.signin = SignIn::Monthly;
    p.mailbox = false;
    p.drive = false;
    p.methods = Some(vec!["passKeyDeviceBound"]);
    p
}

fn shared(alias: &str, name: &str) -> Person {
    let mut p = Person::new(
        alias,
        name,
        &format!("{alias}@northwind.example"),
        Kind::Shared,
    );
    p.mfa_from = None;
    p.signin = SignIn::None;
    p.drive = false;
    p
}

pub fn client() -> Client {
    let mut c = Client::new("northwind");
    c.name = "Northwind Traders Ltd";
    c.tenant_name = "northwind";
    c.domain = "northwind.example";
    c.onms = "northwind.onmicrosoft.com";
    c.sp_host = "northwind.sharepoint.com";
    c.office_ip = "198.51.100.24";
    c.p1 = true;
    c.p2 = |_| true;
    c.m365_backup = true;
    c.security_defaults = false;
    c.audit_retention_days = 30;
    c.backup_since = "2025-04-14T10:20:00";
    c.backup_admin = "alex.morgan";
    c.policy_modified = vec![
        ("exchange", vec!["2026-10-26T16:10:00"]),
        ("onedrive", vec!["2026-10-26T16:12:00"]),
    ];

    // break-glass: cloud-only, unlicensed, FIDO2 keys, tested monthly
    c.add(break_glass("bg-01", "Break Glass 01"));
    c.add(break_glass("bg-02", "Break Glass 02")).lower_case = true;
    let admin = |alias: &str, name: &str, methods: &[&'static str]| {
        let mut p = member(alias, name);
        p.methods = Some(methods.to_vec());
        p
    };
    c.add(admin("alex.morgan", "Alex Morgan", &ADMIN_METHODS));
    c.add(admin("priya.natarajan", "Priya Natarajan", &ADMIN_METHODS))
        .lower_case = true;
    c.add(admin(
        "tom.becker",
        "Tom Becker",
        &[
            "windowsHelloForBusiness",
            "microsoftAuthenticatorPush",
            "softwareOneTimePasscode",
        ],
    ));
    c.add(admin("sam.okafor", "Sam Okafor", &ADMIN_METHODS));
    // seasonal operations coordinator: works December-February only, keeps an eligible role
    let greta = c.add(admin(
        "greta.holm",
        "Greta Holm",
        &[
            "microsoftAuthenticatorPush",
            "softwareOneTimePasscode",
            "mobilePhone",
        ],
    ));
    greta.signin = SignIn::Fixed;
    greta.last_signin = Some("2026-02-26T16:40:12".into());
    for (alias, name) in STAFF {
        let p = c.add(member(alias, name));
        match *alias {
            "ian.fletcher" => p.disabled = Some("2026-08-19T17:30:00".into()),
            "chloe.adams" => p.disabled = Some("2026-11-13T17:00:00".into()),
            // long-term leave since March: never registered for MFA
            "paul.grant" => {
                p.mfa_from = None;
                p.signin = SignIn::Fixed;
                p.last_signin = Some("2026-03-02T08:14:55".into());
            }
            _ => {}
        }
    }
    // joiners
    for (alias, name, created, mfa) in [
        (
            "marta.kowalska",
            "Marta Kowalska",
            "2026-07-06T08:00:00",
            "2026-07-06T09:30:00",
        ),
        (
            "hugo.laurent",
            "Hugo Laurent",
            "2026-09-08T08:00:00",
            "2026-09-08T10:05:00",
        ),
        (
            "aisha.rahman",
            "Aisha Rahman",
            "2026-10-05T08:00:00",
            "2026-10-05T09:12:00",
        ),
        (
            "ben.carter",
            "Ben Carter",
            "2026-10-26T08:00:00",
            "2026-10-28T09:40:00",
        ),
    ] {
        let p = c.add(member(alias, name));
        p.created = created.into();
        p.mfa_from = Some(mfa.into());
        if alias == "ben.carter" {
            p.first_signin = Some("2026-10-28T09:35:00".into());
            p.enabled_from = Some("2026-10-28T07:30:00".into());
        }
    }
    // leavers before the window: disabled, licences removed, mailboxes kept
    c.add(member("rachel.young", "Rachel Young")).disabled = Some("2026-04-30T17:00:00".into());
    c.add(member("victor.hale", "Victor Hale")).disabled = Some("2026-05-22T17:00:00".into());
    // shared mailboxes: disabled user objects without licences or sign-ins
    c.add(shared("finance", "Finance"));
    c.add(shared("info", "Northwind Info"));
    // guests
    c.add(guest("dana.ortiz", "Dana Ortiz", "partner.example"))
        .mfa_from = Some("2025-01-01".into());
    c.add(guest("li.wei", "Li Wei (Auditor)", "auditfirm.example"))
        .mfa_from = Some("2025-01-01".into());
    let jon = c.add(guest("jon.berg", "Jon Berg", "supplier.example"));
    jon.signin = SignIn::None;
    jon.mfa_from = None;
    jon.created = "2026-02-10".into();
    // leavers lose their licences
    for p in &mut c.people {
        if let Some(disabled) = p.disabled.clone() {
            p.licences = p
                .licences
                .iter()
                .map(|l| match l {
                    Licence::Always(s) => {
                        Licence::Window(s, p.created.clone(), Some(disabled.clone()))
                    }
                    other => other.clone(),
                })
                .collect();
        }
    }

    c.add_sp(
        "reporting",
        "Northwind Reporting Connector",
        "northwind-reporting",
    );

    // roles: two break-glass Global Administrators standing; everything else eligible in PIM
    c.grants = vec![
        Grant::active("bg-01", GA, "2024-01-15T10:00:00"),
        Grant::active("bg-02", GA, "2024-01-15T10:05:00"),
        // Alex's GA eligibility is time-bound; renewed on 2026-08-20 for another year
        Grant::eligible("alex.morgan", GA, "2025-08-29T09:00:00")
            .until("2026-08-20T11:02:00")
            .expiring("2026-08-31T00:00:00Z"),
        Grant::eligible("alex.morgan", GA, "2026-08-20T11:02:00").expiring("2027-08-31T00:00:00Z"),
        Grant::eligible(
            "priya.natarajan",
            "Exchange Administrator",
            "2025-05-06T14:00:00",
        ),
        // Tom's SharePoint eligibility renewed on 2026-10-14
        Grant::eligible(
            "tom.becker",
            "SharePoint Administrator",
            "2025-10-20T10:00:00",
        )
        .until("2026-10-14T15:31:00")
        .expiring("2026-10-31T00:00:00Z"),
        Grant::eligible(
            "tom.becker",
            "SharePoint Administrator",
            "2026-10-14T15:31:00",
        )
        .expiring("2027-10-31T00:00:00Z"),
        Grant::eligible(
            "sam.okafor",
            "Helpdesk Administrator",
            "2025-03-03T09:00:00",
        ),
        Grant::eligible(
            "greta.holm",
            "Helpdesk Administrator",
            "2025-11-24T09:00:00",
        ),
        Grant::active("reporting", "Reports Reader", "2025-06-10T12:00:00"),
    ];
    // just-in-time activations (PIM): one in July (expired), one live at the September snapshot
    c.activations = vec![
        Activation {
            who: "alex.morgan",
            role: GA,
            start: "2026-07-09T10:02:11",
            hours: 2,
            eligibility_start: "2025-08-29T09:00:00",
        },
        Activation {
            who: "priya.natarajan",
            role: "Exchange Administrator",
            start: "2026-09-27T01:58:40",
            hours: 8,
            eligibility_start: "2025-05-06T14:00:00",
        },
    ];
    c.audit_events = audit_events;
    c.ca_policies = Box::new(|c, _| ca_policies(c));
    c.skus = |_| {
        vec![
            ("SPE_E3", 36, 0),
            ("EMSPREMIUM", 36, 0),
            ("FLOW_FREE", 10000, 3),
        ]
    };
    c.score = |t| {
        let i = MONTHS.iter().position(|m| *m == month_of(t)).unwrap_or(0);
        (
            [512.34, 518.9, 521.02, 527.45, 529.8, 533.11][i],
            742.0,
            vec![
                "HasAADP1", "HasAADP2", "HasEXOP2", "HasSPOP2", "HasMDEP2", "HasAIPP1", "HasAIPP2",
                "HasOCAS",
            ],
        )
    };
    c.score_controls = |t| {
        vec![
            score_control(
                "AdminMFAV2",
                "Require multifactor authentication for administrative roles",
                10.0,
                100.0,
                true,
                t,
            ),
            score_control(
                "BlockLegacyAuthentication",
                "Block legacy authentication",
                8.0,
                100.0,
                false,
                t,
            ),
            score_control(
                "MFARegistrationV2",
                "Ensure all users can complete multifactor authentication",
                8.0,
                88.89,
                false,
                t,
            ),
        ]
    };
    // Mature settings: weak methods off after the migration, no user consent, restricted
    // guests, passwords never expire, GA activation approved by the senior admins.
    c.auth_methods = Box::new(|_, _| ("migrationComplete", vec![]));
    c.user_consent = |_| vec![];
    c.guest_role = |_| RESTRICTED_GUESTS;
    c.domains = vec![
        (
            "northwind.example",
            "Managed",
            true,
            Some(NEVER_EXPIRE),
            true,
        ),
        (
            "northwind.onmicrosoft.com",
            "Managed",
            true,
            Some(NEVER_EXPIRE),
            true,
        ),
    ];
    c.activation_approval = Box::new(|c, _, role| {
        if role == GA || role == "Privileged Role Administrator" {
            (true, vec![approver_group(c, "Northwind PIM approvers")])
        } else {
            (false, vec![])
        }
    });
    c.unit_status = |_, p, t| {
        if p.alias == "ben.carter" && t < dt("2026-10-30") {
            Some("protectRequested")
        } else {
            Some("protected")
        }
    };
    let sites = [
        ("root", "Northwind Intranet", "/"),
        ("finance", "Finance", "/sites/Finance"),
        ("hr", "People & HR", "/sites/HR"),
        ("sales", "Sales", "/sites/Sales"),
        ("ops", "Operations", "/sites/Operations"),
        ("projects", "Projects", "/sites/Projects"),
        ("board", "Board", "/sites/Board"),
        ("it", "IT", "/sites/IT"),
        ("marketing", "Marketing", "/teams/Marketing"),
    ];
    c.sites = sites
        .into_iter()
        .map(|(key, name, path)| Site {
            key,
            name,
            path,
            created: "2024-03-01",
            status: Box::new(|_| "protected"),
        })
        .collect();
    c.sites.push(Site {
        key: "tenders",
        name: "Tenders 2027",
        path: "/sites/Tenders2027",
        created: "2026-09-15T10:00:00",
        status: Box::new(|_| "protected"),
    });

    let spec = |offset_min: i64, workload: &'static str| JobSpec {
        product: "Microsoft 365 Backup",
        every_h: 8,
        offset_min,
        minutes: (6, 24),
        job_id: JobIds::M365,
        items: Items::Units(workload),
        failures: vec![],
        outages: vec![],
        fail_messages: vec!["Transient service error, retried at next run"],
        warn_messages: vec!["Completed with skipped items"],
    };
    let mut sharepoint = spec(25, "sharepoint");
    sharepoint.failures = vec![("2026-08", (0, 1))];
    sharepoint.warn_messages =
        vec!["Completed with skipped items: 1 file locked by a co-authoring session"];
    c.job_specs = vec![
        ("exchange", spec(5, "exchange")),
        ("onedrive", spec(15, "onedrive")),
        ("sharepoint", sharepoint),
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
    ];

    let test = |date, time, workload, item, duration, ticket| RestoreTest {
        date,
        time,
        workload,
        item,
        result: "passed",
        duration,
        ticket,
        performed_by: "MSP Backup Team",
        product: Some("m365"),
        session_error: None,
    };
    c.tests = vec![
        // June: annual DR exercise, all three workloads
        test(
            "2026-06-10",
            "09:30:00",
            "exchange",
            "Mailbox finance@northwind.example, 3 folders (2,114 items) to a new folder",
            "45m",
            "MSP-4102",
        ),
        test(
            "2026-06-10",
            "11:00:00",
            "onedrive",
            "OneDrive of alex.morgan@northwind.example, folder Contracts/2025 (212 files)",
            "35m",
            "MSP-4103",
        ),
        test(
            "2026-06-11",
            "09:15:00",
            "sharepoint",
            "Site /sites/Finance, library Month-end (1,340 files) to a new site",
            "2h",
            "MSP-4104",
        ),
        // then one workload per month, each every quarter
        test(
            "2026-07-15",
            "10:00:00",
            "onedrive",
            "OneDrive of olivia.chen@northwind.example, whole drive to a new location (4,870 files)",
            "90m",
            "MSP-4188",
        ),
        test(
            "2026-08-12",
            "13:20:00",
            "sharepoint",
            "Site /sites/HR, full site to a new URL",
            "3h",
            "MSP-4259",
        ),
        test(
            "2026-09-07",
            "09:05:00",
            "exchange",
            "Mailbox info@northwind.example, Inbox point-in-time restore (6,402 items)",
            "70m",
            "MSP-4331",
        ),
        test(
            "2026-10-12",
            "14:00:00",
            "onedrive",
            "OneDrive of daniel.hughes@northwind.example, folder Quotes (388 files)",
            "25m",
            "MSP-4402",
        ),
        test(
            "2026-11-09",
            "10:40:00",
            "sharepoint",
            "Site /sites/Projects, library Drawings (2,905 files) to a new site",
            "150m",
            "MSP-4476",
        ),
    ];
    c
}

fn audit_events(c: &Client) -> Vec<J> {
    let mut ev = Vec::new();
    let shifted = |t: T| {
        let s = ts(t);
        s[..s.len() - 1].to_owned()
    };
    for a in &c.activations {
        let s = dt(a.start);
        let e = s + hours(a.hours);
        let chg = rng(&[a.who, "chg"]).randrange2(2000, 2999);
        let justification = format!("Change CHG-{chg}");
        let window = || PimDetails {
            justification: None,
            start: Some(ts(s)),
            end: Some(ts(e)),
        };
        ev.push(pim_event(
            c,
            a.start,
            "Add member to role requested (PIM activation)",
            a.who,
            a.who,
            a.role,
            PimDetails {
                justification: Some(&justification),
                ..window()
            },
        ));
        ev.push(pim_event(
            c,
            &shifted(s + secs(9)),
            "Add member to role completed (PIM activation)",
            a.who,
            a.who,
            a.role,
            window(),
        ));
        ev.push(core_event(
            c,
            &shifted(s + secs(11)),
            "Add member to role",
            None,
            a.who,
            a.role,
            Some(ms_pim_app()),
        ));
        ev.push(core_event(
            c,
            &shifted(e + secs(40)),
            "Remove member from role",
            None,
            a.who,
            a.role,
            Some(ms_pim_app()),
        ));
        ev.push(pim_event(
            c,
            &shifted(e + secs(42)),
            "Remove member from role (PIM activation expired)",
            a.who,
            a.who,
            a.role,
            PimDetails::default(),
        ));
    }
    ev.push(pim_event(
        c,
        "2026-08-20T11:02:00",
        "Add eligible member to role in PIM completed (timebound)",
        "sam.okafor",
        "alex.morgan",
        GA,
        PimDetails {
            justification: Some("Annual renewal, ticket CHG-2417"),
            start: Some("2026-08-20T11:02:00Z".into()),
            end: Some("2027-08-31T00:00:00Z".into()),
        },
    ));
    ev.push(pim_event(
        c,
        "2026-10-14T15:31:00",
        "Add eligible member to role in PIM completed (timebound)",
        "alex.morgan",
        "tom.becker",
        "SharePoint Administrator",
        PimDetails {
            justification: Some("Annual renewal, ticket CHG-2598"),
            start: Some("2026-10-14T15:31:00Z".into()),
            end: Some("2027-10-31T00:00:00Z".into()),
        },
    ));
    ev
}

fn ca_policies(c: &Client) -> Vec<J> {
    let bg = vec![c.person("bg-01").id.clone(), c.person("bg-02").id.clone()];
    let all = || vec!["All".to_owned()];
    let id = |k: &str| gid(&[c.cid, "ca", k]);
    vec![
        ca_policy(
            &id("mfa-all"),
            "Require MFA for all users",
            "enabled",
            "2024-02-06T10:11:48.4478513Z",
            "2025-11-03T09:40:12.1189021Z",
            Ca {
                include_users: all(),
                exclude_users: bg.clone(),
                builtin: vec!["mfa"],
                ..Ca::default()
            },
        ),
        ca_policy(
            &id("admins"),
            "Require phishing-resistant MFA for admins",
            "enabled",
            "2024-05-14T13:22:05.9014420Z",
            "2025-11-03T09:42:51.3301146Z",
            Ca {
                include_roles: admin_role_ids(),
                exclude_users: bg.clone(),
                strength: true,
                template: Some("c7503427-338e-4c5e-902d-abe252abfb43"),
                ..Ca::default()
            },
        ),
        ca_policy(
            &id("legacy"),
            "Block legacy authentication",
            "enabled",
            "2024-02-06T10:15:30.7700152Z",
            "2024-02-06T10:15:30.7700152Z",
            Ca {
                include_users: all(),
                exclude_users: bg.clone(),
                client_app_types: Some(vec!["exchangeActiveSync", "other"]),
                builtin: vec!["block"],
                template: Some("0b2282f9-2862-4178-88b5-d79340b36cb8"),
                ..Ca::default()
            },
        ),
        ca_policy(
            &id("compliant-windows"),
            "Pilot: require compliant device on Windows",
            "enabledForReportingButNotEnforced",
            "2026-05-19T15:03:44.2011853Z",
            "2026-09-02T08:55:17.6630048Z",
            Ca {
                include_groups: vec![gid(&[c.cid, "group", "intune-pilot"])],
                exclude_users: bg.clone(),
                builtin: vec!["compliantDevice"],
                platforms: Some(
                    obj! {"excludePlatforms" => J::Arr(vec![]), "includePlatforms" => strs(&["windows"])},
                ),
                ..Ca::default()
            },
        ),
        ca_policy(
            &id("old-mfa"),
            "OLD - MFA outside office (replaced)",
            "disabled",
            "2023-06-01T09:00:00Z",
            "2024-02-06T10:20:03.0449317Z",
            Ca {
                include_users: all(),
                exclude_users: bg.clone(),
                builtin: vec!["mfa"],
                ..Ca::default()
            },
        ),
        ca_policy(
            &id("user-risk"),
            "High user risk: MFA and password change",
            "enabled",
            "2024-05-14T13:40:11.5520314Z",
            "2024-05-14T13:40:11.5520314Z",
            Ca {
                include_users: all(),
                exclude_users: bg.clone(),
                user_risk: vec!["high"],
                builtin: vec!["mfa", "passwordChange"],
                operator: Some("AND"),
                ..Ca::default()
            },
        ),
        ca_policy(
            &id("sign-in-risk"),
            "Block high-risk sign-ins",
            "enabled",
            "2024-05-14T13:44:52.0017733Z",
            "2024-05-14T13:44:52.0017733Z",
            Ca {
                include_users: all(),
                exclude_users: bg.clone(),
                sign_in_risk: vec!["high"],
                builtin: vec!["block"],
                ..Ca::default()
            },
        ),
        ca_policy(
            &id("device-code"),
            "Block device code flow",
            "enabled",
            "2025-03-10T09:12:40.3318250Z",
            "2025-03-10T09:12:40.3318250Z",
            Ca {
                include_users: all(),
                exclude_users: bg,
                transfer_methods: Some("deviceCodeFlow"),
                builtin: vec!["block"],
                ..Ca::default()
            },
        ),
    ]
}

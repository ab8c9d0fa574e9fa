//! Tailspin Bakery: the small client without Entra ID P1/P2. Security defaults instead of
//! Conditional Access, no PIM, no sign-in or registration reports (recorded as not
//! licensed); mailboxes and OneDrive backed up by Veeam, SharePoint and Teams by Acme.

use super::graph::score_control;
use super::ids::month_of;
use super::json::J;
use super::model::{
    Client, Grant, Items, JobIds, JobSpec, Kind, Licence, Person, RestoreTest, SignIn, Veeam,
};
use super::policies::{LIMITED_GUESTS, NEVER_EXPIRE};
use super::reference::{GA, MONTHS, backup_files};

const LIC: [&str; 2] = ["O365_BUSINESS_PREMIUM", "EXCHANGEARCHIVE_ADDON"];
const ONMS: &str = "tailspinbakery.onmicrosoft.com";

fn member(alias: &str, name: &str, created: &str) -> Person {
    let mut p = Person::new(
        alias,
        name,
        &format!("{alias}@tailspinbakery.example"),
        Kind::Member,
    );
    p.licences = LIC.iter().map(|s| Licence::Always(s)).collect();
    p.created = created.into();
    p
}

/// Tailspin's Veeam Backup for Microsoft 365 job: mailboxes and OneDrive, every 8 hours.
pub fn veeam() -> Veeam {
    Veeam {
        job: "Tailspin Mail and OneDrive",
        description: "Tailspin Bakery: all mailboxes and OneDrive accounts",
        // the workloads whose generated runs are this job's sessions
        runs_of: vec!["exchange"],
        workloads: vec!["exchange", "onedrive"],
    }
}

fn not_licensed(reason: &str) -> Vec<(String, J)> {
    vec![
        ("status".into(), J::Int(403)),
        ("missing".into(), "not_licensed".into()),
        ("reason".into(), reason.into()),
    ]
}

pub fn client() -> Client {
    let mut c = Client::new("tailspin");
    c.name = "Tailspin Bakery";
    c.tenant_name = "tailspinbakery";
    c.domain = "tailspinbakery.example";
    c.onms = ONMS;
    c.office_ip = "192.0.2.45";
    c.p1 = false;
    c.p2 = |_| false;
    c.m365_backup = false;
    c.security_defaults = true;
    c.audit_retention_days = 7;

    c.add(member("olivia.brooks", "Olivia Brooks", "2022-09-01"));
    let mut bg = Person::new(
        "bg-01",
        "MSP Break Glass",
        &format!("bg-01@{ONMS}"),
        Kind::BreakGlass,
    );
    bg.created = "2022-09-01".into();
    bg.signin = SignIn::Monthly;
    bg.mailbox = false;
    bg.drive = false;
    bg.lower_case = true;
    c.add(bg);
    for (alias, name) in [
        ("tom.baker", "Tom Baker"),
        ("priya.shah", "Priya Shah"),
        ("george.evans", "George Evans"),
        ("lucy.hill", "Lucy Hill"),
        ("mohammed.ali", "Mohammed Ali"),
        ("sarah.jones", "Sarah Jones"),
        ("kate.morris", "Kate Morris"),
        ("dan.walker", "Dan Walker"),
    ] {
        c.add(member(alias, name, "2022-09-01"));
    }
    c.add(member("jake.turner", "Jake Turner", "2023-04-03"))
        .deleted = Some("2026-09-05T10:00:00".into());
    c.add(member("mia.patel", "Mia Patel", "2026-09-07T08:00:00"));
    let mut orders = Person::new(
        "orders",
        "Orders",
        "orders@tailspinbakery.example",
        Kind::Shared,
    );
    orders.licences = vec![Licence::Always("EXCHANGEARCHIVE_ADDON")];
    orders.created = "2022-09-01".into();
    orders.mfa_from = None;
    orders.signin = SignIn::None;
    orders.drive = false;
    c.add(orders);

    c.grants = vec![
        Grant::active("olivia.brooks", GA, "2022-09-01T09:00:00"),
        Grant::active("bg-01", GA, "2022-09-01T09:05:00"),
    ];
    c.skus = |_| {
        vec![
            ("O365_BUSINESS_PREMIUM", 12, 0),
            ("EXCHANGEARCHIVE_ADDON", 11, 0),
        ]
    };
    c.score = |t| {
        let i = MONTHS.iter().position(|m| *m == month_of(t)).unwrap_or(0);
        (
            [118.0, 118.0, 121.5, 121.5, 124.0, 124.0][i],
            262.0,
            vec!["HasEXOP1", "HasSPOP1"],
        )
    };
    c.score_controls = |t| {
        vec![score_control(
            "MFARegistrationV2",
            "Ensure all users can complete multifactor authentication",
            9.0,
            100.0,
            false,
            t,
        )]
    };
    c.missing = |_, f, _| {
        let pim = [
            "graph/roleEligibilitySchedules.json",
            "graph/roleAssignmentSchedules.json",
            "graph/roleManagementPolicyAssignments.json",
        ];
        if pim.contains(&f) {
            return not_licensed("Entra ID P2 is required");
        }
        if f == "graph/userRegistrationDetails.json" {
            return not_licensed(
                "Entra ID P1 or P2 is required for authentication methods reports",
            );
        }
        if backup_files().iter().any(|(file, _)| *file == f) {
            return vec![
                ("missing".into(), "not_applicable".into()),
                (
                    "reason".into(),
                    "Backup by Veeam Backup for Microsoft 365 and Acme Cloud Backup".into(),
                ),
            ];
        }
        vec![]
    };

    // Small tenant: email one-time passcodes still on for everyone (the methods policy was
    // never migrated); no user consent; the default limited guest access; passwords never
    // expire on both verified domains (an unverified old domain is ignored). No PIM.
    c.auth_methods = Box::new(|_, _| ("preMigration", vec![("Email", vec!["all_users".into()])]));
    c.user_consent = |_| vec![];
    c.guest_role = |_| LIMITED_GUESTS;
    c.domains = vec![
        (
            "tailspinbakery.example",
            "Managed",
            true,
            Some(NEVER_EXPIRE),
            true,
        ),
        (ONMS, "Managed", true, Some(NEVER_EXPIRE), true),
        ("tailspin-bakery.example", "Managed", false, None, true),
    ];

    let acme =
        |offset_min: i64, items: i64, failures: Vec<(&'static str, (usize, usize))>| JobSpec {
            product: "Acme Cloud Backup",
            every_h: 8,
            offset_min,
            minutes: (12, 40),
            job_id: JobIds::Acme,
            items: Items::Const(items),
            failures,
            outages: vec![],
            fail_messages: vec![
                "Graph API throttling (429) exceeded retry budget",
                "Network timeout talking to Microsoft 365 (retry at next run)",
            ],
            warn_messages: vec![
                "1 item skipped: file locked",
                "1 item skipped: item larger than 150 MB",
            ],
        };
    // Mailboxes and OneDrive are backed up by one Veeam Backup for Microsoft 365 job; its
    // runs are generated here and written as its sessions.
    c.veeam = Some(veeam());
    let veeam = JobSpec {
        product: "Veeam Backup for Microsoft 365",
        every_h: 8,
        offset_min: 60,
        minutes: (18, 55),
        job_id: JobIds::Veeam,
        items: Items::Count(Box::new(|c, s| {
            let mailboxes = c.people.iter().filter(|p| p.exists(s) && p.mailbox).count();
            let drives = c
                .people
                .iter()
                .filter(|p| p.exists(s) && p.drive && p.enabled(s))
                .count();
            (mailboxes + drives) as i64
        })),
        failures: vec![
            ("2026-06", (1, 0)),
            ("2026-07", (1, 0)),
            ("2026-09", (1, 1)),
            ("2026-10", (1, 0)),
            ("2026-11", (0, 1)),
        ],
        outages: vec![],
        fail_messages: vec![
            "Exchange Web Services throttled the request",
            "Connection to the backup proxy was lost",
        ],
        warn_messages: vec![
            "1 item skipped: item is too large",
            "1 OneDrive file skipped: file is locked",
        ],
    };
    c.job_specs = vec![
        ("exchange", veeam),
        ("sharepoint", acme(100, 4, vec![("2026-08", (1, 0))])),
        (
            "teams",
            acme(120, 3, vec![("2026-10", (1, 0)), ("2026-11", (1, 0))]),
        ),
    ];
    // Acme's export: its own column order, no product column (optional), an extra message column
    c.job_columns = vec![
        "job_id",
        "workload",
        "status",
        "started_at",
        "finished_at",
        "items_total",
        "items_protected",
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
        performed_by: "MSP Service Desk",
        product,
        session_error: None,
    };
    let veeam = Some("veeam");
    let mut partial = test(
        "2026-10-16",
        "10:00:00",
        "teams",
        "Team Wholesale, channel Orders (messages, files and 2 meeting recordings)",
        "3h",
        "TSB-0482",
        None,
    );
    partial.result = "partial";
    c.tests = vec![
        test(
            "2026-06-18",
            "14:00:00",
            "exchange",
            "Mailbox olivia.brooks@tailspinbakery.example, folder Suppliers (312 items)",
            "30m",
            "TSB-0412",
            veeam,
        ),
        test(
            "2026-06-18",
            "15:00:00",
            "onedrive",
            "OneDrive of tom.baker@tailspinbakery.example, folder Recipes (96 files)",
            "20m",
            "TSB-0413",
            veeam,
        ),
        test(
            "2026-06-19",
            "10:00:00",
            "sharepoint",
            "Site /sites/Shop, library Price lists (58 files)",
            "25m",
            "TSB-0414",
            None,
        ),
        test(
            "2026-06-19",
            "11:00:00",
            "teams",
            "Team Bakery Floor, channel Rota (messages and files, 14 days)",
            "45m",
            "TSB-0415",
            None,
        ),
        test(
            "2026-08-20",
            "16:00:00",
            "exchange",
            "Mailbox orders@tailspinbakery.example, Sent Items (1,120 items)",
            "40m",
            "TSB-0447",
            veeam,
        ),
        test(
            "2026-11-04",
            "09:30:00",
            "onedrive",
            "OneDrive of priya.shah@tailspinbakery.example, folder Invoices 2026 (148 files)",
            "25m",
            "TSB-0487",
            veeam,
        ),
        test(
            "2026-10-15",
            "15:00:00",
            "sharepoint",
            "Site /sites/Shop, full site to a new URL",
            "90m",
            "TSB-0481",
            None,
        ),
        partial,
        test(
            "2026-11-12",
            "10:00:00",
            "teams",
            "Team Wholesale, channel Orders (messages and files; recordings restored with OneDrive)",
            "2h",
            "TSB-0490",
            None,
        ),
    ];
    c
}

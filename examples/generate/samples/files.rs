//! Each client's policy folder: client.toml, raci.toml, controls.toml (with the approved
//! role assignments), backup.toml and notes.md.

use super::Writer;
use super::json::toml_str;
use super::model::Client;
use super::reference::GA;
use super::texts::{self, fill};

pub fn toml_list(xs: &[&str]) -> String {
    format!(
        "[{}]",
        xs.iter()
            .map(|x| toml_str(x))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// The client's parties in the RACI: IT, finance, the managing director and security.
struct Parties<'a> {
    it: &'a str,
    finance: &'a str,
    lead: &'a str,
    security: &'a str,
}

/// A RACI activity: id, name, responsible, accountable, consulted, informed, controls.
type Activity<'a> = (
    &'a str,
    &'a str,
    Vec<&'a str>,
    Vec<&'a str>,
    Vec<&'a str>,
    Vec<&'a str>,
    Vec<&'a str>,
);

fn raci(p: &Parties, licensing_accountable: &[&str]) -> String {
    let acts: [Activity; 7] = [
        (
            "licensing",
            "Licensing and subscriptions",
            vec!["MSP Account Manager"],
            licensing_accountable.to_vec(),
            vec![p.it],
            vec!["MSP Service Desk"],
            vec!["identity.licences", "governance.licence-utilisation"],
        ),
        (
            "identity-baseline",
            "Identity, MFA and Conditional Access",
            vec!["MSP Identity Team"],
            vec![p.it],
            vec!["MSP Service Desk"],
            vec![p.lead],
            vec!["identity.*"],
        ),
        (
            "privileged-access",
            "Privileged access management",
            vec!["MSP Identity Team"],
            vec![p.it],
            vec![p.security],
            vec![p.lead],
            vec!["access.*"],
        ),
        (
            "restore-testing",
            "Restore testing",
            vec!["MSP Backup Team"],
            vec![p.it],
            vec!["MSP Service Desk"],
            vec![p.lead],
            vec![
                "backup.exchange.restore-test",
                "backup.onedrive.restore-test",
                "backup.sharepoint.restore-test",
                "backup.teams.restore-test",
            ],
        ),
        (
            "backup-operations",
            "Backup operations and monitoring",
            vec!["MSP Backup Team", "MSP Service Desk"],
            vec!["MSP Service Delivery Manager"],
            vec![p.it],
            vec![p.lead],
            vec!["backup.*"],
        ),
        (
            "retention",
            "Retention and legal hold",
            vec![p.it],
            vec![p.finance],
            vec!["MSP Account Manager", "Client Legal Counsel"],
            vec!["MSP Backup Team"],
            vec!["retention.*"],
        ),
        (
            "evidence-reporting",
            "Evidence, reporting and governance",
            vec!["MSP Account Manager"],
            vec!["MSP Service Delivery Manager"],
            vec![p.it],
            vec![p.lead, p.finance],
            vec!["evidence.*", "governance.*"],
        ),
    ];
    let mut out = String::new();
    for (id, name, resp, acc, cons, inf, controls) in acts {
        out.push_str("[[activity]]\n");
        out.push_str(&format!("id = {}\n", toml_str(id)));
        out.push_str(&format!("name = {}\n", toml_str(name)));
        out.push_str(&format!("responsible = {}\n", toml_list(&resp)));
        out.push_str(&format!("accountable = {}\n", toml_list(&acc)));
        out.push_str(&format!("consulted = {}\n", toml_list(&cons)));
        out.push_str(&format!("informed = {}\n", toml_list(&inf)));
        out.push_str(&format!("controls = {}\n\n", toml_list(&controls)));
    }
    format!("{}\n", out.trim_end_matches('\n'))
}

/// `[[approved_assignment]]` entries: (principal, role, assignment, comment above).
fn approved_toml(entries: &[(&str, &str, &str, Option<&str>)]) -> String {
    let mut out = String::new();
    for (principal, role, kind, note) in entries {
        if let Some(note) = note {
            out.push_str(&format!("# {note}\n"));
        }
        out.push_str(&format!(
            "[[approved_assignment]]\nprincipal = {}\nrole = {}\nassignment = {}\n\n",
            toml_str(principal),
            toml_str(role),
            toml_str(kind)
        ));
    }
    out
}

fn m365_workload(w: &str, scope_note: &str, rto: &str, gaps: &[&str], storage: &str) -> String {
    fill(
        texts::M365_WORKLOAD,
        &[
            ("w", w),
            ("scope_note", &toml_str(scope_note)),
            ("rto", &toml_str(rto)),
            ("gaps", &toml_list(gaps)),
            ("storage", &toml_str(storage)),
        ],
    )
}

fn northwind_backup() -> String {
    let st = "Microsoft 365 Backup, EU data boundary";
    let parts = [
        m365_workload("exchange", "All user and shared mailboxes", "8h", &["In-place archives are not covered"], st),
        m365_workload("onedrive", "All licensed users' OneDrive accounts", "8h", &[], st),
        m365_workload("sharepoint", "All SharePoint sites, including Teams-connected sites", "12h", &["Site pages' version history beyond 2 weeks is kept weekly only"], st),
        "[teams]\nin_scope = false\nreason = \"Teams chats are retained in Exchange mailboxes and channel files live in SharePoint; both are backed up\"\n".to_owned(),
        "[retention]\n# contractual minimum for backups; records retention (7 years) is in Microsoft Purview\nlegal_minimum = \"1y\"\ncompliance_location = \"Microsoft Purview retention policies\"\nrelies_on_backup = false\n".to_owned(),
    ];
    format!(
        "# Northwind Traders Ltd: backup policy per workload.\n\n{}",
        parts.join("\n")
    )
}

fn fabrikam_backup() -> String {
    let st = "Microsoft 365 Backup, EU data boundary";
    let parts = [
        m365_workload("exchange", "All user and shared mailboxes", "8h", &[], st),
        m365_workload("onedrive", "All licensed users' OneDrive accounts", "8h", &[], st),
        m365_workload("sharepoint", "All SharePoint sites", "12h", &[], st),
        r#"[teams]
in_scope = true
provider = "Acme Cloud Backup"
scope = "all"
scope_note = "All teams: channel messages, chats and channel files"
frequency = "8h"
retention = "1y"
encryption = "AES-256 at rest with customer-held key, TLS 1.2 in transit"
storage_location = "Acme Cloud Backup, Frankfurt (EU)"
rpo = "24h"
rto = "12h"
owner = "MSP Backup Team"
restore_test_cadence = "90d"
known_gaps = ["Meeting recordings are backed up with the organiser's OneDrive, not with the team"]
"#
        .to_owned(),
        "[retention]\n# HGB/AO: commercial and tax records 10 years; no separate compliance retention yet\nlegal_minimum = \"10y\"\nrelies_on_backup = true\n".to_owned(),
    ];
    format!(
        "# Fabrikam Logistics GmbH: backup policy per workload.\n\n{}",
        parts.join("\n")
    )
}

fn tailspin_backup(c: &Client) -> String {
    let mut out = String::from(
        "# Tailspin Bakery: mailboxes and OneDrive are backed up by one Veeam Backup for\n\
         # Microsoft 365 job (its REST exports are in each month's backup/veeam/), SharePoint\n\
         # and Teams by Acme Cloud Backup (backup-jobs.csv).\n",
    );
    let (job, veeam_workloads) = c
        .veeam
        .as_ref()
        .map_or(("", vec![]), |v| (v.job, v.workloads.clone()));
    let workloads: [(&str, &str, &str, &[&str]); 4] = [
        (
            "exchange",
            "All mailboxes, including the shared orders@ mailbox",
            "8h",
            &[],
        ),
        ("onedrive", "All staff OneDrive accounts", "8h", &[]),
        ("sharepoint", "All SharePoint sites (4)", "12h", &[]),
        (
            "teams",
            "All teams (3): channel messages, chats and channel files",
            "24h",
            &["Meeting recordings are restored with the organiser's OneDrive"],
        ),
    ];
    for (w, note, rto, gaps) in workloads {
        let by_veeam = veeam_workloads.contains(&w);
        let provider = if by_veeam {
            "Veeam Backup for Microsoft 365"
        } else {
            "Acme Cloud Backup"
        };
        let location = if by_veeam {
            "Veeam Backup for Microsoft 365, MSP object storage (UK South)"
        } else {
            "Acme Cloud Backup, UK South"
        };
        let jobs = if by_veeam {
            format!("veeam_jobs = {}\n", toml_list(&[job]))
        } else {
            String::new()
        };
        out.push_str(&format!(
            "\n[{w}]\nin_scope = true\nprovider = {}\nscope = \"all\"\nscope_note = {}\nfrequency = \"8h\"\nretention = \"7y\"\n\
             encryption = \"AES-256 at rest, TLS 1.2 in transit\"\nstorage_location = {}\nrpo = \"24h\"\nrto = {}\n\
             owner = \"MSP Service Desk\"\nrestore_test_cadence = \"180d\"\nknown_gaps = {}\n{jobs}",
            toml_str(provider),
            toml_str(note),
            toml_str(location),
            toml_str(rto),
            toml_list(gaps),
        ));
    }
    out.push_str("\n[retention]\n# UK: accounting records 6 years (Companies Act, HMRC)\nlegal_minimum = \"6y\"\ncompliance_location = \"Exchange Online litigation hold (Exchange Online Archiving add-on)\"\nrelies_on_backup = false\n");
    out
}

pub fn client_files(w: &mut Writer, c: &Client) {
    let base = format!("clients/{}/", c.cid);
    let put = |w: &mut Writer, name: &str, text: &str| {
        w.put_text(&format!("{base}{name}"), text);
    };
    let tenant = [("tenant", c.tenant.as_str())];
    match c.cid {
        "northwind" => {
            put(w, "client.toml", &fill(texts::NORTHWIND_CLIENT, &tenant));
            put(w, "logo.svg", texts::NORTHWIND_LOGO);
            let parties = Parties {
                it: "Client IT Manager",
                finance: "Client Finance Director",
                lead: "Client Managing Director",
                security: "Client Security Officer",
            };
            put(
                w,
                "raci.toml",
                &raci(&parties, &["Client Finance Director"]),
            );
            let approved = approved_toml(&[
                (
                    "bg-01@northwind.onmicrosoft.com",
                    GA,
                    "active",
                    Some("Break-glass accounts: standing by design"),
                ),
                ("bg-02@northwind.onmicrosoft.com", GA, "active", None),
                (
                    "alex.morgan@northwind.example",
                    GA,
                    "eligible",
                    Some("Everyone else through PIM"),
                ),
                (
                    "priya.natarajan@northwind.example",
                    "Exchange Administrator",
                    "eligible",
                    None,
                ),
                (
                    "tom.becker@northwind.example",
                    "SharePoint Administrator",
                    "eligible",
                    None,
                ),
                (
                    "sam.okafor@northwind.example",
                    "Helpdesk Administrator",
                    "eligible",
                    None,
                ),
                (
                    "greta.holm@northwind.example",
                    "Helpdesk Administrator",
                    "eligible",
                    Some("Seasonal (December-February), see the waiver below"),
                ),
            ]);
            put(
                w,
                "controls.toml",
                &fill(texts::NORTHWIND_CONTROLS, &[("approved", &approved)]),
            );
            put(w, "backup.toml", &northwind_backup());
            put(w, "notes.md", texts::NORTHWIND_NOTES);
        }
        "fabrikam" => {
            put(w, "client.toml", &fill(texts::FABRIKAM_CLIENT, &tenant));
            let parties = Parties {
                it: "Client IT Lead",
                finance: "Client Finance Director",
                lead: "Client Managing Director",
                security: "Client Data Protection Officer",
            };
            // two accountable parties for licensing: a governance finding on purpose
            put(
                w,
                "raci.toml",
                &raci(
                    &parties,
                    &["Client Finance Director", "Client Managing Director"],
                ),
            );
            let approved = approved_toml(&[
                (
                    "bg-01@fabrikamlogistics.onmicrosoft.com",
                    GA,
                    "active",
                    Some("Break-glass accounts"),
                ),
                (
                    "bg-02@fabrikamlogistics.onmicrosoft.com",
                    GA,
                    "active",
                    None,
                ),
                (
                    "katrin.vogel@fabrikam.example",
                    GA,
                    "eligible",
                    Some("Administrators through PIM (Entra ID P2 from September 2026)"),
                ),
                (
                    "stefan.braun@fabrikam.example",
                    "User Administrator",
                    "eligible",
                    None,
                ),
                (
                    "anna.schmidt@fabrikam.example",
                    "Helpdesk Administrator",
                    "eligible",
                    None,
                ),
                (
                    "lukas.meyer@fabrikam.example",
                    "Exchange Administrator",
                    "eligible",
                    None,
                ),
                (
                    "lukas.meyer@fabrikam.example",
                    "SharePoint Administrator",
                    "eligible",
                    None,
                ),
            ]);
            put(
                w,
                "controls.toml",
                &fill(texts::FABRIKAM_CONTROLS, &[("approved", &approved)]),
            );
            put(w, "backup.toml", &fabrikam_backup());
            put(w, "notes.md", texts::FABRIKAM_NOTES);
        }
        _ => {
            put(w, "client.toml", &fill(texts::TAILSPIN_CLIENT, &tenant));
            let parties = Parties {
                it: "Client Owner",
                finance: "Client Owner",
                lead: "Client Owner",
                security: "Client Owner",
            };
            put(w, "raci.toml", &raci(&parties, &["Client Owner"]));
            let approved = approved_toml(&[
                (
                    "olivia.brooks@tailspinbakery.example",
                    GA,
                    "active",
                    Some("No PIM without Entra ID P2: both Global Administrators are standing"),
                ),
                ("bg-01@tailspinbakery.onmicrosoft.com", GA, "active", None),
            ]);
            put(
                w,
                "controls.toml",
                &fill(texts::TAILSPIN_CONTROLS, &[("approved", &approved)]),
            );
            put(w, "backup.toml", &tailspin_backup(c));
            put(w, "notes.md", texts::TAILSPIN_NOTES);
        }
    }
}

//! `custody doctor`: before a month is collected, which tenants are ready and what each
//! one lacks. Per tenant: can a token be obtained (and with which credential); for every
//! endpoint `collect` would fetch, the answer to one first-page request (`$top=1` where
//! the request pages), read as ok, `permission_missing` (naming the least-privileged
//! permission from the endpoint table), `not_licensed` (naming the licence family), not
//! applicable, or an error; and which of the table's application permissions the
//! token's `roles` claim does not grant; for Microsoft 365 Backup, one restore point search
//! for one protected unit (`BackupRestore-Search.Read.All`). Requests go through `collect`'s own client: the
//! same retries and throttling, origin rule, redaction and time limit per tenant. It
//! writes nothing.

use super::*;
use crate::progress::Reporter;
use base64ct::{Base64UrlUnpadded, Encoding};
use serde::Serialize;

/// What one endpoint answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Readiness {
    Ok,
    /// 403 without a licence code: the app lacks the permission or admin consent.
    PermissionMissing {
        needs: String,
        detail: String,
    },
    /// 403 with Graph's licence code: the tenant lacks the licence family named.
    NotLicensed {
        licence: String,
        detail: String,
    },
    /// Not collected for this client.
    NotApplicable {
        reason: String,
    },
    /// Anything else (throttled past the retries, a server error, unreadable data).
    Error {
        detail: String,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct EndpointCheck {
    pub file: String,
    pub permission: String,
    #[serde(flatten)]
    pub readiness: Readiness,
}

/// One tenant's readiness.
#[derive(Debug, Clone, Serialize)]
pub struct TenantReport {
    pub client: String,
    /// From `client.toml`; `None` when the policy does not load.
    pub tenant_id: Option<String>,
    /// Which credential the run uses ("client secret", "certificate", ...).
    pub credential: String,
    /// Why no token was issued (then no endpoint was tried).
    pub token_error: Option<String>,
    /// The policy does not load or names no tenant.
    pub policy_error: Option<String>,
    pub endpoints: Vec<EndpointCheck>,
    /// The table's permissions the token's `roles` claim lacks, for endpoints that did
    /// not answer (an endpoint that answers may be served by a broader permission).
    /// `None` when the token is not a readable JWT (e.g. a ready `CUSTODY_ACCESS_TOKEN`
    /// of another format).
    pub permissions_not_granted: Option<Vec<String>>,
}

impl TenantReport {
    /// Ready: a token, and every applicable endpoint answers or is refused only for a
    /// licence the tenant does not have (collect records that; it is no failure).
    pub fn ready(&self) -> bool {
        self.policy_error.is_none()
            && self.token_error.is_none()
            && self.endpoints.iter().all(|e| {
                matches!(
                    e.readiness,
                    Readiness::Ok | Readiness::NotLicensed { .. } | Readiness::NotApplicable { .. }
                )
            })
    }
}

/// The licence family a `not_licensed` answer points at, by endpoint.
fn licence_family(endpoint: Endpoint) -> &'static str {
    match endpoint {
        Endpoint::Users => "Entra ID P1 or P2 (for signInActivity; collect takes users without it)",
        Endpoint::RoleEligibility | Endpoint::RoleAssignmentSchedules => {
            "Entra ID P2 (Privileged Identity Management)"
        }
        e if e.spec().m365_backup => "Microsoft 365 Backup (pay-as-you-go billing)",
        _ => "Entra ID P1 or P2",
    }
}

/// The request for the first item only: `$top=N` becomes `$top=1`; a request without
/// `$top` is sent as is (not every endpoint accepts it) and read as its first page.
fn first_item(request: &str) -> String {
    let Some(at) = request.find("$top=") else {
        return request.to_owned();
    };
    let digits = request[at + 5..]
        .bytes()
        .take_while(u8::is_ascii_digit)
        .count();
    format!("{}$top=1{}", &request[..at], &request[at + 5 + digits..])
}

/// The `roles` claim of an access token (a JWT), without checking its signature: it
/// is what the token endpoint just issued to this run, read only to name gaps.
fn token_roles(token: &str) -> Option<BTreeSet<String>> {
    let payload = token.split('.').nth(1)?;
    let bytes = Base64UrlUnpadded::decode_vec(payload.trim_end_matches('=')).ok()?;
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    Some(match claims.get("roles") {
        Some(Value::Array(roles)) => roles
            .iter()
            .filter_map(|r| r.as_str().map(str::to_owned))
            .collect(),
        // A token without the claim was issued with no application permission at all.
        None => BTreeSet::new(),
        Some(_) => return None,
    })
}

/// Checks every client in `opts.clients`, `opts.jobs` tenants at a time. `opts.month`
/// is not used: nothing is written.
pub fn doctor(
    opts: &CollectOptions,
    creds: Credentials,
    reporter: &dyn Reporter,
) -> Result<Vec<TenantReport>, SessionError> {
    let credential = creds.kind().to_owned();
    let session = Session::open(opts, creds)?;
    let mut out = session.each_client(opts, reporter, |ctx| {
        let report = check_tenant(ctx, &credential);
        reporter.status(&format!(
            "{}: {}",
            ctx.id,
            if report.ready() { "ready" } else { "not ready" }
        ));
        report
    });
    out.sort_by(|a, b| a.client.cmp(&b.client));
    Ok(out)
}

fn check_tenant(ctx: &ClientCtx, credential: &str) -> TenantReport {
    let redact = |s: String| ctx.tokens.redactor().redact(&s);
    let mut report = TenantReport {
        client: ctx.id.to_string(),
        tenant_id: None,
        credential: credential.to_owned(),
        token_error: None,
        policy_error: None,
        endpoints: Vec::new(),
        permissions_not_granted: None,
    };
    let policy = match load_policy(
        &WorkingTree(ctx.opts.repo.clone()),
        ctx.id,
        crate::controls::known(),
    ) {
        Ok(p) => p,
        Err(d) => {
            let msgs: Vec<String> = d.iter().map(|d| d.to_string()).collect();
            report.policy_error = Some(format!("policy does not load: {}", msgs.join("; ")));
            return report;
        }
    };
    let tenant = policy.client.tenant_id.clone();
    if tenant.is_empty() {
        report.policy_error = Some("client.toml has no tenant_id".into());
        return report;
    }
    report.tenant_id = Some(tenant.clone());
    let uses_m365 = policy
        .backup
        .workloads
        .values()
        .any(|w| w.in_scope && w.uses_m365_backup());
    let token = match ctx.tokens.get(&tenant, ctx.deadline) {
        Ok(t) => t,
        Err(e) => {
            report.token_error = Some(redact(e.to_string()));
            return report;
        }
    };
    let roles = token_roles(token.expose());
    // The first page of each protection units file, for the restore point probe.
    let mut unit_pages: Vec<Value> = Vec::new();
    for spec in ENDPOINTS {
        let readiness = if spec.m365_backup && !uses_m365 {
            Readiness::NotApplicable {
                reason: "no workload in scope uses Microsoft 365 Backup".into(),
            }
        } else {
            let url = format!(
                "{}{}",
                ctx.opts.graph_url.trim_end_matches('/'),
                first_item(spec.request)
            );
            match ctx.get_json(&url, spec.file, &tenant) {
                Ok((_, body)) => {
                    if restore_points::UNITS_FILES.contains(&spec.endpoint) {
                        unit_pages.push(body);
                    }
                    Readiness::Ok
                }
                Err(FetchError::Http {
                    status: 403,
                    code,
                    message,
                }) if code == NOT_LICENSED_CODE => Readiness::NotLicensed {
                    licence: licence_family(spec.endpoint).into(),
                    detail: format!("{message} ({code})"),
                },
                Err(FetchError::Http {
                    status: 403,
                    code,
                    message,
                }) => Readiness::PermissionMissing {
                    needs: spec.permission.into(),
                    detail: format!("{message} ({code})"),
                },
                Err(e) => Readiness::Error {
                    detail: redact(e.to_string()),
                },
            }
        };
        report.endpoints.push(EndpointCheck {
            file: spec.file.into(),
            permission: spec.permission.into(),
            readiness,
        });
    }
    report.endpoints.push(EndpointCheck {
        file: crate::evidence::restore_points::FILE.into(),
        permission: crate::evidence::restore_points::PERMISSION.into(),
        readiness: if uses_m365 {
            search_probe(ctx, &tenant, &unit_pages)
        } else {
            Readiness::NotApplicable {
                reason: "no workload in scope uses Microsoft 365 Backup".into(),
            }
        },
    });
    report.permissions_not_granted = roles.map(|granted| {
        let mut lacking = BTreeSet::new();
        for e in &report.endpoints {
            if matches!(e.readiness, Readiness::Ok | Readiness::NotApplicable { .. }) {
                continue;
            }
            for p in e.permission.split(',').map(str::trim) {
                if !granted.contains(p) {
                    lacking.insert(p.to_owned());
                }
            }
        }
        lacking.into_iter().collect()
    });
    report
}

/// One restore point search for one protected unit found on the first pages of the
/// protection units (its latest point of the last day): whether the app may search, read
/// like any endpoint's answer; not applicable when no unit is protected yet.
fn search_probe(ctx: &ClientCtx, tenant: &str, unit_pages: &[Value]) -> Readiness {
    use crate::evidence::graph::ProtectionUnit;
    use crate::evidence::restore_points as rp;
    let unit = unit_pages
        .iter()
        .filter_map(|page| page.get("value")?.as_array())
        .flatten()
        .filter_map(|u| serde_json::from_value::<ProtectionUnit>(u.clone()).ok())
        .find(rp::searchable);
    let Some(unit) = unit else {
        return Readiness::NotApplicable {
            reason: "no protected unit on the first page of the protection units to search".into(),
        };
    };
    let now = jiff::Timestamp::now();
    let day_ago = jiff::Timestamp::from_second(now.as_second() - 86_400).unwrap_or(now);
    let body = restore_points::request_body(&[&unit.id], day_ago, now, "latest").to_string();
    let url = format!(
        "{}{}",
        ctx.opts.graph_url.trim_end_matches('/'),
        rp::REQUEST
    );
    match ctx.send_json(&url, Some(body.as_bytes()), rp::FILE, tenant) {
        Ok(_) => Readiness::Ok,
        Err(FetchError::Http {
            status: 403,
            code,
            message,
        }) if code == NOT_LICENSED_CODE => Readiness::NotLicensed {
            licence: "Microsoft 365 Backup (pay-as-you-go billing)".into(),
            detail: format!("{message} ({code})"),
        },
        Err(FetchError::Http {
            status: 403,
            code,
            message,
        }) => Readiness::PermissionMissing {
            needs: rp::PERMISSION.into(),
            detail: format!("{message} ({code})"),
        },
        Err(e) => Readiness::Error {
            detail: ctx.tokens.redactor().redact(&e.to_string()),
        },
    }
}

/// The text report: one block per tenant, then a summary line.
pub fn render_text(reports: &[TenantReport]) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    for r in reports {
        let tenant = r.tenant_id.as_deref().unwrap_or("?");
        let _ = writeln!(
            s,
            "{} (tenant {tenant}): {}",
            r.client,
            if r.ready() { "ready" } else { "NOT READY" }
        );
        if let Some(e) = &r.policy_error {
            let _ = writeln!(s, "  policy: {e}");
            continue;
        }
        match &r.token_error {
            Some(e) => {
                let _ = writeln!(s, "  token ({}): FAILED: {e}", r.credential);
                let _ = writeln!(
                    s,
                    "  (has an administrator of this tenant consented to the app? see README \"Onboarding\")"
                );
                continue;
            }
            None => {
                let _ = writeln!(s, "  token ({}): ok", r.credential);
            }
        }
        for e in &r.endpoints {
            let line = match &e.readiness {
                Readiness::Ok => format!("ok                  {}", e.file),
                Readiness::PermissionMissing { needs, detail } => format!(
                    "permission_missing  {}: needs {needs} (application permission, admin consent): {detail}",
                    e.file
                ),
                Readiness::NotLicensed { licence, .. } => {
                    format!("not_licensed        {}: needs {licence}", e.file)
                }
                Readiness::NotApplicable { reason } => {
                    format!("not applicable      {}: {reason}", e.file)
                }
                Readiness::Error { detail } => format!("error               {}: {detail}", e.file),
            };
            let _ = writeln!(s, "  {line}");
        }
        match &r.permissions_not_granted {
            Some(p) if !p.is_empty() => {
                let _ = writeln!(s, "  the app is not granted: {}", p.join(", "));
            }
            Some(_) => {}
            None => {
                let _ = writeln!(
                    s,
                    "  (granted permissions unknown: the access token is not a readable JWT)"
                );
            }
        }
    }
    let ready = reports.iter().filter(|r| r.ready()).count();
    let _ = writeln!(
        s,
        "{ready} of {} tenant{} ready",
        reports.len(),
        if reports.len() == 1 { "" } else { "s" }
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_item_asks_for_one_item_where_the_request_pages() {
        assert_eq!(
            first_item("/v1.0/users?$select=id&$top=500"),
            "/v1.0/users?$select=id&$top=1"
        );
        assert_eq!(
            first_item("/v1.0/x?$top=999&$filter=a"),
            "/v1.0/x?$top=1&$filter=a"
        );
        assert_eq!(first_item("/v1.0/subscribedSkus"), "/v1.0/subscribedSkus");
    }

    #[test]
    fn roles_are_read_from_the_token_payload() {
        let payload =
            Base64UrlUnpadded::encode_string(br#"{"roles":["User.Read.All","Policy.Read.All"]}"#);
        let roles = token_roles(&format!("h.{payload}.s")).unwrap();
        assert!(roles.contains("User.Read.All") && roles.len() == 2);
        let none = Base64UrlUnpadded::encode_string(br#"{"tid":"x"}"#);
        assert_eq!(token_roles(&format!("h.{none}.s")), Some(BTreeSet::new()));
        assert_eq!(token_roles("opaque-token"), None);
        assert_eq!(token_roles("a.!!!.b"), None);
    }

    #[test]
    fn licence_gaps_are_ready_permission_gaps_are_not() {
        let mut r = TenantReport {
            client: "c".into(),
            tenant_id: Some("t".into()),
            credential: "client secret".into(),
            token_error: None,
            policy_error: None,
            endpoints: vec![EndpointCheck {
                file: "graph/x.json".into(),
                permission: "X.Read.All".into(),
                readiness: Readiness::NotLicensed {
                    licence: "Entra ID P2".into(),
                    detail: String::new(),
                },
            }],
            permissions_not_granted: Some(vec![]),
        };
        assert!(r.ready());
        r.endpoints[0].readiness = Readiness::PermissionMissing {
            needs: "X.Read.All".into(),
            detail: String::new(),
        };
        assert!(!r.ready());
        r.endpoints.clear();
        r.token_error = Some("AADSTS7000229".into());
        assert!(!r.ready());
    }
}

//! Microsoft Graph resources of a client at a collection time, in the shapes Graph really
//! returns (see tests/fixtures/graph-samples/): directory, registrations, Conditional
//! Access, licences, roles and PIM, Secure Score and the role-management audit log.

use super::ids::{T, days, dt, gid, hours, iso, mins, rng, role_assignment_id, secs, ts, tsf};
use super::json::{J, obj, strs};
use super::model::{Client, Kind, Person, Principal, SignIn};
use super::reference::{
    ADMIN_POLICY_ROLES, COMPANY_PLANS, DIRECTORY_READERS, GRAPH, ROLE_DEFS, plan_id, role_id, sku,
};
use std::collections::BTreeSet;

/// `signInActivity` as of `t`, or null when the account never signed in.
pub fn sign_in_activity(c: &Client, p: &Person, t: T) -> J {
    let stamp = iso(t);
    let mut r = rng(&[c.cid, &p.alias, "signin", &stamp]);
    if p.signin == SignIn::None || p.kind == Kind::Shared {
        return J::Null;
    }
    if p.first_signin.as_deref().is_some_and(|f| t < dt(f)) {
        return J::Null; // created, not signed in yet
    }
    let mut fixed = p.signin == SignIn::Fixed;
    let mut last_fixed = p.last_signin.clone();
    if let Some((from, last)) = &p.dormant
        && t >= dt(from)
        && !p.mfa(t)
    {
        (fixed, last_fixed) = (true, Some(last.clone()));
    }
    if let Some((from, last)) = &p.monthly_from
        && t < dt(from)
    {
        (fixed, last_fixed) = (true, Some(last.clone()));
    }
    let (mut last, mut non_interactive);
    if fixed {
        last = dt(last_fixed.as_deref().unwrap_or(&p.created));
        non_interactive = None;
    } else if p.signin == SignIn::Monthly {
        // break-glass: tested on the 3rd working day of each month, interactive only
        let first = t
            .with()
            .day(1)
            .hour(0)
            .minute(0)
            .second(0)
            .build()
            .unwrap_or(t);
        let m = r.randrange2(0, 50);
        let s = r.randrange(60);
        let mut test = first + days(3) + hours(9) + mins(m) + secs(s);
        if test > t {
            let prev = (first - days(1)).with().day(1).build().unwrap_or(first);
            let m = r.randrange2(0, 50);
            let s = r.randrange(60);
            test = prev + days(3) + hours(9) + mins(m) + secs(s);
        }
        last = test;
        non_interactive = None;
    } else if p.signin == SignIn::Guest {
        let d = r.randrange2(4, 40);
        let m = r.randrange(1440);
        last = t - days(d) - mins(m);
        non_interactive = Some(last + mins(r.randrange2(5, 600)));
    } else {
        let h = r.randrange2(3, 70);
        let m = r.randrange(60);
        let s = r.randrange(60);
        last = t - (hours(h) + mins(m) + secs(s));
        let m = r.randrange2(20, 600);
        let s = r.randrange(60);
        non_interactive = Some(t - (mins(m) + secs(s)));
    }
    if let Some(disabled) = p.disabled.as_deref().map(dt).filter(|d| *d <= t) {
        let cut = disabled - hours(r.randrange2(2, 30));
        last = last.min(cut);
        non_interactive = non_interactive.map(|n| n.min(cut));
    }
    if non_interactive.is_some_and(|n| n > t) {
        non_interactive = Some(t - mins(7));
    }
    let floor = dt(p.first_signin.as_deref().unwrap_or(&p.created)) + mins(35);
    if !fixed && last < floor {
        last = (floor + mins(r.randrange2(5, 90))).min(t - mins(3));
        if non_interactive.is_some_and(|n| n < last) {
            non_interactive = Some((last + mins(r.randrange2(2, 30))).min(t - mins(2)));
        }
    }
    let success = last;
    let success_s = if p.signin == SignIn::Fixed && p.kind == Kind::Guest {
        None
    } else {
        Some(ts(success))
    };
    obj! {
        "lastSignInDateTime" => ts(last),
        "lastSignInRequestId" => gid(&[c.cid, &p.alias, "req", &iso(last)]),
        "lastNonInteractiveSignInDateTime" => non_interactive.map_or("0001-01-01T00:00:00Z".into(), ts),
        "lastNonInteractiveSignInRequestId" => non_interactive.map_or(String::new(), |n| gid(&[c.cid, &p.alias, "nreq", &iso(n)])),
        "lastSuccessfulSignInDateTime" => success_s.clone(),
        "lastSuccessfulSignInRequestId" => success_s.map(|_| gid(&[c.cid, &p.alias, "sreq", &iso(success)])),
    }
}

/// The people who exist at `t`, in id order (as Graph pages them).
pub fn people_at(c: &Client, t: T) -> Vec<&Person> {
    let mut out: Vec<&Person> = c.people.iter().filter(|p| p.exists(t)).collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

pub fn user_obj(c: &Client, p: &Person, t: T, with_signin: bool) -> J {
    let mut u = obj! {
        "id" => &p.id,
        "displayName" => &p.name,
        "userPrincipalName" => &p.upn,
        "userType" => p.user_type(),
        "accountEnabled" => p.enabled(t),
        "assignedLicenses" => J::Arr(p.licences_at(t).into_iter().map(|s| obj! {"disabledPlans" => J::Arr(vec![]), "skuId" => sku(s).0}).collect()),
    };
    if with_signin {
        u.set("signInActivity", sign_in_activity(c, p, t));
    }
    // Graph writes null for an account never synchronised from on-premises.
    u.set(
        "onPremisesSyncEnabled",
        if p.synced { J::Bool(true) } else { J::Null },
    );
    u
}

pub fn users_doc(c: &Client, t: T, with_signin: bool) -> J {
    let value: Vec<J> = people_at(c, t)
        .into_iter()
        .map(|p| user_obj(c, p, t, with_signin))
        .collect();
    let ctx = format!(
        "{GRAPH}users(id,displayName,userPrincipalName,userType,accountEnabled,assignedLicenses{},onPremisesSyncEnabled)",
        if with_signin { ",signInActivity" } else { "" }
    );
    obj! {"@odata.context" => ctx, "value" => J::Arr(value)}
}

/// Aliases of the principals holding any privileged role (active or eligible) at `t`.
pub fn admin_aliases(c: &Client, t: T) -> BTreeSet<&'static str> {
    c.grants
        .iter()
        .filter(|g| g.live(t) && ADMIN_POLICY_ROLES.contains(&g.role))
        .map(|g| g.who)
        .collect()
}

pub fn methods_for(p: &Person, t: T) -> Vec<&'static str> {
    if !p.mfa(t) {
        return Vec::new();
    }
    if let Some(m) = &p.methods {
        return m.clone();
    }
    if p.kind == Kind::BreakGlass {
        return vec!["passKeyDeviceBound"];
    }
    let choices: [&[&'static str]; 5] = [
        &["microsoftAuthenticatorPush", "softwareOneTimePasscode"],
        &[
            "microsoftAuthenticatorPush",
            "softwareOneTimePasscode",
            "mobilePhone",
        ],
        &[
            "email",
            "microsoftAuthenticatorPush",
            "softwareOneTimePasscode",
        ],
        &["mobilePhone"],
        &[
            "microsoftAuthenticatorPasswordless",
            "microsoftAuthenticatorPush",
            "softwareOneTimePasscode",
        ],
    ];
    rng(&[&p.alias, "methods"]).choice(&choices).to_vec()
}

/// One userRegistrationDetails entry.
pub fn registration(c: &Client, p: &Person, t: T, is_admin: bool) -> J {
    let methods = methods_for(p, t);
    let reg = p.mfa(t);
    let capable = reg && p.enabled(t);
    let passwordless = methods.iter().any(|m| {
        m.starts_with("passKey")
            || [
                "windowsHelloForBusiness",
                "microsoftAuthenticatorPasswordless",
                "fido2",
            ]
            .contains(m)
    });
    let (system, preferred): (Vec<&str>, &str) = if methods.is_empty() {
        (vec![], "")
    } else if passwordless {
        let fido = methods.iter().any(|m| m.starts_with("passKey"));
        (
            vec![if fido {
                "Fido2"
            } else {
                "PhoneAppNotification"
            }],
            "push",
        )
    } else if methods.contains(&"microsoftAuthenticatorPush") {
        (vec!["PhoneAppNotification"], "push")
    } else {
        (vec!["Sms"], "voiceMobile")
    };
    let sspr = reg
        && p.kind == Kind::Member
        && (methods.contains(&"mobilePhone") || methods.contains(&"email"));
    let stamp = iso(t);
    let upd = rng(&[c.cid, &p.alias, "upd", &stamp]).randrange(50);
    obj! {
        "id" => &p.id,
        "userPrincipalName" => &p.upn,
        "userDisplayName" => &p.name,
        "userType" => if p.kind == Kind::Guest { "guest" } else { "member" },
        "isAdmin" => is_admin,
        "isSsprRegistered" => sspr,
        "isSsprEnabled" => p.kind != Kind::Guest,
        "isSsprCapable" => sspr && p.kind != Kind::Guest,
        "isMfaRegistered" => reg,
        "isMfaCapable" => capable,
        "isPasswordlessCapable" => passwordless,
        "lastUpdatedDateTime" => tsf(t - (hours(3) + mins(upd)), &[c.cid, &p.alias]),
        "methodsRegistered" => strs(&methods),
        "isSystemPreferredAuthenticationMethodEnabled" => true,
        "systemPreferredAuthenticationMethods" => strs(&system),
        "userPreferredMethodForSecondaryAuthentication" => preferred,
    }
}

pub fn registration_doc(c: &Client, t: T) -> J {
    let admins = admin_aliases(c, t);
    let value: Vec<J> = people_at(c, t)
        .into_iter()
        .map(|p| registration(c, p, t, admins.contains(p.alias.as_str())))
        .collect();
    obj! {"@odata.context" => format!("{GRAPH}reports/authenticationMethods/userRegistrationDetails"), "value" => J::Arr(value)}
}

/// A Conditional Access policy; the optional parts default as Graph leaves them.
#[derive(Default)]
pub struct Ca<'a> {
    pub include_users: Vec<String>,
    pub exclude_users: Vec<String>,
    pub include_groups: Vec<String>,
    pub include_roles: Vec<&'a str>,
    /// Default `["all"]`.
    pub client_app_types: Option<Vec<&'a str>>,
    pub builtin: Vec<&'a str>,
    /// The phishing-resistant authentication strength.
    pub strength: bool,
    pub platforms: Option<J>,
    pub template: Option<&'a str>,
    pub user_risk: Vec<&'a str>,
    pub sign_in_risk: Vec<&'a str>,
    pub transfer_methods: Option<&'a str>,
    /// Default `"OR"`.
    pub operator: Option<&'a str>,
}

pub fn ca_policy(pid: &str, name: &str, state: &str, created: &str, modified: &str, o: Ca) -> J {
    let ctx = format!(
        "{GRAPH}identity/conditionalAccess/policies('{pid}')/grantControls/authenticationStrength"
    );
    let grant = if !o.builtin.is_empty() || o.strength {
        let auth = if o.strength {
            obj! {
                "allowedCombinations" => strs(&["windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor"]),
                "combinationConfigurations" => J::Arr(vec![]),
                "combinationConfigurations@odata.context" => format!("{ctx}/combinationConfigurations"),
                "createdDateTime" => "2021-12-01T08:00:00Z",
                "description" => "Phishing-resistant, Passwordless methods for the strongest authentication, such as a FIDO2 security key",
                "displayName" => "Phishing-resistant MFA",
                "id" => "00000000-0000-0000-0000-000000000004",
                "modifiedDateTime" => "2021-12-01T08:00:00Z",
                "policyType" => "builtIn",
                "requirementsSatisfied" => "mfa",
            }
        } else {
            J::Null
        };
        obj! {
            "authenticationStrength" => auth,
            "authenticationStrength@odata.context" => format!("{ctx}/$entity"),
            "builtInControls" => strs(&o.builtin),
            "customAuthenticationFactors" => J::Arr(vec![]),
            "operator" => o.operator.unwrap_or("OR"),
            "termsOfUse" => J::Arr(vec![]),
        }
    } else {
        J::Null
    };
    obj! {
        "conditions" => obj! {
            "applications" => obj! {
                "applicationFilter" => J::Null,
                "excludeApplications" => J::Arr(vec![]),
                "includeApplications" => strs(&["All"]),
                "includeAuthenticationContextClassReferences" => J::Arr(vec![]),
                "includeUserActions" => J::Arr(vec![]),
            },
            // Graph writes the transfer methods flags enum as one comma-separated string.
            "authenticationFlows" => o.transfer_methods.map(|m| obj! {"transferMethods" => m}),
            "clientAppTypes" => strs(o.client_app_types.as_deref().unwrap_or(&["all"])),
            "clientApplications" => J::Null,
            "devices" => J::Null,
            "insiderRiskLevels" => J::Null,
            "locations" => J::Null,
            "platforms" => o.platforms,
            "servicePrincipalRiskLevels" => J::Arr(vec![]),
            "signInRiskLevels" => strs(&o.sign_in_risk),
            "userRiskLevels" => strs(&o.user_risk),
            "users" => obj! {
                "excludeGroups" => J::Arr(vec![]),
                "excludeGuestsOrExternalUsers" => J::Null,
                "excludeRoles" => J::Arr(vec![]),
                "excludeUsers" => o.exclude_users,
                "includeGroups" => o.include_groups,
                "includeGuestsOrExternalUsers" => J::Null,
                "includeRoles" => strs(&o.include_roles),
                "includeUsers" => o.include_users,
            },
        },
        "createdDateTime" => created,
        "deletedDateTime" => J::Null,
        "displayName" => name,
        "grantControls" => grant,
        "id" => pid,
        "modifiedDateTime" => modified,
        "sessionControls" => J::Null,
        "state" => state,
        "templateId" => o.template,
    }
}

pub fn admin_role_ids() -> Vec<&'static str> {
    ADMIN_POLICY_ROLES.iter().map(|r| role_id(r)).collect()
}

pub fn security_defaults_doc(enabled: bool) -> J {
    obj! {
        "@odata.context" => format!("{GRAPH}policies/identitySecurityDefaultsEnforcementPolicy/$entity"),
        "description" => "Security defaults is a set of basic identity security mechanisms recommended by Microsoft. When enabled, these recommendations will be automatically enforced in your organization. Administrators and users will be better protected from common identity related attacks.",
        "displayName" => "Security Defaults",
        "id" => "00000000-0000-0000-0000-000000000005",
        "isEnabled" => enabled,
    }
}

pub fn skus_doc(c: &Client, t: T) -> J {
    let mut value = Vec::new();
    for (part, units, extra) in (c.skus)(t) {
        let (sku_id, plans) = sku(part);
        let consumed = extra
            + c.people
                .iter()
                .filter(|p| p.exists(t) && p.licences_at(t).contains(&part))
                .count() as i64;
        let plans: Vec<J> = plans
            .iter()
            .map(|plan| {
                obj! {
                    "appliesTo" => if COMPANY_PLANS.contains(plan) { "Company" } else { "User" },
                    "provisioningStatus" => "Success",
                    "servicePlanId" => plan_id(plan),
                    "servicePlanName" => *plan,
                }
            })
            .collect();
        value.push(obj! {
            "accountId" => &c.tenant,
            "accountName" => c.tenant_name,
            "appliesTo" => "User",
            "capabilityStatus" => "Enabled",
            "consumedUnits" => consumed,
            "id" => format!("{}_{sku_id}", c.tenant),
            "prepaidUnits" => obj! {"enabled" => units, "lockedOut" => 0i64, "suspended" => 0i64, "warning" => 0i64},
            "servicePlans" => J::Arr(plans),
            "skuId" => sku_id,
            "skuPartNumber" => part,
            "subscriptionIds" => vec![gid(&[c.cid, "subscription", part])],
        });
    }
    obj! {"@odata.context" => format!("{GRAPH}subscribedSkus"), "value" => J::Arr(value)}
}

pub fn role_definitions_doc() -> J {
    let value: Vec<J> = ROLE_DEFS
        .iter()
        .map(|(rid, name, desc, actions)| {
            obj! {
                "id" => *rid,
                "description" => *desc,
                "displayName" => *name,
                "isBuiltIn" => true,
                "isEnabled" => true,
                "resourceScopes" => strs(&["/"]),
                "templateId" => *rid,
                "version" => "1",
                "rolePermissions" => J::Arr(vec![obj! {"allowedResourceActions" => strs(actions), "condition" => J::Null}]),
                "inheritsPermissionsFrom@odata.context" => format!("{GRAPH}roleManagement/directory/roleDefinitions('{rid}')/inheritsPermissionsFrom"),
                "inheritsPermissionsFrom" => if *rid == DIRECTORY_READERS { J::Arr(vec![]) } else { J::Arr(vec![obj! {"id" => DIRECTORY_READERS}]) },
            }
        })
        .collect();
    obj! {"@odata.context" => format!("{GRAPH}roleManagement/directory/roleDefinitions"), "value" => J::Arr(value)}
}

pub fn principal_obj(who: &Principal, t: T) -> J {
    match who {
        Principal::App(sp) => obj! {
            "@odata.type" => "#microsoft.graph.servicePrincipal",
            "id" => &sp.id,
            "deletedDateTime" => J::Null,
            "accountEnabled" => true,
            "appDisplayName" => &sp.name,
            "appId" => gid(&[&sp.app_seed, "appId"]),
            "displayName" => &sp.name,
            "servicePrincipalType" => "Application",
        },
        Principal::User(p) => {
            let user_type = if p.lower_case {
                p.user_type().to_lowercase()
            } else {
                p.user_type().to_owned()
            };
            let mail = match p.kind {
                Kind::BreakGlass => None,
                Kind::Guest => p.guest_mail.clone(),
                _ => Some(p.upn.clone()),
            };
            obj! {
                "@odata.type" => "#microsoft.graph.user",
                "id" => &p.id,
                "deletedDateTime" => J::Null,
                "accountEnabled" => p.enabled(t),
                "displayName" => &p.name,
                "mail" => mail,
                "userPrincipalName" => &p.upn,
                "userType" => user_type,
            }
        }
    }
}

/// Every active assignment at `t`: standing grants, then live PIM activations.
pub enum Active<'a> {
    Assigned(&'a super::model::Grant),
    Activated(&'a super::model::Activation),
}

pub fn active_assignments(c: &Client, t: T) -> Vec<Active<'_>> {
    let mut out: Vec<Active> = c
        .grants
        .iter()
        .filter(|g| !g.eligible && g.live(t))
        .map(Active::Assigned)
        .collect();
    for a in &c.activations {
        let start = dt(a.start);
        if start <= t && t < start + hours(a.hours) {
            out.push(Active::Activated(a));
        }
    }
    out
}

pub fn role_assignments_doc(c: &Client, t: T) -> J {
    let mut value: Vec<(String, J)> = active_assignments(c, t)
        .into_iter()
        .map(|a| {
            let (who, role) = match a {
                Active::Assigned(g) => (g.who, g.role),
                Active::Activated(a) => (a.who, a.role),
            };
            let who = c.who(who);
            let role = role_id(role);
            let id = role_assignment_id(role, who.id());
            let v = obj! {
                "id" => &id,
                "principalId" => who.id(),
                "resourceScope" => "/",
                "directoryScopeId" => "/",
                "roleDefinitionId" => role,
                "principal" => principal_obj(&who, t),
            };
            (id, v)
        })
        .collect();
    value.sort_by(|a, b| a.0.cmp(&b.0));
    obj! {
        "@odata.context" => format!("{GRAPH}roleManagement/directory/roleAssignments(principal())"),
        "value" => J::Arr(value.into_iter().map(|(_, v)| v).collect()),
    }
}

fn schedule_info(start: &str, expires: Option<String>) -> J {
    obj! {
        "startDateTime" => start,
        "recurrence" => J::Null,
        "expiration" => obj! {
            "type" => if expires.is_some() { "afterDateTime" } else { "noExpiration" },
            "endDateTime" => expires,
            "duration" => J::Null,
        },
    }
}

fn sorted_by_id(mut value: Vec<J>) -> J {
    value.sort_by(|a, b| a.get("id").map(J::str).cmp(&b.get("id").map(J::str)));
    J::Arr(value)
}

pub fn eligibility_doc(c: &Client, t: T) -> J {
    let mut value = Vec::new();
    for g in c.grants.iter().filter(|g| g.eligible && g.live(t)) {
        let who = c.who(g.who);
        let sid = gid(&[c.cid, "eligibility", g.who, g.role, g.start]);
        let start = tsf(dt(g.start), &[c.cid, "elig", g.who]);
        value.push(obj! {
            "id" => &sid,
            "principalId" => who.id(),
            "roleDefinitionId" => role_id(g.role),
            "directoryScopeId" => "/",
            "appScopeId" => J::Null,
            "createdUsing" => &sid,
            "createdDateTime" => &start,
            // Graph really returns this placeholder for schedules never modified
            "modifiedDateTime" => "0001-01-01T08:00:00Z",
            "status" => "Provisioned",
            "memberType" => "Direct",
            "scheduleInfo" => schedule_info(&start, g.expires.map(String::from)),
        });
    }
    obj! {"@odata.context" => format!("{GRAPH}roleManagement/directory/roleEligibilitySchedules"), "value" => sorted_by_id(value)}
}

pub fn assignment_schedules_doc(c: &Client, t: T) -> J {
    let mut value = Vec::new();
    for a in active_assignments(c, t) {
        match a {
            Active::Assigned(g) => {
                let who = c.who(g.who);
                let role = role_id(g.role);
                let start = tsf(dt(g.start), &[c.cid, "assign", g.who]);
                // No grant in the stories is created through PIM as an active assignment.
                let sid = role_assignment_id(role, who.id());
                value.push(obj! {
                    "id" => &sid,
                    "principalId" => who.id(),
                    "roleDefinitionId" => role,
                    "directoryScopeId" => "/",
                    "appScopeId" => J::Null,
                    "createdUsing" => J::Null,
                    "createdDateTime" => J::Null,
                    "modifiedDateTime" => J::Null,
                    "status" => "Provisioned",
                    "assignmentType" => "Assigned",
                    "memberType" => "Direct",
                    "scheduleInfo" => schedule_info(&start, g.expires.map(String::from)),
                });
            }
            Active::Activated(a) => {
                let who = c.who(a.who);
                let start_dt = dt(a.start);
                let start = tsf(start_dt, &[c.cid, "act", a.who]);
                let sid = gid(&[c.cid, "activation", a.who, a.role, a.start]);
                value.push(obj! {
                    "id" => &sid,
                    "principalId" => who.id(),
                    "roleDefinitionId" => role_id(a.role),
                    "directoryScopeId" => "/",
                    "appScopeId" => J::Null,
                    "createdUsing" => gid(&[c.cid, "eligibility", a.who, a.role, a.eligibility_start]),
                    "createdDateTime" => &start,
                    "modifiedDateTime" => J::Null,
                    "status" => "Provisioned",
                    "assignmentType" => "Activated",
                    "memberType" => "Direct",
                    "scheduleInfo" => schedule_info(&start, Some(ts(start_dt + hours(a.hours)))),
                });
            }
        }
    }
    obj! {"@odata.context" => format!("{GRAPH}roleManagement/directory/roleAssignmentSchedules"), "value" => sorted_by_id(value)}
}

pub fn secure_score_doc(c: &Client, t: T) -> J {
    let (current, max, services) = (c.score)(t);
    let day = t.date().to_datetime(jiff::civil::Time::midnight());
    let enabled_members = c
        .people
        .iter()
        .filter(|p| p.exists(t) && p.enabled(t) && p.kind == Kind::Member)
        .count();
    let licensed = c
        .people
        .iter()
        .filter(|p| p.exists(t) && !p.licences_at(t).is_empty())
        .count();
    obj! {
        "@odata.context" => format!("{GRAPH}security/secureScores"),
        "value" => J::Arr(vec![obj! {
            "id" => format!("{}_{}", c.tenant, day.strftime("%Y-%m-%d")),
            "azureTenantId" => &c.tenant,
            "activeUserCount" => enabled_members,
            "averageComparativeScores" => J::Arr(vec![
                obj! {"basis" => "AllTenants", "averageScore" => 52.86},
                obj! {"basis" => "TotalSeats", "averageScore" => 48.1, "SeatSizeRangeLowerValue" => "1", "SeatSizeRangeUpperValue" => "100"},
            ]),
            "controlScores" => J::Arr((c.score_controls)(t)),
            "createdDateTime" => ts(day),
            "currentScore" => current,
            "enabledServices" => strs(&services),
            "licensedUserCount" => licensed,
            "maxScore" => max,
            "vendorInformation" => obj! {"provider" => "SecureScore", "providerVersion" => J::Null, "subProvider" => J::Null, "vendor" => "Microsoft"},
        }]),
    }
}

/// One Secure Score control entry; `on` only where Graph writes it.
pub fn score_control(name: &str, description: &str, score: f64, percent: f64, on: bool, t: T) -> J {
    let mut v = obj! {
        "controlCategory" => "Identity",
        "controlName" => name,
        "description" => description,
        "score" => score,
        "scoreInPercentage" => percent,
    };
    if on {
        v.set("on", "true");
    }
    v.set("lastSynced", ts(t - days(1)));
    v
}

#!/usr/bin/env python3
"""Regenerates the bundled sample repository data for `custody`.

Writes `clients/` and `evidence/` (at the repository root, two levels above this file)
from scratch: three fictional MSP clients, six monthly snapshots each (2026-06 .. 2026-11),
in the exact file formats of docs/formats.md and the real Microsoft Graph response shapes
of shared/graph-samples/.

Deterministic: fixed seeds, uuid5 ids, no clock, no network, stdlib only. Running it twice
produces byte-identical files. See README.md next to this file for the story of each client.

    python3 tools/sample-data/generate.py            # (re)write clients/ and evidence/
    python3 tools/sample-data/generate.py --check    # only verify the data on disk is current
"""

import base64
import csv
import hashlib
import io
import json
import random
import shutil
import sys
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UTC = timezone.utc
NS = uuid.uuid5(uuid.NAMESPACE_URL, "https://custody.example/sample-data")
MONTHS = ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]
TOOL_VERSION = "0.1.0"
GRAPH = "https://graph.microsoft.com/v1.0/$metadata#"


# ---------------------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------------------

def gid(*parts):
    """A fictional, deterministic GUID derived from a seed path."""
    return str(uuid.uuid5(NS, "/".join(str(p) for p in parts)))


def rng(*parts):
    return random.Random("/".join(str(p) for p in parts))


def dt(s):
    """'2026-06-27T03:12:09' or '2026-06-27' -> aware UTC datetime."""
    if "T" not in s:
        s += "T00:00:00"
    return datetime.fromisoformat(s).replace(tzinfo=UTC)


def ts(d, frac=None):
    """RFC 3339 in Graph's style; `frac` adds 7 fractional digits (Graph's 100 ns ticks)."""
    s = d.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if frac is not None:
        s += ".%07d" % frac
    return s + "Z"


def tsf(d, *seed):
    """Timestamp with deterministic sub-second ticks."""
    return ts(d, rng("ticks", *seed, d.isoformat()).randrange(10_000_000))


def collected_at(month):
    return dt("2026-11-23T03:12:09") if month == "2026-11" else dt(month + "-27T03:12:09")


# Provenance of the sample months (see README "For auditors"): the MSP collects every
# client with one multi-tenant app registration and a federated credential (GitHub's OIDC
# token) in one scheduled run per month of its policy repository.
COLLECTOR_APP_ID = gid("app", "msp-custody-collector")
CUSTODY_COMMIT = hashlib.sha1(b"custody " + TOOL_VERSION.encode()).hexdigest()
CI_REPOSITORY = "msp-example/custody-policies"
# The one month exported by hand (a consent lapsed before the scheduled run) and sealed
# with `custody seal --by`, as seal records it.
HAND_SEALED = {("fabrikam", "2026-08"): "Dana Whitaker <dana.whitaker@msp.example>"}


def ci_run_url(month):
    """The scheduled collect run of `month`, in the shape GitHub gives a run attempt."""
    run_id = 16_000_000_000 + rng("run", month).randrange(1_000_000_000)
    return "https://github.com/%s/actions/runs/%d/attempts/1" % (CI_REPOSITORY, run_id)


def month_start(month):
    return dt(month + "-01")


def month_end(month):
    y, m = int(month[:4]), int(month[5:])
    return dt("%04d-%02d-01" % (y + (m == 12), m % 12 + 1))


def role_assignment_id(role_id, principal_id):
    """Entra's id for a directory role assignment: base64url(role GUID + principal GUID) + '-1'."""
    raw = uuid.UUID(role_id).bytes_le + uuid.UUID(principal_id).bytes_le
    return base64.urlsafe_b64encode(raw).decode().rstrip("=") + "-1"


def json_bytes(obj):
    return (json.dumps(obj, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def sha256(b):
    return hashlib.sha256(b).hexdigest()


def schema_line(rel):
    """The `#:schema` line naming the committed JSON Schema (schema/) of a policy TOML file,
    relative to the file, as Taplo reads it; empty for other files."""
    parts = rel.split("/")
    if rel.startswith("clients/") and len(parts) == 3 and parts[2].endswith(".toml"):
        return "#:schema ../../schema/%s.schema.json\n" % parts[2][: -len(".toml")]
    if rel.startswith("evidence/") and len(parts) == 4 and parts[3] == "restore-tests.toml":
        return "#:schema ../../../schema/restore-tests.schema.json\n"
    return ""


class Writer:
    """Collects every output file in memory, then writes (or checks) them in one go."""

    def __init__(self):
        self.files = {}

    def put(self, rel, data):
        if isinstance(data, str):
            data = schema_line(rel) + data
            data = data.encode("utf-8")
        assert rel not in self.files, rel
        self.files[rel] = data
        return data

    def put_json(self, rel, obj):
        return self.put(rel, json_bytes(obj))


# ---------------------------------------------------------------------------------------
# Microsoft reference data (public ids)
# ---------------------------------------------------------------------------------------

# Built-in role definitions (ids are the public template ids; descriptions and the first
# permissions as Graph returns them; rolePermissions trimmed to keep the files small).
DIRECTORY_READERS = "88d8e3e3-8f55-4a1e-953a-9b9898b8876b"
ROLE_DEFS = [
    ("62e90394-69f5-4237-9190-012177145e10", "Global Administrator", "Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.", ["microsoft.agentRegistry/allEntities/allProperties/allTasks", "microsoft.azure.advancedThreatProtection/allEntities/allTasks", "microsoft.azure.informationProtection/allEntities/allTasks"]),
    ("e8611ab8-c189-46e8-94e1-60213ab1f814", "Privileged Role Administrator", "Can manage role assignments in Microsoft Entra ID, and all aspects of Privileged Identity Management.", ["microsoft.directory/accessReviews/definitions.applications/allProperties/read", "microsoft.directory/accessReviews/definitions.directoryRoles/allProperties/allTasks", "microsoft.directory/accessReviews/definitions.groups/allProperties/read"]),
    ("194ae4cb-b126-40b2-bd5b-6091b380977d", "Security Administrator", "Can read security information and reports, and manage configuration in Microsoft Entra ID and Office 365.", ["microsoft.agentRegistry/allEntities/allProperties/read", "microsoft.azure.serviceHealth/allEntities/allTasks", "microsoft.azure.supportTickets/allEntities/allTasks"]),
    ("b1be1c3e-b65d-4f19-8427-f6fa0d97feb9", "Conditional Access Administrator", "Can manage Conditional Access capabilities.", ["microsoft.directory/conditionalAccessPolicies/basic/update", "microsoft.directory/conditionalAccessPolicies/create", "microsoft.directory/conditionalAccessPolicies/delete"]),
    ("29232cdf-9323-42fd-ade2-1d097af3e4de", "Exchange Administrator", "Can manage all aspects of the Exchange product.", ["microsoft.azure.serviceHealth/allEntities/allTasks", "microsoft.azure.supportTickets/allEntities/allTasks", "microsoft.backup/exchangeProtectionPolicies/allProperties/allTasks"]),
    ("f28a1f50-f6e7-4571-818b-6a12f2af6b6c", "SharePoint Administrator", "Can manage all aspects of the SharePoint service.", ["microsoft.azure.serviceHealth/allEntities/allTasks", "microsoft.azure.supportTickets/allEntities/allTasks", "microsoft.backup/oneDriveForBusinessProtectionPolicies/allProperties/allTasks"]),
    ("69091246-20e8-4a56-aa4d-066075b2a7a8", "Teams Administrator", "Can manage the Microsoft Teams service.", ["microsoft.azure.serviceHealth/allEntities/allTasks", "microsoft.azure.supportTickets/allEntities/allTasks", "microsoft.directory/authorizationPolicy/standard/read"]),
    ("fe930be7-5e62-47db-91af-98c3a49a38b1", "User Administrator", "Can manage all aspects of users and groups, including resetting passwords for limited admins.", ["microsoft.azure.serviceHealth/allEntities/allTasks", "microsoft.azure.supportTickets/allEntities/allTasks", "microsoft.directory/accessReviews/definitions.applications/allProperties/allTasks"]),
    ("729827e3-9c14-49f7-bb1b-9608f156bbb8", "Helpdesk Administrator", "Can reset passwords for non-administrators and Helpdesk Administrators.", ["microsoft.azure.serviceHealth/allEntities/allTasks", "microsoft.azure.supportTickets/allEntities/allTasks", "microsoft.directory/bitlockerKeys/key/read"]),
    ("9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", "Application Administrator", "Can create and manage all aspects of app registrations and enterprise apps.", ["microsoft.azure.serviceHealth/allEntities/allTasks", "microsoft.azure.supportTickets/allEntities/allTasks", "microsoft.directory/adminConsentRequestPolicy/allProperties/allTasks"]),
    ("b0f54661-2d74-4c50-afa3-1ec803f12efe", "Billing Administrator", "Can perform common billing related tasks like updating payment information.", ["microsoft.azure.serviceHealth/allEntities/allTasks", "microsoft.azure.supportTickets/allEntities/allTasks", "microsoft.commerce.billing/allEntities/allProperties/allTasks"]),
    ("f2ef992c-3afb-46b9-b7cf-a126ee74c451", "Global Reader", "Can read everything that a Global Administrator can, but not update anything.", ["microsoft.agentRegistry/allEntities/allProperties/read", "microsoft.azure.serviceHealth/allEntities/allTasks", "microsoft.backup/allEntities/allProperties/read"]),
    ("4a5d8f65-41da-4de4-8968-e035b65339cf", "Reports Reader", "Can read sign-in and audit reports.", ["microsoft.azure.serviceHealth/allEntities/allTasks", "microsoft.directory/auditLogs/allProperties/read", "microsoft.directory/provisioningLogs/allProperties/read"]),
    (DIRECTORY_READERS, "Directory Readers", "Can read basic directory information. Commonly used to grant directory read access to applications and guests.", ["microsoft.directory/administrativeUnits/members/read", "microsoft.directory/administrativeUnits/standard/read", "microsoft.directory/applicationPolicies/standard/read"]),
]
ROLE_ID = {name: rid for rid, name, _, _ in ROLE_DEFS}
ROLE_NAME = {rid: name for rid, name, _, _ in ROLE_DEFS}
GA = "Global Administrator"

# Roles the CA "admins" policies target (Microsoft's privileged-role list, shortened).
ADMIN_POLICY_ROLES = [
    "Global Administrator", "Privileged Role Administrator",
    "Security Administrator", "Conditional Access Administrator", "Exchange Administrator",
    "SharePoint Administrator", "Teams Administrator", "User Administrator", "Helpdesk Administrator",
    "Application Administrator", "Billing Administrator",
]

# Service plans (public ids) and the SKUs built from them.
PLANS = {
    "AAD_PREMIUM": "41781fb2-bc02-4b7c-bd55-b576c07bb09d",
    "AAD_PREMIUM_P2": "eec0eb4f-6444-4f95-aba0-50c24d67f998",
    "MFA_PREMIUM": "8a256a2b-b617-496d-b51b-e76466e88db0",
    "INTUNE_A": "c1ec4a95-1f05-45b3-a911-aa3fa01094f5",
    "RMS_S_PREMIUM": "6c57d4b6-3b23-47a5-9bc9-69f17b4947b3",
    "RMS_S_PREMIUM2": "5689bec4-755d-4753-8b61-40975025187c",
    "RMS_S_ENTERPRISE": "bea4c11e-220a-4e6d-8eb8-8ea15d019f90",
    "ADALLOM_S_STANDALONE": "2e2ddb96-6af9-4b1d-a3f0-d6ecfd22edb2",
    "ADALLOM_S_DISCOVERY": "932ad362-64a8-4783-9106-97849a1a30b9",
    "ATA": "14ab5db5-e6c4-4b20-b4bc-13e36fd2227f",
    "EXCHANGE_S_ENTERPRISE": "efb87545-963c-4e0d-99df-69c6916d9eb0",
    "EXCHANGE_S_STANDARD": "9aaf7827-d63c-4b61-89c3-182f06f82e5c",
    "EXCHANGE_S_ARCHIVE_ADDON": "176a09a6-7ec5-4039-ac02-b2791c6ba793",
    "SHAREPOINTENTERPRISE": "5dbe027f-2339-4123-9542-606e4d348a72",
    "SHAREPOINTSTANDARD": "c7699d2e-19aa-44de-8edf-1736da088ca1",
    "SHAREPOINTWAC": "e95bec33-7c88-4a70-8e19-b10bd9d0c014",
    "TEAMS1": "57ff2da0-773e-42df-b2af-ffb7a2317929",
    "OFFICESUBSCRIPTION": "43de0ff5-c92c-492b-9116-175376d08c38",
    "MCOSTANDARD": "0feaeb32-d00e-4d66-bd5a-43b5b83db82c",
    "ATP_ENTERPRISE": "f20fedf3-f3c3-43c3-8267-2bfdd51c0939",
    "FORMS_PLAN_E1": "159f4cd6-e380-449f-a816-af1a9ef76344",
    "FORMS_PLAN_E3": "2789c901-c14e-48ab-a76a-be334d9d793a",
    "PROJECTWORKMANAGEMENT": "b737dad2-2f6c-4c65-90e3-ca563267e8b9",
    "BPOS_S_TODO_1": "5e62787c-c316-451f-b873-1d05acd4d12c",
    "BPOS_S_TODO_2": "c87f142c-d1e9-4363-8630-aaea9c4d9ae5",
    "SWAY": "a23b959c-7ce8-4e57-9140-b90eb88a9e97",
    "MICROSOFTBOOKINGS": "199a5c09-e0ca-4e37-8f7c-b05d533e1ea2",
    "FLOW_P2_VIRAL": "50e68c76-46c6-4674-81f9-75456511b170",
}
COMPANY_PLANS = {"SHAREPOINTWAC", "ADALLOM_S_DISCOVERY"}
SKUS = {
    # skuPartNumber: (skuId, plans)
    "SPE_E3": ("05e9a617-0261-4cee-bb44-138d3ef5d965", ["EXCHANGE_S_ENTERPRISE", "SHAREPOINTENTERPRISE", "SHAREPOINTWAC", "TEAMS1", "OFFICESUBSCRIPTION", "MCOSTANDARD", "AAD_PREMIUM", "MFA_PREMIUM", "INTUNE_A", "RMS_S_ENTERPRISE", "RMS_S_PREMIUM", "FORMS_PLAN_E3", "PROJECTWORKMANAGEMENT", "BPOS_S_TODO_2", "SWAY"]),
    "EMSPREMIUM": ("b05e124f-c7cc-45a0-a6aa-8cf78c946968", ["AAD_PREMIUM", "AAD_PREMIUM_P2", "MFA_PREMIUM", "INTUNE_A", "RMS_S_PREMIUM", "RMS_S_PREMIUM2", "ADALLOM_S_STANDALONE", "ATA"]),
    "FLOW_FREE": ("f30db892-07e9-47e9-837c-80727f46fd3d", ["FLOW_P2_VIRAL"]),
    "SPB": ("cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46", ["EXCHANGE_S_STANDARD", "EXCHANGE_S_ARCHIVE_ADDON", "SHAREPOINTSTANDARD", "SHAREPOINTWAC", "TEAMS1", "OFFICESUBSCRIPTION", "MCOSTANDARD", "AAD_PREMIUM", "MFA_PREMIUM", "INTUNE_A", "RMS_S_PREMIUM", "ATP_ENTERPRISE", "BPOS_S_TODO_1", "FORMS_PLAN_E1"]),
    "AAD_PREMIUM_P2": ("84a661c4-e949-4bd2-a560-ed7766fcaf2b", ["AAD_PREMIUM", "AAD_PREMIUM_P2", "MFA_PREMIUM", "ADALLOM_S_DISCOVERY"]),
    "O365_BUSINESS_PREMIUM": ("f245ecc8-75af-4f8e-b61f-27d8114de5f3", ["EXCHANGE_S_STANDARD", "SHAREPOINTSTANDARD", "SHAREPOINTWAC", "TEAMS1", "OFFICESUBSCRIPTION", "MCOSTANDARD", "FORMS_PLAN_E1", "PROJECTWORKMANAGEMENT", "BPOS_S_TODO_1", "SWAY", "MICROSOFTBOOKINGS"]),
    "EXCHANGEARCHIVE_ADDON": ("ee02fd1b-340e-4a4b-b355-4a514e4c8943", ["EXCHANGE_S_ARCHIVE_ADDON"]),
}

# A Microsoft first-party app that appears as the creator of Microsoft 365 Backup objects.
ENHANCED_RESTORE_APP = {"id": "1fec8e78-bce4-4aaf-ab1b-5451cc387264", "displayName": "Microsoft Enhanced Restore"}
MS_PIM_APP = {"appId": None, "displayName": "MS-PIM", "servicePrincipalId": None, "servicePrincipalName": None}

# The formats.md endpoint table: (file, request).
ENDPOINTS = [
    ("graph/users.json", "GET /v1.0/users?$select=id,displayName,userPrincipalName,userType,accountEnabled,assignedLicenses,createdDateTime,signInActivity,onPremisesSyncEnabled&$top=500"),
    ("graph/userRegistrationDetails.json", "GET /v1.0/reports/authenticationMethods/userRegistrationDetails"),
    ("graph/conditionalAccessPolicies.json", "GET /v1.0/identity/conditionalAccess/policies"),
    ("graph/securityDefaults.json", "GET /v1.0/policies/identitySecurityDefaultsEnforcementPolicy"),
    ("graph/subscribedSkus.json", "GET /v1.0/subscribedSkus"),
    ("graph/roleDefinitions.json", "GET /v1.0/roleManagement/directory/roleDefinitions"),
    ("graph/roleAssignments.json", "GET /v1.0/roleManagement/directory/roleAssignments?$expand=principal"),
    ("graph/roleEligibilitySchedules.json", "GET /v1.0/roleManagement/directory/roleEligibilitySchedules"),
    ("graph/roleAssignmentSchedules.json", "GET /v1.0/roleManagement/directory/roleAssignmentSchedules"),
    ("graph/secureScores.json", "GET /v1.0/security/secureScores?$top=1"),
    ("graph/directoryAudits.json", "GET /v1.0/auditLogs/directoryAudits?$filter=category eq 'RoleManagement'"),
    ("graph/backupRestore.json", "GET /v1.0/solutions/backupRestore"),
    ("graph/protectionPolicies.json", "GET /v1.0/solutions/backupRestore/protectionPolicies"),
    ("graph/mailboxProtectionUnits.json", "GET /v1.0/solutions/backupRestore/protectionUnits/microsoft.graph.mailboxProtectionUnit"),
    ("graph/driveProtectionUnits.json", "GET /v1.0/solutions/backupRestore/protectionUnits/microsoft.graph.driveProtectionUnit"),
    ("graph/siteProtectionUnits.json", "GET /v1.0/solutions/backupRestore/protectionUnits/microsoft.graph.siteProtectionUnit"),
    ("graph/restoreSessions.json", "GET /v1.0/solutions/backupRestore/restoreSessions"),
    ("graph/authenticationMethodsPolicy.json", "GET /v1.0/policies/authenticationMethodsPolicy"),
    ("graph/authorizationPolicy.json", "GET /v1.0/policies/authorizationPolicy"),
    ("graph/domains.json", "GET /v1.0/domains"),
    ("graph/roleManagementPolicyAssignments.json", "GET /v1.0/policies/roleManagementPolicyAssignments?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole'&$expand=policy($expand=rules)"),
]
BACKUP_FILES = {f for f, _ in ENDPOINTS[11:17]}
PAGE_SIZE = {"graph/users.json": 100, "graph/userRegistrationDetails.json": 1000, "graph/directoryAudits.json": 100}

SECURITY_DEFAULTS_DESCRIPTION = (
    "Security defaults is a set of basic identity security mechanisms recommended by Microsoft. "
    "When enabled, these recommendations will be automatically enforced in your organization. "
    "Administrators and users will be better protected from common identity related attacks."
)


# ---------------------------------------------------------------------------------------
# the tenant model
# ---------------------------------------------------------------------------------------

class Person:
    """One user object over time. Dates are ISO strings; None means 'never'."""

    def __init__(self, alias, name, upn, *, kind="member", created="2023-03-01", disabled=None,
                 deleted=None, licences=(), mfa_from="2023-03-01", methods=None, signin="active",
                 last_signin=None, mailbox=None, drive=None, title=None, case=None, first_signin=None,
                 dormant=None, monthly_from=None, enabled_from=None):
        self.alias = alias
        self.name = name
        self.upn = upn
        self.kind = kind            # member | guest | shared | breakglass
        self.created = created
        self.disabled = disabled    # account disabled from this date
        self.deleted = deleted      # gone from the directory from this date
        self.licences = list(licences)
        self.mfa_from = mfa_from    # registered for MFA from this date (None: never)
        self.methods = methods
        self.signin = signin        # active | monthly | fixed | none | guest
        self.last_signin = last_signin
        self.mailbox = mailbox if mailbox is not None else kind in ("member", "shared")
        self.drive = drive if drive is not None else kind == "member"
        self.title = title
        self.case = case            # userType spelling in the role-assignment principal
        self.first_signin = first_signin  # a joiner who has not signed in yet before this
        self.dormant = dormant      # (from, last sign-in): stops signing in until registered for MFA
        self.monthly_from = monthly_from  # break-glass: (from, last sign-in before monthly tests began)
        self.enabled_from = enabled_from  # pre-provisioned joiner: disabled until the first day
        self.synced = False         # synchronised from an on-premises directory (onPremisesSyncEnabled)
        self.id = None

    def exists(self, t):
        return dt(self.created) <= t and not (self.deleted and dt(self.deleted) <= t)

    def enabled(self, t):
        if self.kind == "shared":
            return False
        if self.enabled_from and t < dt(self.enabled_from):
            return False
        return not (self.disabled and dt(self.disabled) <= t)

    def mfa(self, t):
        return self.mfa_from is not None and dt(self.mfa_from) <= t

    @property
    def user_type(self):
        return "Guest" if self.kind == "guest" else "Member"


class Grant:
    """A directory role held by a principal: active (standing) or eligible (PIM)."""

    def __init__(self, who, role, kind, start, end=None, expires=None, created_by=None):
        self.who = who              # alias of a Person or ServicePrincipal
        self.role = role
        self.kind = kind            # active | eligible
        self.start = start          # ISO datetime string
        self.end = end              # removed at (None: still there)
        self.expires = expires      # PIM schedule end (None: noExpiration)
        self.created_by = created_by

    def live(self, t):
        return dt(self.start) <= t and not (self.end and dt(self.end) <= t)


class ServicePrincipal:
    def __init__(self, alias, name, app_id_seed):
        self.alias = alias
        self.name = name
        self.app_seed = app_id_seed
        self.id = None
        self.kind = "sp"


class Client:
    def __init__(self, cid):
        self.cid = cid
        self.people = []
        self.sps = []
        self.grants = []
        self.activations = []       # (alias, role, start, hours)
        self.audits = []            # callables or dicts built later
        self.tests = []             # restore tests
        self.sites = []             # (key, name, path, created, status_by_month)
        self.veeam = None           # Veeam Backup for Microsoft 365: {"job", "workloads"}

    def add(self, p):
        p.id = gid(self.cid, "user", p.alias)
        self.people.append(p)
        return p

    def add_sp(self, sp):
        sp.id = gid(self.cid, "sp", sp.alias)
        self.sps.append(sp)
        return sp

    def who(self, alias):
        for p in self.people + self.sps:
            if p.alias == alias:
                return p
        raise KeyError(alias)


# ---------------------------------------------------------------------------------------
# Graph resource builders
# ---------------------------------------------------------------------------------------

def sign_in_activity(c, p, t):
    """signInActivity as of time t, or None when the account never signed in."""
    r = rng(c.cid, p.alias, "signin", t.isoformat())
    if p.signin == "none" or p.kind == "shared":
        return None
    if p.first_signin and t < dt(p.first_signin):
        return None  # created, not signed in yet
    fixed = p.signin == "fixed"
    last_fixed = p.last_signin
    if p.dormant and t >= dt(p.dormant[0]) and not p.mfa(t):
        fixed, last_fixed = True, p.dormant[1]
    if p.monthly_from and t < dt(p.monthly_from[0]):
        fixed, last_fixed = True, p.monthly_from[1]
    if fixed:
        last = dt(last_fixed)
        non_interactive = None
    elif p.signin == "monthly":
        # break-glass: tested on the 3rd working day of each month, interactive only
        first = t.replace(day=1, hour=0, minute=0, second=0)
        test = first + timedelta(days=3, hours=9, minutes=r.randrange(0, 50), seconds=r.randrange(60))
        if test > t:
            prev = (first - timedelta(days=1)).replace(day=1)
            test = prev + timedelta(days=3, hours=9, minutes=r.randrange(0, 50), seconds=r.randrange(60))
        last = test
        non_interactive = None
    elif p.signin == "guest":
        last = t - timedelta(days=r.randrange(4, 40), minutes=r.randrange(1440))
        non_interactive = last + timedelta(minutes=r.randrange(5, 600))
    else:  # active member
        last = t - timedelta(hours=r.randrange(3, 70), minutes=r.randrange(60), seconds=r.randrange(60))
        non_interactive = t - timedelta(minutes=r.randrange(20, 600), seconds=r.randrange(60))
    if p.disabled and dt(p.disabled) <= t:
        cut = dt(p.disabled) - timedelta(hours=r.randrange(2, 30))
        last = min(last, cut)
        non_interactive = min(non_interactive, cut) if non_interactive else None
    if non_interactive and non_interactive > t:
        non_interactive = t - timedelta(minutes=7)
    floor = dt(p.first_signin or p.created) + timedelta(minutes=35)
    if not fixed and last < floor:
        last = min(floor + timedelta(minutes=r.randrange(5, 90)), t - timedelta(minutes=3))
        if non_interactive and non_interactive < last:
            non_interactive = min(last + timedelta(minutes=r.randrange(2, 30)), t - timedelta(minutes=2))
    success = last
    if p.signin == "fixed" and p.kind == "guest":
        success_s = None
    else:
        success_s = ts(success)
    return {
        "lastSignInDateTime": ts(last),
        "lastSignInRequestId": gid(c.cid, p.alias, "req", last.isoformat()),
        "lastNonInteractiveSignInDateTime": ts(non_interactive) if non_interactive else "0001-01-01T00:00:00Z",
        "lastNonInteractiveSignInRequestId": gid(c.cid, p.alias, "nreq", non_interactive.isoformat()) if non_interactive else "",
        "lastSuccessfulSignInDateTime": success_s,
        "lastSuccessfulSignInRequestId": gid(c.cid, p.alias, "sreq", success.isoformat()) if success_s else None,
    }


def users_doc(c, t, with_signin=True):
    fields = "id,displayName,userPrincipalName,userType,accountEnabled,assignedLicenses"
    value = []
    for p in sorted((p for p in c.people if p.exists(t)), key=lambda p: p.id):
        u = {
            "id": p.id,
            "displayName": p.name,
            "userPrincipalName": p.upn,
            "userType": p.user_type,
            "accountEnabled": p.enabled(t),
            "assignedLicenses": [{"disabledPlans": [], "skuId": SKUS[s][0]} for s in licences_at(p, t)],
        }
        if with_signin:
            u["signInActivity"] = sign_in_activity(c, p, t)
        # Graph writes null for an account never synchronised from on-premises.
        u["onPremisesSyncEnabled"] = True if p.synced else None
        value.append(u)
    ctx = GRAPH + "users(" + fields + (",signInActivity" if with_signin else "") + ",onPremisesSyncEnabled)"
    return {"@odata.context": ctx, "value": value}


def licences_at(p, t):
    """Licences of a person at t; each entry is 'SKU' or ('SKU', from, until)."""
    out = []
    for l in p.licences:
        if isinstance(l, tuple):
            sku, start, until = l
            if dt(start) <= t and not (until and dt(until) <= t):
                out.append(sku)
        else:
            if not (p.disabled and dt(p.disabled) <= t):
                out.append(l)
    return out


def admin_aliases(c, t):
    """Users holding any privileged role (active or eligible) at t."""
    out = set()
    for g in c.grants:
        if g.live(t) and g.role in ADMIN_POLICY_ROLES:
            out.add(g.who)
    return out


def methods_for(p, t):
    if not p.mfa(t):
        return []
    if p.methods is not None:
        return list(p.methods)
    if p.kind == "breakglass":
        return ["passKeyDeviceBound"]
    r = rng(p.alias, "methods")
    return r.choice([
        ["microsoftAuthenticatorPush", "softwareOneTimePasscode"],
        ["microsoftAuthenticatorPush", "softwareOneTimePasscode", "mobilePhone"],
        ["email", "microsoftAuthenticatorPush", "softwareOneTimePasscode"],
        ["mobilePhone"],
        ["microsoftAuthenticatorPasswordless", "microsoftAuthenticatorPush", "softwareOneTimePasscode"],
    ])


def registration_doc(c, t):
    admins = admin_aliases(c, t)
    value = []
    for p in sorted((p for p in c.people if p.exists(t)), key=lambda p: p.id):
        methods = methods_for(p, t)
        reg = p.mfa(t)
        capable = reg and p.enabled(t)
        passwordless = any(m.startswith("passKey") or m in ("windowsHelloForBusiness", "microsoftAuthenticatorPasswordless", "fido2") for m in methods)
        if not methods:
            system, preferred = [], ""
        elif passwordless:
            system, preferred = ["Fido2" if any(m.startswith("passKey") for m in methods) else "PhoneAppNotification"], "push"
        elif "microsoftAuthenticatorPush" in methods:
            system, preferred = ["PhoneAppNotification"], "push"
        else:
            system, preferred = ["Sms"], "voiceMobile"
        sspr = reg and p.kind == "member" and ("mobilePhone" in methods or "email" in methods)
        value.append({
            "id": p.id,
            "userPrincipalName": p.upn,
            "userDisplayName": p.name,
            "userType": "guest" if p.kind == "guest" else "member",
            "isAdmin": p.alias in admins,
            "isSsprRegistered": bool(sspr),
            "isSsprEnabled": p.kind != "guest",
            "isSsprCapable": bool(sspr) and p.kind != "guest",
            "isMfaRegistered": reg,
            "isMfaCapable": capable,
            "isPasswordlessCapable": passwordless,
            "lastUpdatedDateTime": tsf(t - timedelta(hours=3, minutes=rng(c.cid, p.alias, "upd", t.isoformat()).randrange(50)), c.cid, p.alias),
            "methodsRegistered": methods,
            "isSystemPreferredAuthenticationMethodEnabled": True,
            "systemPreferredAuthenticationMethods": system,
            "userPreferredMethodForSecondaryAuthentication": preferred,
        })
    return {"@odata.context": GRAPH + "reports/authenticationMethods/userRegistrationDetails", "value": value}


PHISHING_RESISTANT = {
    "allowedCombinations": ["windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor"],
    "combinationConfigurations": [],
    "combinationConfigurations@odata.context": None,  # filled per policy
    "createdDateTime": "2021-12-01T08:00:00Z",
    "description": "Phishing-resistant, Passwordless methods for the strongest authentication, such as a FIDO2 security key",
    "displayName": "Phishing-resistant MFA",
    "id": "00000000-0000-0000-0000-000000000004",
    "modifiedDateTime": "2021-12-01T08:00:00Z",
    "policyType": "builtIn",
    "requirementsSatisfied": "mfa",
}


def ca_policy(pid, name, state, created, modified, *, include_users=(), exclude_users=(), include_groups=(),
              exclude_groups=(), include_roles=(), client_app_types=("all",), include_apps=("All",),
              builtin=(), strength=False, platforms=None, template=None, session=None,
              user_risk=(), sign_in_risk=(), transfer_methods=None, operator="OR"):
    ctx = GRAPH + "identity/conditionalAccess/policies('%s')/grantControls/authenticationStrength" % pid
    grant = None
    if builtin or strength:
        auth = None
        if strength:
            auth = dict(PHISHING_RESISTANT)
            auth["combinationConfigurations@odata.context"] = ctx + "/combinationConfigurations"
        grant = {
            "authenticationStrength": auth,
            "authenticationStrength@odata.context": ctx + "/$entity",
            "builtInControls": list(builtin),
            "customAuthenticationFactors": [],
            "operator": operator,
            "termsOfUse": [],
        }
    return {
        "conditions": {
            "applications": {
                "applicationFilter": None,
                "excludeApplications": [],
                "includeApplications": list(include_apps),
                "includeAuthenticationContextClassReferences": [],
                "includeUserActions": [],
            },
            # Graph writes the transfer methods flags enum as one comma-separated string.
            "authenticationFlows": {"transferMethods": transfer_methods} if transfer_methods else None,
            "clientAppTypes": list(client_app_types),
            "clientApplications": None,
            "devices": None,
            "insiderRiskLevels": None,
            "locations": None,
            "platforms": platforms,
            "servicePrincipalRiskLevels": [],
            "signInRiskLevels": list(sign_in_risk),
            "userRiskLevels": list(user_risk),
            "users": {
                "excludeGroups": list(exclude_groups),
                "excludeGuestsOrExternalUsers": None,
                "excludeRoles": [],
                "excludeUsers": list(exclude_users),
                "includeGroups": list(include_groups),
                "includeGuestsOrExternalUsers": None,
                "includeRoles": list(include_roles),
                "includeUsers": list(include_users),
            },
        },
        "createdDateTime": created,
        "deletedDateTime": None,
        "displayName": name,
        "grantControls": grant,
        "id": pid,
        "modifiedDateTime": modified,
        "sessionControls": session,
        "state": state,
        "templateId": template,
    }


def security_defaults_doc(enabled):
    return {
        "@odata.context": GRAPH + "policies/identitySecurityDefaultsEnforcementPolicy/$entity",
        "description": SECURITY_DEFAULTS_DESCRIPTION,
        "displayName": "Security Defaults",
        "id": "00000000-0000-0000-0000-000000000005",
        "isEnabled": enabled,
    }


def skus_doc(c, t, owned):
    """owned: list of (skuPartNumber, prepaid enabled units, extra consumed units)."""
    value = []
    for part, units, extra in owned:
        sku_id, plans = SKUS[part]
        consumed = extra + sum(1 for p in c.people if p.exists(t) and part in licences_at(p, t))
        value.append({
            "accountId": c.tenant,
            "accountName": c.tenant_name,
            "appliesTo": "User",
            "capabilityStatus": "Enabled",
            "consumedUnits": consumed,
            "id": c.tenant + "_" + sku_id,
            "prepaidUnits": {"enabled": units, "lockedOut": 0, "suspended": 0, "warning": 0},
            "servicePlans": [
                {
                    "appliesTo": "Company" if plan in COMPANY_PLANS else "User",
                    "provisioningStatus": "Success",
                    "servicePlanId": PLANS[plan],
                    "servicePlanName": plan,
                }
                for plan in plans
            ],
            "skuId": sku_id,
            "skuPartNumber": part,
            "subscriptionIds": [gid(c.cid, "subscription", part)],
        })
    return {"@odata.context": GRAPH + "subscribedSkus", "value": value}


def role_definitions_doc():
    value = []
    for rid, name, desc, actions in ROLE_DEFS:
        value.append({
            "id": rid,
            "description": desc,
            "displayName": name,
            "isBuiltIn": True,
            "isEnabled": True,
            "resourceScopes": ["/"],
            "templateId": rid,
            "version": "1",
            "rolePermissions": [{"allowedResourceActions": actions, "condition": None}],
            "inheritsPermissionsFrom@odata.context": GRAPH + "roleManagement/directory/roleDefinitions('%s')/inheritsPermissionsFrom" % rid,
            "inheritsPermissionsFrom": [] if rid == DIRECTORY_READERS else [{"id": DIRECTORY_READERS}],
        })
    return {"@odata.context": GRAPH + "roleManagement/directory/roleDefinitions", "value": value}


def principal_obj(c, who, t):
    if isinstance(who, ServicePrincipal):
        return {
            "@odata.type": "#microsoft.graph.servicePrincipal",
            "id": who.id,
            "deletedDateTime": None,
            "accountEnabled": True,
            "appDisplayName": who.name,
            "appId": gid(who.app_seed, "appId"),
            "displayName": who.name,
            "servicePrincipalType": "Application",
        }
    user_type = who.user_type
    if who.case == "lower":
        user_type = user_type.lower()
    mail = None if who.kind == "breakglass" else (who.upn if who.kind != "guest" else who.guest_mail)
    return {
        "@odata.type": "#microsoft.graph.user",
        "id": who.id,
        "deletedDateTime": None,
        "accountEnabled": who.enabled(t),
        "displayName": who.name,
        "mail": mail,
        "userPrincipalName": who.upn,
        "userType": user_type,
    }


def active_assignments(c, t):
    """(grant-or-activation, principal, role, kind) of every active assignment at t."""
    out = []
    for g in c.grants:
        if g.kind == "active" and g.live(t):
            out.append(("assigned", g))
    for a in c.activations:
        start = dt(a["start"])
        if start <= t < start + timedelta(hours=a["hours"]):
            out.append(("activated", a))
    return out


def role_assignments_doc(c, t):
    value = []
    for kind, g in active_assignments(c, t):
        who = c.who(g.who if kind == "assigned" else g["who"])
        role = ROLE_ID[g.role if kind == "assigned" else g["role"]]
        value.append({
            "id": role_assignment_id(role, who.id),
            "principalId": who.id,
            "resourceScope": "/",
            "directoryScopeId": "/",
            "roleDefinitionId": role,
            "principal": principal_obj(c, who, t),
        })
    value.sort(key=lambda a: a["id"])
    return {"@odata.context": GRAPH + "roleManagement/directory/roleAssignments(principal())", "value": value}


def schedule_info(start, expires):
    return {
        "startDateTime": start,
        "recurrence": None,
        "expiration": {
            "type": "afterDateTime" if expires else "noExpiration",
            "endDateTime": expires,
            "duration": None,
        },
    }


def eligibility_doc(c, t):
    value = []
    for g in c.grants:
        if g.kind != "eligible" or not g.live(t):
            continue
        who = c.who(g.who)
        sid = gid(c.cid, "eligibility", g.who, g.role, g.start)
        start = tsf(dt(g.start), c.cid, "elig", g.who)
        value.append({
            "id": sid,
            "principalId": who.id,
            "roleDefinitionId": ROLE_ID[g.role],
            "directoryScopeId": "/",
            "appScopeId": None,
            "createdUsing": sid,
            "createdDateTime": start,
            # Graph really returns this placeholder for schedules never modified
            "modifiedDateTime": "0001-01-01T08:00:00Z",
            "status": "Provisioned",
            "memberType": "Direct",
            "scheduleInfo": schedule_info(start, g.expires),
        })
    value.sort(key=lambda s: s["id"])
    return {"@odata.context": GRAPH + "roleManagement/directory/roleEligibilitySchedules", "value": value}


def assignment_schedules_doc(c, t):
    value = []
    for kind, g in active_assignments(c, t):
        if kind == "assigned":
            who = c.who(g.who)
            role = ROLE_ID[g.role]
            start = tsf(dt(g.start), c.cid, "assign", g.who)
            via_pim = g.created_by == "pim"
            sid = gid(c.cid, "assignment", g.who, g.role, g.start) if via_pim else role_assignment_id(role, who.id)
            value.append({
                "id": sid,
                "principalId": who.id,
                "roleDefinitionId": role,
                "directoryScopeId": "/",
                "appScopeId": None,
                "createdUsing": sid if via_pim else None,
                "createdDateTime": start if via_pim else None,
                "modifiedDateTime": None,
                "status": "Provisioned",
                "assignmentType": "Assigned",
                "memberType": "Direct",
                "scheduleInfo": schedule_info(start, g.expires),
            })
        else:
            who = c.who(g["who"])
            start_dt = dt(g["start"])
            start = tsf(start_dt, c.cid, "act", g["who"])
            sid = gid(c.cid, "activation", g["who"], g["role"], g["start"])
            value.append({
                "id": sid,
                "principalId": who.id,
                "roleDefinitionId": ROLE_ID[g["role"]],
                "directoryScopeId": "/",
                "appScopeId": None,
                "createdUsing": gid(c.cid, "eligibility", g["who"], g["role"], g["eligibility_start"]),
                "createdDateTime": start,
                "modifiedDateTime": None,
                "status": "Provisioned",
                "assignmentType": "Activated",
                "memberType": "Direct",
                "scheduleInfo": schedule_info(start, ts(start_dt + timedelta(hours=g["hours"]))),
            })
    value.sort(key=lambda s: s["id"])
    return {"@odata.context": GRAPH + "roleManagement/directory/roleAssignmentSchedules", "value": value}


def secure_score_doc(c, t, current, maxscore, services):
    day = t.replace(hour=0, minute=0, second=0)
    enabled_members = [p for p in c.people if p.exists(t) and p.enabled(t) and p.kind == "member"]
    licensed = [p for p in c.people if p.exists(t) and licences_at(p, t)]
    return {
        "@odata.context": GRAPH + "security/secureScores",
        "value": [{
            "id": c.tenant + "_" + day.strftime("%Y-%m-%d"),
            "azureTenantId": c.tenant,
            "activeUserCount": len(enabled_members),
            "averageComparativeScores": [
                {"basis": "AllTenants", "averageScore": 52.86},
                {"basis": "TotalSeats", "averageScore": 48.1, "SeatSizeRangeLowerValue": "1", "SeatSizeRangeUpperValue": "100"},
            ],
            "controlScores": c.score_controls(t),
            "createdDateTime": ts(day),
            "currentScore": current,
            "enabledServices": services,
            "licensedUserCount": len(licensed),
            "maxScore": maxscore,
            "vendorInformation": {"provider": "SecureScore", "providerVersion": None, "subProvider": None, "vendor": "Microsoft"},
        }],
    }


def audit_user(c, alias):
    p = c.who(alias)
    return {
        "id": p.id,
        "displayName": None,
        "userPrincipalName": p.upn,
        "ipAddress": c.office_ip,
        "userType": None,
        "homeTenantId": None,
        "homeTenantName": None,
    }


def role_props(c, role, removing):
    rid = ROLE_ID[role]
    obj = gid(c.cid, "directoryRole", rid)  # the activated directoryRole object in this tenant
    vals = [("Role.ObjectID", obj), ("Role.DisplayName", role), ("Role.TemplateId", rid)]
    return [
        {"displayName": k, "oldValue": json.dumps(v) if removing else None, "newValue": None if removing else json.dumps(v)}
        for k, v in vals
    ]


def target_principal(c, alias, props):
    p = c.who(alias)
    sp = isinstance(p, ServicePrincipal)
    return {
        "id": p.id,
        "displayName": p.name if sp else None,
        "type": "ServicePrincipal" if sp else "User",
        "userPrincipalName": None if sp else p.upn,
        "groupType": None,
        "modifiedProperties": props,
    }


def core_event(c, when, activity, by, target, role, *, app=None):
    """A Core Directory role-membership event ('Add member to role', 'Remove member from role', ...)."""
    removing = activity.startswith("Remove")
    corr = gid(c.cid, "corr", when, activity, target, role)
    t = dt(when)
    return {
        "id": "Directory_%s_%s_%d" % (corr, rng(corr).choice(["I26NV", "QR7XM", "B3KPL", "ZK4TW"]), rng(corr, "n").randrange(10**8, 10**9)),
        "category": "RoleManagement",
        "correlationId": corr,
        "result": "success",
        "resultReason": "",
        "activityDisplayName": activity,
        "activityDateTime": tsf(t, c.cid, "audit", activity),
        "loggedByService": "Core Directory",
        "operationType": "Unassign" if removing else "Assign",
        "initiatedBy": {"user": None, "app": app} if app else {"user": audit_user(c, by), "app": None},
        "targetResources": [
            target_principal(c, target, role_props(c, role, removing)),
            {"id": gid(c.cid, "directoryRole", ROLE_ID[role]), "displayName": None, "type": "Role",
             "userPrincipalName": None, "groupType": None, "modifiedProperties": []},
        ],
        "additionalDetails": [],
    }


def pim_event(c, when, activity, by, target, role, *, justification=None, start=None, end=None):
    """A PIM event: targets are the role, the request and the principal (as PIM logs them)."""
    corr = gid(c.cid, "pimcorr", when, activity, target, role)
    t = dt(when)
    p = c.who(target)
    details = []
    if justification:
        details.append({"key": "Justification", "value": justification})
    if start:
        details.append({"key": "StartTime", "value": start})
    if end:
        details.append({"key": "ExpirationTime", "value": end})
    details.append({"key": "RoleDefinitionOriginId", "value": ROLE_ID[role]})
    return {
        "id": "PIM_%s" % gid(c.cid, "pimid", when, activity, target),
        "category": "RoleManagement",
        "correlationId": corr,
        "result": "success",
        "resultReason": justification or "",
        "activityDisplayName": activity,
        "activityDateTime": tsf(t, c.cid, "pim", activity),
        "loggedByService": "PIM",
        "operationType": "Update" if "activation" in activity else "Assign" if "Add" in activity else "Unassign",
        "initiatedBy": {"user": audit_user(c, by), "app": None},
        "targetResources": [
            {"id": ROLE_ID[role], "displayName": role, "type": "Role", "userPrincipalName": None, "groupType": None, "modifiedProperties": []},
            {"id": gid(c.cid, "request", corr), "displayName": None, "type": "Request", "userPrincipalName": None, "groupType": None, "modifiedProperties": []},
            {"id": p.id, "displayName": p.name, "type": "User", "userPrincipalName": p.upn, "groupType": None, "modifiedProperties": []},
        ],
        "additionalDetails": details,
    }


def audits_doc(c, t, retention_days):
    since = t - timedelta(days=retention_days)
    events = [e for e in c.audit_events() if since <= dt(e["activityDateTime"][:19]) <= t]
    events.sort(key=lambda e: e["activityDateTime"], reverse=True)  # Graph returns newest first
    return {"@odata.context": GRAPH + "auditLogs/directoryAudits", "value": events}


def identity_set(c, alias, app=True):
    p = c.who(alias)
    return {"application": dict(ENHANCED_RESTORE_APP) if app else None, "user": {"email": p.upn, "id": p.id, "displayName": p.name}}


def backup_service_doc(c, t):
    """The tenant's backupRestoreRoot (GET /solutions/backupRestore): the service was
    enabled from the Microsoft 365 admin center (a first-party consumer) by the backup
    admin when backup started, as in the API reference example."""
    return {
        "@odata.context": GRAPH + "solutions/backupRestore/$entity",
        "serviceStatus": {
            "status": "enabled",
            "disableReason": "none",
            "backupServiceConsumer": "firstparty",
            "lastModifiedDateTime": tsf(dt(c.backup_since) - timedelta(minutes=20), c.cid, "service"),
            "lastModifiedBy": {"user": {"identity": c.who(c.backup_admin).id}},
        },
    }


def protection_policies_doc(c, t):
    value = []
    specs = [
        ("exchange", "#microsoft.graph.exchangeProtectionPolicy", "Exchange Protection Policy", [{"interval": "R/PT10M", "period": "P1Y"}]),
        ("sharepoint", "#microsoft.graph.sharePointProtectionPolicy", "SharePoint Protection Policy", [{"interval": "R/PT10M", "period": "P2W"}, {"interval": "R/P1W", "period": "P1Y"}]),
        ("onedrive", "#microsoft.graph.oneDriveForBusinessProtectionPolicy", "OneDrive Protection Policy", [{"interval": "R/PT10M", "period": "P2W"}, {"interval": "R/P1W", "period": "P1Y"}]),
    ]
    for w, otype, name, retention in specs:
        created = dt(c.backup_since)
        modified = max((dt(m) for m in c.policy_modified.get(w, []) if dt(m) <= t), default=created)
        value.append({
            "@odata.type": otype,
            "id": c.policy_id(w),
            "displayName": name,
            "status": "active",
            "createdBy": identity_set(c, c.backup_admin),
            "createdDateTime": tsf(created, c.cid, w),
            "lastModifiedBy": identity_set(c, c.backup_admin),
            "lastModifiedDateTime": tsf(modified, c.cid, w, "mod"),
            "retentionSettings": retention,
        })
    return {"@odata.context": "/solutions/backupRestore/$metadata#ProtectionPolicies", "value": value}


def unit_common(c, key, status, since, t):
    created = max(dt(since), dt(c.backup_since)) + timedelta(hours=2)
    return {
        "status": status,
        "protectionSources": "manual" if status != "unprotected" else "none",
        "createdBy": identity_set(c, c.backup_admin, app=False),
        "createdDateTime": tsf(created, c.cid, key),
        "lastModifiedBy": identity_set(c, c.backup_admin, app=False),
        "lastModifiedDateTime": tsf(created + timedelta(minutes=14), c.cid, key, "mod"),
        "error": None,
        "offboardRequestedDateTime": "0001-01-01T00:00:00.0000000Z",
    }


def person_units(c, t, workload):
    """Mailbox or drive protection units: (person, status)."""
    out = []
    for p in sorted(c.people, key=lambda p: p.id):
        if not p.exists(t):
            continue
        has = p.mailbox if workload == "exchange" else p.drive
        if not has:
            continue
        # a leaver's mailbox stays protected after the account is disabled (retained backups)
        status = c.unit_status(workload, p, t)
        if status is None:
            continue
        out.append((p, status))
    return out


def mailbox_units_doc(c, t):
    value = []
    for p, status in person_units(c, t, "exchange"):
        u = {"@odata.type": "#microsoft.graph.mailboxProtectionUnit", "id": gid(c.cid, "mbx-unit", p.alias)}
        if status != "unprotected":
            u["policyId"] = c.policy_id("exchange")
        u.update({"directoryObjectId": p.id, "displayName": p.name, "email": p.upn})
        u.update(unit_common(c, "mbx" + p.alias, status, p.created, t))
        value.append(u)
    return {"value": value}


def drive_units_doc(c, t):
    value = []
    for p, status in person_units(c, t, "onedrive"):
        u = {"@odata.type": "#microsoft.graph.driveProtectionUnit", "id": gid(c.cid, "drive-unit", p.alias)}
        if status != "unprotected":
            u["policyId"] = c.policy_id("onedrive")
        u.update({"directoryObjectId": p.id, "displayName": p.name, "email": p.upn})
        u.update(unit_common(c, "drv" + p.alias, status, p.created, t))
        value.append(u)
    return {"value": value}


def site_units_doc(c, t):
    value = []
    for key, name, path, created, status_fn in c.sites:
        if dt(created) > t:
            continue
        status = status_fn(t)
        host = c.sp_host
        u = {
            "@odata.type": "#microsoft.graph.siteProtectionUnit",
            "id": gid(c.cid, "site-unit", key),
            "siteId": "%s,%s,%s" % (host, gid(c.cid, "site-collection", key), gid(c.cid, "site-web", key)),
            "siteName": name,
            "siteWebUrl": "https://%s%s" % (host, path),
        }
        if status != "unprotected":
            u["policyId"] = c.policy_id("sharepoint")
        u.update(unit_common(c, "site" + key, status, created, t))
        value.append(u)
    return {"value": value}


SESSION_TYPES = {
    "exchange": "#microsoft.graph.exchangeRestoreSession",
    "onedrive": "#microsoft.graph.oneDriveForBusinessRestoreSession",
    "sharepoint": "#microsoft.graph.sharePointRestoreSession",
}


def restore_sessions_doc(c, t):
    value = []
    for test in c.tests:
        if test["workload"] not in SESSION_TYPES or test.get("product") != "m365":
            continue
        start = dt(test["date"] + "T" + test["time"])
        minutes = test["minutes"]
        end = start + timedelta(minutes=minutes)
        if end > t:
            continue
        failed = test["result"] == "failed"
        value.append({
            "@odata.type": SESSION_TYPES[test["workload"]],
            "id": gid(c.cid, "restore-session", test["ticket"]),
            "status": "failed" if failed else "completedWithError" if test["result"] == "partial" else "completed",
            "restoreJobType": "standard",
            "restoreSessionArtifactCount": {"total": 1, "completed": 0 if failed else 1, "failed": 1 if failed else 0, "inProgress": 0},
            "createdBy": identity_set(c, c.backup_admin),
            "createdDateTime": tsf(start, c.cid, test["ticket"]),
            "completedDateTime": tsf(end, c.cid, test["ticket"], "end"),
            "lastModifiedBy": identity_set(c, c.backup_admin),
            "lastModifiedDateTime": tsf(end, c.cid, test["ticket"], "end"),
            "error": test.get("session_error"),
        })
    value.sort(key=lambda s: s["createdDateTime"], reverse=True)
    return {"@odata.context": "/solutions/backupRestore/$metadata#restoreSessions", "value": value}


# ---------------------------------------------------------------------------------------
# backup jobs and restore tests
# ---------------------------------------------------------------------------------------

def backup_jobs(c, month):
    """Rows of the neutral backup-jobs.csv for one month, in start order."""
    t_end = collected_at(month)
    rows = []
    for w, spec in c.job_specs.items():
        product = spec["product"]
        period = timedelta(hours=spec["every_h"])
        first = month_start(month) + timedelta(minutes=spec["offset_min"])
        runs = []
        s = first
        while s < t_end:
            runs.append(s)
            s += period
        r = rng(c.cid, month, w, "jobs")
        status = {}
        # explicit outage windows: every run inside fails
        for a, b, msg in spec.get("outages", {}).get(month, []):
            for i, s in enumerate(runs):
                if dt(a) <= s < dt(b):
                    status[i] = ("failed", msg)
        nfail, nwarn = spec.get("failures", {}).get(month, (0, 0))
        candidates = [i for i in range(1, len(runs) - 1) if i not in status]
        picked = []
        while len(picked) < nfail + nwarn and candidates:
            i = r.choice(candidates)
            candidates.remove(i)
            if any(abs(i - j) < 3 for j in picked) or any(abs(i - j) < 3 for j in status):
                continue
            picked.append(i)
        for n, i in enumerate(picked):
            if n < nfail:
                status[i] = ("failed", r.choice(spec["fail_messages"]))
            else:
                status[i] = ("warning", r.choice(spec["warn_messages"]))
        for i, s in enumerate(runs):
            total = spec["items"](s)
            st, msg = status.get(i, ("success", ""))
            dur = timedelta(minutes=r.randrange(*spec["minutes"]), seconds=r.randrange(60))
            if st == "failed":
                dur = timedelta(minutes=r.randrange(2, 9), seconds=r.randrange(60))
                done = 0 if r.random() < 0.6 else max(0, total - r.randrange(max(2, total // 3), total + 1))
            elif st == "warning":
                done = total - r.randrange(1, 3)
            else:
                done = total
            fin = s + dur
            if fin > t_end:
                continue  # still running at collection: not exported
            rows.append({
                "job_id": spec["job_id"](s, w),
                "workload": w,
                "started_at": ts(s),
                "finished_at": ts(fin),
                "status": st,
                "items_total": str(total),
                "items_protected": str(max(done, 0)),
                "product": product,
                "message": msg,
            })
        # The export reaches back to the previous snapshot: the runs between last
        # month's collection and this month's start are in no other export, and
        # custody measures the RPO gap across the month boundary from them.
        i = MONTHS.index(month)
        if i > 0:
            since = collected_at(MONTHS[i - 1])
            carry = []
            s = first - period
            while s >= since:
                carry.append(s)
                s -= period
            r2 = rng(c.cid, month, w, "carry-over")
            outages = spec.get("outages", {}).get(MONTHS[i - 1], [])
            for s in reversed(carry):
                total = spec["items"](s)
                failed = [msg for a, b, msg in outages if dt(a) <= s < dt(b)]
                if failed:
                    st, msg, done = "failed", failed[0], 0
                    dur = timedelta(minutes=r2.randrange(2, 9), seconds=r2.randrange(60))
                else:
                    st, msg, done = "success", "", total
                    dur = timedelta(minutes=r2.randrange(*spec["minutes"]), seconds=r2.randrange(60))
                rows.append({
                    "job_id": spec["job_id"](s, w),
                    "workload": w,
                    "started_at": ts(s),
                    "finished_at": ts(s + dur),
                    "status": st,
                    "items_total": str(total),
                    "items_protected": str(done),
                    "product": product,
                    "message": msg,
                })
    rows.sort(key=lambda x: (x["started_at"], x["workload"]))
    return rows


def jobs_csv(c, rows):
    out = io.StringIO()
    wr = csv.DictWriter(out, fieldnames=c.job_columns, lineterminator="\n", extrasaction="ignore")
    wr.writeheader()
    for row in rows:
        wr.writerow(row)
    return out.getvalue()


def toml_str(s):
    return json.dumps(s, ensure_ascii=False)


def restore_tests_toml(c, month):
    tests = [x for x in c.tests if x["date"][:7] == month and x.get("product") != "veeam"]
    head = "# Restore tests performed in %s for %s (custody restore-tests.toml).\n" % (month, c.name)
    if not tests:
        return head + "# No restore tests were performed this month.\n"
    out = [head]
    for x in sorted(tests, key=lambda x: (x["date"], x["workload"])):
        out.append("\n[[test]]\n")
        out.append("date = %s\n" % x["date"])
        out.append("workload = %s\n" % toml_str(x["workload"]))
        out.append("item = %s\n" % toml_str(x["item"]))
        out.append("result = %s\n" % toml_str(x["result"]))
        out.append("duration = %s\n" % toml_str(x["duration"]))
        out.append("ticket = %s\n" % toml_str(x["ticket"]))
        out.append("performed_by = %s\n" % toml_str(x["performed_by"]))
    return "".join(out)


def minutes_of(d):
    n, unit = int(d[:-1]), d[-1]
    return n * {"m": 1, "h": 60, "d": 1440}[unit]


VEEAM_STATUS = {"success": "Success", "warning": "Warning", "failed": "Failed"}
VEEAM_RESULT = {"passed": "Success", "partial": "Warning", "failed": "Failed"}
VEEAM_TYPE = {"exchange": "Vex", "onedrive": "Veod", "sharepoint": "Vesp", "teams": "Vet"}


def veeam_exports(c, month, runs):
    """One month of a Veeam Backup for Microsoft 365 server's REST responses for the
    client, in the shapes of its API reference (v8): GET /v8/Jobs (the client's job),
    GET /v8/Jobs/{id}/JobSessions (every page merged: the runs since the previous
    snapshot) and GET /v8/RestoreSessions (the client's organization only)."""
    v = c.veeam
    job_id = gid(c.cid, "veeam-job", v["job"])
    org = gid(c.cid, "veeam-org")
    t = collected_at(month)
    jobs = [{
        "id": job_id,
        "name": v["job"],
        "description": v["description"],
        "backupType": "EntireOrganization",
        "schedulePolicy": {"scheduleEnabled": True, "type": "Periodically", "periodicallyEvery": "Hours8"},
        "isEnabled": True,
        "lastStatus": VEEAM_STATUS[runs[-1]["status"]] if runs else "Success",
        "_links": {
            "self": {"href": "/v8/Jobs/" + job_id},
            "organization": {"href": "/v8/Organizations/" + org},
            "backupRepository": {"href": "/v8/BackupRepositories/" + gid(c.cid, "veeam-repo")},
            "jobsessions": {"href": "/v8/Jobs/%s/JobSessions" % job_id},
        },
    }]
    sessions = []
    for r in runs:
        sid = gid(c.cid, "veeam-session", r["started_at"])
        start, end = dt(r["started_at"][:-1]), dt(r["finished_at"][:-1])
        seconds = max(1, int((end - start).total_seconds()))
        done = int(r["items_protected"])
        sessions.append({
            "id": sid,
            "creationTime": tsf(start, c.cid, sid),
            "endTime": tsf(end, c.cid, sid, "end"),
            "retryCount": 0,
            "jobWillBeRetried": False,
            "progress": 100,
            "status": VEEAM_STATUS[r["status"]],
            "statistics": {
                "processingRateBytesPS": done * 52000 // seconds,
                "processingRateItemsPS": max(1, done * 40 // seconds),
                "readRateBytesPS": done * 61000 // seconds,
                "writeRateBytesPS": done * 48000 // seconds,
                "transferredDataBytes": done * 52000,
                "processedObjects": done,
                "bottleneck": "Source",
            },
            "jobId": job_id,
            "_links": {
                "self": {"href": "/v8/JobSessions/" + sid},
                "job": {"href": "/v8/Jobs/" + job_id},
                "log": {"href": "/v8/JobSessions/%s/LogItems" % sid},
            },
        })
    restores = []
    for x in c.tests:
        if x.get("product") != "veeam" or x["date"][:7] != month:
            continue
        start = dt(x["date"] + "T" + x["time"])
        end = start + timedelta(minutes=x["minutes"])
        if end > t:
            continue
        rid = gid(c.cid, "veeam-restore", x["ticket"])
        restores.append({
            "id": rid,
            "name": x["item"],
            "organization": c.onms,
            "type": VEEAM_TYPE[x["workload"]],
            "creationTime": tsf(start, c.cid, x["ticket"]),
            "endTime": tsf(end, c.cid, x["ticket"], "end"),
            "state": "Stopped",
            "result": VEEAM_RESULT[x["result"]],
            "initiatedBy": x["performed_by"],
            "details": "",
            "scopeName": "",
            "clientHost": "vbo01.msp.example",
            "reason": x["ticket"],
            "_links": {
                "self": {"href": "/v8/RestoreSessions/" + rid},
                "organization": {"href": "/v8/Organizations/" + org},
            },
        })

    def page(path, results):
        return {"offset": 0, "limit": len(results), "results": results, "_links": {"self": {"href": path}}}

    return {
        "backup/veeam/Jobs.json": jobs,
        "backup/veeam/JobSessions.json": page("/v8/JobSessions", sessions),
        "backup/veeam/RestoreSessions.json": page("/v8/RestoreSessions", restores),
    }


# ---------------------------------------------------------------------------------------
# month snapshot
# ---------------------------------------------------------------------------------------

# ---------------------------------------------------------------------------------------
# policies: authentication methods, authorization, domains, PIM role settings
# ---------------------------------------------------------------------------------------

AUTH_METHODS = [
    # (odata prefix, id, weak)
    ("fido2", "Fido2", False),
    ("microsoftAuthenticator", "MicrosoftAuthenticator", False),
    ("sms", "Sms", True),
    ("temporaryAccessPass", "TemporaryAccessPass", False),
    ("softwareOath", "SoftwareOath", False),
    ("voice", "Voice", True),
    ("email", "Email", True),
    ("x509Certificate", "X509Certificate", False),
]


def auth_methods_doc(c, t):
    """The authenticationMethodsPolicy as GET returns it. c.auth_methods(t) gives the
    migration state and, per method id, the include targets when enabled (None: disabled);
    methods it does not name are enabled for all users when strong, disabled when weak."""
    migration, enabled = c.auth_methods(t)
    configs = []
    for odata, mid, weak in AUTH_METHODS:
        targets = enabled.get(mid, None if weak else ["all_users"])
        cfg = {
            "@odata.type": "#microsoft.graph.%sAuthenticationMethodConfiguration" % odata,
            "id": mid,
            "state": "enabled" if targets is not None else "disabled",
            "excludeTargets": [],
        }
        if mid == "Email":
            cfg["allowExternalIdToUseEmailOtp"] = "default"
        cfg["includeTargets"] = [
            {"targetType": "group", "id": g, "isRegistrationRequired": False}
            for g in (targets if targets is not None else ["all_users"])
        ]
        configs.append(cfg)
    return {
        "@odata.context": GRAPH + "authenticationMethodsPolicy",
        "id": "authenticationMethodsPolicy",
        "displayName": "Authentication Methods Policy",
        "description": "The tenant-wide policy that controls which authentication methods are allowed in the tenant, authentication method registration requirements, and self-service password reset settings",
        "lastModifiedDateTime": "2026-05-12T09:31:07.4412988Z",
        "policyVersion": "1.5",
        "policyMigrationState": migration,
        "registrationEnforcement": {"authenticationMethodsRegistrationCampaign": {
            "snoozeDurationInDays": 1, "enforceRegistrationAfterAllowedSnoozes": True, "state": "default", "excludeTargets": [],
            "includeTargets": [{"id": "all_users", "targetType": "group", "targetedAuthenticationMethod": "microsoftAuthenticator"}]}},
        "authenticationMethodConfigurations": configs,
    }


RESTRICTED_GUESTS = "2af84b1e-32c8-42b7-82bc-daa82404023b"
LIMITED_GUESTS = "10dae51f-b6af-4016-8d66-8c2a99b929b3"
MEMBER_GUESTS = "a0b1b346-4d3e-4e8b-98f8-753987be4970"
RSC = ["ManagePermissionGrantsForOwnedResource.microsoft-dynamically-managed-permissions-for-chat",
       "ManagePermissionGrantsForOwnedResource.microsoft-dynamically-managed-permissions-for-team"]


def authorization_doc(c, t):
    return {
        "@odata.context": GRAPH + "policies/authorizationPolicy/$entity",
        "id": "authorizationPolicy",
        "allowInvitesFrom": "adminsAndGuestInviters",
        "allowedToSignUpEmailBasedSubscriptions": True,
        "allowedToUseSSPR": True,
        "allowEmailVerifiedUsersToJoinOrganization": False,
        "allowUserConsentForRiskyApps": None,
        "blockMsolPowerShell": False,
        "displayName": "Authorization Policy",
        "description": "Used to manage authorization related settings across the company.",
        "guestUserRoleId": c.guest_role(t),
        "defaultUserRolePermissions": {
            "allowedToCreateApps": False,
            "allowedToCreateSecurityGroups": True,
            "allowedToCreateTenants": False,
            "allowedToReadBitlockerKeysForOwnedDevice": True,
            "allowedToReadOtherUsers": True,
            "permissionGrantPoliciesAssigned": c.user_consent(t) + RSC,
        },
    }


NEVER_EXPIRE = 2147483647


def domains_doc(c, t):
    value = []
    for did, auth, verified, validity, root in c.domains:
        value.append({
            "authenticationType": auth,
            "availabilityStatus": None,
            "id": did,
            "isAdminManaged": True,
            "isDefault": did == c.domain,
            "isInitial": did == c.onms,
            "isRoot": root,
            "isVerified": verified,
            "passwordNotificationWindowInDays": 14 if root else None,
            "passwordValidityPeriodInDays": validity,
            "supportedServices": ["Email", "OfficeCommunicationsOnline"] if verified else [],
            "state": None,
        })
    return {"@odata.context": GRAPH + "domains", "value": value}


# The roles whose PIM settings the samples carry (template ids are the public ones).
PIM_ROLES = [GA, "Privileged Role Administrator", "Exchange Administrator", "SharePoint Administrator",
             "User Administrator", "Helpdesk Administrator"]


def role_policies_doc(c, t):
    """roleManagementPolicyAssignments with policy and rules expanded (the shape of the API
    reference's Example 2). c.activation_approval(t, role) gives (required, approvers)."""
    value = []

    def target(caller, level):
        return {"caller": caller, "operations": ["all"], "level": level, "inheritableSettings": [], "enforcedSettings": []}

    for role in PIM_ROLES:
        rid = ROLE_ID[role]
        pid = "DirectoryRole_%s_%s" % (c.tenant, gid(c.cid, "pim-policy", role))
        required, approvers = c.activation_approval(t, role)
        rules = [
            {"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule", "id": "Expiration_Admin_Eligibility",
             "isExpirationRequired": False, "maximumDuration": "P365D", "target": target("Admin", "Eligibility")},
            {"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule", "id": "Expiration_EndUser_Assignment",
             "isExpirationRequired": True, "maximumDuration": "PT8H" if role != GA else "PT2H", "target": target("EndUser", "Assignment")},
            {"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyEnablementRule", "id": "Enablement_EndUser_Assignment",
             "enabledRules": ["MultiFactorAuthentication", "Justification"], "target": target("EndUser", "Assignment")},
            {"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyApprovalRule", "id": "Approval_EndUser_Assignment",
             "target": target("EndUser", "Assignment"),
             "setting": {"isApprovalRequired": required, "isApprovalRequiredForExtension": False,
                         "isRequestorJustificationRequired": True, "approvalMode": "SingleStage",
                         "approvalStages": [{"approvalStageTimeOutInDays": 1, "isApproverJustificationRequired": True,
                                             "escalationTimeInMinutes": 0, "isEscalationEnabled": False,
                                             "primaryApprovers": approvers, "escalationApprovers": []}]}},
            {"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyNotificationRule", "id": "Notification_Admin_EndUser_Assignment",
             "notificationType": "Email", "recipientType": "Admin", "notificationLevel": "All", "isDefaultRecipientsEnabled": True,
             "notificationRecipients": [], "target": target("EndUser", "Assignment")},
        ]
        value.append({
            "id": pid + "_" + rid, "policyId": pid, "scopeId": "/", "scopeType": "DirectoryRole", "roleDefinitionId": rid,
            "policy": {"id": pid, "displayName": "DirectoryRole", "description": "DirectoryRole", "isOrganizationDefault": False,
                       "scopeId": "/", "scopeType": "DirectoryRole", "lastModifiedDateTime": None,
                       "lastModifiedBy": {"displayName": None, "id": None}, "rules": rules},
        })
    return {"@odata.context": GRAPH + "policies/roleManagementPolicyAssignments(policy(rules()))", "value": value}


def approver_group(c, name):
    return {"@odata.type": "#microsoft.graph.groupMembers", "groupId": gid(c.cid, "group", name), "description": name}



def write_month(w, c, month):
    t = collected_at(month)
    base = "evidence/%s/%s/" % (c.cid, month)
    docs = {
        "graph/users.json": users_doc(c, t, with_signin=c.p1),
        "graph/userRegistrationDetails.json": registration_doc(c, t) if c.p1 else None,
        "graph/conditionalAccessPolicies.json": {"@odata.context": GRAPH + "identity/conditionalAccess/policies", "value": c.ca_policies(t)},
        "graph/securityDefaults.json": security_defaults_doc(c.security_defaults),
        "graph/subscribedSkus.json": skus_doc(c, t, c.skus(t)),
        "graph/roleDefinitions.json": role_definitions_doc(),
        "graph/roleAssignments.json": role_assignments_doc(c, t),
        "graph/roleEligibilitySchedules.json": eligibility_doc(c, t) if c.p2(t) else None,
        "graph/roleAssignmentSchedules.json": assignment_schedules_doc(c, t) if c.p2(t) else None,
        "graph/secureScores.json": secure_score_doc(c, t, *c.score(t)),
        "graph/directoryAudits.json": audits_doc(c, t, c.audit_retention_days),
        "graph/authenticationMethodsPolicy.json": auth_methods_doc(c, t),
        "graph/authorizationPolicy.json": authorization_doc(c, t),
        "graph/domains.json": domains_doc(c, t),
        "graph/roleManagementPolicyAssignments.json": role_policies_doc(c, t) if c.p2(t) else None,
    }
    if c.m365_backup:
        docs.update({
            "graph/backupRestore.json": backup_service_doc(c, t),
            "graph/protectionPolicies.json": protection_policies_doc(c, t),
            "graph/mailboxProtectionUnits.json": mailbox_units_doc(c, t),
            "graph/driveProtectionUnits.json": drive_units_doc(c, t),
            "graph/siteProtectionUnits.json": site_units_doc(c, t),
            "graph/restoreSessions.json": restore_sessions_doc(c, t),
        })
    sealed_by = HAND_SEALED.get((c.cid, month))
    endpoints = []
    sizes = {}
    for f, req in ENDPOINTS:
        doc = docs.get(f)
        if doc is None:
            entry = {"file": f, "request": req}
            entry.update(c.missing(f, t))
            if sealed_by:
                # What `custody seal --not-licensed FILE` records for a refused export.
                entry = {"file": f}
                kind = c.missing(f, t).get("missing", "not_exported")
                entry["missing"] = kind
                if kind == "not_licensed":
                    entry["reason"] = "Graph refused %s for lack of a licence when it was exported by hand (stated by %s when sealing)" % (req, sealed_by)
                elif kind == "not_applicable":
                    entry["reason"] = "no workload in scope uses Microsoft 365 Backup (backup.toml)"
                else:
                    entry["reason"] = "not in the month folder when %s sealed it; export %s and seal again" % (sealed_by, req)
            endpoints.append(entry)
            continue
        data = w.put_json(base + f, doc)
        sizes[f] = len(data)
        if sealed_by:
            # A hand export has no request, status or page counts to record: only the hash.
            endpoints.append({"file": f, "sha256": sha256(data)})
            continue
        items = len(doc["value"]) if "value" in doc else 1
        pages = max(1, -(-items // PAGE_SIZE.get(f, 100))) if "value" in doc else 1
        entry = {"file": f, "request": req, "status": 200, "pages": pages, "items": items, "sha256": sha256(data)}
        if f == "graph/users.json" and not c.p1:
            entry["note"] = "signInActivity not licensed"
        endpoints.append(entry)
    rows = backup_jobs(c, month)
    files = {}
    if c.veeam:
        # The Veeam job's runs are its sessions, in the REST API's own files.
        for rel, doc in veeam_exports(c, month, [r for r in rows if r["workload"] in c.veeam["runs_of"]]).items():
            files[rel] = sha256(w.put_json(base + rel, doc))
        rows = [r for r in rows if r["workload"] not in c.veeam["runs_of"]]
    def carried(rel, data):
        sizes[rel] = len(data)
        return sha256(data)

    if c.veeam:
        for rel in files:
            sizes[rel] = len(w.files[base + rel])
    files["backup-jobs.csv"] = carried("backup-jobs.csv", w.put(base + "backup-jobs.csv", jobs_csv(c, rows)))
    files["restore-tests.toml"] = carried("restore-tests.toml", w.put(base + "restore-tests.toml", restore_tests_toml(c, month)))
    if sealed_by:
        # `custody seal` stamps one time: when it sealed, after the export.
        sealed = ts(t + timedelta(hours=5, minutes=41, seconds=17))
        collected, provenance = sealed, {
            "method": "hand",
            "by": sealed_by,
            "tenant_id": c.tenant,
            "custody_version": TOOL_VERSION,
            "custody_commit": CUSTODY_COMMIT,
            "started_at": sealed,
            "finished_at": sealed,
        }
    else:
        # `collect` records the time it finished as collected_at; a tenant takes minutes.
        took = timedelta(seconds=rng("took", c.cid, month).randrange(95, 540))
        collected, provenance = ts(t), {
            "method": "collect",
            "app_id": COLLECTOR_APP_ID,
            "credential": "federated",
            "tenant_id": c.tenant,
            "custody_version": TOOL_VERSION,
            "custody_commit": CUSTODY_COMMIT,
            "started_at": ts(t - took),
            "finished_at": ts(t),
            "ci_run_url": ci_run_url(month),
        }
    manifest = {
        "schema_version": 1,
        "collected_at": collected,
        "tool": {"name": "custody", "version": TOOL_VERSION},
        "tenant_id": c.tenant,
        "endpoints": endpoints,
        "files": dict(sorted(files.items())),
        "sizes": dict(sorted(sizes.items())),
        "provenance": provenance,
    }
    w.put_json(base + "manifest.json", manifest)
    return docs


# ---------------------------------------------------------------------------------------
# client 1: Northwind Traders Ltd — mature
# ---------------------------------------------------------------------------------------

NORTHWIND_STAFF = [
    ("olivia.chen", "Olivia Chen"), ("daniel.hughes", "Daniel Hughes"), ("sofia.romero", "Sofia Romero"),
    ("james.whitfield", "James Whitfield"), ("amelia.clarke", "Amelia Clarke"), ("noah.patel", "Noah Patel"),
    ("isla.murray", "Isla Murray"), ("ethan.brooks", "Ethan Brooks"), ("grace.lindqvist", "Grace Lindqvist"),
    ("lucas.moreau", "Lucas Moreau"), ("hannah.price", "Hannah Price"), ("oscar.jensen", "Oscar Jensen"),
    ("mia.thompson", "Mia Thompson"), ("leo.fernandes", "Leo Fernandes"), ("ava.kowalczyk", "Ava Kowalczyk"),
    ("samuel.reid", "Samuel Reid"), ("zara.ahmed", "Zara Ahmed"), ("henry.walsh", "Henry Walsh"),
    ("ella.novak", "Ella Novak"), ("jack.osei", "Jack Osei"), ("adam.kaur", "Adam Kaur"),
    ("freya.wilson", "Freya Wilson"), ("chloe.adams", "Chloe Adams"),
    ("ian.fletcher", "Ian Fletcher"), ("nina.rossi", "Nina Rossi"), ("paul.grant", "Paul Grant"),
    ]


def northwind():
    c = Client("northwind")
    c.name = "Northwind Traders Ltd"
    c.tenant = gid("tenant", "northwind")
    c.tenant_name = "northwind"
    c.domain = "northwind.example"
    c.onms = "northwind.onmicrosoft.com"
    c.sp_host = "northwind.sharepoint.com"
    c.office_ip = "198.51.100.24"
    c.p1 = True
    c.p2 = lambda t: True
    c.m365_backup = True
    c.security_defaults = False
    c.audit_retention_days = 30
    c.backup_since = "2025-04-14T10:20:00"
    c.backup_admin = "alex.morgan"
    c.policy_modified = {"exchange": ["2026-10-26T16:10:00"], "onedrive": ["2026-10-26T16:12:00"]}
    lic = ["SPE_E3", "EMSPREMIUM"]
    d = c.domain

    def m(alias, name, **kw):
        kw.setdefault("licences", lic)
        return c.add(Person(alias, name, "%s@%s" % (alias, d), **kw))

    # break-glass: cloud-only, unlicensed, FIDO2 keys, tested monthly
    c.add(Person("bg-01", "Break Glass 01", "bg-01@" + c.onms, kind="breakglass", created="2024-01-15",
                 signin="monthly", mailbox=False, drive=False, methods=["passKeyDeviceBound"]))
    c.add(Person("bg-02", "Break Glass 02", "bg-02@" + c.onms, kind="breakglass", created="2024-01-15",
                 signin="monthly", mailbox=False, drive=False, methods=["passKeyDeviceBound"], case="lower"))
    admin_methods = ["passKeyDeviceBound", "microsoftAuthenticatorPasswordless", "microsoftAuthenticatorPush", "softwareOneTimePasscode"]
    m("alex.morgan", "Alex Morgan", methods=admin_methods, title="IT Manager")
    m("priya.natarajan", "Priya Natarajan", methods=admin_methods, case="lower")
    m("tom.becker", "Tom Becker", methods=["windowsHelloForBusiness", "microsoftAuthenticatorPush", "softwareOneTimePasscode"])
    m("sam.okafor", "Sam Okafor", methods=admin_methods)
    # seasonal operations coordinator: works December-February only, keeps an eligible role
    m("greta.holm", "Greta Holm", signin="fixed", last_signin="2026-02-26T16:40:12",
      methods=["microsoftAuthenticatorPush", "softwareOneTimePasscode", "mobilePhone"])
    for alias, name in NORTHWIND_STAFF:
        kw = {}
        if alias == "ian.fletcher":
            kw["disabled"] = "2026-08-19T17:30:00"
        if alias == "chloe.adams":
            kw["disabled"] = "2026-11-13T17:00:00"
        if alias == "paul.grant":  # long-term leave since March: never registered for MFA
            kw.update(mfa_from=None, signin="fixed", last_signin="2026-03-02T08:14:55")
        m(alias, name, **kw)
    # joiners
    m("marta.kowalska", "Marta Kowalska", created="2026-07-06T08:00:00", mfa_from="2026-07-06T09:30:00")
    m("hugo.laurent", "Hugo Laurent", created="2026-09-08T08:00:00", mfa_from="2026-09-08T10:05:00")
    m("aisha.rahman", "Aisha Rahman", created="2026-10-05T08:00:00", mfa_from="2026-10-05T09:12:00")
    m("ben.carter", "Ben Carter", created="2026-10-26T08:00:00", mfa_from="2026-10-28T09:40:00", first_signin="2026-10-28T09:35:00",
      enabled_from="2026-10-28T07:30:00")
    # leavers before the window: disabled, licences removed, mailboxes kept
    m("rachel.young", "Rachel Young", created="2023-03-01", disabled="2026-04-30T17:00:00")
    m("victor.hale", "Victor Hale", created="2023-03-01", disabled="2026-05-22T17:00:00")
    # shared mailboxes: disabled user objects without licences or sign-ins
    c.add(Person("finance", "Finance", "finance@" + d, kind="shared", licences=[], mfa_from=None, signin="none", drive=False))
    c.add(Person("info", "Northwind Info", "info@" + d, kind="shared", licences=[], mfa_from=None, signin="none", drive=False))
    # guests
    g1 = c.add(Person("dana.ortiz", "Dana Ortiz", "dana.ortiz_partner.example#EXT#@" + c.onms, kind="guest", licences=[], signin="guest", mailbox=False, drive=False))
    g1.guest_mail = "dana.ortiz@partner.example"
    g2 = c.add(Person("li.wei", "Li Wei (Auditor)", "li.wei_auditfirm.example#EXT#@" + c.onms, kind="guest", licences=[], signin="guest", mailbox=False, drive=False))
    g2.guest_mail = "li.wei@auditfirm.example"
    g3 = c.add(Person("jon.berg", "Jon Berg", "jon.berg_supplier.example#EXT#@" + c.onms, kind="guest", licences=[], signin="none", mfa_from=None, created="2026-02-10", mailbox=False, drive=False))
    g3.guest_mail = "jon.berg@supplier.example"
    for g in (g1, g2):
        g.mfa_from = "2025-01-01"
    # leavers lose their licences
    for p in c.people:
        if p.disabled and p.licences:
            p.licences = [(s, p.created, p.disabled) for s in p.licences]

    c.add_sp(ServicePrincipal("reporting", "Northwind Reporting Connector", "northwind-reporting"))

    # roles: two break-glass Global Administrators standing; everything else eligible in PIM
    c.grants = [
        Grant("bg-01", GA, "active", "2024-01-15T10:00:00"),
        Grant("bg-02", GA, "active", "2024-01-15T10:05:00"),
        # Alex's GA eligibility is time-bound; renewed on 2026-08-20 for another year
        Grant("alex.morgan", GA, "eligible", "2025-08-29T09:00:00", end="2026-08-20T11:02:00", expires="2026-08-31T00:00:00Z"),
        Grant("alex.morgan", GA, "eligible", "2026-08-20T11:02:00", expires="2027-08-31T00:00:00Z"),
        Grant("priya.natarajan", "Exchange Administrator", "eligible", "2025-05-06T14:00:00"),
        # Tom's SharePoint eligibility renewed on 2026-10-14
        Grant("tom.becker", "SharePoint Administrator", "eligible", "2025-10-20T10:00:00", end="2026-10-14T15:31:00", expires="2026-10-31T00:00:00Z"),
        Grant("tom.becker", "SharePoint Administrator", "eligible", "2026-10-14T15:31:00", expires="2027-10-31T00:00:00Z"),
        Grant("sam.okafor", "Helpdesk Administrator", "eligible", "2025-03-03T09:00:00"),
        Grant("greta.holm", "Helpdesk Administrator", "eligible", "2025-11-24T09:00:00"),
        Grant("reporting", "Reports Reader", "active", "2025-06-10T12:00:00"),
    ]
    # just-in-time activations (PIM): one in July (expired), one live at the September snapshot
    c.activations = [
        {"who": "alex.morgan", "role": GA, "start": "2026-07-09T10:02:11", "hours": 2, "eligibility_start": "2025-08-29T09:00:00"},
        {"who": "priya.natarajan", "role": "Exchange Administrator", "start": "2026-09-27T01:58:40", "hours": 8, "eligibility_start": "2025-05-06T14:00:00"},
    ]

    def audit_events():
        ev = []
        for a in c.activations:
            s = dt(a["start"])
            e = s + timedelta(hours=a["hours"])
            ev.append(pim_event(c, a["start"], "Add member to role requested (PIM activation)", a["who"], a["who"], a["role"],
                                justification="Change CHG-%d" % rng(a["who"], "chg").randrange(2000, 2999), start=ts(s), end=ts(e)))
            ev.append(pim_event(c, ts(s + timedelta(seconds=9))[:-1], "Add member to role completed (PIM activation)", a["who"], a["who"], a["role"], start=ts(s), end=ts(e)))
            ev.append(core_event(c, ts(s + timedelta(seconds=11))[:-1], "Add member to role", None, a["who"], a["role"], app=dict(MS_PIM_APP)))
            ev.append(core_event(c, ts(e + timedelta(seconds=40))[:-1], "Remove member from role", None, a["who"], a["role"], app=dict(MS_PIM_APP)))
            ev.append(pim_event(c, ts(e + timedelta(seconds=42))[:-1], "Remove member from role (PIM activation expired)", a["who"], a["who"], a["role"]))
        ev.append(pim_event(c, "2026-08-20T11:02:00", "Add eligible member to role in PIM completed (timebound)", "sam.okafor", "alex.morgan", GA,
                            justification="Annual renewal, ticket CHG-2417", start="2026-08-20T11:02:00Z", end="2027-08-31T00:00:00Z"))
        ev.append(pim_event(c, "2026-10-14T15:31:00", "Add eligible member to role in PIM completed (timebound)", "alex.morgan", "tom.becker", "SharePoint Administrator",
                            justification="Annual renewal, ticket CHG-2598", start="2026-10-14T15:31:00Z", end="2027-10-31T00:00:00Z"))
        return ev

    c.audit_events = audit_events

    bg = [c.who("bg-01").id, c.who("bg-02").id]
    pilot_group = gid(c.cid, "group", "intune-pilot")

    def policies(t):
        return [
            ca_policy(gid(c.cid, "ca", "mfa-all"), "Require MFA for all users", "enabled",
                      "2024-02-06T10:11:48.4478513Z", "2025-11-03T09:40:12.1189021Z",
                      include_users=["All"], exclude_users=bg, builtin=["mfa"]),
            ca_policy(gid(c.cid, "ca", "admins"), "Require phishing-resistant MFA for admins", "enabled",
                      "2024-05-14T13:22:05.9014420Z", "2025-11-03T09:42:51.3301146Z",
                      include_roles=[ROLE_ID[r] for r in ADMIN_POLICY_ROLES], exclude_users=bg, strength=True,
                      template="c7503427-338e-4c5e-902d-abe252abfb43"),
            ca_policy(gid(c.cid, "ca", "legacy"), "Block legacy authentication", "enabled",
                      "2024-02-06T10:15:30.7700152Z", "2024-02-06T10:15:30.7700152Z",
                      include_users=["All"], exclude_users=bg, client_app_types=["exchangeActiveSync", "other"],
                      builtin=["block"], template="0b2282f9-2862-4178-88b5-d79340b36cb8"),
            ca_policy(gid(c.cid, "ca", "compliant-windows"), "Pilot: require compliant device on Windows", "enabledForReportingButNotEnforced",
                      "2026-05-19T15:03:44.2011853Z", "2026-09-02T08:55:17.6630048Z",
                      include_groups=[pilot_group], exclude_users=bg, builtin=["compliantDevice"],
                      platforms={"excludePlatforms": [], "includePlatforms": ["windows"]}),
            ca_policy(gid(c.cid, "ca", "old-mfa"), "OLD - MFA outside office (replaced)", "disabled",
                      "2023-06-01T09:00:00Z", "2024-02-06T10:20:03.0449317Z",
                      include_users=["All"], exclude_users=bg, builtin=["mfa"]),
            ca_policy(gid(c.cid, "ca", "user-risk"), "High user risk: MFA and password change", "enabled",
                      "2024-05-14T13:40:11.5520314Z", "2024-05-14T13:40:11.5520314Z",
                      include_users=["All"], exclude_users=bg, user_risk=["high"], builtin=["mfa", "passwordChange"],
                      operator="AND"),
            ca_policy(gid(c.cid, "ca", "sign-in-risk"), "Block high-risk sign-ins", "enabled",
                      "2024-05-14T13:44:52.0017733Z", "2024-05-14T13:44:52.0017733Z",
                      include_users=["All"], exclude_users=bg, sign_in_risk=["high"], builtin=["block"]),
            ca_policy(gid(c.cid, "ca", "device-code"), "Block device code flow", "enabled",
                      "2025-03-10T09:12:40.3318250Z", "2025-03-10T09:12:40.3318250Z",
                      include_users=["All"], exclude_users=bg, transfer_methods="deviceCodeFlow", builtin=["block"]),
        ]

    c.ca_policies = policies
    c.skus = lambda t: [("SPE_E3", 36, 0), ("EMSPREMIUM", 36, 0), ("FLOW_FREE", 10000, 3)]

    def score(t):
        i = MONTHS.index(t.strftime("%Y-%m"))
        return ([512.34, 518.9, 521.02, 527.45, 529.8, 533.11][i], 742.0,
                ["HasAADP1", "HasAADP2", "HasEXOP2", "HasSPOP2", "HasMDEP2", "HasAIPP1", "HasAIPP2", "HasOCAS"])

    c.score = score
    c.score_controls = lambda t: [
        {"controlCategory": "Identity", "controlName": "AdminMFAV2", "description": "Require multifactor authentication for administrative roles", "score": 10.0, "scoreInPercentage": 100.0, "on": "true", "lastSynced": ts(t - timedelta(days=1))},
        {"controlCategory": "Identity", "controlName": "BlockLegacyAuthentication", "description": "Block legacy authentication", "score": 8.0, "scoreInPercentage": 100.0, "lastSynced": ts(t - timedelta(days=1))},
        {"controlCategory": "Identity", "controlName": "MFARegistrationV2", "description": "Ensure all users can complete multifactor authentication", "score": 8.0, "scoreInPercentage": 88.89, "lastSynced": ts(t - timedelta(days=1))},
    ]

    c.missing = lambda f, t: {}

    # Mature settings: weak methods off after the migration, no user consent, restricted
    # guests, passwords never expire, GA activation approved by the senior admins.
    c.auth_methods = lambda t: ("migrationComplete", {})
    c.user_consent = lambda t: []
    c.guest_role = lambda t: RESTRICTED_GUESTS
    c.domains = [(c.domain, "Managed", True, NEVER_EXPIRE, True), (c.onms, "Managed", True, NEVER_EXPIRE, True)]
    c.activation_approval = lambda t, role: (
        (True, [approver_group(c, "Northwind PIM approvers")]) if role in (GA, "Privileged Role Administrator") else (False, []))

    def unit_status(workload, p, t):
        if p.alias == "ben.carter" and t < dt("2026-10-30"):
            return "protectRequested"
        return "protected"

    c.unit_status = unit_status
    c.policy_id = lambda w: gid(c.cid, "protection-policy", w)
    sites = [
        ("root", "Northwind Intranet", "/"), ("finance", "Finance", "/sites/Finance"), ("hr", "People & HR", "/sites/HR"),
        ("sales", "Sales", "/sites/Sales"), ("ops", "Operations", "/sites/Operations"), ("projects", "Projects", "/sites/Projects"),
        ("board", "Board", "/sites/Board"), ("it", "IT", "/sites/IT"), ("marketing", "Marketing", "/teams/Marketing"),
    ]
    c.sites = [(k, n, pth, "2024-03-01", lambda t: "protected") for k, n, pth in sites]
    c.sites.append(("tenders", "Tenders 2027", "/sites/Tenders2027", "2026-09-15T10:00:00", lambda t: "protected"))

    def items(workload):
        def f(s):
            if workload == "exchange":
                return len([u for u in mailbox_units_doc(c, s)["value"] if u["status"] == "protected"])
            if workload == "onedrive":
                return len([u for u in drive_units_doc(c, s)["value"] if u["status"] == "protected"])
            return len([u for u in site_units_doc(c, s)["value"] if u["status"] == "protected"])
        return cached(f)

    def m365_job_id(s, w):
        return m365_session_id(c, s, w)

    common = {"product": "Microsoft 365 Backup", "every_h": 8, "minutes": (6, 24), "job_id": m365_job_id,
              "fail_messages": ["Transient service error, retried at next run"],
              "warn_messages": ["Completed with skipped items"]}
    c.job_specs = {
        "exchange": dict(common, offset_min=5, items=items("exchange")),
        "onedrive": dict(common, offset_min=15, items=items("onedrive")),
        "sharepoint": dict(common, offset_min=25, items=items("sharepoint"),
                           failures={"2026-08": (0, 1)},
                           warn_messages=["Completed with skipped items: 1 file locked by a co-authoring session"]),
    }
    c.job_columns = ["job_id", "workload", "started_at", "finished_at", "status", "items_total", "items_protected", "product"]

    by = "MSP Backup Team"
    c.tests = [
        # June: annual DR exercise, all three workloads
        {"date": "2026-06-10", "time": "09:30:00", "workload": "exchange", "item": "Mailbox finance@northwind.example, 3 folders (2,114 items) to a new folder", "result": "passed", "duration": "45m", "minutes": 45, "ticket": "MSP-4102", "performed_by": by, "product": "m365"},
        {"date": "2026-06-10", "time": "11:00:00", "workload": "onedrive", "item": "OneDrive of alex.morgan@northwind.example, folder Contracts/2025 (212 files)", "result": "passed", "duration": "35m", "minutes": 35, "ticket": "MSP-4103", "performed_by": by, "product": "m365"},
        {"date": "2026-06-11", "time": "09:15:00", "workload": "sharepoint", "item": "Site /sites/Finance, library Month-end (1,340 files) to a new site", "result": "passed", "duration": "2h", "minutes": 120, "ticket": "MSP-4104", "performed_by": by, "product": "m365"},
        # then one workload per month, each every quarter
        {"date": "2026-07-15", "time": "10:00:00", "workload": "onedrive", "item": "OneDrive of olivia.chen@northwind.example, whole drive to a new location (4,870 files)", "result": "passed", "duration": "90m", "minutes": 90, "ticket": "MSP-4188", "performed_by": by, "product": "m365"},
        {"date": "2026-08-12", "time": "13:20:00", "workload": "sharepoint", "item": "Site /sites/HR, full site to a new URL", "result": "passed", "duration": "3h", "minutes": 180, "ticket": "MSP-4259", "performed_by": by, "product": "m365"},
        {"date": "2026-09-07", "time": "09:05:00", "workload": "exchange", "item": "Mailbox info@northwind.example, Inbox point-in-time restore (6,402 items)", "result": "passed", "duration": "70m", "minutes": 70, "ticket": "MSP-4331", "performed_by": by, "product": "m365"},
        {"date": "2026-10-12", "time": "14:00:00", "workload": "onedrive", "item": "OneDrive of daniel.hughes@northwind.example, folder Quotes (388 files)", "result": "passed", "duration": "25m", "minutes": 25, "ticket": "MSP-4402", "performed_by": by, "product": "m365"},
        {"date": "2026-11-09", "time": "10:40:00", "workload": "sharepoint", "item": "Site /sites/Projects, library Drawings (2,905 files) to a new site", "result": "passed", "duration": "150m", "minutes": 150, "ticket": "MSP-4476", "performed_by": by, "product": "m365"},
    ]
    return c


def m365_session_id(c, s, w):
    """The export's id for a Microsoft 365 Backup run: workload, start and a short hash."""
    return "%s-%s-%s" % ({"exchange": "EXO", "onedrive": "ODB", "sharepoint": "SPO"}[w], s.strftime("%Y%m%d%H%M"),
                         gid(c.cid, "job", w, s.isoformat())[:8])


def acme_session_id(c, s, w):
    """Acme Cloud Backup session ids are opaque: 'ACB-' and ten hex digits."""
    return "ACB-" + gid(c.cid, "acme", w, s.isoformat()).replace("-", "")[:10].upper()


def cached(f):
    memo = {}

    def g(s):
        key = s.date()
        if key not in memo:
            memo[key] = f(s)
        return memo[key]
    return g


# ---------------------------------------------------------------------------------------
# client 2: Fabrikam Logistics GmbH — struggling, improving
# ---------------------------------------------------------------------------------------

FABRIKAM_STAFF = [
    ("joerg.mueller", "Jörg Müller"), ("sabine.kuehn", "Sabine Kühn"), ("bjoern.schaefer", "Björn Schäfer"),
    ("claudia.wagner", "Claudia Wagner"), ("thomas.fischer", "Thomas Fischer"), ("petra.hoffmann", "Petra Hoffmann"),
    ("markus.becker", "Markus Becker"), ("julia.richter", "Julia Richter"), ("andreas.wolf", "Andreas Wolf"),
    ("nicole.schulz", "Nicole Schulz"), ("frank.zimmermann", "Frank Zimmermann"), ("monika.krueger", "Monika Krüger"),
    ("tobias.hartmann", "Tobias Hartmann"), ("sandra.lange", "Sandra Lange"), ("michael.schmitt", "Michael Schmitt"),
    ("kerstin.werner", "Kerstin Werner"), ("daniel.krause", "Daniel Krause"), ("birgit.meier", "Birgit Meier"),
    ("oliver.lehmann", "Oliver Lehmann"), ("ute.koehler", "Ute Köhler"),
]
# when each member registered for MFA (None: never); the rollout that lifts 69% to 96%
FABRIKAM_MFA = {
    "joerg.mueller": "2024-02-01", "sabine.kuehn": "2024-02-01", "bjoern.schaefer": "2026-06-15",
    "claudia.wagner": "2024-02-01", "thomas.fischer": "2026-07-20", "petra.hoffmann": "2024-02-01",
    "markus.becker": "2026-06-22", "julia.richter": "2024-02-01", "andreas.wolf": "2026-09-21",
    "nicole.schulz": "2024-02-01", "frank.zimmermann": "2026-11-09", "monika.krueger": "2024-02-01",
    "tobias.hartmann": "2024-02-01", "sandra.lange": "2026-07-22", "michael.schmitt": "2024-02-01",
    "kerstin.werner": "2026-10-12", "daniel.krause": "2024-02-01", "birgit.meier": "2024-02-01",
    "oliver.lehmann": None, "ute.koehler": "2024-02-01",
}


def fabrikam():
    c = Client("fabrikam")
    c.name = "Fabrikam Logistics GmbH"
    c.tenant = gid("tenant", "fabrikam")
    c.tenant_name = "fabrikamlogistics"
    c.domain = "fabrikam.example"
    c.onms = "fabrikamlogistics.onmicrosoft.com"
    c.sp_host = "fabrikamlogistics.sharepoint.com"
    c.office_ip = "203.0.113.77"
    c.p1 = True
    c.p2 = lambda t: t >= dt("2026-09-01")
    c.m365_backup = True
    c.security_defaults = False
    c.audit_retention_days = 30
    c.backup_since = "2026-03-02T09:00:00"
    c.backup_admin = "katrin.vogel"
    c.policy_modified = {"exchange": ["2026-06-30T10:00:00", "2026-08-18T10:00:00", "2026-09-29T10:00:00"],
                         "onedrive": ["2026-07-14T10:00:00"], "sharepoint": ["2026-09-01T10:00:00"]}
    d = c.domain
    lic = ["SPB"]

    def m(alias, name, **kw):
        kw.setdefault("licences", lic)
        return c.add(Person(alias, name, "%s@%s" % (alias, d), **kw))

    # tested irregularly until the MSP started monthly break-glass tests in July
    c.add(Person("bg-01", "Notfallzugang 01", "bg-01@" + c.onms, kind="breakglass", created="2025-02-03",
                 signin="monthly", monthly_from=("2026-07-01", "2026-05-20T07:41:09"), mailbox=False, drive=False,
                 mfa_from="2025-02-03"))
    c.add(Person("bg-02", "Notfallzugang 02", "bg-02@" + c.onms, kind="breakglass", created="2026-07-08T09:20:00",
                 signin="monthly", mailbox=False, drive=False, mfa_from="2026-07-08T09:35:00"))
    m("juergen.weiss", "Jürgen Weiß", mfa_from="2026-08-04T07:31:00", title="Geschäftsführer", case="lower")
    m("katrin.vogel", "Katrin Vogel", methods=["microsoftAuthenticatorPush", "softwareOneTimePasscode", "passKeyDeviceBound"], title="IT-Leitung")
    m("stefan.braun", "Stefan Braun", mfa_from="2026-08-05", title="Lagerleitung")
    m("anna.schmidt", "Anna Schmidt")
    m("lukas.meyer", "Lukas Meyer", created="2026-09-14T08:00:00", mfa_from="2026-09-14T09:10:00",
      methods=["passKeyDeviceBound", "microsoftAuthenticatorPush", "softwareOneTimePasscode"])
    # legacy Exchange admin account: unlicensed, unused since January, old SMS registration
    c.add(Person("exo-admin", "EXO Admin (legacy)", "exo-admin@" + c.onms, created="2023-05-10", licences=[],
                 signin="fixed", last_signin="2026-01-14T08:02:11", methods=["mobilePhone"], mailbox=False, drive=False,
                 disabled="2026-10-07T10:15:00", deleted="2026-11-04T09:00:00", mfa_from="2023-05-10"))
    c.who("exo-admin").kind = "member"
    for alias, name in FABRIKAM_STAFF:
        # warehouse staff without company phones stop signing in once MFA is enforced (4 Aug)
        # and come back when they register
        last = "2026-07-%02dT%02d:%02d:00" % (20 + len(alias) % 11, 6 + len(alias) % 9, len(name) * 3 % 60)
        m(alias, name, mfa_from=FABRIKAM_MFA[alias], dormant=("2026-08-04", last))
    m("lea.brandt", "Lea Brandt", created="2026-11-02T08:00:00", mfa_from="2026-11-02T08:45:00")
    # leavers
    m("heike.vogt", "Heike Vogt", created="2023-05-10", disabled="2026-03-31T17:00:00", mfa_from=None)
    m("rainer.koch", "Rainer Koch", created="2023-05-10", disabled="2026-08-28T16:00:00")
    c.add(Person("disposition", "Disposition", "disposition@" + d, kind="shared", licences=[], mfa_from=None, signin="none", drive=False))
    c.add(Person("buchhaltung", "Buchhaltung", "buchhaltung@" + d, kind="shared", licences=[], mfa_from=None, signin="none", drive=False))
    g = c.add(Person("marco.rossi", "Marco Rossi (Partner IT)", "marco.rossi_partner.example#EXT#@" + c.onms, kind="guest",
                     created="2024-09-02", licences=[], signin="guest", mailbox=False, drive=False, mfa_from="2024-09-02",
                     methods=["microsoftAuthenticatorPush", "softwareOneTimePasscode"]))
    g.guest_mail = "marco.rossi@partner.example"
    g2 = c.add(Person("elena.petrova", "Elena Petrova", "elena.petrova_auditor.example#EXT#@" + c.onms, kind="guest",
                      created="2025-11-18", licences=[], signin="fixed", last_signin="2025-12-03T10:12:44", mailbox=False, drive=False, mfa_from=None))
    g2.guest_mail = "elena.petrova@auditor.example"
    for p in c.people:
        if p.disabled and p.licences:
            p.licences = [(s, p.created, p.disabled) for s in p.licences]
    # Entra ID P2 for the four admins from September
    for alias in ("katrin.vogel", "stefan.braun", "anna.schmidt", "lukas.meyer"):
        c.who(alias).licences.append(("AAD_PREMIUM_P2", "2026-09-01", None))

    c.add_sp(ServicePrincipal("mail-relay", "Fabrikam Legacy Mail Relay", "fabrikam-mail-relay"))

    c.grants = [
        Grant("bg-01", GA, "active", "2025-02-03T11:00:00"),
        Grant("bg-02", GA, "active", "2026-07-08T09:40:00"),
        Grant("juergen.weiss", GA, "active", "2023-05-10T09:00:00", end="2026-07-09T14:05:00"),
        Grant("katrin.vogel", GA, "active", "2023-05-10T09:00:00", end="2026-09-10T10:30:00"),
        Grant("katrin.vogel", GA, "eligible", "2026-09-10T10:28:00"),
        Grant("marco.rossi", GA, "active", "2024-09-02T15:00:00", end="2026-09-04T08:50:00"),
        Grant("stefan.braun", GA, "active", "2023-05-10T09:00:00", end="2026-08-12T13:00:00"),
        Grant("stefan.braun", "User Administrator", "active", "2026-08-12T13:01:00", end="2026-09-10T10:40:00"),
        Grant("stefan.braun", "User Administrator", "eligible", "2026-09-10T10:38:00"),
        Grant("anna.schmidt", "Helpdesk Administrator", "active", "2026-06-10T11:20:00", end="2026-09-10T10:50:00"),
        Grant("anna.schmidt", "Helpdesk Administrator", "eligible", "2026-09-10T10:48:00"),
        Grant("exo-admin", "Exchange Administrator", "active", "2023-05-10T09:30:00", end="2026-10-07T10:10:00"),
        Grant("mail-relay", "Exchange Administrator", "active", "2024-03-12T16:00:00", end="2026-09-04T09:05:00"),
        Grant("lukas.meyer", "Exchange Administrator", "eligible", "2026-10-09T09:00:00"),
        Grant("lukas.meyer", "SharePoint Administrator", "eligible", "2026-11-05T14:20:00"),
    ]

    def audit_events():
        k = "katrin.vogel"
        ev = [
            core_event(c, "2026-06-10T11:20:00", "Add member to role", k, "anna.schmidt", "Helpdesk Administrator"),
            core_event(c, "2026-07-08T09:40:00", "Add member to role", k, "bg-02", GA),
            core_event(c, "2026-07-09T14:05:00", "Remove member from role", k, "juergen.weiss", GA),
            core_event(c, "2026-08-12T13:00:00", "Remove member from role", k, "stefan.braun", GA),
            core_event(c, "2026-08-12T13:01:00", "Add member to role", k, "stefan.braun", "User Administrator"),
            core_event(c, "2026-09-04T08:50:00", "Remove member from role", k, "marco.rossi", GA),
            core_event(c, "2026-09-04T09:05:00", "Remove member from role", k, "mail-relay", "Exchange Administrator"),
            core_event(c, "2026-10-07T10:10:00", "Remove member from role", k, "exo-admin", "Exchange Administrator"),
        ]
        for who, role, at, rm in [("katrin.vogel", GA, "2026-09-10T10:28:00", "2026-09-10T10:30:00"),
                                  ("stefan.braun", "User Administrator", "2026-09-10T10:38:00", "2026-09-10T10:40:00"),
                                  ("anna.schmidt", "Helpdesk Administrator", "2026-09-10T10:48:00", "2026-09-10T10:50:00")]:
            ev.append(pim_event(c, at, "Add eligible member to role in PIM completed (permanent)", k, who, role,
                                justification="Move to PIM, ticket FAB-1160"))
            ev.append(core_event(c, rm, "Remove member from role", k, who, role))
        ev.append(pim_event(c, "2026-10-09T09:00:00", "Add eligible member to role in PIM completed (permanent)", k, "lukas.meyer",
                            "Exchange Administrator", justification="Replaces legacy EXO admin account, ticket FAB-1203"))
        ev.append(pim_event(c, "2026-11-05T14:20:00", "Add eligible member to role in PIM completed (permanent)", k, "lukas.meyer",
                            "SharePoint Administrator", justification="SharePoint ownership moves to IT, ticket FAB-1231"))
        return ev

    c.audit_events = audit_events

    def policies(t):
        bg = [c.who("bg-01").id] + ([c.who("bg-02").id] if t >= dt("2026-07-08T10:00:00") else [])
        mfa_state = "enabled" if t >= dt("2026-08-04") else "enabledForReportingButNotEnforced"
        mfa_modified = "2026-08-04T07:02:19.5512003Z" if t >= dt("2026-08-04") else "2026-07-08T10:03:41.0023188Z" if t >= dt("2026-07-08T10:00:00") else "2026-05-12T14:47:09.8841275Z"
        out = [
            ca_policy(gid(c.cid, "ca", "mfa-all"), "Require MFA for all users", mfa_state,
                      "2026-05-12T14:47:09.8841275Z", mfa_modified,
                      include_users=["All"], exclude_users=bg, builtin=["mfa"]),
        ]
        if t < dt("2026-09-01"):
            out.append(ca_policy(gid(c.cid, "ca", "test"), "Testrichtlinie Marco (nicht verwenden)", "disabled",
                                 "2024-10-01T12:00:31.1000042Z", "2024-10-01T12:00:31.1000042Z",
                                 include_users=[c.who("marco.rossi").id], builtin=["mfa"]))
        if t >= dt("2026-09-01"):
            out.append(ca_policy(gid(c.cid, "ca", "legacy"), "Block legacy authentication", "enabled",
                                 "2026-09-08T08:30:12.4410987Z", "2026-09-08T08:30:12.4410987Z",
                                 include_users=["All"], exclude_users=bg, client_app_types=["exchangeActiveSync", "other"],
                                 builtin=["block"], template="0b2282f9-2862-4178-88b5-d79340b36cb8"))
            out.append(ca_policy(gid(c.cid, "ca", "admins"), "Require MFA for admins", "enabled",
                                 "2026-09-08T08:41:55.0073321Z", "2026-09-08T08:41:55.0073321Z",
                                 include_roles=[ROLE_ID[r] for r in ADMIN_POLICY_ROLES], exclude_users=bg, builtin=["mfa"],
                                 template="c7503427-338e-4c5e-902d-abe252abfb43"))
            # Risk policies came with Entra ID P2: the sign-in one is still report-only,
            # the user-risk one asks for MFA but forgets the password change ...
            out.append(ca_policy(gid(c.cid, "ca", "sign-in-risk"), "Block high-risk sign-ins", "enabledForReportingButNotEnforced",
                                 "2026-09-08T08:50:03.1170042Z", "2026-09-08T08:50:03.1170042Z",
                                 include_users=["All"], exclude_users=bg, sign_in_risk=["high"], builtin=["block"]))
            # ... and excludes only the first break-glass account: it can lock bg-02 out.
            out.append(ca_policy(gid(c.cid, "ca", "user-risk"), "High user risk: require MFA", "enabled",
                                 "2026-09-08T08:52:27.6603518Z", "2026-09-08T08:52:27.6603518Z",
                                 include_users=["All"], exclude_users=bg[:1], user_risk=["high"], builtin=["mfa"]))
        return out

    c.ca_policies = policies
    c.skus = lambda t: [("SPB", 28, 0)] + ([("AAD_PREMIUM_P2", 4, 0)] if t >= dt("2026-09-01") else [])

    def score(t):
        i = MONTHS.index(t.strftime("%Y-%m"))
        services = ["HasAADP1", "HasEXOP1", "HasSPOP1", "HasMDOP1", "HasINTUNE"] + (["HasAADP2"] if i >= 3 else [])
        return ([142.5, 151.0, 188.26, 231.7, 246.12, 259.3][i], 448.0, services)

    c.score = score
    c.score_controls = lambda t: [
        {"controlCategory": "Identity", "controlName": "AdminMFAV2", "description": "Require multifactor authentication for administrative roles", "score": 10.0 if t >= dt("2026-08-04") else 0.0, "scoreInPercentage": 100.0 if t >= dt("2026-08-04") else 0.0, "lastSynced": ts(t - timedelta(days=1))},
        {"controlCategory": "Identity", "controlName": "BlockLegacyAuthentication", "description": "Block legacy authentication", "score": 8.0 if t >= dt("2026-09-08") else 0.0, "scoreInPercentage": 100.0 if t >= dt("2026-09-08") else 0.0, "lastSynced": ts(t - timedelta(days=1))},
    ]

    def missing(f, t):
        if f in ("graph/roleEligibilitySchedules.json", "graph/roleAssignmentSchedules.json",
                 "graph/roleManagementPolicyAssignments.json") and not c.p2(t):
            return {"status": 403, "missing": "not_licensed", "reason": "Entra ID P2 is required"}
        return {}

    c.missing = missing

    # Hybrid identity: staff accounts (fabrikam.example) are synchronised from the
    # on-premises Active Directory, admins included; break-glass, the legacy Exchange admin
    # and guests are cloud-only. SMS stays on for the warehouse group and the methods
    # migration is unfinished; users may consent to any app until September, then to
    # low-impact apps of verified publishers; guests have member access until September,
    # then limited access; the public domain keeps a 90-day password expiry (the
    # federated subsidiary domain is left out); Global Administrator activation (P2 from
    # September) needs no approval.
    for p in c.people:
        if p.upn.endswith("@" + c.domain) and p.kind != "guest":
            p.synced = True
    warehouse = gid(c.cid, "group", "Lager SMS")
    c.auth_methods = lambda t: ("migrationInProgress", {"Sms": [warehouse], "Email": ["all_users"]})
    c.user_consent = lambda t: (["ManagePermissionGrantsForSelf.microsoft-user-default-low"] if t >= dt("2026-09-01")
                                else ["ManagePermissionGrantsForSelf.microsoft-user-default-legacy"])
    c.guest_role = lambda t: LIMITED_GUESTS if t >= dt("2026-09-01") else MEMBER_GUESTS
    c.domains = [(c.domain, "Managed", True, 90, True), (c.onms, "Managed", True, NEVER_EXPIRE, True),
                 ("fabrikam-spedition.example", "Federated", True, None, True)]
    c.activation_approval = lambda t, role: (False, [])

    # protection coverage: who was still outside the policies each month
    unprotected = {
        "exchange": {"2026-06": ["oliver.lehmann", "ute.koehler", "birgit.meier", "daniel.krause", "buchhaltung", "rainer.koch"],
                     "2026-07": ["oliver.lehmann", "ute.koehler", "birgit.meier", "buchhaltung"],
                     "2026-08": ["oliver.lehmann", "ute.koehler", "buchhaltung"],
                     "2026-09": ["buchhaltung"]},
        "onedrive": {"2026-06": ["oliver.lehmann", "ute.koehler", "birgit.meier"],
                     "2026-07": ["oliver.lehmann"]},
    }
    requested = {"exchange": {"2026-09": ["lukas.meyer"]}}

    def unit_status(workload, p, t):
        mo = t.strftime("%Y-%m")
        if p.alias in unprotected.get(workload, {}).get(mo, []):
            return "unprotected"
        if p.alias in requested.get(workload, {}).get(mo, []):
            return "protectRequested"
        if p.alias == "rainer.koch" and workload == "onedrive" and t >= dt("2026-09-01"):
            return None  # OneDrive deleted after the leaver's retention period
        return "protected"

    c.unit_status = unit_status
    c.policy_id = lambda w: gid(c.cid, "protection-policy", w)
    site_list = [
        ("root", "Fabrikam Intranet", "/", None), ("dispo", "Disposition", "/sites/Disposition", None),
        ("buchhaltung", "Buchhaltung", "/sites/Buchhaltung", "2026-09-01"), ("lager", "Lager Hamburg", "/sites/LagerHamburg", None),
        ("fuhrpark", "Fuhrpark", "/sites/Fuhrpark", "2026-08-01"), ("qm", "Qualitätsmanagement", "/sites/QM", None),
        ("vertrieb", "Vertrieb", "/teams/Vertrieb", None),
    ]

    def site_status(protected_from):
        return lambda t: "protected" if protected_from is None or t >= dt(protected_from) else "unprotected"

    c.sites = [(k, n, pth, "2024-01-10", site_status(pf)) for k, n, pth, pf in site_list]

    def items(workload):
        def f(s):
            if workload == "exchange":
                return len([u for u in mailbox_units_doc(c, s)["value"] if u["status"] == "protected"])
            if workload == "onedrive":
                return len([u for u in drive_units_doc(c, s)["value"] if u["status"] == "protected"])
            if workload == "sharepoint":
                return len([u for u in site_units_doc(c, s)["value"] if u["status"] == "protected"])
            return 14
        return cached(f)

    def m365_id(s, w):
        return m365_session_id(c, s, w)

    def acme_id(s, w):
        return acme_session_id(c, s, w)

    m365 = {"product": "Microsoft 365 Backup", "every_h": 8, "minutes": (6, 26), "job_id": m365_id,
            "fail_messages": ["Backup service throttled by Exchange Online; retry scheduled",
                              "Transient service error (503), retried at next run"],
            "warn_messages": ["Completed with skipped items: mailbox over quota", "Completed with skipped items"]}
    c.job_specs = {
        "exchange": dict(m365, offset_min=5, items=items("exchange"),
                         failures={"2026-06": (6, 4), "2026-07": (0, 2), "2026-08": (5, 4), "2026-09": (0, 1)},
                         outages={"2026-07": [("2026-07-14T02:00:00", "2026-07-15T14:00:00",
                                               "Backup paused: Exchange protection policy suspended during licence change")]}),
        "onedrive": dict(m365, offset_min=15, items=items("onedrive"), failures={"2026-06": (0, 3), "2026-07": (1, 1)}),
        "sharepoint": dict(m365, offset_min=25, items=items("sharepoint"), failures={"2026-06": (1, 2), "2026-08": (0, 1)}),
        "teams": {"product": "Acme Cloud Backup", "every_h": 8, "offset_min": 60 + 50, "minutes": (25, 70), "job_id": acme_id,
                  "items": lambda s: 14,
                  "failures": {"2026-06": (8, 1), "2026-07": (6, 2), "2026-08": (5, 1), "2026-10": (0, 1)},
                  "fail_messages": ["Graph API throttling (429) exceeded retry budget", "Authentication failed: connector app secret expired",
                                    "Job aborted: storage quota exceeded at target"],
                  "warn_messages": ["2 channel messages skipped (protected content)", "1 team skipped: archived"]},
    }
    c.job_columns = ["job_id", "workload", "started_at", "finished_at", "status", "items_total", "items_protected", "product", "message"]

    by = "MSP Backup Team"
    c.tests = [
        {"date": "2026-09-16", "time": "10:00:00", "workload": "exchange", "item": "Mailbox disposition@fabrikam.example, Inbox (1,204 items) to a new folder", "result": "failed", "duration": "3h", "minutes": 180, "ticket": "FAB-1187", "performed_by": by, "product": "m365",
         "session_error": {"code": "RestoreArtifactFailed", "message": "The mailbox restore point could not be mounted. Retry the restore or contact support."}},
        {"date": "2026-10-06", "time": "09:00:00", "workload": "exchange", "item": "Mailbox disposition@fabrikam.example, Inbox (1,311 items) to a new folder", "result": "passed", "duration": "50m", "minutes": 50, "ticket": "FAB-1199", "performed_by": by, "product": "m365"},
        {"date": "2026-10-08", "time": "13:00:00", "workload": "onedrive", "item": "OneDrive of petra.hoffmann@fabrikam.example, folder Angebote (640 files)", "result": "passed", "duration": "40m", "minutes": 40, "ticket": "FAB-1201", "performed_by": by, "product": "m365"},
        {"date": "2026-10-14", "time": "09:30:00", "workload": "sharepoint", "item": "Site /sites/Buchhaltung, library Belege 2025 (3,876 files) to a new site", "result": "passed", "duration": "4h", "minutes": 240, "ticket": "FAB-1207", "performed_by": by, "product": "m365"},
        {"date": "2026-10-20", "time": "10:00:00", "workload": "teams", "item": "Team Disposition, channel Tagesplanung (messages and files, 30 days)", "result": "passed", "duration": "2h", "minutes": 120, "ticket": "FAB-1212", "performed_by": by, "product": "acme"},
        {"date": "2026-11-03", "time": "09:00:00", "workload": "exchange", "item": "Mailbox buchhaltung@fabrikam.example, folder Rechnungen (2,048 items)", "result": "passed", "duration": "55m", "minutes": 55, "ticket": "FAB-1226", "performed_by": by, "product": "m365"},
        {"date": "2026-11-05", "time": "14:00:00", "workload": "onedrive", "item": "OneDrive of juergen.weiss@fabrikam.example, whole drive to a new location (2,210 files)", "result": "passed", "duration": "75m", "minutes": 75, "ticket": "FAB-1229", "performed_by": by, "product": "m365"},
        {"date": "2026-11-10", "time": "09:00:00", "workload": "sharepoint", "item": "Site /sites/QM, full site to a new URL", "result": "passed", "duration": "3h", "minutes": 180, "ticket": "FAB-1234", "performed_by": by, "product": "m365"},
        {"date": "2026-11-18", "time": "10:30:00", "workload": "teams", "item": "Team Vertrieb, channel Allgemein (messages and files, 90 days)", "result": "passed", "duration": "150m", "minutes": 150, "ticket": "FAB-1240", "performed_by": by, "product": "acme"},
    ]
    return c


# ---------------------------------------------------------------------------------------
# client 3: Tailspin Bakery — small, Business Standard, security defaults
# ---------------------------------------------------------------------------------------

def tailspin_veeam():
    """Tailspin's Veeam Backup for Microsoft 365 job: mailboxes and OneDrive, every 8 hours."""
    return {
        "job": "Tailspin Mail and OneDrive",
        "description": "Tailspin Bakery: all mailboxes and OneDrive accounts",
        # the workloads whose generated runs are this job's sessions
        "runs_of": {"exchange"},
        "workloads": ["exchange", "onedrive"],
    }


def tailspin():
    c = Client("tailspin")
    c.name = "Tailspin Bakery"
    c.tenant = gid("tenant", "tailspin")
    c.tenant_name = "tailspinbakery"
    c.domain = "tailspinbakery.example"
    c.onms = "tailspinbakery.onmicrosoft.com"
    c.office_ip = "192.0.2.45"
    c.p1 = False
    c.p2 = lambda t: False
    c.m365_backup = False
    c.security_defaults = True
    c.audit_retention_days = 7
    d = c.domain
    lic = ["O365_BUSINESS_PREMIUM", "EXCHANGEARCHIVE_ADDON"]

    def m(alias, name, **kw):
        kw.setdefault("licences", lic)
        return c.add(Person(alias, name, "%s@%s" % (alias, d), **kw))

    m("olivia.brooks", "Olivia Brooks", created="2022-09-01", title="Owner")
    c.add(Person("bg-01", "MSP Break Glass", "bg-01@" + c.onms, kind="breakglass", created="2022-09-01",
                 signin="monthly", mailbox=False, drive=False, case="lower"))
    for alias, name in [("tom.baker", "Tom Baker"), ("priya.shah", "Priya Shah"), ("george.evans", "George Evans"),
                        ("lucy.hill", "Lucy Hill"), ("mohammed.ali", "Mohammed Ali"), ("sarah.jones", "Sarah Jones"),
                        ("kate.morris", "Kate Morris"), ("dan.walker", "Dan Walker")]:
        m(alias, name, created="2022-09-01")
    m("jake.turner", "Jake Turner", created="2023-04-03", deleted="2026-09-05T10:00:00")
    m("mia.patel", "Mia Patel", created="2026-09-07T08:00:00")
    c.add(Person("orders", "Orders", "orders@" + d, kind="shared", licences=["EXCHANGEARCHIVE_ADDON"], created="2022-09-01",
                 mfa_from=None, signin="none", drive=False))

    c.grants = [
        Grant("olivia.brooks", GA, "active", "2022-09-01T09:00:00"),
        Grant("bg-01", GA, "active", "2022-09-01T09:05:00"),
    ]
    c.activations = []
    c.audit_events = lambda: []
    c.ca_policies = lambda t: []
    c.skus = lambda t: [("O365_BUSINESS_PREMIUM", 12, 0), ("EXCHANGEARCHIVE_ADDON", 11, 0)]

    def score(t):
        i = MONTHS.index(t.strftime("%Y-%m"))
        return ([118.0, 118.0, 121.5, 121.5, 124.0, 124.0][i], 262.0, ["HasEXOP1", "HasSPOP1"])

    c.score = score
    c.score_controls = lambda t: [
        {"controlCategory": "Identity", "controlName": "MFARegistrationV2", "description": "Ensure all users can complete multifactor authentication", "score": 9.0, "scoreInPercentage": 100.0, "lastSynced": ts(t - timedelta(days=1))},
    ]

    def missing(f, t):
        if f in ("graph/roleEligibilitySchedules.json", "graph/roleAssignmentSchedules.json",
                 "graph/roleManagementPolicyAssignments.json"):
            return {"status": 403, "missing": "not_licensed", "reason": "Entra ID P2 is required"}
        if f == "graph/userRegistrationDetails.json":
            return {"status": 403, "missing": "not_licensed", "reason": "Entra ID P1 or P2 is required for authentication methods reports"}
        if f in BACKUP_FILES:
            return {"missing": "not_applicable", "reason": "Backup by Veeam Backup for Microsoft 365 and Acme Cloud Backup"}
        return {}

    c.missing = missing

    # Small tenant: email one-time passcodes still on for everyone (the methods policy was
    # never migrated); no user consent; the default limited guest access; passwords never
    # expire on both verified domains (an unverified old domain is ignored). No PIM.
    c.auth_methods = lambda t: ("preMigration", {"Email": ["all_users"]})
    c.user_consent = lambda t: []
    c.guest_role = lambda t: LIMITED_GUESTS
    c.domains = [(c.domain, "Managed", True, NEVER_EXPIRE, True), (c.onms, "Managed", True, NEVER_EXPIRE, True),
                 ("tailspin-bakery.example", "Managed", False, None, True)]
    c.activation_approval = lambda t, role: (False, [])

    def mailboxes(s):
        return sum(1 for p in c.people if p.exists(s) and p.mailbox)

    def drives(s):
        return sum(1 for p in c.people if p.exists(s) and p.drive and p.enabled(s))

    def acme_id(s, w):
        return acme_session_id(c, s, w)

    acme = {"product": "Acme Cloud Backup", "every_h": 8, "minutes": (12, 40), "job_id": acme_id,
            "fail_messages": ["Graph API throttling (429) exceeded retry budget", "Network timeout talking to Microsoft 365 (retry at next run)"],
            "warn_messages": ["1 item skipped: file locked", "1 item skipped: item larger than 150 MB"]}
    # Mailboxes and OneDrive are backed up by one Veeam Backup for Microsoft 365 job
    # (tailspin_veeam); its runs are generated here and written as its sessions.
    c.veeam = tailspin_veeam()
    veeam = dict(acme, product="Veeam Backup for Microsoft 365", minutes=(18, 55),
                 job_id=lambda s, w: c.veeam["job"],
                 fail_messages=["Exchange Web Services throttled the request", "Connection to the backup proxy was lost"],
                 warn_messages=["1 item skipped: item is too large", "1 OneDrive file skipped: file is locked"])
    c.job_specs = {
        "exchange": dict(veeam, offset_min=60, items=lambda s: mailboxes(s) + drives(s),
                         failures={"2026-06": (1, 0), "2026-07": (1, 0), "2026-09": (1, 1), "2026-10": (1, 0), "2026-11": (0, 1)}),
        "sharepoint": dict(acme, offset_min=100, items=lambda s: 4, failures={"2026-08": (1, 0)}),
        "teams": dict(acme, offset_min=120, items=lambda s: 3, failures={"2026-10": (1, 0), "2026-11": (1, 0)}),
    }
    # Acme's export: its own column order, no product column (optional), an extra message column
    c.job_columns = ["job_id", "workload", "status", "started_at", "finished_at", "items_total", "items_protected", "message"]

    by = "MSP Service Desk"
    c.tests = [
        {"date": "2026-06-18", "time": "14:00:00", "workload": "exchange", "item": "Mailbox olivia.brooks@tailspinbakery.example, folder Suppliers (312 items)", "result": "passed", "duration": "30m", "ticket": "TSB-0412", "performed_by": by, "product": "veeam"},
        {"date": "2026-06-18", "time": "15:00:00", "workload": "onedrive", "item": "OneDrive of tom.baker@tailspinbakery.example, folder Recipes (96 files)", "result": "passed", "duration": "20m", "ticket": "TSB-0413", "performed_by": by, "product": "veeam"},
        {"date": "2026-06-19", "time": "10:00:00", "workload": "sharepoint", "item": "Site /sites/Shop, library Price lists (58 files)", "result": "passed", "duration": "25m", "ticket": "TSB-0414", "performed_by": by},
        {"date": "2026-06-19", "time": "11:00:00", "workload": "teams", "item": "Team Bakery Floor, channel Rota (messages and files, 14 days)", "result": "passed", "duration": "45m", "ticket": "TSB-0415", "performed_by": by},
        {"date": "2026-08-20", "time": "16:00:00", "workload": "exchange", "item": "Mailbox orders@tailspinbakery.example, Sent Items (1,120 items)", "result": "passed", "duration": "40m", "ticket": "TSB-0447", "performed_by": by, "product": "veeam"},
        {"date": "2026-11-04", "time": "09:30:00", "workload": "onedrive", "item": "OneDrive of priya.shah@tailspinbakery.example, folder Invoices 2026 (148 files)", "result": "passed", "duration": "25m", "ticket": "TSB-0487", "performed_by": by, "product": "veeam"},
        {"date": "2026-10-15", "time": "15:00:00", "workload": "sharepoint", "item": "Site /sites/Shop, full site to a new URL", "result": "passed", "duration": "90m", "ticket": "TSB-0481", "performed_by": by},
        {"date": "2026-10-16", "time": "10:00:00", "workload": "teams", "item": "Team Wholesale, channel Orders (messages, files and 2 meeting recordings)", "result": "partial", "duration": "3h", "ticket": "TSB-0482", "performed_by": by},
        {"date": "2026-11-12", "time": "10:00:00", "workload": "teams", "item": "Team Wholesale, channel Orders (messages and files; recordings restored with OneDrive)", "result": "passed", "duration": "2h", "ticket": "TSB-0490", "performed_by": by},
    ]
    return c


# ---------------------------------------------------------------------------------------
# policy files
# ---------------------------------------------------------------------------------------

NORTHWIND_CLIENT = """\
name = "Northwind Traders Ltd"
tenant_id = "{tenant}"
domains = ["northwind.example"]

[branding]
accent = "#0f766e"
logo = "logo.svg"

[publishing]
enabled = true
"""

NORTHWIND_LOGO = """\
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64" role="img" aria-labelledby="t">
  <title id="t">Northwind Traders</title>
  <rect x="2" y="2" width="60" height="60" rx="12" fill="#0f766e"/>
  <circle cx="32" cy="32" r="19" fill="none" stroke="#ecfdf5" stroke-width="3"/>
  <polygon points="32,10 38,32 32,28 26,32" fill="#ecfdf5"/>
  <polygon points="32,54 26,32 32,36 38,32" fill="#5eead4"/>
</svg>
"""

FABRIKAM_CLIENT = """\
name = "Fabrikam Logistics GmbH"
tenant_id = "{tenant}"
domains = ["fabrikam.example", "fabrikamlogistics.onmicrosoft.com"]

[branding]
accent = "#b45309"

[publishing]
enabled = true
"""

TAILSPIN_CLIENT = """\
name = "Tailspin Bakery"
tenant_id = "{tenant}"
domains = ["tailspinbakery.example"]

[branding]
accent = "#9d174d"
"""


def raci(parties, licensing_accountable):
    it, fin = parties["client_it"], parties["client_finance"]
    acts = [
        ("licensing", "Licensing and subscriptions", ["MSP Account Manager"], licensing_accountable, [it], ["MSP Service Desk"], ["identity.licences", "governance.licence-utilisation"]),
        ("identity-baseline", "Identity, MFA and Conditional Access", ["MSP Identity Team"], [it], ["MSP Service Desk"], [parties["client_lead"]], ["identity.*"]),
        ("privileged-access", "Privileged access management", ["MSP Identity Team"], [it], [parties["client_security"]], [parties["client_lead"]], ["access.*"]),
        ("restore-testing", "Restore testing", ["MSP Backup Team"], [it], ["MSP Service Desk"], [parties["client_lead"]],
         ["backup.exchange.restore-test", "backup.onedrive.restore-test", "backup.sharepoint.restore-test", "backup.teams.restore-test"]),
        ("backup-operations", "Backup operations and monitoring", ["MSP Backup Team", "MSP Service Desk"], ["MSP Service Delivery Manager"], [it], [parties["client_lead"]], ["backup.*"]),
        ("retention", "Retention and legal hold", [it], [fin], ["MSP Account Manager", "Client Legal Counsel"], ["MSP Backup Team"], ["retention.*"]),
        ("evidence-reporting", "Evidence, reporting and governance", ["MSP Account Manager"], ["MSP Service Delivery Manager"], [it], [parties["client_lead"], fin], ["evidence.*", "governance.*"]),
    ]
    out = []
    for aid, name, resp, acc, cons, inf, controls in acts:
        out.append("[[activity]]\n")
        out.append("id = %s\n" % toml_str(aid))
        out.append("name = %s\n" % toml_str(name))
        out.append("responsible = %s\n" % toml_list(resp))
        out.append("accountable = %s\n" % toml_list(acc))
        out.append("consulted = %s\n" % toml_list(cons))
        out.append("informed = %s\n" % toml_list(inf))
        out.append("controls = %s\n\n" % toml_list(controls))
    return "".join(out).rstrip("\n") + "\n"


def toml_list(xs):
    return "[" + ", ".join(toml_str(x) for x in xs) + "]"


def approved_toml(entries):
    out = []
    for principal, role, kind, note in entries:
        if note:
            out.append("# %s\n" % note)
        out.append("[[approved_assignment]]\nprincipal = %s\nrole = %s\nassignment = %s\n\n" % (toml_str(principal), toml_str(role), toml_str(kind)))
    return "".join(out)


NORTHWIND_CONTROLS = """\
# Northwind Traders Ltd: identity and access policy (reviewed in pull requests).

[identity]
model = "conditional_access"
pim = true

[access]
break_glass = ["bg-01@northwind.onmicrosoft.com", "bg-02@northwind.onmicrosoft.com"]

[thresholds]
"identity.mfa-users" = {{ min_percent = 95 }}
"access.global-admin-count" = {{ min = 2, max = 4 }}

{approved}[[waiver]]
control = "access.stale-admins"
reason = "Greta Holm coordinates seasonal staff December to February only; her Helpdesk Administrator eligibility stays in place between seasons and is reviewed before each season"
approved_by = "Alex Morgan (Client IT Manager)"
ticket = "CHG-2290"
expires = 2027-03-31
"""

FABRIKAM_CONTROLS = """\
# Fabrikam Logistics GmbH: identity and access policy.
# The approved list is the target state agreed in the remediation plan (FAB-1150);
# until the tenant matches it, access.approved-assignments shows the drift.

[identity]
model = "conditional_access"
pim = true

[access]
break_glass = ["bg-01@fabrikamlogistics.onmicrosoft.com", "bg-02@fabrikamlogistics.onmicrosoft.com"]

{approved}[[waiver]]
control = "identity.mfa-users"
reason = "MFA rollout to warehouse staff waits for company phones"
approved_by = "Jürgen Weiß (Geschäftsführer)"
ticket = "FAB-1098"
expires = 2026-05-31
"""

TAILSPIN_CONTROLS = """\
# Tailspin Bakery: Microsoft 365 Business Standard, no Entra ID P1/P2.
# Identity is protected by security defaults; there is no PIM.

[identity]
model = "security_defaults"
pim = false

[access]
break_glass = ["bg-01@tailspinbakery.onmicrosoft.com"]

{approved}[[disabled]]
control = "identity.ca-block-legacy-auth"
reason = "No Conditional Access without Entra ID P1; security defaults block legacy authentication"
"""

M365_WORKLOAD = """\
[{w}]
in_scope = true
provider = "microsoft-365-backup"
scope = "all"
scope_note = {scope_note}
frequency = "8h"
retention = "1y"
encryption = "AES-256 at rest, Microsoft-managed keys"
storage_location = {storage}
rpo = "24h"
rto = {rto}
owner = "MSP Backup Team"
restore_test_cadence = "90d"
known_gaps = {gaps}
"""


def m365_workload(w, scope_note, rto, gaps, storage):
    return M365_WORKLOAD.format(w=w, scope_note=toml_str(scope_note), rto=toml_str(rto), gaps=toml_list(gaps), storage=toml_str(storage))


def northwind_backup():
    st = "Microsoft 365 Backup, EU data boundary"
    return "# Northwind Traders Ltd: backup policy per workload.\n\n" + "\n".join([
        m365_workload("exchange", "All user and shared mailboxes", "8h", ["In-place archives are not covered"], st),
        m365_workload("onedrive", "All licensed users' OneDrive accounts", "8h", [], st),
        m365_workload("sharepoint", "All SharePoint sites, including Teams-connected sites", "12h", ["Site pages' version history beyond 2 weeks is kept weekly only"], st),
        '[teams]\nin_scope = false\nreason = "Teams chats are retained in Exchange mailboxes and channel files live in SharePoint; both are backed up"\n',
        '[retention]\n# contractual minimum for backups; records retention (7 years) is in Microsoft Purview\nlegal_minimum = "1y"\ncompliance_location = "Microsoft Purview retention policies"\nrelies_on_backup = false\n',
    ])


def fabrikam_backup():
    st = "Microsoft 365 Backup, EU data boundary"
    return "# Fabrikam Logistics GmbH: backup policy per workload.\n\n" + "\n".join([
        m365_workload("exchange", "All user and shared mailboxes", "8h", [], st),
        m365_workload("onedrive", "All licensed users' OneDrive accounts", "8h", [], st),
        m365_workload("sharepoint", "All SharePoint sites", "12h", [], st),
        """[teams]
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
""",
        '[retention]\n# HGB/AO: commercial and tax records 10 years; no separate compliance retention yet\nlegal_minimum = "10y"\nrelies_on_backup = true\n',
    ])


def tailspin_backup():
    out = ["# Tailspin Bakery: mailboxes and OneDrive are backed up by one Veeam Backup for\n"
           "# Microsoft 365 job (its REST exports are in each month's backup/veeam/), SharePoint\n"
           "# and Teams by Acme Cloud Backup (backup-jobs.csv).\n"]
    veeam = tailspin_veeam()
    for w, note, rto, gaps in [
        ("exchange", "All mailboxes, including the shared orders@ mailbox", "8h", []),
        ("onedrive", "All staff OneDrive accounts", "8h", []),
        ("sharepoint", "All SharePoint sites (4)", "12h", []),
        ("teams", "All teams (3): channel messages, chats and channel files", "24h", ["Meeting recordings are restored with the organiser's OneDrive"]),
    ]:
        out.append("""
[{w}]
in_scope = true
provider = {provider}
scope = "all"
scope_note = {note}
frequency = "8h"
retention = "7y"
encryption = "AES-256 at rest, TLS 1.2 in transit"
storage_location = {location}
rpo = "24h"
rto = {rto}
owner = "MSP Service Desk"
restore_test_cadence = "180d"
known_gaps = {gaps}
{jobs}""".format(w=w, note=toml_str(note), rto=toml_str(rto), gaps=toml_list(gaps),
                 provider=toml_str("Veeam Backup for Microsoft 365" if w in veeam["workloads"] else "Acme Cloud Backup"),
                 location=toml_str("Veeam Backup for Microsoft 365, MSP object storage (UK South)" if w in veeam["workloads"]
                                   else "Acme Cloud Backup, UK South"),
                 jobs="veeam_jobs = %s\n" % toml_list([veeam["job"]]) if w in veeam["workloads"] else ""))
    out.append('\n[retention]\n# UK: accounting records 6 years (Companies Act, HMRC)\nlegal_minimum = "6y"\ncompliance_location = "Exchange Online litigation hold (Exchange Online Archiving add-on)"\nrelies_on_backup = false\n')
    return "".join(out)


NOTES = {
    "northwind": """\
# Northwind Traders Ltd

*From your MSP account manager, November 2026.*

Northwind remains our reference tenant: identity, privileged access and backup have
been in good shape for six months running.

## This half-year

- Quarterly restore tests kept to plan: Exchange (June, September), OneDrive (July,
  October) and SharePoint (August, November), all well inside the agreed RTO.
- Both break-glass accounts were tested on the first days of every month.
- Alex's and Tom's PIM eligibilities were renewed for another year.
- The October snapshot caught Ben Carter's mailbox and OneDrive while Microsoft 365
  Backup was still adding them (*protect requested*); both were protected two days later.

## Open items

1. Greta Holm's seasonal Helpdesk role is waived until **31 March 2027** (CHG-2290);
   we will review it before the December season.
2. The Windows compliant-device pilot is still report-only; decision due in Q1.

Questions: see [the service catalogue](https://example.com/msp/service-catalogue).
""",
    "fabrikam": """\
# Fabrikam Logistics GmbH

*From your MSP account manager, November 2026.*

Fabrikam started the half-year with the weakest scorecard in our portfolio. The
remediation plan (FAB-1150) has closed most of it.

## Done

- MFA is enforced for everyone since August, with a separate admin policy and legacy
  authentication blocked since September.
- Entra ID P2 arrived in September; admin roles moved to PIM eligibility.
- The partner's guest Global Administrator, the legacy mail relay app and the unused
  EXO admin account are gone. Global Administrators went from five to three.
- Every mailbox, OneDrive and site is now in a Microsoft 365 Backup policy.

## Still open

- **Retention**: German law requires 10 years for commercial and tax records. Backups
  keep one year and are currently the only archive. A Purview retention project is
  proposed (see [the proposal](https://example.com/fabrikam/retention-proposal)).
- **RACI**: licensing has two accountable parties; please name one.
- The MFA waiver expired in May; one warehouse user is still not registered.
""",
    "tailspin": """\
# Tailspin Bakery

*From your MSP account manager, November 2026.*

A small tenant on Microsoft 365 Business Standard, protected by security defaults and
backed up three times a day by Acme Cloud Backup.

## Worth knowing

- Business Standard has no Entra ID P1: sign-in activity, MFA registration reports and
  PIM are **not available**, so those checks show *no evidence* rather than a result.
- October's Teams restore test was partial (meeting recordings live in OneDrive); it
  was repeated successfully in November.
- Upgrading to Business Premium would add Conditional Access and the missing reports;
  see [the comparison](https://example.com/tailspin/business-premium).
""",
}


def client_files(w, c):
    base = "clients/%s/" % c.cid
    if c.cid == "northwind":
        w.put(base + "client.toml", NORTHWIND_CLIENT.format(tenant=c.tenant))
        w.put(base + "logo.svg", NORTHWIND_LOGO)
        parties = {"client_it": "Client IT Manager", "client_finance": "Client Finance Director",
                   "client_lead": "Client Managing Director", "client_security": "Client Security Officer"}
        w.put(base + "raci.toml", raci(parties, ["Client Finance Director"]))
        approved = approved_toml([
            ("bg-01@northwind.onmicrosoft.com", GA, "active", "Break-glass accounts: standing by design"),
            ("bg-02@northwind.onmicrosoft.com", GA, "active", None),
            ("alex.morgan@northwind.example", GA, "eligible", "Everyone else through PIM"),
            ("priya.natarajan@northwind.example", "Exchange Administrator", "eligible", None),
            ("tom.becker@northwind.example", "SharePoint Administrator", "eligible", None),
            ("sam.okafor@northwind.example", "Helpdesk Administrator", "eligible", None),
            ("greta.holm@northwind.example", "Helpdesk Administrator", "eligible", "Seasonal (December-February), see the waiver below"),
        ])
        w.put(base + "controls.toml", NORTHWIND_CONTROLS.format(approved=approved))
        w.put(base + "backup.toml", northwind_backup())
    elif c.cid == "fabrikam":
        w.put(base + "client.toml", FABRIKAM_CLIENT.format(tenant=c.tenant))
        parties = {"client_it": "Client IT Lead", "client_finance": "Client Finance Director",
                   "client_lead": "Client Managing Director", "client_security": "Client Data Protection Officer"}
        # two accountable parties for licensing: a governance finding on purpose
        w.put(base + "raci.toml", raci(parties, ["Client Finance Director", "Client Managing Director"]))
        approved = approved_toml([
            ("bg-01@fabrikamlogistics.onmicrosoft.com", GA, "active", "Break-glass accounts"),
            ("bg-02@fabrikamlogistics.onmicrosoft.com", GA, "active", None),
            ("katrin.vogel@fabrikam.example", GA, "eligible", "Administrators through PIM (Entra ID P2 from September 2026)"),
            ("stefan.braun@fabrikam.example", "User Administrator", "eligible", None),
            ("anna.schmidt@fabrikam.example", "Helpdesk Administrator", "eligible", None),
            ("lukas.meyer@fabrikam.example", "Exchange Administrator", "eligible", None),
            ("lukas.meyer@fabrikam.example", "SharePoint Administrator", "eligible", None),
        ])
        w.put(base + "controls.toml", FABRIKAM_CONTROLS.format(approved=approved))
        w.put(base + "backup.toml", fabrikam_backup())
    else:
        w.put(base + "client.toml", TAILSPIN_CLIENT.format(tenant=c.tenant))
        parties = {"client_it": "Client Owner", "client_finance": "Client Owner",
                   "client_lead": "Client Owner", "client_security": "Client Owner"}
        w.put(base + "raci.toml", raci(parties, ["Client Owner"]))
        approved = approved_toml([
            ("olivia.brooks@tailspinbakery.example", GA, "active", "No PIM without Entra ID P2: both Global Administrators are standing"),
            ("bg-01@tailspinbakery.onmicrosoft.com", GA, "active", None),
        ])
        w.put(base + "controls.toml", TAILSPIN_CONTROLS.format(approved=approved))
        w.put(base + "backup.toml", tailspin_backup())
    w.put(base + "notes.md", NOTES[c.cid])


# ---------------------------------------------------------------------------------------
# consistency checks (the generator refuses to write inconsistent data)
# ---------------------------------------------------------------------------------------

def check_month(c, month, docs):
    t = collected_at(month)
    assert month_start(month) <= t < month_end(month)
    users = {u["id"]: u for u in docs["graph/users.json"]["value"]}
    regs = docs.get("graph/userRegistrationDetails.json")
    if regs:
        assert {r["id"] for r in regs["value"]} == set(users), (c.cid, month, "registration ids")
    for a in docs["graph/roleAssignments.json"]["value"]:
        if a["principal"]["@odata.type"] == "#microsoft.graph.user":
            assert a["principalId"] in users, (c.cid, month, a["principal"]["userPrincipalName"])
            if regs:
                r = next(r for r in regs["value"] if r["id"] == a["principalId"])
                if ROLE_NAME[a["roleDefinitionId"]] in ADMIN_POLICY_ROLES:
                    assert r["isAdmin"], (c.cid, month, r["userPrincipalName"])
    elig = docs.get("graph/roleEligibilitySchedules.json")
    if elig:
        for e in elig["value"]:
            assert e["principalId"] in users, (c.cid, month, "eligible principal")
    for f in ("graph/mailboxProtectionUnits.json", "graph/driveProtectionUnits.json"):
        if docs.get(f):
            for u in docs[f]["value"]:
                assert u["directoryObjectId"] in users, (c.cid, month, f)
    i = MONTHS.index(month)
    since = collected_at(MONTHS[i - 1]) if i > 0 else month_start(month)
    for row in backup_jobs(c, month):
        assert since <= dt(row["started_at"][:-1]) and dt(row["finished_at"][:-1]) <= t
    for x in c.tests:
        if x["date"][:7] == month:
            assert dt(x["date"]) <= t, (c.cid, x)
    for e in docs["graph/directoryAudits.json"]["value"]:
        assert dt(e["activityDateTime"][:19]) <= t


# ---------------------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------------------

def build():
    w = Writer()
    for c in (northwind(), fabrikam(), tailspin()):
        for x in c.tests:
            x.setdefault("minutes", minutes_of(x["duration"]))
        client_files(w, c)
        for month in MONTHS:
            docs = write_month(w, c, month)
            check_month(c, month, docs)
    return w


def main(argv):
    w = build()
    check_only = "--check" in argv
    if check_only:
        stale = [rel for rel, data in w.files.items() if not (ROOT / rel).is_file() or (ROOT / rel).read_bytes() != data]
        on_disk = {str(p.relative_to(ROOT)) for d in ("clients", "evidence") for p in (ROOT / d).rglob("*") if p.is_file()}
        extra = sorted(on_disk - set(w.files))
        for rel in stale + extra:
            print("out of date: " + rel, file=sys.stderr)
        return 1 if stale or extra else 0
    for d in ("clients", "evidence"):
        shutil.rmtree(ROOT / d, ignore_errors=True)
    for rel, data in sorted(w.files.items()):
        path = ROOT / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    total = sum(len(d) for rel, d in w.files.items() if rel.startswith("evidence/"))
    print("wrote %d files (%d bytes of evidence) under %s" % (len(w.files), total, ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

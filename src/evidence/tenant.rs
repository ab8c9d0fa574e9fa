//! Whose tenant is a snapshot? Every tenant id the month states about itself, with the
//! file and JSON pointer that states it: the manifest's, and any Graph response's. The
//! Graph files are walked as a stream (never held whole) and every shape custody stores
//! is read for the places Graph writes the tenant: `tenantId` / `azureTenantId` keys
//! (Secure Score), `accountId` and `<tenant>_<skuId>` ids (subscribedSkus),
//! `<tenant>_<date>` ids (Secure Score), `DirectoryRole_<tenant>_…` ids (PIM policies),
//! `{"key": "TenantId", "value": …}` pairs (audit details) and `@odata` URLs that carry a
//! tenant segment (`…/v2/<tenant>/directoryObjects/…`, `…/<tenant>/$metadata`).
//!
//! Ids that legitimately name *other* tenants are not claims: a guest's or a partner's
//! `homeTenantId`, an app's `appOwnerOrganizationId`, Conditional Access
//! `externalTenants`. Veeam exports are not read: one Veeam server protects many tenants.

use super::{GZIP_SUFFIX, MANIFEST, Snapshot, Stored, TenantClaim};
use rayon::prelude::*;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;
use std::path::Path;

/// Every tenant id the snapshot states: the manifest's first, then the Graph files' in
/// file order. With `vouched_only`, only files the manifest lists are read (see
/// [`super::listing`]); without, every file (for `seal`, before there is a manifest).
pub(super) fn claims(abs: &Path, snap: &Snapshot, vouched_only: bool) -> Vec<TenantClaim> {
    let mut out = Vec::new();
    if let Ok(m) = snap.manifest.get() {
        let file = snap.path(MANIFEST);
        let stated = [
            (m.tenant_id.as_deref(), "/tenant_id"),
            (
                m.provenance.as_ref().and_then(|p| p.tenant_id.as_deref()),
                "/provenance/tenant_id",
            ),
        ];
        for (t, pointer) in stated {
            if let Some(t) = t.filter(|t| !t.trim().is_empty()) {
                out.push(TenantClaim {
                    tenant_id: t.to_owned(),
                    file: file.clone(),
                    pointer: pointer.to_owned(),
                });
            }
        }
    }
    let unlisted = if vouched_only {
        super::listing::unlisted(snap)
    } else {
        Default::default()
    };
    let graph: Vec<&str> = snap
        .files
        .iter()
        .map(|(f, _)| f.as_str())
        .filter(|f| f.starts_with("graph/"))
        .filter(|f| f.ends_with(".json") || f.ends_with(&format!(".json{GZIP_SUFFIX}")))
        .filter(|f| !unlisted.contains(*f))
        .collect();
    let found: Vec<Vec<TenantClaim>> = graph
        .par_iter()
        .map(|f| {
            scan_file(abs, f)
                .into_iter()
                .map(|(tenant_id, pointer)| TenantClaim {
                    tenant_id,
                    file: snap.path(f),
                    pointer,
                })
                .collect()
        })
        .collect();
    out.extend(found.into_iter().flatten());
    out
}

/// The tenant ids one stored file states, with their JSON pointers. A file that cannot be
/// read or parsed yields what was found before the problem (the loader reports it).
fn scan_file(abs: &Path, rel: &str) -> Vec<(String, String)> {
    use std::io::BufRead;
    let stored = Stored {
        name: rel.to_owned(),
        path: abs.join(rel),
        gzip: rel.ends_with(GZIP_SUFFIX),
    };
    let Ok(reader) = stored.open() else {
        return Vec::new();
    };
    let mut reader = std::io::BufReader::with_capacity(128 * 1024, reader);
    // A UTF-8 byte-order mark (PowerShell's Out-File) is skipped, as the loader does.
    if reader
        .fill_buf()
        .is_ok_and(|h| h.starts_with(&[0xEF, 0xBB, 0xBF]))
    {
        reader.consume(3);
    }
    let name = rel.strip_suffix(GZIP_SUFFIX).unwrap_or(rel);
    let kind = match name {
        "graph/subscribedSkus.json" => Kind::Skus,
        "graph/secureScores.json" => Kind::Scores,
        _ => Kind::Other,
    };
    scan_reader(kind, reader)
}

/// Which shape a file has, for the claims only some shapes make.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `subscribedSkus`: `accountId` and `id` = `<tenant>_<skuId>`.
    Skus,
    /// `secureScores`: `id` = `<tenant>_<date>`.
    Scores,
    Other,
}

fn scan_reader(kind: Kind, reader: impl std::io::Read) -> Vec<(String, String)> {
    let mut scan = Scan {
        kind,
        path: String::new(),
        out: Vec::new(),
    };
    let mut de = serde_json::Deserializer::from_reader(reader);
    let _ = Node {
        scan: &mut scan,
        role: Role::Plain,
        depth: 0,
    }
    .deserialize(&mut de);
    scan.out
}

struct Scan {
    kind: Kind,
    /// The JSON pointer of the value being read.
    path: String,
    out: Vec<(String, String)>,
}

impl Scan {
    fn claim(&mut self, tenant: &str) {
        self.out.push((tenant.to_owned(), pointer(&self.path)));
    }
}

fn pointer(path: &str) -> String {
    if path.is_empty() {
        "/".to_owned()
    } else {
        path.to_owned()
    }
}

/// What the key a value sits under says about it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Plain,
    /// `tenantId`, `azureTenantId`: the value is a tenant id.
    Tenant,
    /// `accountId` of a subscribed SKU: the tenant.
    Account,
    /// `id` of a top-level item whose shape prefixes ids with the tenant.
    PrefixedId,
    /// An `@odata` URL (`@odata.context`, `@odata.id`, `x@odata.context`…).
    OdataUrl,
    /// `key` or `value` of a key/value pair (audit `additionalDetails`): kept to pair.
    Pair,
}

struct Node<'s> {
    scan: &'s mut Scan,
    role: Role,
    /// Nesting depth: `/value/N/id` is at depth 3 (root, value, item).
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    /// A string value, when its key asked for it to be kept ([`Role::Pair`]).
    type Value = Option<String>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        let scan = self.scan;
        match self.role {
            Role::Tenant | Role::Account if !v.trim().is_empty() => scan.claim(v.trim()),
            Role::PrefixedId => {
                if let Some((t, _)) = v.split_once('_').filter(|(t, _)| is_guid(t)) {
                    scan.claim(t);
                }
            }
            Role::OdataUrl => {
                if let Some(t) = url_tenant(v) {
                    scan.claim(t);
                }
            }
            _ => {}
        }
        // PIM policies and their assignments: `DirectoryRole_<tenant>_<policy>[_<role>]`,
        // under whatever key carries them (`id`, `policyId`).
        if let Some(t) = v
            .strip_prefix("DirectoryRole_")
            .map(|rest| rest.split('_').next().unwrap_or(rest))
            .filter(|t| is_guid(t))
        {
            scan.claim(t);
        }
        Ok((self.role == Role::Pair).then(|| v.to_owned()))
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
        self.visit_str(&v)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let scan = self.scan;
        let mut i = 0usize;
        loop {
            let len = scan.path.len();
            scan.path.push('/');
            scan.path.push_str(&i.to_string());
            let next = seq.next_element_seed(Node {
                scan: &mut *scan,
                role: Role::Plain,
                depth: self.depth + 1,
            });
            scan.path.truncate(len);
            if next?.is_none() {
                break;
            }
            i += 1;
        }
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let scan = self.scan;
        let (mut pair_key, mut pair_value) = (None::<String>, None::<String>);
        let mut value_at = String::new();
        while let Some(key) = map.next_key::<String>()? {
            let role = role_of(scan.kind, &key, self.depth);
            let len = scan.path.len();
            scan.path.push('/');
            scan.path
                .push_str(&key.replace('~', "~0").replace('/', "~1"));
            let got = map.next_value_seed(Node {
                scan: &mut *scan,
                role,
                depth: self.depth + 1,
            });
            if key == "value" {
                value_at = scan.path.clone();
            }
            scan.path.truncate(len);
            let got = got?;
            match key.as_str() {
                "key" => pair_key = got,
                "value" => pair_value = got,
                _ => {}
            }
        }
        // `{"key": "TenantId", "value": "<tenant>"}` (an audit event's additionalDetails).
        if let (Some(k), Some(v)) = (pair_key, pair_value)
            && k.trim().eq_ignore_ascii_case("tenantid")
            && !v.trim().is_empty()
        {
            scan.out.push((v.trim().to_owned(), value_at));
        }
        Ok(None)
    }
}

fn role_of(kind: Kind, key: &str, depth: usize) -> Role {
    if key.eq_ignore_ascii_case("tenantId") || key.eq_ignore_ascii_case("azureTenantId") {
        Role::Tenant
    } else if key.starts_with("@odata.") || key.contains("@odata.") {
        Role::OdataUrl
    } else if kind == Kind::Skus && key.eq_ignore_ascii_case("accountId") {
        Role::Account
    } else if key == "id" && depth == 2 && kind != Kind::Other {
        // `/value/N/id`: the collection's items (root 0, value 1, item 2).
        Role::PrefixedId
    } else if key == "key" || key == "value" {
        Role::Pair
    } else {
        Role::Plain
    }
}

/// The tenant an `@odata` URL is scoped to, when it names one: a GUID path segment at
/// the root (`https://graph.windows.net/<tenant>/…`), after `v2`
/// (`https://graph.microsoft.com/v2/<tenant>/directoryObjects/…`) or before `$metadata`.
/// Graph's own `https://graph.microsoft.com/v1.0/$metadata#…` names none.
fn url_tenant(url: &str) -> Option<&str> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.split(['#', '?']).next().unwrap_or(rest);
    // With a scheme the first segment is the host; relative URLs start with `/`.
    let path = if url.contains("://") {
        rest.split_once('/').map_or("", |(_, p)| p)
    } else {
        rest.trim_start_matches('/')
    };
    let segs: Vec<&str> = path.split('/').collect();
    segs.iter().enumerate().find_map(|(i, s)| {
        let scoped = i == 0
            || segs[i - 1].eq_ignore_ascii_case("v2")
            || segs.get(i + 1).is_some_and(|n| n.starts_with("$metadata"));
        (scoped && is_guid(s)).then_some(*s)
    })
}

/// `8-4-4-4-12` hexadecimal digits.
pub(crate) fn is_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "e34d5a57-44bd-537f-ba24-400641784783";

    fn scan(kind: Kind, json: &str) -> Vec<(String, String)> {
        scan_reader(kind, json.as_bytes())
    }

    #[test]
    fn subscribed_skus_state_the_tenant_in_account_id_and_id() {
        let json = format!(
            r#"{{"value":[{{"accountId":"{T}","id":"{T}_05e9a617-0261-4cee-bb44-138d3ef5d965","skuId":"05e9a617-0261-4cee-bb44-138d3ef5d965","skuPartNumber":"SPE_E3"}}]}}"#
        );
        assert_eq!(
            scan(Kind::Skus, &json),
            [
                (T.to_owned(), "/value/0/accountId".to_owned()),
                (T.to_owned(), "/value/0/id".to_owned())
            ]
        );
    }

    #[test]
    fn pim_policy_ids_state_the_tenant_wherever_they_are() {
        let json = format!(
            r#"{{"value":[{{"id":"DirectoryRole_{T}_f4e9145b-e15e-5e11-aede-ef59d823ef34_62e90394-69f5-4237-9190-012177145e10","policyId":"DirectoryRole_{T}_f4e9145b-e15e-5e11-aede-ef59d823ef34","policy":{{"id":"DirectoryRole_{T}_f4e9145b-e15e-5e11-aede-ef59d823ef34","rules":[{{"id":"Expiration_Admin_Eligibility"}}]}}}}]}}"#
        );
        let got: Vec<String> = scan(Kind::Other, &json)
            .into_iter()
            .map(|(t, p)| format!("{t} {p}"))
            .collect();
        assert_eq!(
            got,
            [
                format!("{T} /value/0/id"),
                format!("{T} /value/0/policyId"),
                format!("{T} /value/0/policy/id")
            ]
        );
    }

    #[test]
    fn tenant_keys_odata_urls_and_detail_pairs_are_claims_in_any_file() {
        let json = format!(
            r#"{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#auditLogs/directoryAudits","value":[
                {{"id":"Directory_1","targetResources":[{{"id":"x","tenantId":"{T}"}}],
                  "additionalDetails":[{{"key":"TenantId","value":"{T}"}},{{"key":"User-Agent","value":"x"}}],
                  "initiatedBy":{{"user":{{"homeTenantId":"99999999-8888-7777-6666-555555555555"}}}}}},
                {{"principal":{{"@odata.id":"https://graph.microsoft.com/v2/{T}/directoryObjects/28a23028-b0c1-5b55-a584-e226e6fa7566/Microsoft.DirectoryServices.User"}}}},
                {{"members@odata.context":"https://graph.windows.net/{T}/$metadata#directoryObjects"}}
            ]}}"#
        );
        let got: Vec<String> = scan(Kind::Other, &json)
            .into_iter()
            .map(|(t, p)| format!("{t} {p}"))
            .collect();
        assert_eq!(
            got,
            [
                format!("{T} /value/0/targetResources/0/tenantId"),
                format!("{T} /value/0/additionalDetails/0/value"),
                format!("{T} /value/1/principal/@odata.id"),
                format!("{T} /value/2/members@odata.context"),
            ]
        );
    }

    #[test]
    fn ids_of_other_tenants_that_are_not_claims_are_ignored() {
        // A guest's home tenant, an external tenant excluded from a CA policy, a user id
        // inside an @odata.context fragment, an app's owner tenant: none is the tenant
        // the snapshot belongs to.
        let json = format!(
            r#"{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users('{T}')/memberOf","value":[
                {{"initiatedBy":{{"user":{{"homeTenantId":"{T}"}}}},"appOwnerOrganizationId":"{T}",
                  "conditions":{{"users":{{"excludeGuestsOrExternalUsers":{{"externalTenants":{{"members":["{T}"]}}}}}}}},
                  "id":"{T}_x","accountId":"{T}"}}
            ]}}"#
        );
        assert!(scan(Kind::Other, &json).is_empty());
    }

    #[test]
    fn secure_score_ids_and_azure_tenant_ids_are_claims() {
        let json = format!(
            r#"{{"@odata.nextLink":"https://graph.microsoft.com/v1.0/security/secureScores?$top=1&$skip=1","value":[{{"id":"{T}_2026-11-22","azureTenantId":"{T}","createdDateTime":"2026-11-22T00:00:00Z"}}]}}"#
        );
        assert_eq!(
            scan(Kind::Scores, &json),
            [
                (T.to_owned(), "/value/0/id".to_owned()),
                (T.to_owned(), "/value/0/azureTenantId".to_owned())
            ]
        );
    }

    #[test]
    fn a_truncated_file_yields_what_came_before_the_break() {
        let json = format!(r#"{{"value":[{{"azureTenantId":"{T}"}},{{"id":"#);
        assert_eq!(scan(Kind::Scores, &json).len(), 1);
    }

    #[test]
    fn url_tenants() {
        assert_eq!(
            url_tenant("https://graph.microsoft.com/v1.0/$metadata#users"),
            None
        );
        assert_eq!(
            url_tenant("/solutions/backupRestore/$metadata#restoreSessions"),
            None
        );
        assert_eq!(
            url_tenant(&format!("https://graph.microsoft.com/v1.0/users/{T}")),
            None
        );
        assert_eq!(
            url_tenant(&format!("https://graph.windows.net/{T}/users")),
            Some(T)
        );
        assert_eq!(
            url_tenant(&format!("https://graph.microsoft.com/{T}/$metadata#x")),
            Some(T)
        );
    }
}

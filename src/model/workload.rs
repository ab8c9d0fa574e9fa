//! The Microsoft 365 workloads whose backup the MSP answers for.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The four Microsoft 365 workloads whose backup the MSP answers for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Workload {
    Exchange,
    OneDrive,
    SharePoint,
    Teams,
}

impl Workload {
    pub const ALL: [Workload; 4] = [
        Workload::Exchange,
        Workload::OneDrive,
        Workload::SharePoint,
        Workload::Teams,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Workload::Exchange => "exchange",
            Workload::OneDrive => "onedrive",
            Workload::SharePoint => "sharepoint",
            Workload::Teams => "teams",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Workload::Exchange => "Exchange Online",
            Workload::OneDrive => "OneDrive",
            Workload::SharePoint => "SharePoint",
            Workload::Teams => "Teams",
        }
    }

    /// A workload by name, in any letter case ("SharePoint", "EXCHANGE"): products and
    /// people write the names as they like, and the four ids differ in more than case.
    pub fn parse(s: &str) -> Option<Workload> {
        let s = s.trim();
        Workload::ALL
            .into_iter()
            .find(|w| w.id().eq_ignore_ascii_case(s))
    }
}

//! The diagnosis ids of `CONTRACT.md` §5 as one enum: a typo in an id does not compile,
//! and a `match` over it (the catalogue's remedies) must name every id. On the wire
//! (reports, the contract, the knowledge base's documentation) each is its stable
//! kebab-case string.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! diagnosis_ids {
    ($($variant:ident => $wire:literal,)+) => {
        /// One diagnosis of the catalogue (`crate::catalogue::DIAGNOSES`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum DiagnosisId {
            $($variant,)+
        }

        impl DiagnosisId {
            /// Every id, in the contract's order.
            pub const ALL: &'static [DiagnosisId] = &[$(DiagnosisId::$variant,)+];

            /// The stable string of the contract and the JSON report.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(DiagnosisId::$variant => $wire,)+
                }
            }

            /// The id named by its stable string, if there is one.
            pub fn parse(wire: &str) -> Option<DiagnosisId> {
                match wire {
                    $($wire => Some(DiagnosisId::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

diagnosis_ids! {
    ClientBinariesNotFound => "client-binaries-not-found",
    ArcproxyVersionMismatch => "arcproxy-version-mismatch",
    ArcproxyNotInstalled => "arcproxy-not-installed",
    ProxyPermissionDenied => "proxy-permission-denied",
    PostPreviewReconfiguration => "post-preview-reconfiguration",
    SshTrafficNotAllowed => "ssh-traffic-not-allowed",
    EndpointCreationForbidden => "endpoint-creation-forbidden",
    ConnectPermissionMissing => "connect-permission-missing",
    ProviderNotRegistered => "provider-not-registered",
    NotSignedIn => "not-signed-in",
    MachineNotFound => "machine-not-found",
    MachineDisconnected => "machine-disconnected",
    AgentOutdated => "agent-outdated",
    EntraLoginExtensionMissing => "entra-login-extension-missing",
    ServiceConfigPropagating => "service-config-propagating",
    RelayListenerUnavailable => "relay-listener-unavailable",
    RelayUnreachable => "relay-unreachable",
    ProxyArchitectureUnsupported => "proxy-architecture-unsupported",
    OpensshVersionIncompatible => "openssh-version-incompatible",
    PrivateKeyPermissions => "private-key-permissions",
    LocalUserRequired => "local-user-required",
    ProxyFileCorrupt => "proxy-file-corrupt",
    SshExtensionMissing => "ssh-extension-missing",
    AzsshModuleMissing => "azssh-module-missing",
    EntraCertificateUnavailable => "entra-certificate-unavailable",
    SshExtensionBroken => "ssh-extension-broken",
    EntraCertTooOpenWam => "entra-cert-too-open-wam",
    ResourceNameAmbiguous => "resource-name-ambiguous",
    ProxyDownloadBlocked => "proxy-download-blocked",
    SshAuthRefused => "ssh-auth-refused",
    SshConnectionClosed => "ssh-connection-closed",
}

impl fmt::Display for DiagnosisId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<DiagnosisId> for String {
    fn from(id: DiagnosisId) -> String {
        id.as_str().to_string()
    }
}

impl PartialEq<str> for DiagnosisId {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for DiagnosisId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Serialize for DiagnosisId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for DiagnosisId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<DiagnosisId, D::Error> {
        let wire = String::deserialize(deserializer)?;
        DiagnosisId::parse(&wire)
            .ok_or_else(|| serde::de::Error::custom(format_args!("unknown diagnosis id '{wire}'")))
    }
}

#[cfg(test)]
mod tests {
    use super::DiagnosisId;

    #[test]
    fn every_id_reads_back_from_its_string_and_the_strings_are_distinct() {
        let mut seen = std::collections::BTreeSet::new();
        for id in DiagnosisId::ALL {
            assert_eq!(DiagnosisId::parse(id.as_str()), Some(*id));
            assert!(seen.insert(id.as_str()), "{id} twice");
            let json = serde_json::to_string(id).unwrap();
            assert_eq!(json, format!("\"{id}\""));
            assert_eq!(serde_json::from_str::<DiagnosisId>(&json).unwrap(), *id);
        }
        assert_eq!(DiagnosisId::parse("ssh-trafic-not-allowed"), None);
        assert!(serde_json::from_str::<DiagnosisId>("\"nope\"").is_err());
    }
}

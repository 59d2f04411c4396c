//! Knowledge-base entries for what the Azure CLI core prints around SSH when a command
//! crashes or its Python packages disagree. Found measuring the independent holdout of
//! issue 13 (see `rust/core/tests/explain_corpus/`). Az.Accounts' "access token expiry
//! ... is earlier than current" would need a 64th anchor, which costs the explain scan
//! a third of its throughput (bench/explain-issue13.md), so it is not matched yet.
//!
//! The crash wordings are generic: az prints them for any command. They count only
//! beside the ssh extension (its command, its files) and never over a more specific
//! cause found in the same text: a traceback that ends in a sign-in error is a sign-in
//! problem, not a broken extension.

use super::kb::{Entry, Unless, base};
use crate::model::DiagnosisId;

/// A crash is the ssh extension's when its command or its files are near it (as
/// skeletons, so `az_ssh_config` and `az ssh config` both count).
const AZ_SSH: &[&str] = &["az ssh", "azext_ssh", "cliextensions/ssh"];

/// A Python call refused by another package of az itself (core, MSAL, requests): the
/// traceback runs through az's command runner.
const AZ_TRACEBACK: &[&str] = &["knack", "azure/cli", "azext_ssh", "cliextensions/ssh"];

/// What a crash only carries: the cause it names wins.
const MORE_SPECIFIC: &[Unless] = &[
    Unless::Cause(DiagnosisId::NotSignedIn),
    Unless::Cause(DiagnosisId::ClientBinariesNotFound),
    Unless::Cause(DiagnosisId::ProxyDownloadBlocked),
    Unless::Cause(DiagnosisId::EntraCertificateUnavailable),
    Unless::Cause(DiagnosisId::ConnectPermissionMissing),
    Unless::Cause(DiagnosisId::MachineNotFound),
    Unless::Cause(DiagnosisId::SshExtensionMissing),
];

pub(super) const FROM_CLIENT_MACHINERY: &[Entry] = &[
    // ---- ssh-extension-broken ---------------------------------------------------------
    // Azure CLI core (azure/cli/core/util.py) for an unhandled exception, as in
    // Azure/azure-cli-extensions#4119, #6195, #4061.
    Entry {
        id: "az-unexpected-error",
        confidence: 0.6,
        anchors: &["unexpected"],
        template: r"The command failed with an unexpected error",
        context: AZ_SSH,
        unless: MORE_SPECIFIC,
        ..base(DiagnosisId::SshExtensionBroken)
    },
    // One package of az calling another with arguments it does not know: an extension,
    // the CLI core or MSAL of mismatched versions (Azure/azure-cli-extensions#3975).
    Entry {
        id: "az-python-api-mismatch",
        confidence: 0.65,
        anchors: &["unexpected"],
        template: r"got an unexpected keyword argument",
        context: AZ_TRACEBACK,
        unless: MORE_SPECIFIC,
        ..base(DiagnosisId::SshExtensionBroken)
    },
];

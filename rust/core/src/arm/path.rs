//! ARM request paths built from validated, percent-encoded segments.
//!
//! An [`ArmPath`] is assembled only from trusted literals ([`ArmPath::lit`]) and single
//! user-supplied segments ([`ArmPath::seg`]) that are percent-encoded, so no user value
//! can add a path segment, a query or a fragment, or climb with `..`.

use std::fmt;

/// The Arc resource types `az ssh arc` can reach, canonically cased
/// (research 1.3: `SSHSession.is_arc()`).
pub const ARC_RESOURCE_TYPES: &[&str] = &[
    "Microsoft.HybridCompute/machines",
    "Microsoft.ConnectedVMwarevSphere/virtualMachines",
    "Microsoft.ScVmm/virtualMachines",
    "Microsoft.AzureStackHCI/virtualMachines",
];

/// Longest machine name accepted before asking ARM (see [`validate_machine_name`]).
pub const MAX_NAME_CHARS: usize = 260;
/// Longest resource group name Azure accepts.
pub const MAX_RESOURCE_GROUP_CHARS: usize = 90;

/// Why a value cannot be part of an ARM path. The Display names the offending value
/// (user input, never a secret), escaped with `{:?}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("an empty value cannot be part of an Azure resource path")]
    Empty,
    #[error("{0:?} cannot be part of an Azure resource path")]
    DotSegment(String),
    #[error("{0:?} contains a control character")]
    ControlChar(String),
    #[error("subscription {0:?} is not valid: expected a subscription id (GUID) or name")]
    InvalidSubscription(String),
    #[error(
        "resource group {0:?} is not valid: 1-90 letters, digits, '_', '-', '.', '(' or ')', not ending with '.'"
    )]
    InvalidResourceGroup(String),
    #[error("machine name {0:?} is not valid: 1-260 characters without control characters")]
    InvalidName(String),
    #[error(
        "resource id {0:?} is not valid: expected /subscriptions/<subscription>/resourceGroups/<group>/providers/<namespace>/<type>/<name>"
    )]
    InvalidResourceId(String),
    #[error("resource type {0:?} is not an Arc-enabled server type (expected one of: {types})", types = ARC_RESOURCE_TYPES.join(", "))]
    UnknownResourceType(String),
}

impl PathError {
    /// A stable identifier per variant.
    pub fn code(&self) -> &'static str {
        match self {
            PathError::Empty => "path-empty",
            PathError::DotSegment(_) => "path-dot-segment",
            PathError::ControlChar(_) => "path-control-char",
            PathError::InvalidSubscription(_) => "invalid-subscription",
            PathError::InvalidResourceGroup(_) => "invalid-resource-group",
            PathError::InvalidName(_) => "invalid-machine-name",
            PathError::UnknownResourceType(_) => "unknown-resource-type",
            PathError::InvalidResourceId(_) => "invalid-resource-id",
        }
    }
}

/// An absolute ARM path: starts with `/`, and never contains `?`, `#`, `//`, or a `.`
/// or `..` segment.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ArmPath(String);

impl ArmPath {
    /// `/`.
    pub fn root() -> ArmPath {
        ArmPath("/".to_string())
    }

    /// Appends one user-supplied segment, percent-encoding every byte outside RFC 3986
    /// "unreserved" (`A-Z a-z 0-9 - . _ ~`), so `/`, `?`, `#`, `%` and spaces cannot
    /// change the path's shape. Rejects empty values, `.`, `..` and control characters.
    pub fn seg(self, s: &str) -> Result<ArmPath, PathError> {
        if s.is_empty() {
            return Err(PathError::Empty);
        }
        if s == "." || s == ".." {
            return Err(PathError::DotSegment(s.to_string()));
        }
        if s.chars().any(char::is_control) {
            return Err(PathError::ControlChar(s.to_string()));
        }
        Ok(self.push(&encode_segment(s)))
    }

    /// Appends trusted literal segments such as `providers` or
    /// `Microsoft.HybridCompute/machines` (may contain `/`). Only for compile-time
    /// constants of this crate; they are checked in debug builds and tests.
    pub fn lit(self, s: &'static str) -> ArmPath {
        debug_assert!(is_valid_literal(s), "invalid ARM path literal {s:?}");
        self.push(s)
    }

    /// The path, e.g. `/subscriptions/s1/resourceGroups/rg1`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn push(mut self, s: &str) -> ArmPath {
        if !self.0.ends_with('/') {
            self.0.push('/');
        }
        self.0.push_str(s);
        self
    }
}

impl fmt::Display for ArmPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ArmPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ArmPath({:?})", self.0)
    }
}

/// True when a literal is made of non-empty, non-dot segments of unreserved characters.
pub(crate) fn is_valid_literal(s: &str) -> bool {
    !s.is_empty()
        && s.split('/').all(|seg| {
            !seg.is_empty() && seg != "." && seg != ".." && seg.bytes().all(is_unreserved)
        })
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Percent-encodes every byte of `s` (as UTF-8) outside RFC 3986 unreserved.
pub fn encode_segment(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if is_unreserved(b) {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
    out
}

/// The canonical spelling of a supported Arc resource type, matched case-insensitively;
/// also maps the legacy namespace-only values (`microsoft.hybridcompute`, ...) that
/// `az ssh` accepts.
pub fn canonical_resource_type(resource_type: &str) -> Option<&'static str> {
    let wanted = resource_type.trim();
    ARC_RESOURCE_TYPES.iter().copied().find(|t| {
        t.eq_ignore_ascii_case(wanted)
            || t.split('/')
                .next()
                .is_some_and(|ns| ns.eq_ignore_ascii_case(wanted))
    })
}

/// True for the 8-4-4-4-12 hexadecimal GUID form of subscription ids.
pub fn is_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A subscription id (GUID) or, since users pass names, any non-empty value without
/// control characters (hosts resolve names to ids before building paths).
pub fn validate_subscription(s: &str) -> Result<(), PathError> {
    if s.trim().is_empty() || s.chars().any(char::is_control) || s.chars().count() > 260 {
        return Err(PathError::InvalidSubscription(s.to_string()));
    }
    Ok(())
}

/// Azure's resource group rule: 1-90 characters, letters or digits (Unicode, like
/// .NET's `Char.IsLetterOrDigit`), `_`, `-`, `.`, `(`, `)`; not ending with `.`.
pub fn validate_resource_group(s: &str) -> Result<(), PathError> {
    let len = s.chars().count();
    let chars_ok = s
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '(' | ')'));
    if len == 0 || len > MAX_RESOURCE_GROUP_CHARS || !chars_ok || s.ends_with('.') {
        return Err(PathError::InvalidResourceGroup(s.to_string()));
    }
    Ok(())
}

/// Machine names: the Arc types differ (HybridCompute names come from host names,
/// VMware/SCVMM/HCI names from their own rules), so only what no Azure resource name
/// can be is refused here: empty, longer than [`MAX_NAME_CHARS`], control characters,
/// `.` or `..`. ARM judges the rest; the value is always percent-encoded.
pub fn validate_machine_name(s: &str) -> Result<(), PathError> {
    let len = s.chars().count();
    if len == 0 || len > MAX_NAME_CHARS || s.chars().any(char::is_control) || s == "." || s == ".."
    {
        return Err(PathError::InvalidName(s.to_string()));
    }
    Ok(())
}

/// `/subscriptions/{sub}/resourceGroups/{rg}/providers/{type}/{name}` for a supported
/// Arc resource type (see [`canonical_resource_type`]), every value validated and
/// encoded as one segment.
pub fn machine_path(
    subscription: &str,
    resource_group: &str,
    resource_type: &str,
    name: &str,
) -> Result<ArmPath, PathError> {
    validate_subscription(subscription)?;
    validate_resource_group(resource_group)?;
    validate_machine_name(name)?;
    let ty = canonical_resource_type(resource_type)
        .ok_or_else(|| PathError::UnknownResourceType(resource_type.to_string()))?;
    ArmPath::root()
        .lit("subscriptions")
        .seg(subscription)?
        .lit("resourceGroups")
        .seg(resource_group)?
        .lit("providers")
        .lit(ty)
        .seg(name)
}

/// The parts of an Arc-enabled server's resource id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineId {
    pub subscription: String,
    pub resource_group: String,
    /// Canonically cased (one of [`ARC_RESOURCE_TYPES`]).
    pub resource_type: &'static str,
    pub name: String,
}

/// Parses what `Enter-AzVM -ResourceId` takes,
/// `/subscriptions/{sub}/resourceGroups/{rg}/providers/{namespace}/{type}/{name}`
/// (keywords matched case-insensitively, as ARM does; one trailing `/` allowed), for a
/// supported Arc resource type. Each part passes the same rules as [`machine_path`]'s.
pub fn parse_machine_id(id: &str) -> Result<MachineId, PathError> {
    let invalid = || PathError::InvalidResourceId(id.to_string());
    let trimmed = id.trim();
    let rest = trimmed.strip_prefix('/').ok_or_else(invalid)?;
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let parts: Vec<&str> = rest.split('/').collect();
    let [
        subs,
        subscription,
        groups,
        resource_group,
        providers,
        namespace,
        kind,
        name,
    ] = parts.as_slice()
    else {
        return Err(invalid());
    };
    let keywords_match = subs.eq_ignore_ascii_case("subscriptions")
        && groups.eq_ignore_ascii_case("resourceGroups")
        && providers.eq_ignore_ascii_case("providers");
    if !keywords_match {
        return Err(invalid());
    }
    let wanted = format!("{namespace}/{kind}");
    let resource_type = ARC_RESOURCE_TYPES
        .iter()
        .copied()
        .find(|t| t.eq_ignore_ascii_case(&wanted))
        .ok_or(PathError::UnknownResourceType(wanted))?;
    validate_subscription(subscription)?;
    validate_resource_group(resource_group)?;
    validate_machine_name(name)?;
    Ok(MachineId {
        subscription: subscription.to_string(),
        resource_group: resource_group.to_string(),
        resource_type,
        name: name.to_string(),
    })
}

/// `/subscriptions/{sub}/resourceGroups/{rg}`.
pub fn resource_group_path(subscription: &str, resource_group: &str) -> Result<ArmPath, PathError> {
    validate_subscription(subscription)?;
    validate_resource_group(resource_group)?;
    ArmPath::root()
        .lit("subscriptions")
        .seg(subscription)?
        .lit("resourceGroups")
        .seg(resource_group)
}

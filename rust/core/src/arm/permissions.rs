//! Effective permissions: matching the answer of
//! `GET {scope}/providers/Microsoft.Authorization/permissions?api-version=2022-04-01`
//! against the actions a step needs, and knowing which built-in roles grant them.
//!
//! Azure semantics: one element of `value` (one role grant) allows an action when a
//! pattern in its `actions` matches and no pattern in its own `notActions` does; the
//! action is allowed when any element allows it. Data actions work the same with
//! `dataActions`/`notDataActions`. Patterns are case-insensitive and `*` matches any
//! run of characters, `/` included. A `/*/` also matches a single `/`: the built-in
//! login roles rely on it (`Microsoft.HybridCompute/machines/*/read` is what grants
//! `Microsoft.HybridCompute/machines/read` to "Virtual Machine Local User Login").
//! Deny assignments and ABAC conditions are not part of this API's answer.

use serde_json::Value;

/// The actions SSH to an Arc-enabled server needs, one home for every check and mode.
pub mod actions {
    /// Relay credentials for the connection.
    pub const LIST_CREDENTIALS: &str =
        "Microsoft.HybridConnectivity/endpoints/listCredentials/action";
    /// Microsoft Entra login as a regular user (a data action).
    pub const LOGIN: &str = "Microsoft.HybridCompute/machines/login/action";
    /// Microsoft Entra login as an administrator (a data action; also lets one log in).
    pub const LOGIN_AS_ADMIN: &str = "Microsoft.HybridCompute/machines/loginAsAdmin/action";
    /// Creating the `default` connectivity endpoint.
    pub const ENDPOINT_WRITE: &str = "Microsoft.HybridConnectivity/endpoints/write";
    /// Creating or changing the `SSH` service configuration.
    pub const CONFIG_WRITE: &str =
        "Microsoft.HybridConnectivity/endpoints/serviceConfigurations/write";
}

/// One role grant (one element of the API's `value`), patterns lower-cased.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grant {
    pub actions: Vec<String>,
    pub not_actions: Vec<String>,
    pub data_actions: Vec<String>,
    pub not_data_actions: Vec<String>,
}

impl Grant {
    fn allows(&self, action: &str, data: bool) -> bool {
        let (yes, no) = if data {
            (&self.data_actions, &self.not_data_actions)
        } else {
            (&self.actions, &self.not_actions)
        };
        yes.iter().any(|p| pattern_matches(p, action))
            && !no.iter().any(|p| pattern_matches(p, action))
    }
}

/// The caller's effective permissions at one scope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Permissions {
    grants: Vec<Grant>,
    next_link: Option<String>,
}

impl Permissions {
    /// Parses the API's answer. Missing lists count as empty; a `nextLink` is not
    /// followed (the answer is judged on the first page) but kept: see
    /// [`Permissions::next_link`].
    pub fn from_response(body: &Value) -> Result<Permissions, String> {
        let obj = body
            .as_object()
            .ok_or("the permissions answer is not a JSON object")?;
        let value = obj
            .get("value")
            .and_then(Value::as_array)
            .ok_or("the permissions answer has no \"value\" list")?;
        let mut grants = Vec::with_capacity(value.len());
        for (i, element) in value.iter().enumerate() {
            let el = element
                .as_object()
                .ok_or_else(|| format!("permissions value[{i}] is not an object"))?;
            let list = |key: &str| -> Result<Vec<String>, String> {
                match el.get(key) {
                    None | Some(Value::Null) => Ok(Vec::new()),
                    Some(Value::Array(items)) => items
                        .iter()
                        .map(|p| {
                            p.as_str().map(str::to_ascii_lowercase).ok_or_else(|| {
                                format!("permissions value[{i}].{key} holds a non-string")
                            })
                        })
                        .collect(),
                    Some(_) => Err(format!("permissions value[{i}].{key} is not a list")),
                }
            };
            grants.push(Grant {
                actions: list("actions")?,
                not_actions: list("notActions")?,
                data_actions: list("dataActions")?,
                not_data_actions: list("notDataActions")?,
            });
        }
        let next_link = obj
            .get("nextLink")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        Ok(Permissions { grants, next_link })
    }

    /// Whether some grant allows this control-plane action.
    pub fn allows_action(&self, action: &str) -> bool {
        self.grants.iter().any(|g| g.allows(action, false))
    }

    /// Whether some grant allows this data action.
    pub fn allows_data_action(&self, action: &str) -> bool {
        self.grants.iter().any(|g| g.allows(action, true))
    }

    /// The grants read from the answer.
    pub fn grants(&self) -> &[Grant] {
        &self.grants
    }

    /// The answer's `nextLink`, when ARM said there is more (not followed; a "not
    /// allowed" verdict is then less certain).
    pub fn next_link(&self) -> Option<&str> {
        self.next_link.as_deref()
    }
}

/// Case-insensitive match of an Azure action pattern (see the module docs).
pub fn pattern_matches(pattern: &str, action: &str) -> bool {
    // Most patterns of role definitions name one action: no table needed (a fleet
    // judges thousands of machines against every built-in role).
    if !pattern.contains('*') {
        return pattern.eq_ignore_ascii_case(action);
    }
    let p = pattern.to_ascii_lowercase();
    let a = action.to_ascii_lowercase();
    glob(p.as_bytes(), a.as_bytes())
}

/// Iterative match (O(len(p) * len(a)), no backtracking blow-up on hostile patterns).
fn glob(p: &[u8], a: &[u8]) -> bool {
    // row[j]: p[i..] matches a[j..], computed from the end of the pattern backwards.
    let mut next = vec![false; a.len() + 1];
    next[a.len()] = true;
    let mut after_next = vec![false; a.len() + 1];
    let mut row = vec![false; a.len() + 1];
    for i in (0..p.len()).rev() {
        if p[i] == b'*' {
            // `/*/` may also stand for one `/`: the star and the slash after it are
            // skipped, but only before the star has taken any character (otherwise
            // `a/*/b` would match `a/xb`).
            let slash_star_slash = i > 0 && p[i - 1] == b'/' && p.get(i + 1) == Some(&b'/');
            // run: the star takes a[j..k] for some k, then p[i+1..] matches a[k..].
            let mut run = false;
            for j in (0..=a.len()).rev() {
                run = run || next[j];
                row[j] = run || (slash_star_slash && after_next[j]);
            }
        } else {
            for j in 0..a.len() {
                row[j] = a[j] == p[i] && next[j + 1];
            }
            row[a.len()] = false;
        }
        // Rotate the three rows: next becomes after_next, row becomes next.
        std::mem::swap(&mut after_next, &mut next);
        std::mem::swap(&mut next, &mut row);
    }
    next[0]
}

/// A built-in Azure role, as defined by Azure (the single permission block).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Role {
    pub name: &'static str,
    pub id: &'static str,
    pub actions: &'static [&'static str],
    pub not_actions: &'static [&'static str],
    pub data_actions: &'static [&'static str],
    pub not_data_actions: &'static [&'static str],
}

impl Role {
    /// Whether this role's definition grants the control-plane action.
    pub fn allows_action(&self, action: &str) -> bool {
        self.actions.iter().any(|p| pattern_matches(p, action))
            && !self.not_actions.iter().any(|p| pattern_matches(p, action))
    }

    /// Whether this role's definition grants the data action.
    pub fn allows_data_action(&self, action: &str) -> bool {
        self.data_actions.iter().any(|p| pattern_matches(p, action))
            && !self
                .not_data_actions
                .iter()
                .any(|p| pattern_matches(p, action))
    }
}

const VM_LOGIN_ACTIONS: &[&str] = &[
    "Microsoft.Network/publicIPAddresses/read",
    "Microsoft.Network/virtualNetworks/read",
    "Microsoft.Network/loadBalancers/read",
    "Microsoft.Network/networkInterfaces/read",
    "Microsoft.Compute/virtualMachines/*/read",
    "Microsoft.HybridCompute/machines/*/read",
    "Microsoft.HybridConnectivity/endpoints/listCredentials/action",
];

/// The built-in roles that matter for SSH to Arc-enabled servers, smallest first
/// (definitions from MicrosoftDocs `built-in-roles/compute.md` and `general.md`).
pub const ROLES: &[Role] = &[
    Role {
        name: "Virtual Machine Local User Login",
        id: "602da2ba-a5c2-41da-b01d-5360126ab525",
        actions: &[
            "Microsoft.HybridCompute/machines/*/read",
            "Microsoft.HybridConnectivity/endpoints/listCredentials/action",
        ],
        not_actions: &[],
        data_actions: &[],
        not_data_actions: &[],
    },
    Role {
        name: "Virtual Machine User Login",
        id: "fb879df8-f326-4884-b1cf-06f3ad86be52",
        actions: VM_LOGIN_ACTIONS,
        not_actions: &[],
        data_actions: &[
            "Microsoft.Compute/virtualMachines/login/action",
            "Microsoft.HybridCompute/machines/login/action",
        ],
        not_data_actions: &[],
    },
    Role {
        name: "Virtual Machine Administrator Login",
        id: "1c0163c0-47e6-4577-8991-ea5c82e286e4",
        actions: VM_LOGIN_ACTIONS,
        not_actions: &[],
        data_actions: &[
            "Microsoft.Compute/virtualMachines/login/action",
            "Microsoft.Compute/virtualMachines/loginAsAdmin/action",
            "Microsoft.HybridCompute/machines/login/action",
            "Microsoft.HybridCompute/machines/loginAsAdmin/action",
        ],
        not_data_actions: &[],
    },
    Role {
        name: "Windows Admin Center Administrator Login",
        id: "a6333a3e-0164-44c3-b281-7a577aff287f",
        actions: &[
            "Microsoft.HybridCompute/machines/*/read",
            "Microsoft.HybridCompute/machines/extensions/*",
            "Microsoft.HybridCompute/machines/upgradeExtensions/action",
            "Microsoft.HybridCompute/operations/read",
            "Microsoft.Network/networkInterfaces/read",
            "Microsoft.Network/loadBalancers/read",
            "Microsoft.Network/publicIPAddresses/read",
            "Microsoft.Network/virtualNetworks/read",
            "Microsoft.Network/networkSecurityGroups/read",
            "Microsoft.Network/networkSecurityGroups/defaultSecurityRules/read",
            "Microsoft.Network/networkWatchers/securityGroupView/action",
            "Microsoft.Network/networkSecurityGroups/securityRules/read",
            "Microsoft.Network/networkSecurityGroups/securityRules/write",
            "Microsoft.HybridConnectivity/endpoints/write",
            "Microsoft.HybridConnectivity/endpoints/read",
            "Microsoft.HybridConnectivity/endpoints/serviceConfigurations/write",
            "Microsoft.HybridConnectivity/endpoints/serviceConfigurations/read",
            "Microsoft.HybridConnectivity/endpoints/listManagedProxyDetails/action",
            "Microsoft.Compute/virtualMachines/read",
            "Microsoft.Compute/virtualMachines/patchAssessmentResults/latest/read",
            "Microsoft.Compute/virtualMachines/patchAssessmentResults/latest/softwarePatches/read",
            "Microsoft.Compute/virtualMachines/patchInstallationResults/read",
            "Microsoft.Compute/virtualMachines/patchInstallationResults/softwarePatches/read",
            "Microsoft.Compute/virtualMachines/extensions/read",
            "Microsoft.Compute/virtualMachines/instanceView/read",
            "Microsoft.Compute/virtualMachines/runCommands/read",
            "Microsoft.Compute/virtualMachines/vmSizes/read",
            "Microsoft.Compute/locations/publishers/artifacttypes/types/read",
            "Microsoft.Compute/locations/publishers/artifacttypes/types/versions/read",
            "Microsoft.Compute/diskAccesses/read",
            "Microsoft.Compute/galleries/images/read",
            "Microsoft.Compute/images/read",
            "Microsoft.AzureStackHCI/Clusters/Read",
            "Microsoft.AzureStackHCI/Clusters/ArcSettings/Read",
            "Microsoft.AzureStackHCI/Clusters/ArcSettings/Extensions/Read",
            "Microsoft.AzureStackHCI/Clusters/ArcSettings/Extensions/Write",
            "Microsoft.AzureStackHCI/Clusters/ArcSettings/Extensions/Delete",
            "Microsoft.AzureStackHCI/Operations/Read",
            "Microsoft.ConnectedVMwarevSphere/VirtualMachines/Read",
            "Microsoft.ConnectedVMwarevSphere/VirtualMachines/Extensions/Write",
            "Microsoft.ConnectedVMwarevSphere/VirtualMachines/Extensions/Read",
        ],
        not_actions: &[],
        data_actions: &[
            "Microsoft.HybridCompute/machines/WACLoginAsAdmin/action",
            "Microsoft.Compute/virtualMachines/WACloginAsAdmin/action",
            "Microsoft.AzureStackHCI/Clusters/WACloginAsAdmin/Action",
            "Microsoft.ConnectedVMwarevSphere/virtualmachines/WACloginAsAdmin/action",
        ],
        not_data_actions: &[],
    },
    Role {
        name: "Contributor",
        id: "b24988ac-6180-42a0-ab88-20f7382dd24c",
        actions: &["*"],
        not_actions: &[
            "Microsoft.Authorization/*/Delete",
            "Microsoft.Authorization/*/Write",
            "Microsoft.Authorization/elevateAccess/Action",
            "Microsoft.Blueprint/blueprintAssignments/write",
            "Microsoft.Blueprint/blueprintAssignments/delete",
            "Microsoft.Compute/galleries/share/action",
            "Microsoft.Purview/consents/write",
            "Microsoft.Purview/consents/delete",
        ],
        data_actions: &[],
        not_data_actions: &[],
    },
    Role {
        name: "Owner",
        id: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
        actions: &["*"],
        not_actions: &[],
        data_actions: &[],
        not_data_actions: &[],
    },
];

/// The built-in roles of [`ROLES`] (smallest first) whose own definition grants every
/// one of `actions` and `data_actions`.
pub fn roles_granting(actions: &[&str], data_actions: &[&str]) -> Vec<&'static Role> {
    ROLES
        .iter()
        .filter(|r| {
            actions.iter().all(|a| r.allows_action(a))
                && data_actions.iter().all(|a| r.allows_data_action(a))
        })
        .collect()
}

/// The built-in role with this id (case-insensitive), if it is one of [`ROLES`].
pub fn role_by_id(id: &str) -> Option<&'static Role> {
    ROLES.iter().find(|r| r.id.eq_ignore_ascii_case(id.trim()))
}

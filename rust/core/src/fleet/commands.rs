//! The command that gives one machine's full report, for each host.

use crate::model::{Client, Request, Shell, ShellCommand};

/// `value` as one shell word (single quotes when it holds anything unusual).
fn word(value: &str) -> String {
    if !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
    {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', "'\\''"))
    }
}

/// PowerShell: single quotes, a quote doubled.
fn ps_word(value: &str) -> String {
    if !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', "''"))
    }
}

/// az, PowerShell and standalone, in that order.
pub fn for_machine(
    subscription: &str,
    group: &str,
    name: &str,
    request: &Request,
) -> Vec<ShellCommand> {
    let mut tail = String::new();
    let mut ps_tail = String::new();
    if let Some(port) = request.port.filter(|p| *p != 22) {
        tail.push_str(&format!(" --port {port}"));
        ps_tail.push_str(&format!(" -Port {port}"));
    }
    if let Some(user) = &request.local_user {
        tail.push_str(&format!(" --local-user {}", word(user)));
        ps_tail.push_str(&format!(" -LocalUser {}", ps_word(user)));
    }
    let args = format!(
        "-g {} -n {} --subscription {}{tail}",
        word(group),
        word(name),
        word(subscription)
    );
    vec![
        ShellCommand {
            shell: Shell::Az,
            command: format!("az ssh-troubleshoot arc {args}"),
        },
        ShellCommand {
            shell: Shell::Powershell,
            command: format!(
                "Test-AzSshArc -ResourceGroupName {} -Name {} -SubscriptionId {}{ps_tail}",
                ps_word(group),
                ps_word(name),
                ps_word(subscription)
            ),
        },
        ShellCommand {
            shell: Shell::Sh,
            command: format!("ssh-troubleshoot arc {args}"),
        },
    ]
}

/// The one for the host that asked.
pub fn for_client(commands: &[ShellCommand], client: Client) -> String {
    let i = match client {
        Client::AzureCli => 0,
        Client::Powershell => 1,
        Client::Standalone => 2,
    };
    commands
        .get(i)
        .map(|c| c.command.clone())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_quote_what_needs_it() {
        let request = Request {
            port: Some(2222),
            ..Request::default()
        };
        let c = for_machine("sub-1", "rg (prod)", "web01", &request);
        assert_eq!(
            c[0].command,
            "az ssh-troubleshoot arc -g 'rg (prod)' -n web01 --subscription sub-1 --port 2222"
        );
        assert_eq!(
            c[1].command,
            "Test-AzSshArc -ResourceGroupName 'rg (prod)' -Name web01 -SubscriptionId sub-1 -Port 2222"
        );
        assert_eq!(for_client(&c, Client::Standalone), c[2].command);
        assert!(c[2].command.starts_with("ssh-troubleshoot arc -g"));
    }
}

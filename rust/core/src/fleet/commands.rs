//! The command that gives one machine's full report, for each host.

use crate::model::{Client, Request, Shell, ShellCommand};
use crate::quote::{ps_word, sh_word as word};

/// az, PowerShell and standalone, in that order.
pub fn for_machine(
    subscription: &str,
    group: &str,
    name: &str,
    request: &Request,
) -> Vec<ShellCommand> {
    for_target(Some(subscription), group, name, request)
}

/// [`for_machine`] with the subscription left out when not known (the command then
/// uses the current one), as for a machine the user named without one.
pub fn for_target(
    subscription: Option<&str>,
    group: &str,
    name: &str,
    request: &Request,
) -> Vec<ShellCommand> {
    let mut tail = String::new();
    let mut ps_tail = String::new();
    if let Some(subscription) = subscription {
        tail.push_str(&format!(" --subscription {}", word(subscription)));
        ps_tail.push_str(&format!(" -SubscriptionId {}", ps_word(subscription)));
    }
    if let Some(port) = request.port.filter(|p| *p != 22) {
        tail.push_str(&format!(" --port {port}"));
        ps_tail.push_str(&format!(" -Port {port}"));
    }
    if let Some(user) = &request.local_user {
        tail.push_str(&format!(" --local-user {}", word(user)));
        ps_tail.push_str(&format!(" -LocalUser {}", ps_word(user)));
    }
    let args = format!("-g {} -n {}{tail}", word(group), word(name));
    vec![
        ShellCommand {
            shell: Shell::Az,
            command: format!("az ssh-troubleshoot arc {args}"),
        },
        ShellCommand {
            shell: Shell::Powershell,
            command: format!(
                "Test-AzSshArc -ResourceGroupName {} -Name {}{ps_tail}",
                ps_word(group),
                ps_word(name)
            ),
        },
        ShellCommand {
            shell: Shell::Sh,
            command: format!("ssh-troubleshoot arc {args}"),
        },
    ]
}

/// The command for the requesting host that gives the full report of the request's
/// machine, or None without a resource group and name.
pub fn report_command(request: &Request) -> Option<String> {
    let target = request.target.as_ref()?;
    let (group, name) = (target.resource_group.as_deref()?, target.name.as_deref()?);
    let commands = for_target(target.subscription.as_deref(), group, name, request);
    Some(for_client(&commands, request.client))
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

    #[test]
    fn powershell_quotes_a_value_that_would_read_as_a_parameter() {
        assert_eq!(ps_word("-web"), "'-web'");
        assert_eq!(ps_word("web-01"), "web-01");
        assert_eq!(ps_word("it's"), "'it''s'");
        assert_eq!(ps_word(""), "''");
        let request = Request {
            local_user: Some("-admin".into()),
            ..Request::default()
        };
        let c = for_target(None, "rg-arc", "-web", &request);
        assert_eq!(
            c[1].command,
            "Test-AzSshArc -ResourceGroupName rg-arc -Name '-web' -LocalUser '-admin'"
        );
    }

    #[test]
    fn report_command_needs_a_group_and_a_name() {
        use crate::model::Target;
        let mut request = Request {
            client: Client::Powershell,
            port: Some(2222),
            target: Some(Target {
                resource_group: Some("rg (prod)".into()),
                name: Some("web-01".into()),
                ..Target::default()
            }),
            ..Request::default()
        };
        assert_eq!(
            report_command(&request).as_deref(),
            Some("Test-AzSshArc -ResourceGroupName 'rg (prod)' -Name web-01 -Port 2222")
        );
        request.target.as_mut().unwrap().name = None;
        assert_eq!(report_command(&request), None);
        request.target = None;
        assert_eq!(report_command(&request), None);
    }
}

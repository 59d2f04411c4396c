//! `server.sshd-answers`' judgment: what loopback's answers (and those of any other
//! address listening on the port) say, without touching the network.

use super::{Answer, software};
use crate::model::Status;
use crate::parse::proc_net_tcp::Listener;

/// The verdict on what loopback said, given what else listens on the port.
pub struct Verdict {
    pub status: Status,
    pub summary: String,
    pub kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Fine,
    OneLoopbackOnly,
    NotSsh,
    OtherAddressOnly,
    NothingListens,
}

impl Verdict {
    fn new(status: Status, kind: Kind, summary: String) -> Verdict {
        Verdict {
            status,
            summary,
            kind,
        }
    }
}

fn is_ssh(answer: &Answer) -> bool {
    matches!(answer, Answer::Ssh { .. })
}

pub fn judge(port: u16, v4: &Answer, v6: &Answer, others: &[(Listener, Answer)]) -> Verdict {
    let named = [
        (format!("127.0.0.1:{port}"), v4),
        (format!("[::1]:{port}"), v6),
    ];
    if let Some((at, Answer::NotSsh(said))) =
        named.iter().find(|(_, a)| matches!(a, Answer::NotSsh(_)))
    {
        return Verdict::new(
            Status::Fail,
            Kind::NotSsh,
            format!("Something that is not sshd answers on {at}; it said: \"{said}\"."),
        );
    }
    if is_ssh(v4) || is_ssh(v6) {
        return judge_ssh_on_loopback(port, &named);
    }
    judge_no_ssh_on_loopback(port, &named, others)
}

/// sshd answers on at least one loopback address: fine when the other one answers too
/// or does not exist here.
fn judge_ssh_on_loopback(port: u16, named: &[(String, &Answer); 2]) -> Verdict {
    let (v4, v6) = (named[0].1, named[1].1);
    let absent = |a: &Answer| matches!(a, Answer::NoAddress);
    let ok4 = is_ssh(v4) || absent(v4);
    let ok6 = is_ssh(v6) || absent(v6);
    if ok4 && ok6 {
        let ident = [v4, v6].into_iter().find_map(|a| match a {
            Answer::Ssh { ident, .. } => Some(software(ident)),
            _ => None,
        });
        return Verdict::new(
            Status::Pass,
            Kind::Fine,
            format!(
                "sshd answers on port {port} of localhost ({}).",
                ident.unwrap_or_default()
            ),
        );
    }
    let (good, bad, bad_answer) = if ok4 {
        (&named[0].0, &named[1].0, v6)
    } else {
        (&named[1].0, &named[0].0, v4)
    };
    Verdict::new(
        Status::Warn,
        Kind::OneLoopbackOnly,
        format!(
            "sshd answers on {good} but not on {bad} ({}). The agent's proxy dials localhost:{port}, which resolves to both; when it tries {bad} first the connection fails like the guide's `dial tcp [::1]:{port}` error.",
            bad_answer.describe()
        ),
    )
}

/// sshd answers on neither loopback address: say what holds them, or where the port
/// listens instead.
fn judge_no_ssh_on_loopback(
    port: u16,
    named: &[(String, &Answer); 2],
    others: &[(Listener, Answer)],
) -> Verdict {
    let (v4, v6) = (named[0].1, named[1].1);
    if let Some(silent) = named
        .iter()
        .find(|(_, a)| matches!(a, Answer::Silent { .. }))
    {
        return Verdict::new(
            Status::Fail,
            Kind::NotSsh,
            format!(
                "Something that is not sshd holds {}: {}.",
                silent.0,
                silent.1.describe()
            ),
        );
    }
    if !others.is_empty() {
        let list: Vec<String> = others
            .iter()
            .map(|(l, a)| format!("{l} ({})", a.describe()))
            .collect();
        return Verdict::new(
            Status::Fail,
            Kind::OtherAddressOnly,
            format!(
                "Nothing answers on port {port} of localhost, where the agent's proxy connects; port {port} listens only on {}.",
                list.join(", ")
            ),
        );
    }
    Verdict::new(
        Status::Fail,
        Kind::NothingListens,
        format!(
            "Nothing listens on port {port} of localhost (127.0.0.1: {}; ::1: {}): sshd is not running or listens on another port.",
            v4.describe(),
            v6.describe()
        ),
    )
}

//! Runs of the binary against the ARM stand-in's generated fleets.

use serde_json::Value;

use super::arm::{self, TOKEN_MARK};
use super::{Machine, text};

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub report: Value,
    pub log: Vec<Value>,
}

/// `arc ARGS` against a new stand-in serving `scenario`.
pub fn run(scenario: Value, args: &[&str], json_output: bool) -> Run {
    let standin = arm_standin::Standin::start(&scenario);
    let mut run = run_against(&standin, args, json_output);
    run.log = standin.requests();
    run
}

/// `arc ARGS` against a running stand-in, signed in with [`arm::token`]; the token must
/// not appear in any output. The request log is left to the caller.
pub fn run_against(standin: &arm_standin::Standin, args: &[&str], json_output: bool) -> Run {
    let mut m = Machine::new();
    m.set_env("SSH_TROUBLESHOOT_ACCESS_TOKEN", &arm::token());
    m.set_env("REQUESTS_CA_BUNDLE", standin.ca_bundle.to_str().unwrap());
    let mut all = vec!["arc", "--arm-endpoint", standin.url.as_str()];
    all.extend_from_slice(args);
    if json_output {
        all.extend(["-o", "json"]);
    }
    let out = m.run(&all);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(
        !stdout.contains(TOKEN_MARK) && !stderr.contains(TOKEN_MARK),
        "the token leaked"
    );
    let report = if json_output {
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}{stderr}"))
    } else {
        Value::Null
    };
    Run {
        code: out.status.code().unwrap(),
        stdout,
        report,
        log: Vec::new(),
    }
}

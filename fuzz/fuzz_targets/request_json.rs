//! `sshts_run`'s request document: bytes as the C ABI receives them (cut at the first
//! NUL like `CStr`, then UTF-8 checked), decoded and validated by the same code as
//! `run_json`, then run only where running has no effect on this machine:
//!
//! - `checks` runs for real (the catalogue: no check is executed);
//! - `diagnose` and `apply-fixes` run with an empty check list, so schema checks,
//!   `explain` text, the deadline and fix ids are all handled, but nothing spawns ssh,
//!   reads the home folder or calls the network (with no checks, no fix is offered, so
//!   none is applied);
//! - `server` and `disable-ssh` (which always runs the server checks / calls ARM) are run
//!   as `diagnose` with no checks instead.
//!
//! The answer must always be one JSON object: a report or `{"error": {...}}`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ssh_troubleshoot_core::env::HostEnv;
use ssh_troubleshoot_core::model::Command;
use ssh_troubleshoot_core::platform::{Arch, Os, Platform};
use ssh_troubleshoot_core::{Request, registry, run_json_with, run_with};

fn env() -> HostEnv {
    HostEnv {
        platform: Platform {
            os: Os::Linux,
            arch: Arch::X86_64,
        },
        home: "/nonexistent/fuzz-home".into(),
        vars: Default::default(),
        process_32bit_on_64bit_os: false,
        mountinfo: "/nonexistent/fuzz-mountinfo".into(),
    }
}

fn side_effect_free(
    request: &Request,
) -> Result<ssh_troubleshoot_core::Report, ssh_troubleshoot_core::Error> {
    match request.command {
        Command::Checks => run_with(request, env(), &registry::all()),
        Command::Diagnose | Command::ApplyFixes => run_with(request, env(), &[]),
        Command::Server | Command::DisableSsh => {
            let mut r = request.clone();
            r.command = Command::Diagnose;
            run_with(&r, env(), &[])
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let data = data.split(|&b| b == 0).next().unwrap_or_default();
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let answer = run_json_with(text, side_effect_free);
    let value: serde_json::Value =
        serde_json::from_str(&answer).expect("the answer is always JSON");
    assert!(value.is_object(), "the answer is a JSON object");
    if let Some(e) = value.get("error") {
        assert!(e["code"].is_string() && e["message"].is_string());
    }
});

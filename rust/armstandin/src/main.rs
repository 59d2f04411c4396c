//! arm-standin --scenario FILE [--port N] [--state-dir DIR] [--max-seconds N] [--no-stdin-watch]
//! arm-standin jwt --tid TENANT --oid OID --upn USER [--exp UNIX]

use arm_standin::scenario::Scenario;
use arm_standin::server;
use std::collections::HashMap;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use std::{fs, thread};

const USAGE: &str = "usage:
  arm-standin --scenario FILE [--port N] [--state-dir DIR] [--max-seconds N] [--no-stdin-watch]
  arm-standin jwt --tid TENANT --oid OID --upn USER [--exp UNIX]

Serves HTTPS on 127.0.0.1 (port 0 = ephemeral) with a CA of its own, prints one JSON line
{\"port\",\"url\",\"caBundle\",\"requestLog\"}, and exits when stdin reaches EOF (unless
--no-stdin-watch), after --max-seconds (default 600), or when killed.";

fn usage_error(msg: &str) -> ExitCode {
    eprintln!("arm-standin: {msg}\n\n{USAGE}");
    ExitCode::from(2)
}

/// `--name value` pairs; flags without a value are in `FLAGS`.
fn parse(args: &[String]) -> Result<HashMap<String, String>, String> {
    const FLAGS: &[&str] = &["--no-stdin-watch", "--help", "-h"];
    let mut out = HashMap::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if FLAGS.contains(&a.as_str()) {
            out.insert(a.clone(), String::new());
        } else if a.starts_with('-') {
            let v = it.next().ok_or(format!("{a} needs a value"))?;
            out.insert(a.clone(), v.clone());
        } else {
            return Err(format!("unexpected argument {a:?}"));
        }
    }
    Ok(out)
}

fn number(opts: &HashMap<String, String>, name: &str, default: u64) -> Result<u64, String> {
    opts.get(name).map_or(Ok(default), |v| {
        v.parse()
            .map_err(|_| format!("{name}: not a number: {v:?}"))
    })
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let is_jwt = args.first().is_some_and(|a| a == "jwt");
    let opts = match parse(&args[usize::from(is_jwt)..]) {
        Ok(o) => o,
        Err(e) => return usage_error(&e),
    };
    if opts.contains_key("--help") || opts.contains_key("-h") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let known: &[&str] = if is_jwt {
        &["--tid", "--oid", "--upn", "--exp"]
    } else {
        &[
            "--scenario",
            "--port",
            "--state-dir",
            "--max-seconds",
            "--no-stdin-watch",
        ]
    };
    if let Some(k) = opts.keys().find(|k| !known.contains(&k.as_str())) {
        return usage_error(&format!("unknown option {k}"));
    }
    if is_jwt {
        let (Some(tid), Some(oid), Some(upn)) =
            (opts.get("--tid"), opts.get("--oid"), opts.get("--upn"))
        else {
            return usage_error("jwt needs --tid, --oid and --upn");
        };
        let exp = match opts.get("--exp").map(|v| v.parse::<u64>()).transpose() {
            Ok(e) => e,
            Err(_) => return usage_error("--exp: not a number"),
        };
        println!("{}", arm_standin::jwt(tid, oid, upn, exp));
        return ExitCode::SUCCESS;
    }
    match serve(&opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("arm-standin: {e}");
            ExitCode::from(if e.starts_with("usage:") { 2 } else { 1 })
        }
    }
}

fn serve(opts: &HashMap<String, String>) -> Result<(), String> {
    let usage = |m: String| format!("usage: {m}");
    let path = opts
        .get("--scenario")
        .ok_or(usage("--scenario FILE is required".into()))?;
    let port = number(opts, "--port", 0).map_err(usage)?;
    let port = u16::try_from(port).map_err(|_| usage(format!("--port {port} is out of range")))?;
    let max_seconds = number(opts, "--max-seconds", 600).map_err(usage)?;
    let text = fs::read_to_string(path).map_err(|e| format!("read {path}: {e}"))?;
    let scenario = Scenario::parse(&text)?;
    let state_dir = match opts.get("--state-dir") {
        Some(d) => PathBuf::from(d),
        None => {
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos());
            let name = format!("arm-standin-{}-{nanos}", std::process::id());
            std::env::temp_dir().join(name)
        }
    };
    let (started, server) =
        server::bind(scenario, port, &state_dir).map_err(|e| format!("start: {e}"))?;
    let line = serde_json::to_string(&started).map_err(|e| e.to_string())?;
    let mut out = io::stdout().lock();
    writeln!(out, "{line}")
        .and_then(|()| out.flush())
        .map_err(|e| format!("stdout: {e}"))?;
    drop(out);

    if !opts.contains_key("--no-stdin-watch") {
        thread::spawn(|| {
            let _ = io::copy(&mut io::stdin().lock(), &mut io::sink());
            std::process::exit(0);
        });
    }
    thread::spawn(move || {
        thread::sleep(Duration::from_secs(max_seconds));
        eprintln!("arm-standin: --max-seconds {max_seconds} reached, exiting");
        std::process::exit(0);
    });
    server.serve();
    Ok(())
}

//! The committed header is exactly what the pinned cbindgen makes of `src/lib.rs`.
//! `UPDATE_HEADER=1 cargo test -p ssh-troubleshoot-ffi --test header` rewrites it.

use std::path::Path;

#[test]
fn header_is_up_to_date() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("rust/ffi/cbindgen.toml is readable and valid");
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(crate_dir.join("src/lib.rs"))
        .generate()
        .expect("cbindgen parses rust/ffi/src/lib.rs");
    let mut generated = Vec::new();
    bindings.write(&mut generated);
    let generated = String::from_utf8(generated).expect("the header is UTF-8");

    let path = crate_dir.join("include/ssh_troubleshoot.h");
    if std::env::var_os("UPDATE_HEADER").is_some_and(|v| v == "1") {
        std::fs::write(&path, &generated).expect("write the header");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is stale: the C ABI in rust/ffi/src/lib.rs changed. Regenerate it with\n  \
         UPDATE_HEADER=1 cargo test -p ssh-troubleshoot-ffi --test header\n\
         and commit the result (check the diff: a changed signature may need an ABI bump).",
        path.display()
    );
}

#[test]
fn header_declares_the_contract_functions() {
    let header = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("include/ssh_troubleshoot.h"),
    )
    .expect("the committed header");
    for declaration in [
        "#define SSHTS_ABI_VERSION 1",
        "uint32_t sshts_abi_version(void);",
        "char *sshts_run(const char *request_json);",
        "void sshts_free(char *answer);",
        "typedef void (*SshtsProgressFn)(uint64_t done, uint64_t total, void *context);",
        "char *sshts_run_with_progress(const char *request_json,",
        "typedef struct SshtsCancel SshtsCancel;",
        "SshtsCancel *sshts_cancel_new(void);",
        "void sshts_cancel(const SshtsCancel *cancel);",
        "void sshts_cancel_free(SshtsCancel *cancel);",
        "char *sshts_run_cancellable(const char *request_json,",
        "typedef void (*SshtsRoundFn)(const char *round_json, void *context);",
        "char *sshts_run_watching(const char *request_json,",
    ] {
        assert!(
            header.contains(declaration),
            "the header lacks `{declaration}`"
        );
    }
}

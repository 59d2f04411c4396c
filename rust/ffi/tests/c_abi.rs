//! The C ABI as C sees it: `tests/ffi/smoke.c` is compiled with `cc` against the
//! library cargo just built and run, directly and under valgrind's leak check; a C++
//! program checks that the header is C++ too.

#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The folder holding the cdylib cargo built for this test run: the test executable
/// sits in `target/<profile>/deps`, next to it (and in `target/<profile>` after a
/// `cargo build`).
fn library_dir() -> PathBuf {
    let name = if cfg!(target_os = "macos") {
        "libssh_troubleshoot.dylib"
    } else {
        "libssh_troubleshoot.so"
    };
    let exe = std::env::current_exe().expect("the test executable's path");
    let deps = exe.parent().expect("the test executable's folder");
    [deps, deps.parent().unwrap_or(deps)]
        .into_iter()
        .find(|dir| dir.join(name).is_file())
        .unwrap_or_else(|| panic!("{name} not found next to {}", exe.display()))
        .to_path_buf()
}

/// `command` loading the library of [`library_dir`]: cargo's own library path for tests
/// also names `target/<profile>`, where an older `cargo build` may have left an older
/// copy that the loader would otherwise prefer to the rpath.
fn linked(command: &mut Command) -> &mut Command {
    let dir = library_dir();
    command
        .env("LD_LIBRARY_PATH", &dir)
        .env("DYLD_LIBRARY_PATH", &dir)
}

/// Compiles the C smoke test once per test binary and answers its path.
fn smoke_program() -> &'static Path {
    static PROGRAM: OnceLock<PathBuf> = OnceLock::new();
    PROGRAM.get_or_init(|| {
        let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ffi-smoke");
        std::fs::create_dir_all(&out_dir).expect("create the C test's build folder");
        let program = out_dir.join("smoke");
        let lib_dir = library_dir();
        let root = repo_root();
        let output = Command::new(std::env::var_os("CC").unwrap_or_else(|| "cc".into()))
            .args([
                "-std=c11",
                "-Wall",
                "-Wextra",
                "-Werror",
                "-pedantic",
                "-g",
                "-I",
            ])
            .arg(root.join("rust/ffi/include"))
            .arg(root.join("tests/ffi/smoke.c"))
            .arg("-o")
            .arg(&program)
            .arg("-L")
            .arg(&lib_dir)
            .arg(format!("-Wl,-rpath,{}", lib_dir.display()))
            .args(["-lssh_troubleshoot", "-pthread"])
            .output()
            .expect("run cc (Debian: apt-get install build-essential)");
        assert_success("cc tests/ffi/smoke.c", &output);
        program
    })
}

fn assert_success(what: &str, output: &Output) {
    assert!(
        output.status.success(),
        "{what} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
}

#[test]
fn c_program_passes_every_case() {
    let output = linked(&mut Command::new(smoke_program()))
        .output()
        .expect("run the C smoke test");
    assert_success("tests/ffi/smoke.c", &output);
    assert!(String::from_utf8_lossy(&output.stdout).contains("all checks passed"));
}

#[test]
fn no_definite_leaks_under_valgrind() {
    if Command::new("valgrind").arg("--version").output().is_err() {
        // CI installs valgrind (tests/run); a developer without it is told, not failed.
        assert!(
            std::env::var_os("CI").is_none(),
            "valgrind is not installed (Debian: apt-get install valgrind)"
        );
        eprintln!("skipped: valgrind is not installed (Debian: apt-get install valgrind)");
        return;
    }
    // Rust's std keeps a few "still reachable" blocks for the process's lifetime; only
    // definite leaks (and memory errors) fail the run.
    let output = linked(&mut Command::new("valgrind"))
        .args([
            "--quiet",
            "--leak-check=full",
            "--errors-for-leak-kinds=definite",
            "--error-exitcode=99",
        ])
        .arg(smoke_program())
        .arg("leak")
        .output()
        .expect("run valgrind");
    assert_success("valgrind tests/ffi/smoke.c leak", &output);
}

/// The header is C++ as well as C: a C++ program includes it, links (the `extern "C"`
/// block keeps the names unmangled) and calls the library.
#[test]
fn header_works_from_cpp() {
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ffi-smoke");
    std::fs::create_dir_all(&out_dir).expect("create the C++ test's build folder");
    let source = out_dir.join("header.cpp");
    let program = out_dir.join("header-cpp");
    std::fs::write(
        &source,
        "#include \"ssh_troubleshoot.h\"\n\
         static_assert(SSHTS_ABI_VERSION == 1, \"the ABI version\");\n\
         int main() {\n\
             char *answer = sshts_run(nullptr);\n\
             int ok = answer != nullptr && answer[0] == '{';\n\
             sshts_free(answer);\n\
             return ok && sshts_abi_version() == 1 ? 0 : 1;\n\
         }\n",
    )
    .expect("write the C++ test");
    let lib_dir = library_dir();
    let output = Command::new(std::env::var_os("CXX").unwrap_or_else(|| "c++".into()))
        .args([
            "-std=c++11",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-pedantic",
            "-I",
        ])
        .arg(repo_root().join("rust/ffi/include"))
        .arg(&source)
        .arg("-o")
        .arg(&program)
        .arg("-L")
        .arg(&lib_dir)
        .arg(format!("-Wl,-rpath,{}", lib_dir.display()))
        .arg("-lssh_troubleshoot")
        .output()
        .expect("run c++ (Debian: apt-get install build-essential)");
    assert_success("c++ header.cpp", &output);
    let output = linked(&mut Command::new(&program))
        .output()
        .expect("run the C++ test");
    assert_success("the C++ test", &output);
}

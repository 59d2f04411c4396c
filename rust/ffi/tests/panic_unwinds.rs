//! The workspace never builds with `panic = "abort"`: that would turn the library's
//! `catch_unwind` guards (and the engine's) into process aborts.

use std::path::Path;

/// `catch_unwind` only catches unwinding panics: with `panic = "abort"` any panic
/// would kill the host process (PowerShell) instead of becoming an error object.
#[test]
fn no_profile_sets_panic_abort() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let sources = ["Cargo.toml", ".cargo/config.toml", ".cargo/config"]
        .into_iter()
        .map(|p| root.join(p))
        .filter(|p| p.is_file());
    for source in sources {
        let text = std::fs::read_to_string(&source).expect("read a cargo manifest or config");
        let aborting = profiles_that_abort(&text)
            .unwrap_or_else(|e| panic!("{} is not TOML: {e}", source.display()));
        assert!(
            aborting.is_empty(),
            "{} sets panic = \"abort\" in {aborting:?}: the C ABI and the engine rely on \
             unwinding to turn panics into error objects and findings",
            source.display()
        );
    }
}

#[test]
fn the_panic_abort_guard_sees_it() {
    let manifest = "[workspace]\n[profile.release]\nlto = true\npanic = \"abort\"\n\
                    [profile.dist]\ninherits = \"release\"\npanic = \"unwind\"\n";
    assert_eq!(profiles_that_abort(manifest).unwrap(), ["profile.release"]);
    assert!(profiles_that_abort("[workspace]\n").unwrap().is_empty());
}

/// The `[profile.*]` tables of a manifest or cargo config that set `panic = "abort"`.
fn profiles_that_abort(text: &str) -> Result<Vec<String>, toml::de::Error> {
    let doc: toml::Table = text.parse()?;
    let profiles = doc.get("profile").and_then(|p| p.as_table());
    Ok(profiles
        .into_iter()
        .flatten()
        .filter(|(_, profile)| profile.get("panic").and_then(|p| p.as_str()) == Some("abort"))
        .map(|(name, _)| format!("profile.{name}"))
        .collect())
}

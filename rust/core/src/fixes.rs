//! Applies the fixes checks offer. Each is re-validated here at the moment of change,
//! because the file system (or Azure) may have moved since the check looked.

use crate::cancel::Cancel;
use crate::checks::FixAction;
use crate::fixes_azure;
use crate::model::Request;

/// Applies `action`; its ARM calls and waits stop when `cancel` fires.
pub fn apply(action: &FixAction, request: &Request, cancel: &Cancel) -> Result<String, String> {
    match action {
        FixAction::OwnerExecute { path, folder } => owner_execute(path, folder),
        FixAction::RegisterProvider { subscription } => {
            fixes_azure::register_provider(request, subscription, cancel)
        }
        FixAction::AllowSshPort {
            resource_type,
            port,
            create_endpoint,
        } => fixes_azure::allow_ssh_port(request, resource_type, *port, *create_endpoint, cancel),
    }
}

#[cfg(unix)]
fn owner_execute(path: &str, folder: &str) -> Result<String, String> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    let folder_real = std::fs::canonicalize(folder).map_err(|e| format!("{folder}: {e}"))?;
    let file_real = std::fs::canonicalize(path).map_err(|e| format!("{path}: {e}"))?;
    if file_real.parent() != Some(folder_real.as_path()) {
        return Err(format!(
            "refused: {path} resolves to {}, outside {folder}",
            file_real.display()
        ));
    }
    // The resolved path holds no links; lstat proves it was not swapped for one since.
    let meta = std::fs::symlink_metadata(&file_real).map_err(|e| format!("{path}: {e}"))?;
    let me = crate::probe::user::current().uid;
    if !meta.is_file() {
        return Err(format!("refused: {path} is not a regular file"));
    }
    if meta.uid() != me {
        return Err(format!(
            "refused: {path} belongs to uid {}, not to you (uid {me})",
            meta.uid()
        ));
    }
    let old = meta.mode() & 0o7777;
    let new = old | 0o100;
    std::fs::set_permissions(&file_real, std::fs::Permissions::from_mode(new))
        .map_err(|e| format!("{path}: {e}"))?;
    Ok(format!("{path}: mode {old:04o} -> {new:04o}"))
}

#[cfg(not(unix))]
fn owner_execute(path: &str, _folder: &str) -> Result<String, String> {
    Err(format!(
        "{path}: execute permission is granted through ACLs on Windows; not changed"
    ))
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(p: &std::path::Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn adds_owner_execute_only() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sshProxy_linux_amd64_1_3_026973");
        std::fs::write(&p, b"x").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        let msg = owner_execute(p.to_str().unwrap(), dir.path().to_str().unwrap()).unwrap();
        assert_eq!(mode(&p), 0o740);
        assert!(msg.ends_with("0640 -> 0740"), "{msg}");
    }

    #[test]
    fn refuses_a_link_that_leads_out_of_the_folder() {
        let proxy_dir = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        let victim = elsewhere.path().join("precious");
        std::fs::write(&victim, b"x").unwrap();
        std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o600)).unwrap();
        let link = proxy_dir.path().join("sshProxy_linux_amd64_1_3_026973");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        let err =
            owner_execute(link.to_str().unwrap(), proxy_dir.path().to_str().unwrap()).unwrap_err();
        assert!(err.starts_with("refused"), "{err}");
        assert_eq!(mode(&victim), 0o600);
    }
}

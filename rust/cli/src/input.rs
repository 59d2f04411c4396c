//! What the binary reads from the user: error text to explain (an argument, a file or
//! standard input) and yes/no answers at the terminal.

use std::io::{Read, Write};

use crate::{ArcArgs, MAX_EXPLAIN_BYTES};

pub fn read_explain(args: &ArcArgs) -> Result<Option<String>, String> {
    if let Some(text) = &args.explain {
        return Ok(Some(text.clone()));
    }
    let Some(path) = &args.explain_file else {
        return Ok(None);
    };
    let mut bytes = Vec::new();
    let read = if path.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .take(MAX_EXPLAIN_BYTES + 1)
            .read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|f| {
            // Sized up front: doubling a 50 MB buffer would briefly hold three copies.
            let len = f
                .metadata()
                .map_or(0, |m| m.len())
                .min(MAX_EXPLAIN_BYTES + 1);
            bytes.reserve_exact(usize::try_from(len).unwrap_or(0));
            f.take(MAX_EXPLAIN_BYTES + 1).read_to_end(&mut bytes)
        })
    };
    let shown = if path.as_os_str() == "-" {
        "standard input".to_string()
    } else {
        path.display().to_string()
    };
    read.map_err(|e| format!("cannot read {shown}: {e}"))?;
    if bytes.len() as u64 > MAX_EXPLAIN_BYTES {
        return Err(format!(
            "{shown} is larger than {} MiB; pass the part around the error",
            MAX_EXPLAIN_BYTES >> 20
        ));
    }
    // Logs mix encodings; the matcher only needs the ASCII skeleton of each message.
    Ok(Some(match String::from_utf8(bytes) {
        Ok(text) => text,
        // Only invalid input pays for a second copy.
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }))
}

pub fn confirm(question: &str) -> bool {
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer).is_ok()
        && matches!(answer.trim(), "y" | "Y" | "yes" | "Yes")
}

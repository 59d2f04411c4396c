//! Every value put into a command line we show goes through here: one home for
//! quoting, for sh and PowerShell (the remedies, the fleet rows, the report command).

/// Single-quotes a value for POSIX sh and PowerShell alike (both double a quote inside
/// single quotes differently, so each gets its own form).
pub fn sh_quote(value: &str) -> String {
    if !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-+:=@%,".contains(&b))
    {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

pub fn ps_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// `value` as one shell word (single quotes when it holds anything unusual).
pub fn sh_word(value: &str) -> String {
    if !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
    {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', "'\\''"))
    }
}

/// PowerShell: single quotes, a quote doubled. A value beginning with `-` is quoted
/// too: bare, PowerShell would read it as a parameter name (`-Name -web` binds nothing).
pub fn ps_word(value: &str) -> String {
    if !value.is_empty()
        && !value.starts_with('-')
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', "''"))
    }
}

//! PowerShell module manifests (`.psd1`): just enough to read the top-level
//! `ModuleVersion`, which decides whether Az.Ssh accepts an Az.Ssh.ArcProxy (1.x only).
//!
//! This is a small linear tokenizer, not a PowerShell parser. It understands what real
//! manifests contain: `#` and `<# #>` comments, single-quoted (`''` escape),
//! double-quoted (backtick and `""` escapes) and here-strings (`@' '@`, `@" "@`),
//! typographic quotes (PowerShell accepts them), bare words, nested `@{ }`, `@( )`,
//! `{ }`, `( )`, `;` and newlines as separators, backtick line continuations, a BOM
//! and CRLF. Only keys of the top-level hashtable count, so a `ModuleVersion` inside
//! `RequiredModules = @(@{ ... })` or `PrivateData` is never taken. Nesting is tracked
//! with an explicit stack capped at [`MAX_DEPTH`]. Text after the top-level hashtable
//! is ignored.

use std::path::Path;

/// Deepest nesting accepted; real manifests use 4 or 5 levels.
pub const MAX_DEPTH: usize = 64;

/// Why a manifest's version could not be read, so a check can say what is wrong
/// with the installed module rather than just "not found".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Psd1Error {
    #[error("not a module manifest: no top-level @{{ }} hashtable")]
    NotAManifest,
    #[error("the manifest has no top-level ModuleVersion")]
    MissingModuleVersion,
    #[error("unterminated {what} starting on line {line}")]
    Unterminated { what: &'static str, line: usize },
    #[error("unexpected '{ch}' on line {line}")]
    Unexpected { ch: char, line: usize },
    #[error("nesting deeper than {MAX_DEPTH} levels")]
    TooDeep,
    #[error("ModuleVersion is set more than once")]
    DuplicateModuleVersion,
    #[error("ModuleVersion '{0}' is not a version of 2 to 4 numbers")]
    InvalidVersion(String),
    #[error("the manifest is too large ({size} bytes)")]
    TooLarge { size: u64 },
    #[error("cannot read the manifest: {0}")]
    Io(String),
}

/// Reads the top-level `ModuleVersion` as written (trimmed), after checking that it
/// is a version PowerShell accepts.
pub fn module_version(text: &str) -> Result<String, Psd1Error> {
    let raw = find_module_version(text)?;
    let value = raw.trim();
    if parse_version(value).is_some() {
        Ok(value.to_string())
    } else {
        Err(Psd1Error::InvalidVersion(value.to_string()))
    }
}

/// Maps a PowerShell (`System.Version`) version of 2 to 4 numeric parts onto semver
/// so versions can be compared: `1.0` → 1.0.0, `2.0.0.1` → 2.0.0+1 (the fourth part
/// becomes build metadata, which the semver crate still orders numerically). Parts
/// must fit in an `i32`, as in .NET.
pub fn parse_version(v: &str) -> Option<semver::Version> {
    let parts: Vec<&str> = v.trim().split('.').collect();
    if !(2..=4).contains(&parts.len()) {
        return None;
    }
    let mut nums: Vec<u64> = Vec::with_capacity(4);
    for p in &parts {
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: i32 = p.parse().ok()?;
        nums.push(u64::try_from(n).ok()?);
    }
    let at = |i: usize| nums.get(i).copied().unwrap_or(0);
    let mut version = semver::Version::new(at(0), at(1), at(2));
    if let Some(revision) = nums.get(3) {
        version.build = semver::BuildMetadata::new(&revision.to_string()).ok()?;
    }
    Some(version)
}

/// Reads a manifest file of at most `max_bytes`, decoding UTF-8 (BOM or not, invalid
/// bytes replaced) and UTF-16 LE/BE (BOM, or the zero-byte pattern of BOM-less
/// UTF-16), which Windows PowerShell writes by default.
pub fn read_manifest(path: &Path, max_bytes: u64) -> Result<String, Psd1Error> {
    use std::io::Read;
    let io = |e: std::io::Error| Psd1Error::Io(format!("{}: {e}", path.display()));
    let file = std::fs::File::open(path).map_err(io)?;
    match file.metadata() {
        Ok(meta) if meta.len() > max_bytes => {
            return Err(Psd1Error::TooLarge { size: meta.len() });
        }
        _ => {}
    }
    let mut buf = Vec::new();
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(io)?;
    let size = u64::try_from(buf.len()).unwrap_or(u64::MAX);
    if size > max_bytes {
        return Err(Psd1Error::TooLarge { size });
    }
    Ok(decode_text(&buf))
}

/// Decodes manifest bytes the way PowerShell would read them (see [`read_manifest`]).
pub fn decode_text(bytes: &[u8]) -> String {
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => String::from_utf8_lossy(rest).into_owned(),
        [0xFF, 0xFE, rest @ ..] => decode_utf16(rest, false),
        [0xFE, 0xFF, rest @ ..] => decode_utf16(rest, true),
        [a, 0, ..] if *a != 0 => decode_utf16(bytes, false),
        [0, b, ..] if *b != 0 => decode_utf16(bytes, true),
        _ => String::from_utf8_lossy(bytes).into_owned(),
    }
}

fn decode_utf16(bytes: &[u8], big_endian: bool) -> String {
    let chunks = bytes.chunks_exact(2);
    let odd = !chunks.remainder().is_empty();
    let units = chunks.map(|c| match (c.first(), c.get(1)) {
        (Some(&a), Some(&b)) if big_endian => u16::from_be_bytes([a, b]),
        (Some(&a), Some(&b)) => u16::from_le_bytes([a, b]),
        _ => 0xFFFD,
    });
    let mut out: String = char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    if odd {
        out.push(char::REPLACEMENT_CHARACTER);
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    /// Any quoted or here-string, with escapes resolved.
    Str(String),
    /// An unquoted word (`ModuleVersion`, `1.0.0`, `$true`, `[version]`).
    Bare(String),
    /// `@{`, `{`, `@(` or `(`; carries the closer it expects and a name for errors.
    Open(char, &'static str),
    Close(char),
    Eq,
    Semi,
    Comma,
    Newline,
    Eof,
}

fn is_single_quote(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}')
}

fn is_double_quote(c: char) -> bool {
    matches!(c, '"' | '\u{201C}' | '\u{201D}' | '\u{201E}')
}

fn is_newline(c: char) -> bool {
    c == '\n' || c == '\r'
}

fn is_blank(c: char) -> bool {
    (c.is_whitespace() && !is_newline(c)) || c == '\u{FEFF}'
}

fn ends_bare(c: char) -> bool {
    is_blank(c)
        || is_newline(c)
        || is_single_quote(c)
        || is_double_quote(c)
        || matches!(c, ';' | ',' | '=' | '{' | '}' | '(' | ')')
}

struct Lexer {
    chars: Vec<char>,
    pos: usize,
    line: usize,
}

impl Lexer {
    fn new(text: &str) -> Lexer {
        Lexer {
            chars: text.chars().collect(),
            pos: 0,
            line: 1,
        }
    }

    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos.checked_add(ahead)?).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek(0)?;
        self.pos += 1;
        if c == '\n' || (c == '\r' && self.peek(0) != Some('\n')) {
            self.line += 1;
        }
        Some(c)
    }

    /// Consumes one newline (`\n`, `\r\n` or `\r`) if present.
    fn eat_newline(&mut self) -> bool {
        match self.peek(0) {
            Some('\r') => {
                self.bump();
                if self.peek(0) == Some('\n') {
                    self.bump();
                }
                true
            }
            Some('\n') => {
                self.bump();
                true
            }
            _ => false,
        }
    }

    fn next(&mut self) -> Result<Tok, Psd1Error> {
        loop {
            let Some(c) = self.peek(0) else {
                return Ok(Tok::Eof);
            };
            if is_blank(c) {
                self.bump();
                continue;
            }
            if is_newline(c) {
                self.eat_newline();
                return Ok(Tok::Newline);
            }
            if c == '`' && self.peek(1).is_some_and(is_newline) {
                // Line continuation.
                self.bump();
                self.eat_newline();
                continue;
            }
            if c == '#' {
                while self.peek(0).is_some_and(|c| !is_newline(c)) {
                    self.bump();
                }
                continue;
            }
            if c == '<' && self.peek(1) == Some('#') {
                self.block_comment()?;
                continue;
            }
            return self.token(c);
        }
    }

    fn token(&mut self, c: char) -> Result<Tok, Psd1Error> {
        let simple = match c {
            '=' => Some(Tok::Eq),
            ';' => Some(Tok::Semi),
            ',' => Some(Tok::Comma),
            '{' => Some(Tok::Open('}', "script block")),
            '(' => Some(Tok::Open(')', "parenthesis")),
            '}' | ')' => Some(Tok::Close(c)),
            _ => None,
        };
        if let Some(tok) = simple {
            self.bump();
            return Ok(tok);
        }
        if c == '@' {
            match self.peek(1) {
                Some('{') => {
                    self.pos += 2;
                    return Ok(Tok::Open('}', "hashtable"));
                }
                Some('(') => {
                    self.pos += 2;
                    return Ok(Tok::Open(')', "array"));
                }
                Some(q) if is_single_quote(q) || is_double_quote(q) => {
                    return self.here_string(is_double_quote(q));
                }
                _ => {}
            }
        }
        if is_single_quote(c) {
            return self.single_quoted();
        }
        if is_double_quote(c) {
            return self.double_quoted();
        }
        let mut word = String::new();
        while let Some(c) = self.peek(0) {
            if ends_bare(c) {
                break;
            }
            word.push(c);
            self.bump();
        }
        Ok(Tok::Bare(word))
    }

    fn block_comment(&mut self) -> Result<(), Psd1Error> {
        let line = self.line;
        self.pos += 2;
        loop {
            match self.bump() {
                None => {
                    return Err(Psd1Error::Unterminated {
                        what: "block comment",
                        line,
                    });
                }
                Some('#') if self.peek(0) == Some('>') => {
                    self.bump();
                    return Ok(());
                }
                Some(_) => {}
            }
        }
    }

    fn single_quoted(&mut self) -> Result<Tok, Psd1Error> {
        let line = self.line;
        self.bump();
        let mut s = String::new();
        loop {
            match self.bump() {
                None => {
                    return Err(Psd1Error::Unterminated {
                        what: "string",
                        line,
                    });
                }
                Some(c) if is_single_quote(c) => {
                    if self.peek(0).is_some_and(is_single_quote) {
                        self.bump();
                        s.push(c);
                    } else {
                        return Ok(Tok::Str(s));
                    }
                }
                Some(c) => s.push(c),
            }
        }
    }

    fn double_quoted(&mut self) -> Result<Tok, Psd1Error> {
        let line = self.line;
        self.bump();
        let mut s = String::new();
        loop {
            match self.bump() {
                None => {
                    return Err(Psd1Error::Unterminated {
                        what: "string",
                        line,
                    });
                }
                Some('`') => match self.bump() {
                    Some(e) => s.push(e),
                    None => {
                        return Err(Psd1Error::Unterminated {
                            what: "string",
                            line,
                        });
                    }
                },
                Some(c) if is_double_quote(c) => {
                    if self.peek(0).is_some_and(is_double_quote) {
                        self.bump();
                        s.push(c);
                    } else {
                        return Ok(Tok::Str(s));
                    }
                }
                Some(c) => s.push(c),
            }
        }
    }

    fn here_string(&mut self, double: bool) -> Result<Tok, Psd1Error> {
        let line = self.line;
        self.pos += 2;
        while self.peek(0).is_some_and(is_blank) {
            self.bump();
        }
        match self.peek(0) {
            None => {
                return Err(Psd1Error::Unterminated {
                    what: "here-string",
                    line,
                });
            }
            Some(c) if !is_newline(c) => {
                return Err(Psd1Error::Unexpected {
                    ch: c,
                    line: self.line,
                });
            }
            Some(_) => {
                self.eat_newline();
            }
        }
        let quote = |c: char| {
            if double {
                is_double_quote(c)
            } else {
                is_single_quote(c)
            }
        };
        let mut s = String::new();
        let mut at_line_start = true;
        loop {
            if at_line_start && self.peek(0).is_some_and(quote) && self.peek(1) == Some('@') {
                self.pos += 2;
                // The newline before the terminator is not part of the string.
                if s.ends_with('\n') {
                    s.pop();
                    if s.ends_with('\r') {
                        s.pop();
                    }
                } else if s.ends_with('\r') {
                    s.pop();
                }
                return Ok(Tok::Str(s));
            }
            let Some(c) = self.bump() else {
                return Err(Psd1Error::Unterminated {
                    what: "here-string",
                    line,
                });
            };
            s.push(c);
            at_line_start = c == '\n' || (c == '\r' && self.peek(0) != Some('\n'));
        }
    }
}

/// Where the top-level key/value state machine is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Expecting a key (separators are skipped).
    Key,
    /// Read a key; expecting `=`.
    Eq { is_version: bool },
    /// Read `=`; expecting the value (newlines allowed before it).
    Value { is_version: bool },
    /// Read a value; a `,` continues an array, a separator ends the entry.
    After { is_version: bool },
    /// Something unexpected; skip to the next separator.
    Skip,
}

fn find_module_version(text: &str) -> Result<String, Psd1Error> {
    let mut lx = Lexer::new(text);
    // Only comments and separators may precede the top-level hashtable.
    loop {
        match lx.next()? {
            Tok::Newline | Tok::Semi => {}
            Tok::Open('}', "hashtable") => break,
            _ => return Err(Psd1Error::NotAManifest),
        }
    }
    let mut stack: Vec<(char, &'static str, usize)> = vec![('}', "hashtable", lx.line)];
    let mut state = State::Key;
    let mut found: Option<String> = None;
    loop {
        let line = lx.line;
        let tok = lx.next()?;
        let top = stack.len() == 1;
        match tok {
            Tok::Eof => {
                let (_, what, line) = stack.last().copied().unwrap_or(('}', "hashtable", 1));
                return Err(Psd1Error::Unterminated { what, line });
            }
            Tok::Open(closer, what) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(Psd1Error::TooDeep);
                }
                if top {
                    if let State::Value { is_version: true } = state {
                        record(&mut found, if what == "hashtable" { "@{" } else { "@(" })?;
                    }
                    state = match state {
                        State::Value { is_version } | State::After { is_version } => {
                            State::After { is_version }
                        }
                        _ => State::Skip,
                    };
                }
                stack.push((closer, what, line));
            }
            Tok::Close(c) => {
                match stack.pop() {
                    Some((closer, _, _)) if closer == c => {}
                    _ => return Err(Psd1Error::Unexpected { ch: c, line }),
                }
                if stack.is_empty() {
                    break;
                }
            }
            _ if !top => {}
            tok => state = step(state, tok, &mut found)?,
        }
    }
    found.ok_or(Psd1Error::MissingModuleVersion)
}

fn record(found: &mut Option<String>, value: &str) -> Result<(), Psd1Error> {
    if found.is_some() {
        return Err(Psd1Error::DuplicateModuleVersion);
    }
    *found = Some(value.to_string());
    Ok(())
}

/// One step of the top-level state machine (never sees `Open`, `Close` or `Eof`).
fn step(state: State, tok: Tok, found: &mut Option<String>) -> Result<State, Psd1Error> {
    let separator = matches!(tok, Tok::Newline | Tok::Semi);
    Ok(match (state, tok) {
        (State::Key, Tok::Bare(k) | Tok::Str(k)) => State::Eq {
            is_version: k.eq_ignore_ascii_case("ModuleVersion"),
        },
        (State::Eq { is_version }, Tok::Eq) => State::Value { is_version },
        (State::Value { is_version }, Tok::Bare(v) | Tok::Str(v)) => {
            if is_version {
                record(found, &v)?;
            }
            State::After { is_version }
        }
        (State::Value { is_version }, Tok::Newline) => State::Value { is_version },
        (State::After { is_version }, Tok::Comma) => {
            if is_version {
                // An array is not a version; keep the text for the error message.
                if let Some(v) = found.as_mut() {
                    v.push_str(", ...");
                }
            }
            State::Value { is_version: false }
        }
        (State::After { is_version }, Tok::Bare(_) | Tok::Str(_) | Tok::Eq) => {
            State::After { is_version }
        }
        _ if separator => State::Key,
        _ => State::Skip,
    })
}

#[cfg(test)]
#[path = "psd1_tests.rs"]
mod tests;

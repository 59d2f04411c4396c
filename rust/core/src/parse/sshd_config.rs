//! `sshd_config` as sshd reads it for listening: `Port`, `ListenAddress`,
//! `AddressFamily`, `Include` (globs, nesting) and `Match` ending the global section.
//!
//! Pure: files are read through [`ConfigFs`], so tests describe whole trees in memory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where sshd resolves a relative `Include` (its compile-time `SSHDIR`): always this
/// folder, whatever the folder of the file holding the `Include` (sshd_config(5)).
pub const SSHDIR: &str = "/etc/ssh";
/// sshd's own nesting limit for `Include`.
pub const MAX_DEPTH: usize = 16;
const MAX_FILES: usize = 256;
const MAX_LINES: usize = 200_000;

pub trait ConfigFs {
    /// The file's text (the implementation bounds its size).
    fn read(&self, path: &Path) -> Result<String, String>;
    /// The names in a folder.
    fn list(&self, dir: &Path) -> Result<Vec<String>, String>;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct At {
    pub file: String,
    pub line: usize,
}

impl std::fmt::Display for At {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listen {
    /// Host or address as written, without brackets.
    pub host: String,
    pub port: Option<u16>,
    pub at: At,
}

#[derive(Debug, Default, Clone)]
pub struct SshdConfig {
    /// `Port` lines of the global section, in order (they accumulate).
    pub ports: Vec<(u16, At)>,
    /// `ListenAddress` lines of the global section, in order (they accumulate).
    pub listen: Vec<Listen>,
    /// First `AddressFamily` (first value wins).
    pub address_family: Option<String>,
    /// Every file read, in order.
    pub files: Vec<String>,
    /// What sshd would refuse or that we could not read.
    pub problems: Vec<String>,
    /// Harmless notes (an `Include` glob matching nothing).
    pub notes: Vec<String>,
}

/// Parses `path`, resolving relative `Include`s against `include_base` (sshd: [`SSHDIR`]).
pub fn parse(fs: &dyn ConfigFs, path: &Path, include_base: &Path) -> Result<SshdConfig, String> {
    let text = fs.read(path)?;
    let mut p = Parser {
        fs,
        base: include_base,
        out: SshdConfig::default(),
        stack: Vec::new(),
        lines: 0,
    };
    p.file(path, &text, false);
    Ok(p.out)
}

impl SshdConfig {
    /// The ports sshd listens on when no `ListenAddress` names one (default 22).
    pub fn port_list(&self) -> Vec<u16> {
        let mut ports: Vec<u16> = self.ports.iter().map(|(p, _)| *p).collect();
        ports.dedup();
        if ports.is_empty() { vec![22] } else { ports }
    }

    /// Every (address, port) sshd binds, as sshd expands them: no `ListenAddress` means
    /// the wildcard of each allowed family; one without a port takes every `Port`.
    pub fn binds(&self) -> Vec<(String, u16)> {
        let ports = self.port_list();
        let family = self.address_family.as_deref().map(str::to_ascii_lowercase);
        let mut out = Vec::new();
        if self.listen.is_empty() {
            for p in &ports {
                if family.as_deref() != Some("inet6") {
                    out.push(("0.0.0.0".to_string(), *p));
                }
                if family.as_deref() != Some("inet") {
                    out.push(("::".to_string(), *p));
                }
            }
        }
        for l in &self.listen {
            match l.port {
                Some(p) => out.push((l.host.clone(), p)),
                None => out.extend(ports.iter().map(|p| (l.host.clone(), *p))),
            }
        }
        out
    }
}

/// `ListenAddress` value: `host`, `v4:port`, `[v6]:port`, bare `v6`.
pub fn split_listen(value: &str) -> Result<(String, Option<u16>), String> {
    let bad = || format!("bad ListenAddress '{value}'");
    if let Some(rest) = value.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or_else(bad)?;
        return match after {
            "" => Ok((host.to_string(), None)),
            _ => {
                let port = after.strip_prefix(':').ok_or_else(bad)?;
                Ok((host.to_string(), Some(parse_port(port).ok_or_else(bad)?)))
            }
        };
    }
    match value.matches(':').count() {
        1 => {
            let (host, port) = value.split_once(':').ok_or_else(bad)?;
            Ok((host.to_string(), Some(parse_port(port).ok_or_else(bad)?)))
        }
        _ => Ok((value.to_string(), None)),
    }
}

fn parse_port(s: &str) -> Option<u16> {
    s.parse::<u16>().ok().filter(|p| *p != 0)
}

struct Parser<'a> {
    fs: &'a dyn ConfigFs,
    base: &'a Path,
    out: SshdConfig,
    stack: Vec<PathBuf>,
    lines: usize,
}

impl Parser<'_> {
    fn file(&mut self, path: &Path, text: &str, mut in_match: bool) {
        self.stack.push(path.to_path_buf());
        self.out.files.push(path.display().to_string());
        for (n, raw) in text.lines().enumerate() {
            self.lines += 1;
            if self.lines > MAX_LINES {
                self.out
                    .problems
                    .push(format!("stopped after {MAX_LINES} lines"));
                break;
            }
            let Some((keyword, args)) = split_line(raw) else {
                continue;
            };
            let at = At {
                file: path.display().to_string(),
                line: n + 1,
            };
            match keyword.to_ascii_lowercase().as_str() {
                "match" => in_match = true,
                "include" => {
                    for arg in &args {
                        self.include(arg, &at, in_match);
                    }
                }
                "port" | "listenaddress" if in_match => self.out.problems.push(format!(
                    "{at}: {keyword} is not allowed inside a Match block"
                )),
                "port" => match args.first().and_then(|a| parse_port(a)) {
                    Some(p) => self.out.ports.push((p, at)),
                    None => self
                        .out
                        .problems
                        .push(format!("{at}: bad port number '{}'", args.join(" "))),
                },
                "listenaddress" => match args.first().map(|a| split_listen(a)) {
                    Some(Ok((host, port))) => self.out.listen.push(Listen { host, port, at }),
                    Some(Err(e)) => self.out.problems.push(format!("{at}: {e}")),
                    None => self
                        .out
                        .problems
                        .push(format!("{at}: ListenAddress without a value")),
                },
                "addressfamily" if !in_match && self.out.address_family.is_none() => {
                    self.out.address_family = args.first().cloned();
                }
                _ => {}
            }
        }
        self.stack.pop();
    }

    fn include(&mut self, pattern: &str, at: &At, in_match: bool) {
        let full = if Path::new(pattern).is_absolute() {
            PathBuf::from(pattern)
        } else {
            self.base.join(pattern)
        };
        let matches = expand(self.fs, &full);
        if matches.is_empty() {
            self.out
                .notes
                .push(format!("{at}: Include {} matches no file", full.display()));
        }
        for path in matches {
            if self.stack.len() >= MAX_DEPTH {
                self.out.problems.push(format!(
                    "{at}: Include nested deeper than {MAX_DEPTH} levels (sshd refuses this)"
                ));
                return;
            }
            if self.stack.contains(&path) {
                self.out
                    .problems
                    .push(format!("{at}: Include of {} loops back", path.display()));
                continue;
            }
            if self.out.files.len() >= MAX_FILES {
                self.out
                    .problems
                    .push(format!("stopped after {MAX_FILES} included files"));
                return;
            }
            match self.fs.read(&path) {
                Ok(text) => self.file(&path, &text, in_match),
                Err(e) => self.out.problems.push(format!("{at}: {e}")),
            }
        }
    }
}

/// Keyword and arguments: `Key value`, `Key=value`, `Key = "quoted value"`; `#` starts
/// a comment. `None` for blank and comment lines.
pub fn split_line(raw: &str) -> Option<(String, Vec<String>)> {
    let line = raw.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let end = line
        .find(|c: char| c.is_whitespace() || c == '=')
        .unwrap_or(line.len());
    let keyword = line[..end].to_string();
    let mut rest = line[end..].trim_start();
    if let Some(r) = rest.strip_prefix('=') {
        rest = r.trim_start();
    }
    let mut args = Vec::new();
    let mut chars = rest.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        if c == '#' {
            break;
        }
        let mut arg = String::new();
        if c == '"' {
            chars.next();
            for c in chars.by_ref() {
                if c == '"' {
                    break;
                }
                arg.push(c);
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                arg.push(c);
                chars.next();
            }
        }
        args.push(arg);
    }
    Some((keyword, args))
}

/// glob(3) for `*`, `?` and `[...]` in any component; sorted like glob's results.
fn expand(fs: &dyn ConfigFs, path: &Path) -> Vec<PathBuf> {
    let mut found = vec![PathBuf::new()];
    for comp in path.components() {
        let part = comp.as_os_str().to_string_lossy();
        let wild = part.contains(['*', '?', '[']);
        let mut next = BTreeMap::new();
        for prefix in &found {
            if !wild {
                next.insert(prefix.join(&*part), ());
                continue;
            }
            for name in fs.list(prefix).unwrap_or_default() {
                if !name.starts_with('.') && glob_match(part.as_bytes(), name.as_bytes()) {
                    next.insert(prefix.join(&name), ());
                }
            }
        }
        found = next.into_keys().collect();
        if found.is_empty() {
            return found;
        }
    }
    if path.to_string_lossy().contains(['*', '?', '[']) {
        found
    } else {
        // A plain name: sshd hands it to glob too, which keeps it only if it exists.
        found.retain(|p| fs.read(p).is_ok() || fs.list(p).is_ok());
        found
    }
}

/// fnmatch(3) for `*`, `?` and `[...]` (`!` negates, `a-z` ranges); linear
/// backtracking to the last `*`, so no pattern can make it slow.
pub fn glob_match(pat: &[u8], name: &[u8]) -> bool {
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        let step = match pat.get(p) {
            Some(b'*') => {
                star = Some((p, n));
                p += 1;
                continue;
            }
            Some(b'?') => Some(1),
            Some(b'[') => {
                class(&pat[p + 1..], name[n]).map(|(hit, len)| if hit { len + 1 } else { 0 })
            }
            Some(&c) => Some(usize::from(c == name[n])),
            None => Some(0),
        }
        .filter(|len| *len > 0)
        .or_else(|| {
            (pat.get(p) == Some(&b'[') && name[n] == b'[' && class(&pat[p + 1..], 0).is_none())
                .then_some(1)
        });
        match step {
            Some(len) => {
                p += len;
                n += 1;
            }
            None => match star {
                Some((sp, sn)) => {
                    p = sp + 1;
                    n = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    pat[p..].iter().all(|&b| b == b'*')
}

/// `set]...` after a `[`: whether `c` is in it and how long the set is with its `]`;
/// `None` when there is no closing `]` (then `[` is an ordinary character).
fn class(set: &[u8], c: u8) -> Option<(bool, usize)> {
    let close = set.iter().skip(1).position(|&b| b == b']')? + 1;
    let (negate, body) = match set[..close].split_first() {
        Some((b'!', rest)) => (true, rest),
        _ => (false, &set[..close]),
    };
    let mut hit = false;
    let mut i = 0;
    while i < body.len() {
        if i + 2 < body.len() && body[i + 1] == b'-' {
            hit |= body[i] <= c && c <= body[i + 2];
            i += 3;
        } else {
            hit |= body[i] == c;
            i += 1;
        }
    }
    Some((hit != negate, close + 1))
}

#[cfg(test)]
#[path = "sshd_config_tests.rs"]
mod tests;

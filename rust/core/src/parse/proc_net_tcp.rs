//! `/proc/net/tcp` and `/proc/net/tcp6`: the sockets in state LISTEN (`0A`).
//!
//! Addresses are hex, each 32-bit word in host byte order (little-endian on the
//! machines this runs on); ports are big-endian hex.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// One listening TCP socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Listener {
    pub addr: IpAddr,
    pub port: u16,
}

impl std::fmt::Display for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.addr {
            IpAddr::V4(a) => write!(f, "{a}:{}", self.port),
            IpAddr::V6(a) => write!(f, "[{a}]:{}", self.port),
        }
    }
}

/// At most this many lines are read from one table.
const MAX_LINES: usize = 100_000;

/// The listening sockets in one table (either file; the address width tells which).
/// Lines that do not parse are skipped.
pub fn listeners(text: &str) -> Vec<Listener> {
    text.lines()
        .skip(1)
        .take(MAX_LINES)
        .filter_map(parse_line)
        .collect()
}

fn parse_line(line: &str) -> Option<Listener> {
    let mut fields = line.split_whitespace();
    let _slot = fields.next()?;
    let local = fields.next()?;
    let _remote = fields.next()?;
    let state = fields.next()?;
    if !state.eq_ignore_ascii_case("0A") {
        return None;
    }
    let (addr, port) = local.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let addr = match addr.len() {
        8 => IpAddr::V4(Ipv4Addr::from(word(addr)?.to_le_bytes())),
        32 => {
            let mut bytes = [0u8; 16];
            for i in 0..4 {
                let w = word(addr.get(i * 8..i * 8 + 8)?)?;
                bytes[i * 4..i * 4 + 4].copy_from_slice(&w.to_le_bytes());
            }
            IpAddr::V6(Ipv6Addr::from(bytes))
        }
        _ => return None,
    };
    Some(Listener { addr, port })
}

fn word(hex: &str) -> Option<u32> {
    if hex.len() != 8 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(hex, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Captured on Debian 12 (x86_64) with listeners on 127.0.0.1:2222, 0.0.0.0:2024,
    // [::1]:2222 and [fd00::2]:2222, and one established connection.
    const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:08AE 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 202715 1 0000000001a9d650 100 0 0 10 0
   1: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1677 1 000000000a4fd47d 100 0 0 10 0
   2: 020200C0:9628 507100CB:0050 06 00000000:00000000 03:000009B0 00000000     0        0 0 3 00000000d0c7a12d
";
    const TCP6: &str = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:08AE 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 202713 1 000000002347668c 100 0 0 10 0
   1: 000000FD000000000000000002000000:08AE 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 202717 1 000000001c387a16 100 0 0 10 0
   2: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0
";

    fn l(s: &str) -> Listener {
        let (a, p) = s.rsplit_once(':').unwrap();
        Listener {
            addr: a.trim_matches(['[', ']']).parse().unwrap(),
            port: p.parse().unwrap(),
        }
    }

    #[test]
    fn ipv4_listeners_only_in_state_0a() {
        assert_eq!(listeners(TCP), [l("127.0.0.1:2222"), l("0.0.0.0:2024")]);
    }

    #[test]
    fn ipv6_words_are_little_endian() {
        assert_eq!(
            listeners(TCP6),
            [l("[::1]:2222"), l("[fd00::2]:2222"), l("[::]:22")]
        );
        assert_eq!(l("[fd00::2]:2222").to_string(), "[fd00::2]:2222");
    }

    #[test]
    fn garbage_is_skipped() {
        let text = "header\n0: zz:08AE 0:0 0A\n1: 0100007F 0 0A\n2: 0100007F:08AE\n\n\u{0}\u{1}\n";
        assert!(listeners(text).is_empty());
        assert!(listeners("").is_empty());
    }
}

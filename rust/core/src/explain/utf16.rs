//! Windows PowerShell 5.1 writes redirected output as UTF-16. The scanner works on bytes
//! that are ASCII where the messages are, so such input is decoded first, and the
//! offsets found in the decoding are mapped back to the input's bytes.

/// `Some(big_endian)` when `input` is UTF-16: a byte-order mark, or mostly ASCII text
/// with every other byte zero.
pub(super) fn utf16_order(input: &[u8]) -> Option<bool> {
    match input {
        [0xff, 0xfe, ..] => return Some(false),
        [0xfe, 0xff, ..] => return Some(true),
        _ => {}
    }
    let head = &input[..input.len().min(4096)];
    let pairs = head.len() / 2;
    if pairs < 8 {
        return None;
    }
    let (mut even, mut odd) = (0, 0);
    for pair in head.chunks_exact(2) {
        even += usize::from(pair[0] == 0);
        odd += usize::from(pair[1] == 0);
    }
    if odd * 10 >= pairs * 7 && even * 10 <= pairs {
        Some(false)
    } else if even * 10 >= pairs * 7 && odd * 10 <= pairs {
        Some(true)
    } else {
        None
    }
}

/// The UTF-16 code units of `input` after its byte-order mark, if any.
fn utf16_units(input: &[u8], big_endian: bool) -> (usize, impl Iterator<Item = u16> + '_) {
    let bom = usize::from(matches!(input, [0xff, 0xfe, ..] | [0xfe, 0xff, ..])) * 2;
    let units = input[bom..].chunks_exact(2).map(move |p| {
        if big_endian {
            u16::from_be_bytes([p[0], p[1]])
        } else {
            u16::from_le_bytes([p[0], p[1]])
        }
    });
    (bom, units)
}

pub(super) fn decode_utf16(input: &[u8], big_endian: bool) -> String {
    let (_, units) = utf16_units(input, big_endian);
    char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

/// The offset in the UTF-16 `input` of byte `target` of its UTF-8 decoding.
pub(super) fn utf16_offset(input: &[u8], big_endian: bool, target: usize) -> usize {
    let (bom, units) = utf16_units(input, big_endian);
    let (mut utf8, mut utf16) = (0, 0);
    for c in char::decode_utf16(units) {
        if utf8 >= target {
            break;
        }
        let (ch, width) = c.map_or((char::REPLACEMENT_CHARACTER, 1), |ch| (ch, ch.len_utf16()));
        utf8 += ch.len_utf8();
        utf16 += width;
    }
    bom + 2 * utf16
}

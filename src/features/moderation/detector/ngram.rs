//! The character alphabet, hashing and SimHash accumulation that both the model's features
//! ([`super::features`]) and the near-duplicate fingerprints ([`super::similarity`]) are built from. The
//! model's 3-gram hashes are the fingerprint's shingle hashes, so one pass over a message serves both;
//! keeping them here lets each of those modules use them without importing the other.

pub use super::super::normalize::is_alnum;
use super::super::normalize::unconfuse;

/// How many characters of a message are judged: longer messages are cut here.
pub const MAX_CHARS: usize = 400;

/// Cuts `text` to its first [`MAX_CHARS`] characters.
pub fn cut(text: &str) -> &str {
    match text.char_indices().nth(MAX_CHARS) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

/// A deterministic 64-bit mix (the splitmix64 finalizer).
#[inline]
pub fn mix64(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The character n-gram and fingerprint alphabet: look-alikes mapped, ASCII lower-cased, ASCII digits
/// masked to `0`; `None` for anything that is not a letter or digit.
#[inline]
pub fn gram_char(ch: char) -> Option<char> {
    if ch.is_ascii() {
        if ch.is_ascii_digit() {
            Some('0')
        } else if ch.is_ascii_alphabetic() {
            Some(ch.to_ascii_lowercase())
        } else {
            None
        }
    } else {
        let ch = unconfuse(ch).to_ascii_lowercase();
        if ch.is_ascii_digit() {
            Some('0')
        } else if is_alnum(ch) {
            Some(ch)
        } else {
            None
        }
    }
}

/// The key of the 3-gram `a b c` (exact: each character takes 21 bits). Mixed, it is both the 3-gram's
/// feature hash and the SimHash shingle hash.
#[inline]
pub fn key3(a: char, b: char, c: char) -> u64 {
    (u64::from(a as u32) << 42) ^ (u64::from(b as u32) << 21) ^ u64::from(c as u32)
}

/// Texts with fewer shingles than this get no fingerprint: short messages are too alike to compare.
pub const MIN_SHINGLES: usize = 10;

/// Byte `k` of entry `b` is bit `k` of `b`: adding `SPREAD[byte]` to a word counts eight bits at once.
const SPREAD: [u64; 256] = {
    let mut table = [0u64; 256];
    let mut b = 0;
    while b < 256 {
        let mut k = 0;
        while k < 8 {
            if (b >> k) & 1 == 1 {
                table[b] |= 1 << (8 * k);
            }
            k += 1;
        }
        b += 1;
    }
    table
};

/// Counts, per bit, how many shingle hashes have it set, eight bits per table look-up: eight words of
/// eight byte-wide counters, emptied into the full counts before a byte can overflow. The fingerprint's
/// bit is set when more than half of the shingles have it.
#[derive(Debug, Clone)]
pub struct SimAccumulator {
    lanes: [u64; 8],
    pending: u32,
    ones: [u32; 64],
    shingles: u32,
}

impl Default for SimAccumulator {
    fn default() -> Self {
        SimAccumulator {
            lanes: [0; 8],
            pending: 0,
            ones: [0; 64],
            shingles: 0,
        }
    }
}

impl SimAccumulator {
    /// Counts one shingle hash.
    #[inline]
    pub fn add(&mut self, h: u64) {
        for (j, lane) in self.lanes.iter_mut().enumerate() {
            *lane += SPREAD[((h >> (8 * j)) & 0xFF) as usize];
        }
        self.pending += 1;
        self.shingles += 1;
        if self.pending == 255 {
            self.flush();
        }
    }

    fn flush(&mut self) {
        for (j, lane) in self.lanes.iter_mut().enumerate() {
            for k in 0..8 {
                self.ones[8 * j + k] += ((*lane >> (8 * k)) & 0xFF) as u32;
            }
            *lane = 0;
        }
        self.pending = 0;
    }

    /// The fingerprint of the shingles counted.
    pub fn finish(mut self) -> u64 {
        self.flush();
        let mut fp = 0u64;
        for (bit, count) in self.ones.iter().enumerate() {
            if 2 * *count > self.shingles {
                fp |= 1 << bit;
            }
        }
        fp
    }
}

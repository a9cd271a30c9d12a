//! Near-duplicate fingerprints of known spam: a 64-bit SimHash over character 3-shingles of the
//! normalized text (letters and digits only, look-alikes mapped, digits masked), and a bounded set with
//! a fast lookup of fingerprints within a small Hamming distance.
//!
//! The lookup splits the 64 bits into 4 bands of 16: two fingerprints within distance 3 agree exactly on
//! at least one band (pigeonhole), so a query looks in 4 buckets and compares only what it finds there.

use super::ngram::{cut, gram_char, key3, mix64, SimAccumulator};
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

/// Fingerprints at most this far apart (Hamming distance) are near-duplicates.
pub const MAX_DISTANCE: u32 = 3;

pub use super::ngram::MIN_SHINGLES;

const BANDS: usize = 4;

/// The SimHash of a text (its folded or raw form), or `None` when it is too short to fingerprint. Feature
/// extraction computes the same value in its own pass ([`super::features::walk`], with the same
/// [`SimAccumulator`]); this is the stand-alone form, for teaching and for stored texts.
pub fn fingerprint(text: &str) -> Option<u64> {
    let mut window = ['\0'; 3];
    let mut grams = 0usize;
    let mut sim = SimAccumulator::default();
    for ch in cut(text).chars() {
        let Some(g) = gram_char(ch) else {
            continue;
        };
        window = [window[1], window[2], g];
        grams += 1;
        if grams >= 3 {
            sim.add(mix64(key3(window[0], window[1], window[2])));
        }
    }
    (grams >= MIN_SHINGLES + 2).then(|| sim.finish())
}

/// A deterministic hasher for the band index (keys are already well mixed).
#[derive(Default)]
pub struct BandHasher(u64);

impl Hasher for BandHasher {
    fn finish(&self) -> u64 {
        mix64(self.0)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) ^ u64::from(*b);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = self.0.rotate_left(32) ^ u64::from(n);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 ^= n;
    }
}

type Fast<K, V> = HashMap<K, V, BuildHasherDefault<BandHasher>>;

fn band_key(fp: u64, band: usize) -> u32 {
    ((band as u32) << 16) | ((fp >> (band * 16)) & 0xFFFF) as u32
}

/// A near match: the stored fingerprint and its distance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Near {
    /// The stored fingerprint (its id).
    pub fingerprint: u64,
    /// Hamming distance to the query.
    pub distance: u32,
}

/// A bounded set of fingerprints with near-duplicate lookup. When full, adding evicts the least
/// recently used fingerprint (used = added, or touched by [`SimSet::touch`] after a hit).
#[derive(Debug, Clone)]
pub struct SimSet {
    capacity: usize,
    tick: u64,
    /// fingerprint → last use
    used: Fast<u64, u64>,
    /// last use → fingerprint
    order: BTreeMap<u64, u64>,
    bands: Fast<u32, Vec<u64>>,
}

const SET_MAGIC: &[u8; 4] = b"GOS1";

impl SimSet {
    /// An empty set holding at most `capacity` fingerprints.
    pub fn new(capacity: usize) -> SimSet {
        SimSet {
            capacity: capacity.max(1),
            tick: 0,
            used: Fast::default(),
            order: BTreeMap::new(),
            bands: Fast::default(),
        }
    }

    /// How many fingerprints it holds.
    pub fn len(&self) -> usize {
        self.used.len()
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.used.is_empty()
    }

    /// The most it holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Adds a fingerprint (or marks it used when present). Returns the one evicted, if any.
    pub fn add(&mut self, fp: u64) -> Option<u64> {
        self.tick += 1;
        if let Some(old) = self.used.insert(fp, self.tick) {
            self.order.remove(&old);
            self.order.insert(self.tick, fp);
            return None;
        }
        self.order.insert(self.tick, fp);
        for band in 0..BANDS {
            self.bands.entry(band_key(fp, band)).or_default().push(fp);
        }
        if self.used.len() > self.capacity {
            let (_, oldest) = self.order.pop_first()?;
            self.remove(oldest);
            return Some(oldest);
        }
        None
    }

    /// Marks a fingerprint used (so it is evicted last). No effect when absent.
    pub fn touch(&mut self, fp: u64) {
        if self.used.contains_key(&fp) {
            self.add(fp);
        }
    }

    /// Removes a fingerprint; whether it was there.
    pub fn remove(&mut self, fp: u64) -> bool {
        let Some(tick) = self.used.remove(&fp) else {
            return false;
        };
        self.order.remove(&tick);
        for band in 0..BANDS {
            let key = band_key(fp, band);
            if let Some(list) = self.bands.get_mut(&key) {
                list.retain(|x| *x != fp);
                if list.is_empty() {
                    self.bands.remove(&key);
                }
            }
        }
        true
    }

    /// Whether exactly this fingerprint is stored.
    pub fn contains(&self, fp: u64) -> bool {
        self.used.contains_key(&fp)
    }

    /// The nearest stored fingerprint within `max_distance` (at most [`MAX_DISTANCE`]), if any.
    pub fn contains_near(&self, fp: u64, max_distance: u32) -> Option<Near> {
        let max_distance = max_distance.min(MAX_DISTANCE);
        let mut best: Option<Near> = None;
        for band in 0..BANDS {
            if let Some(list) = self.bands.get(&band_key(fp, band)) {
                for &other in list {
                    let distance = (fp ^ other).count_ones();
                    if distance <= max_distance && best.is_none_or(|b| distance < b.distance) {
                        best = Some(Near {
                            fingerprint: other,
                            distance,
                        });
                        if distance == 0 {
                            return best;
                        }
                    }
                }
            }
        }
        best
    }

    /// The fingerprints, least recently used first.
    pub fn fingerprints(&self) -> impl Iterator<Item = u64> + '_ {
        self.order.values().copied()
    }

    /// Serializes the set (magic, capacity, count, fingerprints least recently used first). The
    /// caller stores the bytes (or the fingerprints as rows, from [`SimSet::fingerprints`]).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16 + 8 * self.len());
        out.extend_from_slice(SET_MAGIC);
        out.extend_from_slice(&(self.capacity as u64).to_le_bytes());
        out.extend_from_slice(&(self.len() as u32).to_le_bytes());
        for fp in self.fingerprints() {
            out.extend_from_slice(&fp.to_le_bytes());
        }
        out
    }

    /// Reads what [`SimSet::to_bytes`] wrote; `None` when the bytes are not such a set.
    pub fn from_bytes(bytes: &[u8]) -> Option<SimSet> {
        let rest = bytes.strip_prefix(SET_MAGIC)?;
        let capacity = u64::from_le_bytes(rest.get(..8)?.try_into().ok()?) as usize;
        let count = u32::from_le_bytes(rest.get(8..12)?.try_into().ok()?) as usize;
        let body = rest.get(12..)?;
        if body.len() != count.checked_mul(8)? || capacity == 0 {
            return None;
        }
        let mut set = SimSet::new(capacity);
        for chunk in body.chunks_exact(8) {
            set.add(u64::from_le_bytes(chunk.try_into().ok()?));
        }
        Some(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_variants_are_near_and_other_texts_are_not() {
        let a =
            fingerprint("专业代收代付，USDT秒到账，日赚三千不是梦，联系电报 @pay_king_8848 详谈")
                .unwrap();
        let b =
            fingerprint("专业代收代付，USDT秒到账，日赚三千不是梦，联系电报 @pay_king_2291 详谈")
                .unwrap();
        let c =
            fingerprint("今天下午我们去公园跑步吧，天气预报说不会下雨，记得带水和毛巾").unwrap();
        let mut set = SimSet::new(10);
        set.add(a);
        let near = set.contains_near(b, MAX_DISTANCE).expect("variant found");
        assert_eq!(near.fingerprint, a);
        assert!(set.contains_near(c, MAX_DISTANCE).is_none());
        assert!(fingerprint("你好").is_none(), "too short");
        assert!(fingerprint("").is_none());
        assert!(fingerprint(&"😀".repeat(100)).is_none());
    }

    /// The fingerprint as it was first defined (one loop per bit), which stored fingerprints
    /// (`moderation_detector_layers`, group layer bytes) were made with.
    fn reference(text: &str) -> Option<u64> {
        let buf: Vec<char> = cut(text)
            .chars()
            .map(crate::features::moderation::normalize::unconfuse)
            .map(|c| c.to_ascii_lowercase())
            .filter_map(|c| {
                if c.is_ascii_digit() {
                    Some('0')
                } else {
                    c.is_alphanumeric().then_some(c)
                }
            })
            .collect();
        if buf.len() < MIN_SHINGLES + 2 {
            return None;
        }
        let mut ones = [0u32; 64];
        for w in buf.windows(3) {
            let h = mix64(key3(w[0], w[1], w[2]));
            for (bit, count) in ones.iter_mut().enumerate() {
                *count += ((h >> bit) & 1) as u32;
            }
        }
        let shingles = buf.len() as u32 - 2;
        Some(
            (0..64)
                .filter(|b| 2 * ones[*b] > shingles)
                .fold(0, |fp, b| fp | 1 << b),
        )
    }

    #[test]
    fn fingerprints_are_those_stored_before_and_the_same_in_one_pass() {
        let long = "长消息测试，内容很多 ABC 123。".repeat(40);
        for text in [
            "专业代收代付，USDT秒到账，日赚三千不是梦，联系电报 @pay_king_8848 详谈",
            "Заработок от 5000 рублей в день, пиши в лс @money_bot",
            "Hi all, does anyone know a good place for dim sum near the metro station?",
            "ｃｒｙｐｔｏ ｐｕｍｐ Signals EVERY day, ΑΒΓ join t.me/+AbCdEf now",
            long.as_str(),
            "短",
            "",
        ] {
            assert_eq!(fingerprint(text), reference(text), "{text}");
            let folded = crate::features::moderation::normalize::normalize(text).folded;
            let mut scratch = super::super::Scratch::default();
            let pass = super::super::features::extract(&folded, 1 << 12, &mut scratch, None);
            assert_eq!(pass.fingerprint, fingerprint(&folded), "{text}");
        }
    }

    #[test]
    fn the_set_is_bounded_least_recently_used_first_and_round_trips() {
        let mut set = SimSet::new(3);
        for fp in [1u64 << 20, 2 << 40, 3 << 50] {
            set.add(fp);
        }
        set.touch(1 << 20);
        assert_eq!(set.add(u64::MAX), Some(2 << 40));
        assert_eq!(set.len(), 3);
        assert!(set.contains_near(1 << 20 | 1, 3).is_some());
        assert!(set.remove(1 << 20));
        assert!(!set.remove(1 << 20));
        assert!(!set.contains(1 << 20));
        assert_ne!(
            set.contains_near(1 << 20, 0).map(|n| n.fingerprint),
            Some(1 << 20)
        );
        let back = SimSet::from_bytes(&set.to_bytes()).unwrap();
        assert_eq!(
            back.fingerprints().collect::<Vec<_>>(),
            set.fingerprints().collect::<Vec<_>>()
        );
        assert!(SimSet::from_bytes(b"junk").is_none());
        assert!(SimSet::from_bytes(&set.to_bytes()[..10]).is_none());
    }
}

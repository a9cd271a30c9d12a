//! Verifiable randomness shared by every game (DESIGN §5 "Verifiable draws").
//!
//! A game draws a secret [`Seed`] when it is created and publishes only its [`commitment`]. When the game ends the
//! seed is revealed, and anyone can recompute the result: the seed, the game's [`tag`] and the hash of the
//! participant list are turned into an HMAC-SHA-256 key, that key drives a ChaCha20 keystream ([`Stream`]), and
//! the game reads numbers from the stream with the hand-written [`Stream::uniform`] and [`Stream::shuffle`].
//! Every step is fixed here, byte for byte, so that `docs/verify.md` can describe it for people outside the bot.
//!
//! This module is pure: it never reads the clock and only [`Seed::generate`] touches the operating system.

use std::fmt;

use hmac::{Hmac, Mac};
use rand::{RngCore, SeedableRng, TryRngCore};
use rand_chacha::ChaCha20Rng;
use sha2::{Digest, Sha256};

/// The domain separator in front of every hashed or keyed message, so that our hashes never collide with
/// hashes made for another purpose or another version of these rules.
const DOMAIN: &str = "groupops-v1";

/// A game's secret: 32 bytes from the operating system's cryptographic random number generator.
///
/// The seed stays secret until the game ends, so its [`Debug`] output never shows the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Seed([u8; 32]);

impl Seed {
    /// Draws a fresh seed from the operating system's CSPRNG.
    ///
    /// If the operating system source fails (which should never happen on a working system), the thread-local
    /// generator of `rand` is used instead; it is also a CSPRNG, seeded from the operating system.
    pub fn generate() -> Seed {
        let mut bytes = [0u8; 32];
        if rand::rngs::OsRng.try_fill_bytes(&mut bytes).is_err() {
            rand::rng().fill_bytes(&mut bytes);
        }
        Seed(bytes)
    }

    /// Wraps bytes that are already known, for example a seed loaded from the database.
    pub fn from_bytes(bytes: [u8; 32]) -> Seed {
        Seed(bytes)
    }

    /// The raw bytes of the seed.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The seed as 64 lowercase hexadecimal digits, the form that is stored and revealed.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses 64 hexadecimal digits (either case, surrounding whitespace ignored) back into a seed.
    pub fn from_hex(text: &str) -> Option<Seed> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text.trim(), &mut bytes).ok()?;
        Some(Seed(bytes))
    }
}

impl fmt::Debug for Seed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The bytes are deliberately left out: a log line must never reveal a live game's seed.
        f.write_str("Seed(..)")
    }
}

/// The kinds of game that draw verifiable randomness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A red packet; its display ids start with `P`.
    Packet,
    /// A lottery; its display ids start with `L`.
    Lottery,
}

impl Kind {
    /// The word used in tags: `packet` or `lottery`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Packet => "packet",
            Kind::Lottery => "lottery",
        }
    }

    /// The capital letter used in display ids: `P` or `L`.
    pub fn letter(self) -> char {
        match self {
            Kind::Packet => 'P',
            Kind::Lottery => 'L',
        }
    }
}

/// The game's tag, `"<kind>:<id>"` with the id in decimal, for example `"lottery:17"`.
pub fn tag(kind: Kind, id: i64) -> String {
    format!("{}:{}", kind.name(), id)
}

/// The id members see and type, for example `P17` for packet 17 or `L5` for lottery 5.
pub fn display_id(kind: Kind, id: i64) -> String {
    format!("{}{}", kind.letter(), id)
}

/// Reads a display id such as `P17`, `p17` or `L5`. Only a kind letter followed by decimal digits is accepted.
pub fn parse_display_id(text: &str) -> Option<(Kind, i64)> {
    let text = text.trim();
    let mut chars = text.chars();
    let kind = match chars.next()? {
        'P' | 'p' => Kind::Packet,
        'L' | 'l' => Kind::Lottery,
        _ => return None,
    };
    let digits = chars.as_str();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let id = digits.parse::<i64>().ok()?;
    Some((kind, id))
}

/// Lowercase hexadecimal SHA-256 of some bytes.
fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The commitment published when a game is created:
/// `hex(SHA-256("groupops-v1|" + tag + "|" + hex(seed)))`.
pub fn commitment(tag: &str, seed: &Seed) -> String {
    sha256_hex(format!("{DOMAIN}|{tag}|{}", seed.to_hex()).as_bytes())
}

/// The participant ids in the order the draw uses them: ascending, each id once.
///
/// A participant is a member, not an entry, so a repeated id is kept only once.
pub fn sorted_participants(ids: &[i64]) -> Vec<i64> {
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    sorted
}

/// The participant list as it is hashed: the ids ascending, in decimal, joined by `,`.
///
/// Packets have no participant list when they are split, so they use the empty string (pass `&[]`).
pub fn participant_list(ids: &[i64]) -> String {
    sorted_participants(ids)
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// `hex(SHA-256(list))`, the fingerprint of the participant list that feeds the stream key.
pub fn list_hash(list: &str) -> String {
    sha256_hex(list.as_bytes())
}

/// The ChaCha20 key of a game's stream:
/// `HMAC-SHA-256(key = seed bytes, message = "groupops-v1|" + tag + "|" + list_hash)`.
pub fn stream_key(seed: &Seed, tag: &str, list_hash: &str) -> [u8; 32] {
    // HMAC accepts keys of any length, so building it from a 32-byte key cannot fail.
    let mut mac =
        Hmac::<Sha256>::new_from_slice(seed.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(format!("{DOMAIN}|{tag}|{list_hash}").as_bytes());
    mac.finalize().into_bytes().into()
}

/// A game's deterministic random stream: the RFC 8439 ChaCha20 keystream (20 rounds, zero nonce, block counter
/// from 0) under [`stream_key`], read as consecutive little-endian 64-bit words.
///
/// The same seed, tag and list hash always give the same words, on every machine and in every version.
pub struct Stream {
    rng: ChaCha20Rng,
}

impl Stream {
    /// Opens the stream of one game.
    pub fn new(seed: &Seed, tag: &str, list_hash: &str) -> Stream {
        Stream {
            rng: ChaCha20Rng::from_seed(stream_key(seed, tag, list_hash)),
        }
    }

    /// The next 64-bit word: the next eight keystream bytes read as a little-endian number.
    pub fn next_u64(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// A uniformly distributed number in `0..n`, without modulo bias.
    ///
    /// Words at or above `n * floor(2^64 / n)` are skipped (so every remainder is equally likely), and the first
    /// word below that limit is returned modulo `n`.
    ///
    /// # Panics
    ///
    /// Panics if `n` is zero, since there is no number in an empty range.
    pub fn uniform(&mut self, n: u64) -> u64 {
        assert!(n >= 1, "uniform(n) needs n >= 1");
        let n_wide = u128::from(n);
        // 2^64 does not fit in a u64, so the limit is computed in 128 bits; for n = 1 it is 2^64 and no word is
        // ever skipped.
        let limit = n_wide * ((1u128 << 64) / n_wide);
        loop {
            let x = self.next_u64();
            if u128::from(x) < limit {
                return x % n;
            }
        }
    }

    /// Fisher–Yates shuffle: for `i` from `len - 1` down to 1, swap entry `i` with entry `uniform(i + 1)`.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            // `i + 1` fits in a u64, and the result is at most `i`, so both conversions are lossless.
            let j = self.uniform(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

impl fmt::Debug for Stream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The generator's state would reveal the key, and with it every future number.
        f.write_str("Stream(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked examples' seed in `docs/verify.md`: the bytes 0, 1, …, 31. Real seeds are random.
    pub(crate) fn example_seed() -> Seed {
        let mut bytes = [0u8; 32];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = i as u8;
        }
        Seed::from_bytes(bytes)
    }

    /// One ChaCha quarter round on the 16-word state, written straight from RFC 8439 §2.1.
    fn quarter_round(s: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
        s[a] = s[a].wrapping_add(s[b]);
        s[d] = (s[d] ^ s[a]).rotate_left(16);
        s[c] = s[c].wrapping_add(s[d]);
        s[b] = (s[b] ^ s[c]).rotate_left(12);
        s[a] = s[a].wrapping_add(s[b]);
        s[d] = (s[d] ^ s[a]).rotate_left(8);
        s[c] = s[c].wrapping_add(s[d]);
        s[b] = (s[b] ^ s[c]).rotate_left(7);
    }

    /// The RFC 8439 §2.3 block function: 64 keystream bytes for a key, a 32-bit block counter and a 12-byte nonce.
    /// It is an independent second path used to check that rand_chacha reads the keystream as DESIGN says.
    fn reference_block(key: &[u8; 32], counter: u32, nonce: &[u8; 12]) -> [u8; 64] {
        let mut state = [0u32; 16];
        state[..4].copy_from_slice(&[0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574]);
        for i in 0..8 {
            state[4 + i] = u32::from_le_bytes(key[4 * i..4 * i + 4].try_into().unwrap());
        }
        state[12] = counter;
        for i in 0..3 {
            state[13 + i] = u32::from_le_bytes(nonce[4 * i..4 * i + 4].try_into().unwrap());
        }
        let mut working = state;
        for _ in 0..10 {
            quarter_round(&mut working, 0, 4, 8, 12);
            quarter_round(&mut working, 1, 5, 9, 13);
            quarter_round(&mut working, 2, 6, 10, 14);
            quarter_round(&mut working, 3, 7, 11, 15);
            quarter_round(&mut working, 0, 5, 10, 15);
            quarter_round(&mut working, 1, 6, 11, 12);
            quarter_round(&mut working, 2, 7, 8, 13);
            quarter_round(&mut working, 3, 4, 9, 14);
        }
        let mut out = [0u8; 64];
        for i in 0..16 {
            out[4 * i..4 * i + 4].copy_from_slice(&working[i].wrapping_add(state[i]).to_le_bytes());
        }
        out
    }

    /// The first `count` stream words computed with the reference block function instead of rand_chacha.
    fn reference_words(key: &[u8; 32], count: usize) -> Vec<u64> {
        let mut bytes = Vec::new();
        let mut counter = 0u32;
        while bytes.len() < count * 8 {
            bytes.extend_from_slice(&reference_block(key, counter, &[0u8; 12]));
            counter += 1;
        }
        bytes
            .chunks_exact(8)
            .take(count)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
            .collect()
    }

    #[test]
    fn reference_block_matches_rfc_8439_test_vector() {
        // RFC 8439 §2.3.2: key 00..1f, nonce 000000090000004a00000000, block counter 1.
        let key: [u8; 32] = core::array::from_fn(|i| i as u8);
        let nonce: [u8; 12] = [0, 0, 0, 9, 0, 0, 0, 0x4a, 0, 0, 0, 0];
        let block = reference_block(&key, 1, &nonce);
        assert_eq!(
            hex::encode(block),
            "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e\
             d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e"
        );
    }

    #[test]
    fn stream_words_equal_the_rfc_8439_keystream_across_blocks() {
        let seed = example_seed();
        let lh = list_hash("1,2,3");
        let key = stream_key(&seed, "lottery:5", &lh);
        let mut stream = Stream::new(&seed, "lottery:5", &lh);
        // Twenty words cross two 64-byte block boundaries, which checks the counter as well as the word order.
        let ours: Vec<u64> = (0..20).map(|_| stream.next_u64()).collect();
        assert_eq!(ours, reference_words(&key, 20));
    }

    #[test]
    fn known_answers_from_independent_primitives() {
        // SHA-256 of the empty string is the well-known constant, which is the packets' list hash.
        assert_eq!(
            list_hash(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        // SHA-256("abc") from FIPS 180-2 confirms that the list hash is a plain hash of the text.
        assert_eq!(
            list_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        // HMAC-SHA-256 test case 2 of RFC 4231 checks the keyed hash with a short key.
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn commitment_hashes_the_documented_message() {
        let seed = example_seed();
        let message = format!("groupops-v1|lottery:5|{}", seed.to_hex());
        assert_eq!(
            commitment("lottery:5", &seed),
            hex::encode(Sha256::digest(message.as_bytes()))
        );
    }

    #[test]
    fn commitment_changes_with_tag_and_seed() {
        let seed = example_seed();
        let other = Seed::from_bytes([7u8; 32]);
        let base = commitment("lottery:5", &seed);
        assert_ne!(base, commitment("lottery:6", &seed));
        assert_ne!(base, commitment("packet:5", &seed));
        assert_ne!(base, commitment("lottery:5", &other));
        assert_eq!(base, commitment("lottery:5", &seed.clone()));
        assert_eq!(base.len(), 64);
    }

    #[test]
    fn seeds_round_trip_through_hex_and_stay_out_of_logs() {
        let seed = Seed::generate();
        assert_eq!(Seed::from_hex(&seed.to_hex()), Some(seed.clone()));
        assert_eq!(
            Seed::from_hex(&seed.to_hex().to_uppercase()),
            Some(seed.clone())
        );
        assert_eq!(format!("{seed:?}"), "Seed(..)");
        assert_ne!(
            Seed::generate(),
            seed,
            "two fresh seeds are equal only with probability 2^-256"
        );
        assert_eq!(Seed::from_hex("00"), None);
        assert_eq!(Seed::from_hex(&"zz".repeat(32)), None);
        assert_eq!(Seed::from_hex(&"00".repeat(33)), None);
    }

    #[test]
    fn tags_and_display_ids() {
        assert_eq!(tag(Kind::Packet, 17), "packet:17");
        assert_eq!(tag(Kind::Lottery, 5), "lottery:5");
        assert_eq!(display_id(Kind::Packet, 17), "P17");
        assert_eq!(display_id(Kind::Lottery, 5), "L5");
        assert_eq!(parse_display_id("P17"), Some((Kind::Packet, 17)));
        assert_eq!(parse_display_id("p17"), Some((Kind::Packet, 17)));
        assert_eq!(parse_display_id("L5"), Some((Kind::Lottery, 5)));
        assert_eq!(parse_display_id(" l5 "), Some((Kind::Lottery, 5)));
        for bad in [
            "",
            "P",
            "17",
            "X17",
            "P-1",
            "P+1",
            "P1x",
            "P 1",
            "P99999999999999999999",
        ] {
            assert_eq!(parse_display_id(bad), None, "{bad:?} must not parse");
        }
    }

    #[test]
    fn participant_list_is_sorted_decimal_and_unique() {
        assert_eq!(participant_list(&[]), "");
        assert_eq!(participant_list(&[30, -2, 100, 4, 30]), "-2,4,30,100");
        assert_eq!(sorted_participants(&[3, 1, 2, 1]), vec![1, 2, 3]);
    }

    #[test]
    fn streams_are_deterministic_and_separated_by_tag_and_list() {
        let seed = example_seed();
        let words = |tag: &str, lh: &str| {
            let mut s = Stream::new(&seed, tag, lh);
            (0..4).map(|_| s.next_u64()).collect::<Vec<_>>()
        };
        let lh = list_hash("1,2");
        assert_eq!(words("lottery:1", &lh), words("lottery:1", &lh));
        assert_ne!(words("lottery:1", &lh), words("lottery:2", &lh));
        assert_ne!(words("lottery:1", &lh), words("packet:1", &lh));
        assert_ne!(
            words("lottery:1", &lh),
            words("lottery:1", &list_hash("1,3"))
        );
    }

    #[test]
    fn uniform_stays_in_range_and_matches_the_rejection_rule() {
        let seed = example_seed();
        let mut stream = Stream::new(&seed, "packet:1", &list_hash(""));
        let mut mirror = Stream::new(&seed, "packet:1", &list_hash(""));
        for n in [1u64, 2, 3, 5, 7, 10, 1000, u64::MAX / 2 + 2, u64::MAX] {
            for _ in 0..50 {
                let got = stream.uniform(n);
                assert!(got < n);
                // The mirror applies the documented rule by hand on the same words.
                let limit = u128::from(n) * ((1u128 << 64) / u128::from(n));
                let expected = loop {
                    let x = mirror.next_u64();
                    if u128::from(x) < limit {
                        break x % n;
                    }
                };
                assert_eq!(got, expected);
            }
        }
        // For n just above 2^63 about half of all words are rejected, so the two streams only stay in step if
        // the rejections match too; one more word each confirms it.
        assert_eq!(stream.next_u64(), mirror.next_u64());
    }

    #[test]
    #[should_panic(expected = "n >= 1")]
    fn uniform_of_zero_panics() {
        Stream::new(&example_seed(), "packet:1", "").uniform(0);
    }

    #[test]
    fn uniform_is_roughly_even() {
        let mut stream = Stream::new(&example_seed(), "lottery:9", &list_hash(""));
        let mut counts = [0u32; 6];
        for _ in 0..60_000 {
            counts[stream.uniform(6) as usize] += 1;
        }
        // Each count is 10,000 on average with a standard deviation near 91; 600 is more than six of those.
        for c in counts {
            assert!((9_400..=10_600).contains(&c), "{counts:?}");
        }
    }

    #[test]
    fn shuffle_is_a_deterministic_permutation_following_fisher_yates() {
        let seed = example_seed();
        for len in [0usize, 1, 2, 3, 10, 57] {
            let original: Vec<usize> = (0..len).collect();
            let mut a = original.clone();
            let mut b = original.clone();
            Stream::new(&seed, "lottery:3", "x").shuffle(&mut a);
            Stream::new(&seed, "lottery:3", "x").shuffle(&mut b);
            assert_eq!(a, b);
            let mut sorted = a.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, original);
            // The same swaps done by hand give the same order.
            let mut by_hand = original.clone();
            let mut s = Stream::new(&seed, "lottery:3", "x");
            let mut i = len;
            while i > 1 {
                i -= 1;
                let j = s.uniform(i as u64 + 1) as usize;
                by_hand.swap(i, j);
            }
            assert_eq!(a, by_hand);
        }
    }

    #[test]
    fn shuffle_of_three_reaches_every_order_evenly() {
        let seed = example_seed();
        let mut counts = std::collections::HashMap::new();
        let mut stream = Stream::new(&seed, "lottery:4", "");
        for _ in 0..6_000 {
            let mut v = [1, 2, 3];
            stream.shuffle(&mut v);
            *counts.entry(v).or_insert(0u32) += 1;
        }
        assert_eq!(counts.len(), 6);
        for (order, c) in counts {
            assert!((800..=1_200).contains(&c), "{order:?} came {c} times");
        }
    }

    /// Prints the shared values of the worked examples and checks that `docs/verify.md` shows each of them.
    #[test]
    fn worked_example_values_appear_in_docs() {
        let doc = include_str!("../docs/verify.md");
        let seed = example_seed();
        let mut values = vec![seed.to_hex()];
        // The lottery example: L5 with eight members.
        let lottery_tag = tag(Kind::Lottery, 5);
        let list = participant_list(&[4021, 17, 99, 1203, 560, 8, 777, 3333]);
        let lh = list_hash(&list);
        values.push(commitment(&lottery_tag, &seed));
        values.push(list.clone());
        values.push(lh.clone());
        values.push(hex::encode(stream_key(&seed, &lottery_tag, &lh)));
        let mut stream = Stream::new(&seed, &lottery_tag, &lh);
        values.extend((0..4).map(|_| stream.next_u64().to_string()));
        // The packet example: P17, whose list is empty.
        let packet_tag = tag(Kind::Packet, 17);
        let empty = list_hash("");
        values.push(commitment(&packet_tag, &seed));
        values.push(empty.clone());
        values.push(hex::encode(stream_key(&seed, &packet_tag, &empty)));
        let mut stream = Stream::new(&seed, &packet_tag, &empty);
        values.extend((0..4).map(|_| stream.next_u64().to_string()));
        for value in &values {
            println!("{value}");
        }
        for value in &values {
            assert!(
                doc.contains(value.as_str()),
                "docs/verify.md does not show {value}"
            );
        }
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        fn seed_from(bytes: [u8; 32]) -> Seed {
            Seed::from_bytes(bytes)
        }

        proptest! {
            /// Whatever the seed, tag and bound, `uniform(n)` stays below `n`.
            #[test]
            fn uniform_stays_below_its_bound(
                bytes in any::<[u8; 32]>(),
                tag in "[a-z]{1,8}:[0-9]{1,6}",
                bounds in proptest::collection::vec(1u64..=u64::MAX, 1..40),
            ) {
                let mut stream = Stream::new(&seed_from(bytes), &tag, "");
                for n in bounds {
                    prop_assert!(stream.uniform(n) < n);
                }
            }

            /// The same seed, tag and list give the same numbers, draw after draw.
            #[test]
            fn the_same_key_gives_the_same_stream(
                bytes in any::<[u8; 32]>(),
                tag in "[a-z]{1,8}:[0-9]{1,6}",
                list in "[0-9,]{0,40}",
                bounds in proptest::collection::vec(1u64..1_000_000, 1..40),
            ) {
                let seed = seed_from(bytes);
                let hash = list_hash(&list);
                let mut first = Stream::new(&seed, &tag, &hash);
                let mut second = Stream::new(&seed, &tag, &hash);
                for n in bounds {
                    prop_assert_eq!(first.uniform(n), second.uniform(n));
                }
                prop_assert_eq!(first.next_u64(), second.next_u64());
            }

            /// A shuffle only reorders: the result holds exactly the items it was given.
            #[test]
            fn shuffle_is_a_permutation(
                bytes in any::<[u8; 32]>(),
                items in proptest::collection::vec(any::<i64>(), 0..200),
            ) {
                let mut shuffled = items.clone();
                Stream::new(&seed_from(bytes), "lottery:1", "").shuffle(&mut shuffled);
                let mut sorted_in = items;
                sorted_in.sort_unstable();
                shuffled.sort_unstable();
                prop_assert_eq!(sorted_in, shuffled);
            }

            /// Over 300 draws of `uniform(3)` every value comes up; with an even stream, one value missing
            /// has a chance of about 3 × (2/3)^300, far below anything a test run would meet.
            #[test]
            fn every_value_of_a_small_bound_comes_up(
                bytes in any::<[u8; 32]>(),
                tag in "[a-z]{1,8}:[0-9]{1,6}",
            ) {
                let mut stream = Stream::new(&seed_from(bytes), &tag, "");
                let mut seen = [0u32; 3];
                for _ in 0..300 {
                    seen[stream.uniform(3) as usize] += 1;
                }
                prop_assert!(seen.iter().all(|&count| count > 0), "{:?}", seen);
            }
        }
    }
}

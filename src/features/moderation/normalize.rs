//! Text normalization before matching, so that common evasions match the same rules as plain text.
//!
//! Two forms are produced from one message:
//! - `folded`: NFKC (full-width letters and digits become half-width, circled and styled letters become
//!   plain), lower case, zero-width and other invisible characters removed. Spaces and punctuation stay.
//!   Regexes, links and phone numbers are matched here.
//! - `squashed`: the folded text with common look-alike letters (Cyrillic and Greek) mapped to Latin, and
//!   everything that is not a letter or digit removed, so `加.微.信`, `v x` and `c r y p t o` become `加微信`,
//!   `vx` and `crypto`. Keywords and contact ads are matched here. For each position the squashed form
//!   remembers whether something was removed there, so that word boundaries of Latin/Cyrillic keywords
//!   can still be checked ("earn" does not match inside "learn", but does match "e a r n").

use std::sync::OnceLock;
use unicode_normalization::UnicodeNormalization;

/// Bit tables of the Basic Multilingual Plane: which characters are letters, and which are letters or
/// digits, by the standard library's definitions. Built on first use (two 8 KB tables).
struct CharTables {
    alphabetic: [u64; 1024],
    alphanumeric: [u64; 1024],
}

fn char_tables() -> &'static CharTables {
    static TABLES: OnceLock<Box<CharTables>> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut tables = Box::new(CharTables {
            alphabetic: [0; 1024],
            alphanumeric: [0; 1024],
        });
        for ch in (0..0x1_0000).filter_map(char::from_u32) {
            let (word, bit) = ((ch as usize) >> 6, 1u64 << (ch as u32 & 63));
            if ch.is_alphabetic() {
                tables.alphabetic[word] |= bit;
            }
            if ch.is_alphanumeric() {
                tables.alphanumeric[word] |= bit;
            }
        }
        tables
    })
}

#[inline]
fn bit(table: &[u64; 1024], ch: char) -> bool {
    let c = ch as usize;
    table[c >> 6] >> (c & 63) & 1 == 1
}

/// `char::is_alphanumeric` with one table look-up for the Basic Multilingual Plane (the standard library
/// searches several range tables for each character that is not ASCII).
#[inline]
pub fn is_alnum(ch: char) -> bool {
    if ch.is_ascii() {
        ch.is_ascii_alphanumeric()
    } else if (ch as u32) < 0x1_0000 {
        bit(&char_tables().alphanumeric, ch)
    } else {
        ch.is_alphanumeric()
    }
}

/// `char::is_alphabetic` with one table look-up for the Basic Multilingual Plane.
#[inline]
pub fn is_alpha(ch: char) -> bool {
    if ch.is_ascii() {
        ch.is_ascii_alphabetic()
    } else if (ch as u32) < 0x1_0000 {
        bit(&char_tables().alphabetic, ch)
    } else {
        ch.is_alphabetic()
    }
}

/// A message's text in both normalized forms.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Normalized {
    /// NFKC, lower case, invisible characters removed.
    pub folded: String,
    /// Letters and digits only, look-alikes mapped to Latin.
    pub squashed: String,
    /// `gap[i]` for every byte offset `i` of `squashed` (and its end): whether characters were removed
    /// between the character ending at `i` and the one starting at `i`. True at the start and the end.
    gap: Vec<bool>,
}

/// Whether a character is invisible formatting used to split words without a visible trace.
fn is_invisible(ch: char) -> bool {
    matches!(
        ch,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
    )
}

/// Maps letters that look like Latin letters to those letters (applied after lower-casing).
pub fn unconfuse(ch: char) -> char {
    match ch {
        // Cyrillic
        'а' => 'a',
        'е' | 'ё' => 'e',
        'о' => 'o',
        'р' => 'p',
        'с' => 'c',
        'у' => 'y',
        'х' => 'x',
        'к' => 'k',
        'і' => 'i',
        'ј' => 'j',
        'ѕ' => 's',
        'ԁ' => 'd',
        'ԛ' => 'q',
        'ԝ' => 'w',
        // Greek
        'α' => 'a',
        'ο' => 'o',
        'ρ' => 'p',
        'ν' => 'v',
        'ι' => 'i',
        'κ' => 'k',
        'τ' => 't',
        'υ' => 'u',
        'χ' => 'x',
        // Latin variants NFKC keeps apart
        'ı' => 'i',
        'ɡ' => 'g',
        'ℓ' => 'l',
        other => other,
    }
}

/// Whether a character belongs to a script written without spaces between words (Chinese, Japanese,
/// Korean), where keywords need no word-boundary check.
pub fn is_cjk(ch: char) -> bool {
    matches!(ch,
        '\u{2E80}'..='\u{2FDF}'
        | '\u{3040}'..='\u{30FF}'
        | '\u{3100}'..='\u{31FF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{AC00}'..='\u{D7AF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{3134F}')
}

/// A letter or digit of a script that separates words with spaces.
pub fn is_wordy(ch: char) -> bool {
    ch.is_alphanumeric() && !is_cjk(ch)
}

/// The folded form of a character whose NFKC form is known without looking at its neighbours, or `None`
/// for a character that needs the full algorithm.
///
/// These characters (ASCII, the common Chinese ideographs and punctuation, full-width ASCII, the basic
/// Cyrillic alphabet) are starters that never combine with the character before them, so a message's NFKC
/// form is the concatenation of the NFKC forms of the pieces it is cut into before each of them. One of
/// them alone is such a piece when the character after it is another of them (or the text ends): then
/// its folded form is the one returned here, and no normalizing iterator is needed.
#[inline]
fn simple_fold(ch: char) -> Option<char> {
    let c = ch as u32;
    if c < 0x80 {
        return Some(ch.to_ascii_lowercase());
    }
    match c {
        0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x3001..=0x3003 | 0x3008..=0x3011 | 0x0430..=0x044F => {
            Some(ch)
        }
        // Full-width ASCII: NFKC gives the ASCII character.
        0xFF01..=0xFF5E => char::from_u32(c - 0xFEE0).map(|a| a.to_ascii_lowercase()),
        // The ideographic space: NFKC gives a space.
        0x3000 => Some(' '),
        // Basic Cyrillic capitals: lower case is 32 code points on.
        0x0410..=0x042F => char::from_u32(c + 0x20),
        _ => None,
    }
}

/// Builds both forms in one pass over the folded characters as they are produced.
struct Builder {
    folded: String,
    squashed: String,
    gap: Vec<bool>,
    removed: bool,
}

impl Builder {
    /// Adds one character of the NFKC form: invisible ones are dropped, the rest lower-cased into
    /// `folded` and, when letters or digits, look-alikes mapped into `squashed`.
    #[inline]
    fn push_nfkc(&mut self, ch: char) {
        if ch.is_ascii() {
            self.push_folded(ch.to_ascii_lowercase());
        } else if !is_invisible(ch) {
            for lower in ch.to_lowercase() {
                self.push_folded(lower);
            }
        }
    }

    /// Adds one character of the folded form.
    #[inline]
    fn push_folded(&mut self, ch: char) {
        self.folded.push(ch);
        let ch = unconfuse(ch);
        if is_alnum(ch) {
            self.gap.push(self.removed);
            for _ in 1..ch.len_utf8() {
                self.gap.push(false);
            }
            self.squashed.push(ch);
            self.removed = false;
        } else {
            self.removed = true;
        }
    }

    /// Adds the NFKC form of `piece` (a piece that cannot be folded character by character).
    fn push_piece(&mut self, piece: &str) {
        for ch in piece.nfkc() {
            self.push_nfkc(ch);
        }
    }
}

/// Normalizes a message's text into both forms, in one pass over its characters. Characters whose NFKC
/// form is known alone ([`simple_fold`]) are folded from that table when the next character is one too;
/// only the pieces around other characters go through the full NFKC algorithm. Nothing is allocated
/// but the three results.
pub fn normalize(text: &str) -> Normalized {
    let mut b = Builder {
        folded: String::with_capacity(text.len()),
        squashed: String::with_capacity(text.len()),
        gap: Vec::with_capacity(text.len() + 1),
        removed: true,
    };
    // A character of `simple_fold` waits in `pending` (folded) until the next character shows whether it
    // stands alone; from `slow_from` on, a piece is read that goes through NFKC as a whole. A piece
    // starts at the text's start or at a character of `simple_fold`, and ends before the next one.
    let mut pending: Option<(usize, char)> = None;
    let mut slow_from: Option<usize> = None;
    for (at, ch) in text.char_indices() {
        match simple_fold(ch) {
            Some(folded) => {
                if let Some(from) = slow_from.take() {
                    b.push_piece(&text[from..at]);
                } else if let Some((_, waiting)) = pending {
                    b.push_folded(waiting);
                }
                pending = Some((at, folded));
            }
            None => {
                if slow_from.is_none() {
                    slow_from = Some(pending.take().map_or(at, |(from, _)| from));
                }
            }
        }
    }
    if let Some(from) = slow_from {
        b.push_piece(&text[from..]);
    } else if let Some((_, waiting)) = pending {
        b.push_folded(waiting);
    }
    b.gap.push(true);
    Normalized {
        folded: b.folded,
        squashed: b.squashed,
        gap: b.gap,
    }
}

/// Normalizes a keyword the way message text is squashed.
pub fn squash(text: &str) -> String {
    normalize(text).squashed
}

impl Normalized {
    /// Whether a match of `squashed[start..end]` stands as whole words: a match that begins (ends) with
    /// a Latin/Cyrillic letter or digit must not continue a word of the text on that side, unless the
    /// text had a space or separator there.
    pub fn is_whole_word(&self, start: usize, end: usize) -> bool {
        let text = &self.squashed;
        let first = text[start..end].chars().next();
        let last = text[start..end].chars().next_back();
        let before = text[..start].chars().next_back();
        let after = text[end..].chars().next();
        let start_ok = match (before, first) {
            (Some(b), Some(f)) if is_wordy(f) && is_wordy(b) => self.gap[start],
            _ => true,
        };
        let end_ok = match (last, after) {
            (Some(l), Some(a)) if is_wordy(l) && is_wordy(a) => self.gap[end],
            _ => true,
        };
        start_ok && end_ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_fast_path_equals_the_reference_on_every_character_after_each_simple_one() {
        // Every character in the Basic Multilingual Plane and the first supplementary planes, before
        // and after a sample of the characters folded alone, and alone.
        let simple = ['a', '中', '。', 'Ａ', 'Я'];
        for code in (0..0x2_FFFF).filter_map(char::from_u32) {
            let alone = code.to_string();
            assert_eq!(normalize(&alone), reference(&alone), "{code:?}");
            for s in simple {
                let text: String = [s, code, s].iter().collect();
                assert_eq!(normalize(&text), reference(&text), "{text:?}");
            }
        }
    }

    #[test]
    fn the_tables_answer_as_the_standard_library_does() {
        for ch in (0..0x3_0000).filter_map(char::from_u32) {
            assert_eq!(is_alnum(ch), ch.is_alphanumeric(), "{ch:?}");
            assert_eq!(is_alpha(ch), ch.is_alphabetic(), "{ch:?}");
        }
    }

    #[test]
    fn full_width_letters_and_digits_become_half_width() {
        let n = normalize("ＶＸ：ａｂｃ１２３");
        assert_eq!(n.folded, "vx:abc123");
        assert_eq!(n.squashed, "vxabc123");
    }

    #[test]
    fn separators_and_zero_width_characters_are_removed() {
        assert_eq!(squash("加.微.信"), "加微信");
        assert_eq!(squash("加\u{200B}微\u{200D}信"), "加微信");
        assert_eq!(squash("v x"), "vx");
        assert_eq!(squash("加 V：abc123"), "加vabc123");
        assert_eq!(squash("c r y p t o"), "crypto");
        assert_eq!(squash("C-R-Y-P-T-O"), "crypto");
    }

    #[test]
    fn look_alike_letters_map_to_latin() {
        // Cyrillic "с", "о" and "р" inside a Latin word.
        assert_eq!(squash("\u{0441}rypt\u{043E}"), "crypto");
        // Russian text is lower-cased and mapped the same way on both sides of a match.
        assert_eq!(squash("ЗАРАБОТОК"), squash("заработок"));
    }

    #[test]
    fn styled_and_circled_letters_are_plain() {
        assert_eq!(squash("ⓒⓡⓨⓟⓣⓞ"), "crypto");
        assert_eq!(squash("𝐜𝐫𝐲𝐩𝐭𝐨"), "crypto");
    }

    #[test]
    fn word_boundaries_respect_removed_separators() {
        let n = normalize("I learn every day");
        let at = n.squashed.find("earn").unwrap();
        assert!(!n.is_whole_word(at, at + 4), "earn inside learn");
        let n = normalize("e a r n money");
        let at = n.squashed.find("earn").unwrap();
        assert!(n.is_whole_word(at, at + 4));
        let n = normalize("赚钱earn快");
        let at = n.squashed.find("earn").unwrap();
        assert!(
            n.is_whole_word(at, at + 4),
            "CJK neighbours do not join words"
        );
    }

    /// Normalization as it was first written (NFKC of the whole text, then lower case, then the
    /// squashed form in a second pass): the fast path must give exactly this.
    fn reference(text: &str) -> Normalized {
        use unicode_normalization::{is_nfkc_quick, IsNormalized};
        let mut folded = String::with_capacity(text.len());
        let mut fold = |ch: char| {
            if is_invisible(ch) {
            } else if ch.is_ascii() {
                folded.push(ch.to_ascii_lowercase());
            } else {
                folded.extend(ch.to_lowercase());
            }
        };
        if is_nfkc_quick(text.chars()) == IsNormalized::Yes {
            text.chars().for_each(&mut fold);
        } else {
            text.nfkc().for_each(&mut fold);
        }
        let mut squashed = String::with_capacity(folded.len());
        let mut gap = Vec::with_capacity(folded.len() + 1);
        let mut removed = true;
        for ch in folded.chars() {
            let ch = unconfuse(ch);
            if ch.is_alphanumeric() {
                gap.push(removed);
                gap.extend(std::iter::repeat_n(false, ch.len_utf8() - 1));
                squashed.push(ch);
                removed = false;
            } else {
                removed = true;
            }
        }
        gap.push(true);
        Normalized {
            folded,
            squashed,
            gap,
        }
    }

    /// Characters where the fast path could go wrong: those it folds alone, their neighbours in the
    /// code charts, combining marks (Latin, Cyrillic, Hebrew, kana voicing), Hangul jamo that compose,
    /// compatibility forms, invisible characters and capitals that lower-case to more than one
    /// character.
    const TRICKY: &[char] = &[
        'a',
        'E',
        'z',
        '0',
        ' ',
        '.',
        '\t',
        '中',
        '国',
        '\u{3400}',
        '\u{9FFF}',
        '\u{4DBF}',
        '、',
        '。',
        '〃',
        '〄',
        '〈',
        '】',
        '〔',
        '〶',
        '〸',
        '\u{3000}',
        '，',
        'Ａ',
        'ｚ',
        '５',
        '～',
        '｟',
        'ｶ',
        'ﾞ',
        'А',
        'Я',
        'а',
        'я',
        'Ё',
        'ё',
        'Й',
        'И',
        'е',
        '\u{0300}',
        '\u{0301}',
        '\u{0306}',
        '\u{0308}',
        '\u{0327}',
        '\u{0344}',
        '\u{05B4}',
        '\u{3099}',
        '\u{309A}',
        '\u{309B}',
        'か',
        'ハ',
        '\u{1100}',
        '\u{1161}',
        '\u{11A8}',
        '가',
        '\u{200B}',
        '\u{200D}',
        '\u{FE0F}',
        '\u{00AD}',
        'İ',
        'ẞ',
        'ß',
        'Ω',
        'Å',
        'ﬁ',
        '①',
        'ⓐ',
        '𝐀',
        '㎏',
        '\u{F900}',
        '\u{2F800}',
        '\u{0B47}',
        '\u{0B3E}',
        'é',
        '\u{1E0A}',
        '\u{0323}',
        '😀',
    ];

    proptest! {
        #[test]
        fn the_fast_path_equals_the_reference_on_any_text(text in any::<String>()) {
            prop_assert_eq!(normalize(&text), reference(&text));
        }

        #[test]
        fn the_fast_path_equals_the_reference_on_tricky_text(
            picks in proptest::collection::vec(0..TRICKY.len(), 0..40)
        ) {
            let text: String = picks.iter().map(|i| TRICKY[*i]).collect();
            prop_assert_eq!(normalize(&text), reference(&text));
        }

        #[test]
        fn normalization_never_panics_and_keeps_its_shape(text in any::<String>()) {
            let n = normalize(&text);
            prop_assert_eq!(n.gap.len(), n.squashed.len() + 1);
            prop_assert!(n.squashed.chars().all(char::is_alphanumeric));
            for (i, _) in n.squashed.char_indices() {
                let _ = n.is_whole_word(i, n.squashed.len());
                let _ = n.is_whole_word(0, i);
            }
        }
    }
}

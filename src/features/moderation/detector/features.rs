//! Feature extraction: hashed character n-grams (1–4) of the normalized text, word tokens of
//! Latin and Cyrillic words, the message's shape (1–3-grams of runs of character kinds, each with its
//! length bucket), and named moderator signals (links, contact patterns, mentions, densities, length,
//! repeats, mixed scripts).
//!
//! Everything is deterministic: the hash is a fixed multiply–xor mix, never `RandomState`. Signals take
//! the first [`SIGNALS`] buckets of the weight table, hashed n-grams, words and shapes the rest, so a
//! signal never shares a weight with an n-gram.

use super::super::normalize::{is_alpha, is_cjk, squash, unconfuse};
pub use super::ngram::{cut, gram_char, is_alnum, key3, mix64, MAX_CHARS};
use super::ngram::{SimAccumulator, MIN_SHINGLES};
use aho_corasick::AhoCorasick;
use std::sync::OnceLock;

/// The reserved buckets for named signals (only the first [`SIGNAL_NAMES`]`.len()` are used).
pub const SIGNALS: usize = 64;

/// The names of the signals, in bucket order. Explanations print these.
pub const SIGNAL_NAMES: &[&str] = &[
    "link",                                      // 0
    "t.me link",                                 // 1
    "@handle",                                   // 2
    "two or more @handles",                      // 3
    "contact word: WeChat/VX/加V",               // 4
    "contact word: QQ/企鹅",                     // 5
    "contact word: Telegram/电报/飞机",          // 6
    "contact word: WhatsApp/Line/Viber",         // 7
    "phone number",                              // 8
    "long digit run (QQ/account number)",        // 9
    "letters+digits handle",                     // 10
    "emoji",                                     // 11
    "emoji density over 10%",                    // 12
    "digit density over 20%",                    // 13
    "digit density over 40%",                    // 14
    "length ≤ 5",                                // 15
    "length 6–15",                               // 16
    "length 16–40",                              // 17
    "length 41–100",                             // 18
    "length 101–200",                            // 19
    "length over 200",                           // 20
    "repeated character ×4",                     // 21
    "mixed scripts: CJK and Latin",              // 22
    "mixed scripts in one word",                 // 23
    "contact word with an id",                   // 24
    "Latin text without CJK",                    // 25
    "money word (USDT/¥/$/元)",                  // 26
    "earning bait (日赚/earn/заработок)",        // 27
    "private-message bait (私聊/DM me)",         // 28
    "unsubscribe line (退订/STOP)",              // 29
    "【bracketed brand】",                       // 30
    "promotion word (优惠/free/скидка)",         // 31
    "gambling/crypto word (博彩/casino)",        // 32
    "invitation word (进群/join)",               // 33
    "many exclamation marks",                    // 34
    "percent sign",                              // 35
    "domain name",                               // 36
    "letters of a rare script",                  // 37
    "symbols wedged between Chinese characters", // 38
    "number split into groups",                  // 39
    "short message with a code or number",       // 40
    "repeated symbol",                           // 41
];

const S_LINK: usize = 0;
const S_TME: usize = 1;
const S_HANDLE: usize = 2;
const S_HANDLES2: usize = 3;
const S_PHONE: usize = 8;
const S_DIGITRUN: usize = 9;
const S_ALNUM_HANDLE: usize = 10;
const S_EMOJI: usize = 11;
const S_EMOJI_DENSE: usize = 12;
const S_DIGITS20: usize = 13;
const S_DIGITS40: usize = 14;
const S_LEN: usize = 15;
const S_REPEAT: usize = 21;
const S_CJK_LATIN: usize = 22;
const S_MIXED_WORD: usize = 23;
const S_LATIN_ONLY: usize = 25;
const S_BRACKET: usize = 30;
const S_EXCLAIM: usize = 34;
const S_PERCENT: usize = 35;
const S_DOMAIN: usize = 36;
const S_RARE_SCRIPT: usize = 37;
const S_WEDGED: usize = 38;
const S_SPLIT_NUMBER: usize = 39;
const S_SHORT_CODE: usize = 40;
const S_REPEAT_SYMBOL: usize = 41;
const S_CONTACT_ID: usize = 24;

/// Keyword groups: (signal, patterns). Patterns are squashed like message text, so they match across
/// separators and look-alike letters. Each group mixes Chinese with English and Russian words, so a
/// weight learned from Chinese ads carries over to the same bait in other languages.
const KEYWORDS: &[(usize, &[&str])] = &[
    (
        4,
        &[
            "微信", "威信", "薇信", "vx", "wx", "加v", "+v", "v信", "wechat", "weixin", "加微",
            "薇", "v:", "vx:",
        ],
    ),
    (5, &["qq", "企鹅", "扣扣", "🐧", "q群", "qq群"]),
    (
        6,
        &[
            "电报",
            "飞机",
            "tg",
            "telegram",
            "纸飞机",
            "蝙蝠",
            "телеграм",
            "телега",
        ],
    ),
    (
        7,
        &[
            "whatsapp",
            "viber",
            "wa.me",
            "signal",
            "line",
            "ватсап",
            "вайбер",
        ],
    ),
    (
        26,
        &[
            "usdt",
            "btc",
            "¥",
            "$",
            "元",
            "u商",
            "usd",
            "ustd",
            "trx",
            "€",
            "₽",
            "руб",
            "доллар",
            "dollar",
        ],
    ),
    (
        27,
        &[
            "日赚",
            "日入",
            "月入",
            "躺赚",
            "兼职",
            "赚钱",
            "收益",
            "日结",
            "高薪",
            "回报",
            "稳赚",
            "earn",
            "profit",
            "income",
            "passive",
            "заработ",
            "доход",
            "прибыл",
            "investment",
            "投资",
            "副业",
            "跑分",
            "代收",
            "搬砖",
            "工作室",
        ],
    ),
    (
        28,
        &[
            "私聊",
            "私信",
            "私我",
            "联系我",
            "咨询",
            "详询",
            "dm me",
            "pm me",
            "inbox",
            "contact me",
            "write me",
            "пиши",
            "в лс",
            "в личку",
            "пишите",
            "详情",
        ],
    ),
    (
        29,
        &[
            "退订",
            "回t",
            "回td",
            "拒收",
            "unsubscribe",
            "reply stop",
            "отписат",
        ],
    ),
    (
        31,
        &[
            "优惠",
            "免费",
            "特价",
            "折",
            "促销",
            "活动",
            "礼包",
            "送",
            "限时",
            "抢购",
            "free",
            "discount",
            "bonus",
            "promo",
            "offer",
            "sale",
            "бесплатн",
            "скидк",
            "бонус",
            "акци",
        ],
    ),
    (
        32,
        &[
            "博彩",
            "彩票",
            "娱乐城",
            "棋牌",
            "百家乐",
            "体育",
            "下注",
            "casino",
            "betting",
            "bet",
            "crypto",
            "airdrop",
            "казино",
            "ставк",
            "крипт",
            "车队",
            "担保",
            "出u",
            "收u",
        ],
    ),
    (
        33,
        &[
            "进群",
            "加群",
            "入群",
            "群号",
            "频道",
            "join",
            "channel",
            "group",
            "вступай",
            "канал",
            "подпис",
        ],
    ),
];

/// The keyword automaton and, per pattern, its signal and whether it is short ASCII (needs a standalone
/// check so `line` does not fire inside `online`).
struct Keywords {
    automaton: AhoCorasick,
    signal: Vec<(usize, bool)>,
}

fn keywords() -> &'static Keywords {
    static KW: OnceLock<Keywords> = OnceLock::new();
    KW.get_or_init(|| {
        let mut patterns = Vec::new();
        let mut signal = Vec::new();
        for (sig, words) in KEYWORDS {
            for word in *words {
                // Symbols are kept as they are (squashing would remove them); words are squashed.
                let squashed = squash(word);
                let pattern = if squashed.is_empty() {
                    (*word).to_string()
                } else {
                    squashed
                };
                // Short Latin words must stand alone (`line` not inside `online`, `tg` not in `tgv`).
                let short = pattern.len() <= 4 && pattern.is_ascii();
                patterns.push(pattern);
                signal.push((*sig, short));
            }
        }
        // A DFA: the patterns are few and short, and it reads every byte of the keyword text with one
        // table look-up.
        let automaton = AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::Standard)
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(&patterns)
            .expect("keyword patterns build");
        Keywords { automaton, signal }
    })
}

/// The bucket of an already mixed feature hash `h` in a table of `buckets` (signals excluded).
#[inline]
pub fn bucket_of(h: u64, buckets: usize) -> u32 {
    // Multiply-shift range reduction: no division on the scoring path.
    let range = (buckets - SIGNALS) as u128;
    (SIGNALS as u128 + ((u128::from(h) * range) >> 64)) as u32
}

/// What one message is made of, in the forms feature extraction needs. Reused between messages, so
/// judging allocates nothing once it has grown.
#[derive(Default, Debug)]
pub struct Scratch {
    /// Letters, digits (look-alikes mapped) and a few symbols, for the keyword automaton.
    pub clean_text: String,
    /// The extracted features: (bucket, value), for training and explanations.
    pub feats: Vec<(u32, f32)>,
}

/// Whether a character is an emoji or pictograph.
fn is_emoji(ch: char) -> bool {
    matches!(ch as u32,
        0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2B00..=0x2BFF)
}

fn is_cyrillic(ch: char) -> bool {
    matches!(ch, '\u{0400}'..='\u{04FF}')
}

/// Whether a letter belongs to none of the scripts ordinary chat here is written in (Latin, Greek,
/// Cyrillic, CJK): runes, syllabics and the like, which ads use as markers.
#[inline]
fn is_rare_letter(ch: char) -> bool {
    !ch.is_ascii()
        && !matches!(ch as u32, 0x80..=0x24F | 0x370..=0x52F | 0x1E00..=0x1FFF)
        && !is_cjk(ch)
        && is_alpha(ch)
}

/// Whether a character is a symbol ads wedge between Chinese characters to dodge keyword filters
/// (ordinary Chinese and ASCII sentence punctuation is not).
#[inline]
fn is_wedge(ch: char) -> bool {
    if ch.is_ascii() {
        matches!(
            ch,
            '^' | '`'
                | '*'
                | '~'
                | '/'
                | '|'
                | '\\'
                | '-'
                | '_'
                | '+'
                | '='
                | '#'
                | '&'
                | '<'
                | '>'
        )
    } else {
        !matches!(ch as u32, 0x3000..=0x303F | 0xFF00..=0xFFEF | 0x2000..=0x206F)
            && !is_emoji(ch)
            && !is_alnum(ch)
    }
}

/// Whether a character is part of a Latin or Cyrillic (or other spaced-script) word token.
#[inline]
fn is_word_letter(ch: char) -> bool {
    if ch.is_ascii() {
        ch.is_ascii_alphabetic()
    } else {
        !is_cjk(ch) && is_alpha(ch)
    }
}

/// The kind of a feature, for explanations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeatureName {
    /// A named signal.
    Signal(&'static str),
    /// A character n-gram (digits shown as `0`).
    Gram(String),
    /// A Latin or Cyrillic word.
    Word(String),
    /// A sequence of runs of character kinds (the message's shape), e.g. `Latin×3 digits×3 emoji×2`.
    Shape(String),
}

impl std::fmt::Display for FeatureName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FeatureName::Signal(name) => write!(f, "{name}"),
            FeatureName::Gram(gram) => write!(f, "“{gram}”"),
            FeatureName::Word(word) => write!(f, "word “{word}”"),
            FeatureName::Shape(shape) => write!(f, "shape “{shape}”"),
        }
    }
}

/// Receives the features one pass over a message finds. Text features (n-grams and words) come in
/// text order; the signals that are on come after them.
pub trait Sink {
    /// A character n-gram: its bucket and its characters (digits as `0`).
    fn gram(&mut self, bucket: u32, chars: &[char]);
    /// A Latin or Cyrillic word: its bucket and its text.
    fn word(&mut self, bucket: u32, word: &str);
    /// A shape n-gram: its bucket and its runs ([`shape_name`] reads them).
    fn shape(&mut self, bucket: u32, runs: &[u8]);
    /// A named signal that is on.
    fn signal(&mut self, index: usize);
}

/// What a pass found besides the features.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    /// How many text features (n-grams and words) there were; each has the value 1/√count.
    pub text_features: u32,
    /// The SimHash fingerprint ([`super::similarity::fingerprint`]), when the text is long enough.
    pub fingerprint: Option<u64>,
}

impl Pass {
    /// The value of each text feature.
    pub fn text_value(&self) -> f32 {
        if self.text_features == 0 {
            0.0
        } else {
            1.0 / (self.text_features as f32).sqrt()
        }
    }
}

/// Collects features into a vector (and, for explanations, their names).
struct Collect<'a> {
    feats: &'a mut Vec<(u32, f32)>,
    names: Option<&'a mut Vec<(u32, FeatureName)>>,
}

impl Sink for Collect<'_> {
    fn gram(&mut self, bucket: u32, chars: &[char]) {
        self.feats.push((bucket, 0.0));
        if let Some(names) = self.names.as_deref_mut() {
            names.push((bucket, FeatureName::Gram(chars.iter().collect())));
        }
    }
    fn word(&mut self, bucket: u32, word: &str) {
        self.feats.push((bucket, 0.0));
        if let Some(names) = self.names.as_deref_mut() {
            names.push((bucket, FeatureName::Word(word.to_string())));
        }
    }
    fn shape(&mut self, bucket: u32, runs: &[u8]) {
        self.feats.push((bucket, 0.0));
        if let Some(names) = self.names.as_deref_mut() {
            names.push((bucket, FeatureName::Shape(shape_name(runs))));
        }
    }
    fn signal(&mut self, index: usize) {
        self.feats.push((index as u32, 1.0));
        if let Some(names) = self.names.as_deref_mut() {
            names.push((index as u32, FeatureName::Signal(SIGNAL_NAMES[index])));
        }
    }
}

/// Extracts the features of `folded` (the folded form of [`super::super::normalize::normalize`], or any
/// lower-cased text) into `scratch.feats`, for a table of `buckets` weights. When `names` is given, every
/// feature's readable name is pushed there alongside (for explanations). Returns what the pass found.
pub fn extract(
    folded: &str,
    buckets: usize,
    scratch: &mut Scratch,
    names: Option<&mut Vec<(u32, FeatureName)>>,
) -> Pass {
    scratch.feats.clear();
    let mut sink = Collect {
        feats: &mut scratch.feats,
        names,
    };
    let pass = walk(folded, buckets, &mut scratch.clean_text, &mut sink);
    let value = pass.text_value();
    for f in scratch.feats.iter_mut() {
        if f.0 as usize >= SIGNALS {
            f.1 = value;
        }
    }
    pass
}

/// The kinds of characters a message's shape is made of, in the order of [`CLASS_NAMES`] (0 is the
/// message's start or end).
mod class {
    pub const SPACE: u8 = 1;
    pub const HAN: u8 = 2;
    pub const KANA: u8 = 3;
    pub const LETTER: u8 = 4;
    pub const OTHER_LETTER: u8 = 5;
    pub const DIGIT: u8 = 6;
    pub const EMOJI: u8 = 7;
    pub const WIDE_PUNCT: u8 = 8;
    pub const PUNCT: u8 = 9;
    pub const SYMBOL: u8 = 10;
}

/// The readable names of the character kinds, by their number. Latin, Greek and Cyrillic letters are
/// one kind: the training data's ordinary chat is Chinese, so a kind of its own would teach the model
/// that Cyrillic runs are spam, where a letters-and-digits handle is spam in any script.
const CLASS_NAMES: [&str; 11] = [
    "edge",
    "space",
    "Chinese",
    "kana/bopomofo/hangul",
    "letters",
    "other letters",
    "digits",
    "emoji",
    "Chinese punctuation",
    "punctuation",
    "symbols",
];

/// The readable run lengths, by their bucket ([`length_bucket`]).
const LENGTH_NAMES: [&str; 5] = ["1", "2", "3–4", "5–7", "8+"];

/// The kind of a character, for the message's shape.
#[inline]
fn char_class(ch: char) -> u8 {
    if ch.is_ascii() {
        return match ch {
            '0'..='9' => class::DIGIT,
            'a'..='z' | 'A'..='Z' => class::LETTER,
            ' ' | '\t' | '\n' | '\r' => class::SPACE,
            _ if ch.is_ascii_whitespace() => class::SPACE,
            _ => class::PUNCT,
        };
    }
    match ch as u32 {
        0x4E00..=0x9FFF
        | 0x3400..=0x4DBF
        | 0x2E80..=0x2FDF
        | 0xF900..=0xFAFF
        | 0x20000..=0x3134F => class::HAN,
        0x3040..=0x30FF | 0x3100..=0x31FF | 0xAC00..=0xD7AF => class::KANA,
        0x3000 => class::SPACE,
        0x3001..=0x303F | 0xFF00..=0xFFEF => class::WIDE_PUNCT,
        0x0370..=0x052F if is_alpha(ch) => class::LETTER,
        0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2B00..=0x2BFF => class::EMOJI,
        _ if ch.is_whitespace() => class::SPACE,
        _ if ch.is_numeric() => class::DIGIT,
        0x80..=0x24F | 0x1E00..=0x1FFF if is_alpha(ch) => class::LETTER,
        _ if is_alpha(ch) => class::OTHER_LETTER,
        _ => class::SYMBOL,
    }
}

/// The bucket of a run's length: 1, 2, 3–4, 5–7, 8 or more.
#[inline]
fn length_bucket(len: u32) -> u8 {
    match len {
        0 | 1 => 0,
        2 => 1,
        3..=4 => 2,
        5..=7 => 3,
        _ => 4,
    }
}

/// The readable form of a shape n-gram's runs (kind × length bucket; 0 is the message's edge).
pub fn shape_name(runs: &[u8]) -> String {
    runs.iter()
        .map(|r| {
            let (kind, len) = ((r >> 3) as usize, (r & 7) as usize);
            if kind == 0 {
                "|".to_string()
            } else {
                format!(
                    "{}×{}",
                    CLASS_NAMES.get(kind).copied().unwrap_or("?"),
                    LENGTH_NAMES.get(len).copied().unwrap_or("?")
                )
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Salts that keep n-grams of different lengths and words apart in the hash space.
const SALT1: u64 = 0x51_7cc1_b727_220a;
const SALT2: u64 = 0x2545_f491_4f6c_dd1d;
const SALT4: u64 = 0x9e37_79b9_7f4a_7c15;
const SALT_WORD: u64 = 0x1234_5678_9abc_def0;
const SALT_SHAPE: u64 = 0x7f4a_7c15_9e37_79b9;
const PRIME: u64 = 0x0000_0100_0000_01b3;

/// One pass over the (cut) message: counts and signals, the character 1–4-grams of the masked alphabet
/// ([`gram_char`]), words, the keyword text, and the SimHash of the 3-grams (the same hashes the model's
/// 3-grams use), all without allocating once `clean_text` has grown. Features go to `sink`.
pub fn walk<S: Sink>(folded: &str, buckets: usize, clean_text: &mut String, sink: &mut S) -> Pass {
    let folded = cut(folded);
    clean_text.clear();
    let mut signals = [false; SIGNALS];
    let mut text_features = 0u32;

    let (mut visible, mut digits, mut emoji, mut cjk, mut latin) = (0u32, 0, 0, 0, 0);
    let mut exclaim = 0u32;
    let (mut run_char, mut run_len) = ('\0', 0u32);
    let mut digit_run = 0u32;
    let mut word_latin = false;
    let mut word_cyr = false;
    let mut letters_then_digits = (0u32, 0u32);
    // Symbols wedged between Chinese characters: 1 after a Chinese character, 2 after symbols following
    // one; how many such wedges there were.
    let (mut wedge_state, mut wedges) = (0u8, 0u32);
    // Digit groups of three or more, and the previous visible character (for repeated symbols).
    let mut digit_groups = 0u32;
    let mut prev_visible = '\0';
    // The last four characters of the n-gram alphabet, newest last, and how many there were.
    let mut window = ['\0'; 4];
    let mut grams = 0usize;
    let mut sim = SimAccumulator::default();
    // The word being read: hash, start (byte offset), length in characters.
    let (mut word_hash, mut word_start, mut word_len) = (0u64, 0usize, 0usize);
    // The message's shape: the kind and length of the run being read, and the last two finished runs
    // (kind << 3 | length bucket; 0 is the message's start).
    let (mut run_class, mut class_len) = (0u8, 0u32);
    let mut runs = [0u8; 3];

    for (at, ch) in folded.char_indices() {
        let kind = char_class(ch);
        if kind != run_class {
            if run_class != 0 {
                runs = [runs[1], runs[2], run_class << 3 | length_bucket(class_len)];
                text_features += emit_shape(&runs, buckets, sink);
            }
            run_class = kind;
            class_len = 0;
        }
        class_len += 1;
        if is_word_letter(ch) {
            if word_len == 0 {
                word_start = at;
                word_hash = SALT_WORD;
            }
            word_hash = (word_hash ^ u64::from(ch as u32)).wrapping_mul(PRIME);
            word_len += 1;
        } else if word_len > 0 {
            if word_len >= 2 {
                sink.word(
                    bucket_of(mix64(word_hash), buckets),
                    &folded[word_start..at],
                );
                text_features += 1;
            }
            word_len = 0;
        }
        if ch.is_whitespace() {
            if digit_run >= 3 {
                digit_groups += 1;
            }
            digit_run = 0;
            word_latin = false;
            word_cyr = false;
            letters_then_digits = (0, 0);
            continue;
        }
        visible += 1;
        if ch == run_char {
            run_len += 1;
            if run_len >= 4 {
                signals[S_REPEAT] = true;
            }
        } else {
            run_char = ch;
            run_len = 1;
        }
        if is_emoji(ch) {
            emoji += 1;
        }
        match ch {
            '!' | '！' => exclaim += 1,
            '%' | '％' => signals[S_PERCENT] = true,
            '【' => signals[S_BRACKET] = true,
            _ => {}
        }
        if ch.is_ascii_digit() {
            digits += 1;
            digit_run += 1;
            if digit_run >= 6 {
                signals[S_DIGITRUN] = true;
            }
            if letters_then_digits.0 >= 2 {
                letters_then_digits.1 += 1;
                if letters_then_digits.1 >= 3 {
                    signals[S_ALNUM_HANDLE] = true;
                }
            }
        } else {
            if digit_run >= 3 {
                digit_groups += 1;
            }
            digit_run = 0;
            if ch.is_ascii_alphabetic() {
                if letters_then_digits.1 > 0 {
                    letters_then_digits = (0, 0);
                }
                letters_then_digits.0 += 1;
            } else {
                letters_then_digits = (0, 0);
            }
        }
        if is_cjk(ch) {
            if wedge_state == 2 {
                wedges += 1;
            }
            wedge_state = 1;
        } else if wedge_state > 0 && is_wedge(ch) {
            wedge_state = 2;
        } else {
            wedge_state = 0;
        }
        if ch == prev_visible
            && !is_alnum(ch)
            && !ch.is_ascii()
            && !matches!(ch as u32, 0x3000..=0x303F | 0xFF00..=0xFFEF)
        {
            signals[S_REPEAT_SYMBOL] = true;
        }
        prev_visible = ch;
        if is_cjk(ch) {
            cjk += 1;
            word_latin = false;
            word_cyr = false;
        } else if ch.is_ascii_alphabetic() {
            latin += 1;
            word_latin = true;
            if word_cyr {
                signals[S_MIXED_WORD] = true;
            }
        } else if is_cyrillic(ch) {
            word_cyr = true;
            if word_latin {
                signals[S_MIXED_WORD] = true;
            }
        } else if !is_alnum(ch) {
            word_latin = false;
            word_cyr = false;
        } else if is_rare_letter(ch) {
            signals[S_RARE_SCRIPT] = true;
        }
        let mapped = unconfuse(ch);
        if is_alnum(mapped) {
            clean_text.push(mapped);
        } else if matches!(mapped, '¥' | '$' | '€' | '₽' | '+' | ':' | '🐧') {
            // Symbols some keywords need (money signs, `+v`, `v:`).
            clean_text.push(mapped);
        }
        let Some(g) = gram_char(ch) else {
            continue;
        };
        window = [window[1], window[2], window[3], g];
        grams += 1;
        let c = u64::from(g as u32);
        sink.gram(bucket_of(mix64(c ^ SALT1), buckets), &window[3..]);
        text_features += 1;
        if grams >= 2 {
            let h2 = mix64((u64::from(window[2] as u32) << 21 | c) ^ SALT2);
            sink.gram(bucket_of(h2, buckets), &window[2..]);
            text_features += 1;
        }
        if grams >= 3 {
            let h3 = mix64(key3(window[1], window[2], g));
            sim.add(h3);
            sink.gram(bucket_of(h3, buckets), &window[1..]);
            text_features += 1;
            if grams >= 4 {
                let h4 = mix64(h3 ^ u64::from(window[0] as u32).wrapping_mul(SALT4));
                sink.gram(bucket_of(h4, buckets), &window[..]);
                text_features += 1;
            }
        }
    }
    if word_len >= 2 {
        sink.word(bucket_of(mix64(word_hash), buckets), &folded[word_start..]);
        text_features += 1;
    }
    if run_class != 0 {
        runs = [runs[1], runs[2], run_class << 3 | length_bucket(class_len)];
        text_features += emit_shape(&runs, buckets, sink);
        runs = [runs[1], runs[2], 0];
        text_features += emit_shape(&runs, buckets, sink);
    }

    if digit_run >= 3 {
        digit_groups += 1;
    }
    if wedges >= 2 {
        signals[S_WEDGED] = true;
    }
    if digit_groups >= 2 && digits >= 7 {
        signals[S_SPLIT_NUMBER] = true;
    }

    // Links, domains, handles, phone numbers: scanned on the folded text.
    scan_links(folded, &mut signals);

    if emoji > 0 {
        signals[S_EMOJI] = true;
    }
    if visible > 0 {
        if emoji * 10 > visible {
            signals[S_EMOJI_DENSE] = true;
        }
        if digits * 5 > visible {
            signals[S_DIGITS20] = true;
        }
        if digits * 5 > visible * 2 {
            signals[S_DIGITS40] = true;
        }
    }
    let len_bucket = match visible {
        0..=5 => 0,
        6..=15 => 1,
        16..=40 => 2,
        41..=100 => 3,
        101..=200 => 4,
        _ => 5,
    };
    signals[S_LEN + len_bucket] = true;
    if cjk > 0 && latin >= 2 {
        signals[S_CJK_LATIN] = true;
    }
    if cjk == 0 && latin >= 3 {
        signals[S_LATIN_ONLY] = true;
    }
    if exclaim >= 3 {
        signals[S_EXCLAIM] = true;
    }

    // Keyword groups.
    let kw = keywords();
    let bytes = clean_text.as_bytes();
    for m in kw.automaton.find_overlapping_iter(clean_text.as_str()) {
        let (sig, short) = kw.signal[m.pattern().as_usize()];
        if short {
            let before = m.start().checked_sub(1).map(|i| bytes[i]);
            let after = bytes.get(m.end()).copied();
            let letter = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_alphabetic());
            if letter(before) || letter(after) {
                continue;
            }
        }
        signals[sig] = true;
    }

    let coded = signals[S_DIGITRUN]
        || signals[S_ALNUM_HANDLE]
        || signals[S_SPLIT_NUMBER]
        || signals[S_PHONE]
        || signals[S_HANDLE];
    if visible <= 20 && coded {
        signals[S_SHORT_CODE] = true;
    }
    if coded && signals[4..8].iter().any(|on| *on) {
        signals[S_CONTACT_ID] = true;
    }

    for (i, on) in signals.iter().enumerate().take(SIGNAL_NAMES.len()) {
        if *on {
            sink.signal(i);
        }
    }
    Pass {
        text_features,
        fingerprint: (grams >= MIN_SHINGLES + 2).then(|| sim.finish()),
    }
}

/// Sends the shape n-grams that end with the run just finished (`runs[2]`): the run alone (not for the
/// message's end), with the one before it, and with the two before it. Returns how many it sent.
#[inline]
fn emit_shape<S: Sink>(runs: &[u8; 3], buckets: usize, sink: &mut S) -> u32 {
    let key = |n: u64, a: u8, b: u8, c: u8| {
        mix64(SALT_SHAPE ^ n << 40 ^ u64::from(a) << 16 ^ u64::from(b) << 8 ^ u64::from(c))
    };
    let mut sent = 0;
    if runs[2] != 0 {
        sink.shape(bucket_of(key(1, 0, 0, runs[2]), buckets), &runs[2..]);
        sent += 1;
    }
    sink.shape(bucket_of(key(2, 0, runs[1], runs[2]), buckets), &runs[1..]);
    sink.shape(
        bucket_of(key(3, runs[0], runs[1], runs[2]), buckets),
        &runs[..],
    );
    sent + 2
}

/// Finds links, t.me links, domains, @handles and phone numbers in the folded text.
fn scan_links(folded: &str, signals: &mut [bool; SIGNALS]) {
    if folded.contains("http") || folded.contains("www.") {
        signals[S_LINK] = true;
    }
    if folded.contains("t.me/") || folded.contains("telegram.me") || folded.contains("tg://") {
        signals[S_TME] = true;
        signals[S_LINK] = true;
    }
    let bytes = folded.as_bytes();
    let mut handles = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'@' {
            let mut j = i + 1;
            while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
                j += 1;
            }
            if j - i > 3 {
                handles += 1;
            }
            i = j.max(i + 1);
            continue;
        }
        if b == b'.' && i > 0 && bytes[i - 1].is_ascii_alphanumeric() {
            // A domain: letters before, 2–6 letters after, then not a letter.
            let mut j = i + 1;
            while j < bytes.len() && bytes[j].is_ascii_alphabetic() {
                j += 1;
            }
            let tld = j - i - 1;
            if (2..=6).contains(&tld) && !bytes.get(j).is_some_and(|c| c.is_ascii_digit()) {
                let mut k = i;
                while k > 0 && (bytes[k - 1].is_ascii_alphanumeric() || bytes[k - 1] == b'-') {
                    k -= 1;
                }
                if i - k >= 2 && bytes[k..i].iter().any(|c| c.is_ascii_alphabetic()) {
                    signals[S_DOMAIN] = true;
                }
            }
        }
        if b.is_ascii_digit() {
            let mut j = i;
            while j < bytes.len()
                && (bytes[j].is_ascii_digit() || (bytes[j] == b'-' || bytes[j] == b' '))
            {
                j += 1;
            }
            let count = bytes[i..j].iter().filter(|c| c.is_ascii_digit()).count();
            let cn_mobile = count == 11 && b == b'1';
            if cn_mobile || (9..=15).contains(&count) && (i == 0 || bytes[i - 1] == b'+') {
                signals[S_PHONE] = true;
            }
            i = j;
            continue;
        }
        i += 1;
    }
    if handles >= 1 {
        signals[S_HANDLE] = true;
    }
    if handles >= 2 {
        signals[S_HANDLES2] = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signal_names(text: &str) -> Vec<String> {
        let mut s = Scratch::default();
        let mut names = Vec::new();
        let folded = super::super::super::normalize::normalize(text).folded;
        extract(&folded, 1 << 18, &mut s, Some(&mut names));
        names
            .into_iter()
            .filter_map(|(_, n)| match n {
                FeatureName::Signal(s) => Some(s.to_string()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn contact_patterns_and_links_are_signals() {
        let names = signal_names("加V：abc12345 详情看 https://t.me/foo 或 @sellerbot");
        for want in [
            "link",
            "t.me link",
            "@handle",
            "contact word: WeChat/VX/加V",
            "letters+digits handle",
        ] {
            assert!(names.iter().any(|n| n == want), "{want} in {names:?}");
        }
        let names = signal_names("call 13812345678 now");
        assert!(names.iter().any(|n| n == "phone number"), "{names:?}");
        let names = signal_names("^看^^城^靓^女^不`穿`衣 ᚰ 2787 9947");
        for want in [
            "symbols wedged between Chinese characters",
            "letters of a rare script",
            "number split into groups",
        ] {
            assert!(names.iter().any(|n| n == want), "{want} in {names:?}");
        }
        let names = signal_names("萱 29526 Q 77544");
        assert!(
            names
                .iter()
                .any(|n| n == "short message with a code or number"),
            "{names:?}"
        );
        let names = signal_names("你好，我们明天见！会议在3楼，大约20分钟。Привет, café");
        for unwanted in [
            "symbols wedged between Chinese characters",
            "letters of a rare script",
            "number split into groups",
            "short message with a code or number",
            "repeated symbol",
        ] {
            assert!(
                !names.iter().any(|n| n == unwanted),
                "{unwanted} in {names:?}"
            );
        }
        let names = signal_names("I'm online, the tgv train is late");
        assert!(
            !names.iter().any(|n| n.starts_with("contact word")),
            "{names:?}"
        );
    }

    fn shapes(text: &str) -> Vec<String> {
        let mut s = Scratch::default();
        let mut names = Vec::new();
        let folded = super::super::super::normalize::normalize(text).folded;
        extract(&folded, 1 << 18, &mut s, Some(&mut names));
        names
            .into_iter()
            .filter_map(|(_, n)| match n {
                FeatureName::Shape(s) => Some(s),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_shape_reads_runs_of_character_kinds_the_same_in_every_spaced_script() {
        let latin = shapes("加我 abc1234 ☀☀");
        assert!(
            latin.iter().any(|s| s == "letters×3–4 digits×3–4 space×1"),
            "{latin:?}"
        );
        assert!(latin.iter().any(|s| s == "space×1 emoji×2 |"), "{latin:?}");
        assert_eq!(
            latin,
            shapes("加我 вжз1234 ☀☀"),
            "Cyrillic letters are letters"
        );
        assert_ne!(latin, shapes("加我 abc12 ☀☀"), "run lengths count");
        assert!(shapes("").is_empty());
    }

    #[test]
    fn odd_input_extracts_without_panicking() {
        let mut s = Scratch::default();
        for text in [
            "",
            "   ",
            "\u{200B}\u{200D}",
            "😀😀😀",
            "@",
            "1.",
            ".com",
            "@@@@",
        ] {
            extract(text, 1 << 18, &mut s, None);
            assert!(s
                .feats
                .iter()
                .all(|(b, v)| (*b as usize) < (1 << 18) && v.is_finite()));
        }
        let long = "广告".repeat(50_000);
        extract(&long, 1 << 18, &mut s, None);
        assert!(s.feats.len() < 4 * MAX_CHARS + SIGNALS + 10);
    }
}

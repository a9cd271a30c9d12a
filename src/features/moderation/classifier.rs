//! The learning spam classifier: multinomial Naive Bayes over character n-grams (1 to 3 characters) of
//! the squashed normalized text, so Chinese needs no word segmentation and spacing or look-alike tricks
//! do not change the features. Counts use Laplace (add-one) smoothing; the score is the posterior
//! probability of spam in `[0, 1]`. It is a score, not money, so `f64` is used for the log-probabilities.
//!
//! The model starts from the shipped samples (`config/classifier_samples.txt`) and learns from moderators'
//! decisions (`/spam`, confirmed reports, undo). No teloxide, no SQL, no clock here.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// The shipped training samples: one per line, `spam<TAB>text` or `ham<TAB>text`; `#` starts a comment.
pub const SHIPPED_SAMPLES: &str = include_str!("../../../config/classifier_samples.txt");

/// Only this many characters of a message are looked at, so scoring stays fast on long texts.
pub const MAX_CHARS: usize = 400;

/// Which class a sample belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    /// An advertisement or other spam.
    Spam,
    /// An ordinary message.
    Ham,
}

impl Label {
    /// The name stored in the database and the samples file.
    pub fn name(self) -> &'static str {
        match self {
            Label::Spam => "spam",
            Label::Ham => "ham",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<Label> {
        match text.trim() {
            "spam" => Some(Label::Spam),
            "ham" => Some(Label::Ham),
            _ => None,
        }
    }

    fn index(self) -> usize {
        match self {
            Label::Spam => 0,
            Label::Ham => 1,
        }
    }
}

/// A hasher for n-gram keys, which are already well spread after one multiplication.
#[derive(Default)]
struct GramHasher(u64);

impl Hasher for GramHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 ^ u64::from(*byte)).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn write_u64(&mut self, value: u64) {
        self.0 = (value ^ (value >> 29)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// Per n-gram: its counts in spam and ham, and `ln(spam + 1) - ln(ham + 1)`, kept up to date on learning
/// so scoring needs no logarithm per n-gram.
#[derive(Debug, Clone, Copy, Default)]
struct GramStats {
    counts: [u32; 2],
    weight: f64,
}

type GramMap = HashMap<u64, GramStats, BuildHasherDefault<GramHasher>>;

/// The highest code point an n-gram key keeps apart; every character above it (planes 8 to 16: no
/// script lives there, only private use and tags) counts as this one.
const HIGHEST_KEPT: u32 = 0x7_FFFF;

/// Calls `each` with the key of every 1-, 2- and 3-character n-gram of `text` (at most [`MAX_CHARS`]
/// characters). A key packs the characters (19 bits each for the first of three, 21 bits otherwise)
/// below a tag of the n-gram's length in the top bits, so different n-grams never share a key.
/// Characters above U+7FFFF are folded into one so that the first character of a trigram can never reach
/// the tag bits.
pub fn for_each_gram(text: &str, mut each: impl FnMut(u64)) {
    let mut window = [0u64; 3];
    for (seen, ch) in text.chars().take(MAX_CHARS).enumerate() {
        window = [
            window[1],
            window[2],
            u64::from((ch as u32).min(HIGHEST_KEPT)),
        ];
        each((1 << 63) | window[2]);
        if seen >= 1 {
            each((2 << 61) | (window[1] << 21) | window[2]);
        }
        if seen >= 2 {
            each((3 << 61) | (window[0] << 42) | (window[1] << 21) | window[2]);
        }
    }
}

/// The trained model: per n-gram, how often it occurred in spam and in ham.
#[derive(Debug, Clone, Default)]
pub struct Model {
    grams: GramMap,
    /// Total n-gram occurrences per class.
    totals: [u64; 2],
    /// Documents per class.
    documents: [u64; 2],
}

impl Model {
    /// A model trained on the shipped samples.
    pub fn shipped() -> Model {
        let mut model = Model::default();
        for (label, text) in parse_samples(SHIPPED_SAMPLES) {
            model.learn(&text, label);
        }
        model
    }

    /// Adds one sample (the text is normalized by the caller: the squashed form).
    pub fn learn(&mut self, squashed: &str, label: Label) {
        if squashed.is_empty() {
            return;
        }
        let class = label.index();
        let mut added = 0u64;
        for_each_gram(squashed, |key| {
            let stats = self.grams.entry(key).or_default();
            stats.counts[class] += 1;
            stats.weight =
                (f64::from(stats.counts[0]) + 1.0).ln() - (f64::from(stats.counts[1]) + 1.0).ln();
            added += 1;
        });
        self.totals[class] += added;
        self.documents[class] += 1;
    }

    /// How many samples of each class the model has seen (spam, ham).
    pub fn documents(&self) -> (u64, u64) {
        (self.documents[0], self.documents[1])
    }

    /// The probability that `squashed` is spam, in `[0, 1]`; 0 for empty text or an untrained model.
    pub fn score(&self, squashed: &str) -> f64 {
        if squashed.is_empty() || self.documents[0] == 0 || self.documents[1] == 0 {
            return 0.0;
        }
        let vocabulary = self.grams.len() as f64 + 1.0;
        let spam_denominator = self.totals[0] as f64 + vocabulary;
        let ham_denominator = self.totals[1] as f64 + vocabulary;
        let all = (self.documents[0] + self.documents[1]) as f64;
        // Each n-gram adds ln((spam + 1) / spam_denominator) - ln((ham + 1) / ham_denominator): its
        // stored weight plus the same denominator term for every n-gram.
        let per_gram = ham_denominator.ln() - spam_denominator.ln();
        let mut log_odds =
            (self.documents[0] as f64 / all).ln() - (self.documents[1] as f64 / all).ln();
        let mut grams = 0usize;
        for_each_gram(squashed, |key| {
            if let Some(stats) = self.grams.get(&key) {
                log_odds += stats.weight;
            }
            grams += 1;
        });
        if grams == 0 {
            return 0.0;
        }
        log_odds += per_gram * grams as f64;
        1.0 / (1.0 + (-log_odds).exp())
    }
}

/// Reads samples in the shipped format; lines that are blank, comments or malformed are skipped.
pub fn parse_samples(text: &str) -> Vec<(Label, String)> {
    text.lines()
        .filter(|line| !line.trim().is_empty() && !line.trim_start().starts_with('#'))
        .filter_map(|line| {
            let (label, sample) = line.split_once('\t')?;
            Some((
                Label::parse(label)?,
                super::normalize::normalize(sample).squashed,
            ))
        })
        .filter(|(_, sample)| !sample.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::moderation::normalize::normalize;

    fn squash(text: &str) -> String {
        normalize(text).squashed
    }

    #[test]
    fn grams_cover_one_to_three_characters_without_collisions() {
        let mut keys = Vec::new();
        for_each_gram("加微信", |k| keys.push(k));
        assert_eq!(keys.len(), 3 + 2 + 1);
        let mut unique = keys.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), keys.len());
        let mut ab = Vec::new();
        for_each_gram("ab", |k| ab.push(k));
        let mut ba = Vec::new();
        for_each_gram("ba", |k| ba.push(k));
        assert_ne!(ab[2], ba[2], "order matters in a bigram");
        // A character from the highest planes must not spill into a trigram's length tag, where it
        // would make the trigram share a key with one starting with a plain letter.
        let trigram = |text: &str| {
            let mut keys = Vec::new();
            for_each_gram(text, |k| keys.push(k));
            keys[5]
        };
        assert_ne!(trigram("\u{80041}ab"), trigram("Aab"));
        assert_eq!(
            trigram("\u{10FFFD}ab") >> 61,
            3,
            "the trigram keeps its tag"
        );
    }

    #[test]
    fn shipped_model_separates_ads_from_chat() {
        let model = Model::shipped();
        let (spam, ham) = model.documents();
        assert!(spam >= 20 && ham >= 20, "{spam} spam, {ham} ham samples");
        assert!(model.score(&squash("兼职日结，加我微信详聊，稳赚不赔")) > 0.9);
        assert!(model.score(&squash("今晚一起去吃火锅吗")) < 0.1);
        assert!(model.score(&squash("free crypto signals, dm me now")) > 0.9);
        assert!(model.score(&squash("thanks, see you at the meetup tomorrow")) < 0.1);
    }

    #[test]
    fn learning_moves_the_score_both_ways() {
        let mut model = Model::shipped();
        let text = squash("出售二手显卡 私聊价格");
        let before = model.score(&text);
        for _ in 0..3 {
            model.learn(&text, Label::Spam);
        }
        let taught = model.score(&squash("出售二手显卡，私聊"));
        assert!(taught > before && taught > 0.9, "{before} → {taught}");
        for _ in 0..6 {
            model.learn(&text, Label::Ham);
        }
        assert!(model.score(&squash("出售二手显卡，私聊")) < taught);
    }

    #[test]
    fn empty_text_and_untrained_models_score_zero() {
        assert_eq!(Model::shipped().score(""), 0.0);
        let mut model = Model::default();
        assert_eq!(model.score("abc"), 0.0);
        model.learn("abc", Label::Spam);
        assert_eq!(model.score("abc"), 0.0, "one class only");
    }

    #[test]
    fn samples_parse_and_skip_bad_lines() {
        let parsed =
            parse_samples("# comment\nspam\tBuy NOW\nnonsense line\nham\t  \nham\tHello\n");
        assert_eq!(
            parsed,
            vec![
                (Label::Spam, "buynow".to_string()),
                (Label::Ham, "hello".to_string())
            ]
        );
        assert_eq!(Label::parse("spam"), Some(Label::Spam));
        assert_eq!(Label::parse("eggs"), None);
    }
}

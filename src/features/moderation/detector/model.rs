//! The linear model and its file format.
//!
//! Layout (little endian): magic `GODETECT`, format version (u32), log2 of the bucket count (u32),
//! weight scale (f32), bias (f32), four thresholds (f32: newcomer remove, newcomer suspicious, member
//! remove, member suspicious), bucket count × i16 quantized weights, fingerprint count (u32), that many
//! u64 SimHash fingerprints of the training spam, then the SHA-256 of everything before it.

use super::features::{walk, Scratch, Sink};
use sha2::{Digest, Sha256};

/// The file's first bytes.
pub const MAGIC: &[u8; 8] = b"GODETECT";
/// The format version this build reads and writes. Version 3 adds the message's shape (runs of character
/// kinds) to the features; an older file's weights would be read against the wrong features, so it is
/// refused.
pub const VERSION: u32 = 3;
/// The model built into the binary.
pub const SHIPPED: &[u8] = include_bytes!("../../../../config/detector.bin");

/// Remove and suspicious thresholds (probabilities) for one kind of sender.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// At or above: remove.
    pub remove: f32,
    /// At or above (and below `remove`): keep, and tell the admins.
    pub suspicious: f32,
}

/// The thresholds for newcomers and for settled members (stricter: higher).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThresholdSet {
    /// For newcomers.
    pub newcomer: Thresholds,
    /// For members who are not newcomers.
    pub member: Thresholds,
}

impl ThresholdSet {
    /// The thresholds for a sender.
    pub fn for_sender(&self, newcomer: bool) -> Thresholds {
        if newcomer {
            self.newcomer
        } else {
            self.member
        }
    }
}

/// A trained model: quantized weights, bias, thresholds and the training spam's fingerprints.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// log2 of the number of weights.
    pub bits: u32,
    /// One weight is `q as f32 * scale`.
    pub scale: f32,
    /// The bias.
    pub bias: f32,
    /// Quantized weights.
    pub weights: Vec<i16>,
    /// Thresholds chosen on held-aside folds.
    pub thresholds: ThresholdSet,
    /// Fingerprints of known spam (deduplicated, sorted).
    pub fingerprints: Vec<u64>,
}

/// Why model bytes were refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ModelError {
    /// Not a detector model.
    #[error("not a detector model (bad magic)")]
    Magic,
    /// Another format version.
    #[error("unsupported detector model version {0}")]
    Version(u32),
    /// Truncated or inconsistent.
    #[error("truncated or malformed detector model")]
    Malformed,
    /// The checksum does not match.
    #[error("detector model checksum mismatch")]
    Checksum,
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], ModelError> {
        if self.0.len() < n {
            return Err(ModelError::Malformed);
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn u32(&mut self) -> Result<u32, ModelError> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().unwrap_or([0; 4]),
        ))
    }
    fn f32(&mut self) -> Result<f32, ModelError> {
        let v = f32::from_le_bytes(self.take(4)?.try_into().unwrap_or([0; 4]));
        if v.is_finite() {
            Ok(v)
        } else {
            Err(ModelError::Malformed)
        }
    }
}

impl Model {
    /// The model built into the binary.
    pub fn shipped() -> Model {
        Model::from_bytes(SHIPPED).expect("the shipped detector model is valid")
    }

    /// The number of weights.
    pub fn buckets(&self) -> usize {
        self.weights.len()
    }

    /// Serializes the model.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + 2 * self.weights.len() + 8 * self.fingerprints.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.extend_from_slice(&self.bits.to_le_bytes());
        for v in [
            self.scale,
            self.bias,
            self.thresholds.newcomer.remove,
            self.thresholds.newcomer.suspicious,
            self.thresholds.member.remove,
            self.thresholds.member.suspicious,
        ] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for w in &self.weights {
            out.extend_from_slice(&w.to_le_bytes());
        }
        out.extend_from_slice(&(self.fingerprints.len() as u32).to_le_bytes());
        for fp in &self.fingerprints {
            out.extend_from_slice(&fp.to_le_bytes());
        }
        let sum = Sha256::digest(&out);
        out.extend_from_slice(&sum);
        out
    }

    /// Reads a model file, checking magic, version, size and checksum.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ModelError> {
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return Err(ModelError::Magic);
        }
        if bytes.len() < 32 + 12 {
            return Err(ModelError::Malformed);
        }
        let (body, sum) = bytes.split_at(bytes.len() - 32);
        let mut r = Reader(&body[MAGIC.len()..]);
        let version = r.u32()?;
        if version != VERSION {
            return Err(ModelError::Version(version));
        }
        if Sha256::digest(body)[..] != *sum {
            return Err(ModelError::Checksum);
        }
        let bits = r.u32()?;
        if !(10..=22).contains(&bits) {
            return Err(ModelError::Malformed);
        }
        let scale = r.f32()?;
        let bias = r.f32()?;
        let mut t = [0f32; 4];
        for v in &mut t {
            *v = r.f32()?;
        }
        let raw = r.take(2usize << bits)?;
        let weights = raw
            .chunks_exact(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]))
            .collect();
        let count = r.u32()? as usize;
        let raw = r.take(count.checked_mul(8).ok_or(ModelError::Malformed)?)?;
        let fingerprints = raw
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
            .collect();
        if !r.0.is_empty() {
            return Err(ModelError::Malformed);
        }
        Ok(Model {
            bits,
            scale,
            bias,
            weights,
            thresholds: ThresholdSet {
                newcomer: Thresholds {
                    remove: t[0],
                    suspicious: t[1],
                },
                member: Thresholds {
                    remove: t[2],
                    suspicious: t[3],
                },
            },
            fingerprints,
        })
    }

    /// Reads an operator's model file; on any failure, the built-in model and a warning to log.
    pub fn load_or_shipped(path: Option<&std::path::Path>) -> (Model, Option<String>) {
        let Some(path) = path else {
            return (Model::shipped(), None);
        };
        match std::fs::read(path) {
            Ok(bytes) => match Model::from_bytes(&bytes) {
                Ok(model) => (model, None),
                Err(err) => (
                    Model::shipped(),
                    Some(format!(
                        "detector model {}: {err}; using the built-in model",
                        path.display()
                    )),
                ),
            },
            Err(err) => (
                Model::shipped(),
                Some(format!(
                    "cannot read detector model {}: {err}; using the built-in model",
                    path.display()
                )),
            ),
        }
    }

    /// The raw score (log-odds) of extracted features.
    #[inline]
    pub fn margin(&self, feats: &[(u32, f32)]) -> f32 {
        let mut sum = 0f32;
        for &(b, v) in feats {
            if let Some(w) = self.weights.get(b as usize) {
                sum += f32::from(*w) * v;
            }
        }
        self.bias + sum * self.scale
    }

    /// The spam probability of a folded text (no similarity layer).
    pub fn probability(&self, folded: &str, scratch: &mut Scratch) -> f32 {
        self.score(folded, scratch).0
    }

    /// The spam probability of a folded text and its fingerprint, from one pass that adds up the
    /// weights as it finds the features (nothing is collected, nothing allocated once `scratch` has
    /// grown).
    pub fn score(&self, folded: &str, scratch: &mut Scratch) -> (f32, Option<u64>) {
        let mut sum = Sum {
            weights: &self.weights,
            signals: 0,
            text: 0,
        };
        let pass = walk(folded, self.buckets(), &mut scratch.clean_text, &mut sum);
        let margin =
            self.bias + self.scale * (sum.signals as f32 + sum.text as f32 * pass.text_value());
        (sigmoid(margin), pass.fingerprint)
    }
}

/// Adds up the quantized weights of the features a pass finds (exact integer sums: the text features'
/// common value is applied once at the end).
struct Sum<'a> {
    weights: &'a [i16],
    signals: i64,
    text: i64,
}

impl Sink for Sum<'_> {
    #[inline]
    fn gram(&mut self, bucket: u32, _: &[char]) {
        self.text += i64::from(self.weights.get(bucket as usize).copied().unwrap_or(0));
    }
    #[inline]
    fn word(&mut self, bucket: u32, _: &str) {
        self.text += i64::from(self.weights.get(bucket as usize).copied().unwrap_or(0));
    }
    #[inline]
    fn shape(&mut self, bucket: u32, _: &[u8]) {
        self.text += i64::from(self.weights.get(bucket as usize).copied().unwrap_or(0));
    }
    #[inline]
    fn signal(&mut self, index: usize) {
        self.signals += i64::from(self.weights.get(index).copied().unwrap_or(0));
    }
}

/// The logistic function.
#[inline]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Model {
        Model {
            bits: 10,
            scale: 0.01,
            bias: -1.0,
            weights: (0..1024).map(|i| (i % 200) as i16 - 100).collect(),
            thresholds: ThresholdSet {
                newcomer: Thresholds {
                    remove: 0.9,
                    suspicious: 0.6,
                },
                member: Thresholds {
                    remove: 0.97,
                    suspicious: 0.8,
                },
            },
            fingerprints: vec![1, 2, 3],
        }
    }

    #[test]
    fn round_trips_and_refuses_damage() {
        let m = tiny();
        let bytes = m.to_bytes();
        assert_eq!(Model::from_bytes(&bytes).unwrap(), m);
        assert_eq!(Model::from_bytes(b""), Err(ModelError::Magic));
        assert_eq!(Model::from_bytes(b"hello world"), Err(ModelError::Magic));
        assert_eq!(Model::from_bytes(MAGIC), Err(ModelError::Malformed));
        let mut bad = bytes.clone();
        bad[100] ^= 1;
        assert_eq!(Model::from_bytes(&bad), Err(ModelError::Checksum));
        for cut in [9, 20, 44, 60, bytes.len() - 1] {
            assert!(Model::from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut other = bytes.clone();
        other[8] = 9;
        assert_eq!(Model::from_bytes(&other), Err(ModelError::Version(9)));
    }

    #[test]
    fn a_missing_or_corrupt_operator_file_falls_back_to_the_shipped_model() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.bin");
        let (model, warning) = Model::load_or_shipped(Some(&missing));
        assert_eq!(model, Model::shipped());
        assert!(warning.unwrap().contains("none.bin"));
        let corrupt = dir.path().join("bad.bin");
        std::fs::write(&corrupt, b"GODETECT garbage").unwrap();
        let (model, warning) = Model::load_or_shipped(Some(&corrupt));
        assert_eq!(model, Model::shipped());
        assert!(warning.is_some());
        let good = dir.path().join("good.bin");
        std::fs::write(&good, tiny().to_bytes()).unwrap();
        assert_eq!(Model::load_or_shipped(Some(&good)), (tiny(), None));
        assert!(Model::load_or_shipped(None).1.is_none());
    }
}

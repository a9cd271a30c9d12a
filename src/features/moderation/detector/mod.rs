//! The trained ad/spam detector: a linear model over hashed character n-grams, words and moderator
//! signals ([`features`], [`model`]), plus near-duplicate fingerprints of known spam ([`similarity`]) in
//! layers: the training spam built into the model, an instance-wide set, and one layer per group (its
//! own spam and what its admins marked "not spam").
//!
//! Everything here is pure (no SQL, no Telegram): the caller keeps the layers, persists them as bytes
//! or fingerprint rows, and decides what reaches the instance-wide layer. Teaching one group changes only
//! that group's [`GroupLayer`].
//!
//! The judge's call: [`Detector::judge`] with the message's folded text (from
//! [`super::normalize::normalize`]), the group's layer, the thresholds for the sender (newcomer or
//! not) and a reusable [`Scratch`].

pub mod cli;
pub mod eval;
pub mod features;
pub mod model;
pub mod ngram;
pub mod similarity;
pub mod train;

pub use features::{FeatureName, Scratch};
pub use model::{Model, ModelError, ThresholdSet, Thresholds};
pub use similarity::{fingerprint, Near, SimSet, MAX_DISTANCE};

use super::normalize::{normalize, Normalized};

/// The default capacity of a group's spam and not-spam sets.
pub const GROUP_CAPACITY: usize = 2_000;
/// The default capacity of the instance-wide set.
pub const INSTANCE_CAPACITY: usize = 50_000;

/// Which similarity layer matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    /// The training spam built into the model.
    Builtin,
    /// Spam confirmed across the instance.
    Instance,
    /// This group's own spam.
    Group,
}

/// One feature's contribution to a model score.
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    /// The feature.
    pub feature: FeatureName,
    /// Its share of the log-odds.
    pub weight: f32,
}

/// What decided a verdict.
#[derive(Debug, Clone, PartialEq)]
pub enum DecidedBy {
    /// The model's score. `top_features` is filled by [`Detector::judge_explained`] (empty otherwise).
    Model {
        /// The features that pushed the score up most.
        top_features: Vec<Contribution>,
    },
    /// A near-duplicate of known spam.
    Similar {
        /// The layer that held it.
        layer: Layer,
        /// The known spam's fingerprint (its id).
        to: u64,
        /// Hamming distance (0 = same template).
        distance: u32,
    },
    /// A near-duplicate of a message this group's admins marked "not spam".
    NotSpam {
        /// The fingerprint they marked.
        to: u64,
        /// Hamming distance.
        distance: u32,
    },
}

/// What to do with the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Band {
    /// At or above the remove threshold.
    Remove,
    /// Between the suspicious and the remove threshold: keep it and tell the admins.
    Suspicious,
    /// Below the suspicious threshold.
    Clean,
}

/// The detector's verdict on one message.
#[derive(Debug, Clone, PartialEq)]
pub struct DetectorVerdict {
    /// The spam probability after the similarity layers (the model's, raised for near-duplicates).
    pub probability: f32,
    /// The model's own probability.
    pub model_probability: f32,
    /// What decided.
    pub decided_by: DecidedBy,
    /// The band for the thresholds given.
    pub band: Band,
    /// The message's fingerprint (`None` when too short): store this when admins teach.
    pub fingerprint: Option<u64>,
}

/// The probability a near-duplicate of known spam gets at `distance`.
pub fn similar_probability(distance: u32) -> f32 {
    0.999 - 0.003 * distance.min(MAX_DISTANCE) as f32
}

/// One group's layer: fingerprints of its own spam, and of messages its admins marked "not spam".
#[derive(Debug, Clone)]
pub struct GroupLayer {
    /// This group's known spam.
    pub spam: SimSet,
    /// What this group's admins said is not spam.
    pub not_spam: SimSet,
}

impl Default for GroupLayer {
    fn default() -> Self {
        GroupLayer::new(GROUP_CAPACITY)
    }
}

impl GroupLayer {
    /// An empty layer; each set holds at most `capacity` fingerprints.
    pub fn new(capacity: usize) -> GroupLayer {
        GroupLayer {
            spam: SimSet::new(capacity),
            not_spam: SimSet::new(capacity),
        }
    }

    /// Admins confirmed a message as spam (`/spam`, a confirmed report, an unrevoked removal). Returns
    /// its fingerprint (`None` when the text is too short to fingerprint).
    pub fn teach_spam(&mut self, folded: &str) -> Option<u64> {
        let fp = fingerprint(folded)?;
        self.teach_spam_fingerprint(fp);
        Some(fp)
    }

    /// [`GroupLayer::teach_spam`] by the fingerprint (as stored).
    pub fn teach_spam_fingerprint(&mut self, fp: u64) {
        self.not_spam.remove(fp);
        if let Some(near) = self.not_spam.contains_near(fp, 0) {
            self.not_spam.remove(near.fingerprint);
        }
        self.spam.add(fp);
    }

    /// Admins said a message is not spam (undo, unban, "Not spam"): near spam fingerprints of this
    /// group are dropped and the message's fingerprint is remembered.
    pub fn teach_not_spam(&mut self, folded: &str) -> Option<u64> {
        let fp = fingerprint(folded)?;
        self.teach_not_spam_fingerprint(fp);
        Some(fp)
    }

    /// [`GroupLayer::teach_not_spam`] by the fingerprint (as stored).
    pub fn teach_not_spam_fingerprint(&mut self, fp: u64) {
        while let Some(near) = self.spam.contains_near(fp, MAX_DISTANCE) {
            self.spam.remove(near.fingerprint);
        }
        self.not_spam.add(fp);
    }

    /// Both sets as bytes (spam set, then not-spam set, each length-prefixed).
    pub fn to_bytes(&self) -> Vec<u8> {
        let (a, b) = (self.spam.to_bytes(), self.not_spam.to_bytes());
        let mut out = Vec::with_capacity(8 + a.len() + b.len());
        out.extend_from_slice(&(a.len() as u32).to_le_bytes());
        out.extend_from_slice(&a);
        out.extend_from_slice(&(b.len() as u32).to_le_bytes());
        out.extend_from_slice(&b);
        out
    }

    /// Reads what [`GroupLayer::to_bytes`] wrote; `None` for anything else.
    pub fn from_bytes(bytes: &[u8]) -> Option<GroupLayer> {
        let a_len = u32::from_le_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
        let a = bytes.get(4..4usize.checked_add(a_len)?)?;
        let rest = &bytes[4 + a_len..];
        let b_len = u32::from_le_bytes(rest.get(..4)?.try_into().ok()?) as usize;
        let b = rest.get(4..4usize.checked_add(b_len)?)?;
        if rest.len() != 4 + b_len {
            return None;
        }
        Some(GroupLayer {
            spam: SimSet::from_bytes(a)?,
            not_spam: SimSet::from_bytes(b)?,
        })
    }
}

/// The model plus the built-in and instance-wide similarity layers.
#[derive(Debug, Clone)]
pub struct Detector {
    model: Model,
    builtin: SimSet,
    /// Spam confirmed across the instance (the caller decides what gets here).
    pub instance: SimSet,
}

impl Detector {
    /// A detector over `model`, its built-in fingerprints, and an empty instance layer.
    pub fn new(model: Model) -> Detector {
        let mut builtin = SimSet::new(model.fingerprints.len().max(1));
        for fp in &model.fingerprints {
            builtin.add(*fp);
        }
        Detector {
            model,
            builtin,
            instance: SimSet::new(INSTANCE_CAPACITY),
        }
    }

    /// The detector of the built-in model.
    pub fn shipped() -> Detector {
        Detector::new(Model::shipped())
    }

    /// The detector of an operator's model file (`moderation.detector_model`), or of the built-in model
    /// with a warning to log when that file is missing or corrupt.
    pub fn load(path: Option<&std::path::Path>) -> (Detector, Option<String>) {
        let (model, warning) = Model::load_or_shipped(path);
        (Detector::new(model), warning)
    }

    /// The model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The thresholds shipped in the model.
    pub fn thresholds(&self) -> ThresholdSet {
        self.model.thresholds
    }

    /// Drops a fingerprint from the built-in and instance layers (the operator, or admins of several
    /// groups, said it is not spam).
    pub fn forget(&mut self, fp: u64) {
        self.builtin.remove(fp);
        self.instance.remove(fp);
    }

    /// Judges a message by its folded text (cut at 400 characters inside). `thresholds` are the
    /// sender's ([`ThresholdSet::for_sender`]). Allocates nothing once `scratch` has grown.
    pub fn judge(
        &self,
        folded: &str,
        group: Option<&GroupLayer>,
        thresholds: Thresholds,
        scratch: &mut Scratch,
    ) -> DetectorVerdict {
        let (model_probability, fp) = self.model.score(folded, scratch);
        let mut decided_by = DecidedBy::Model {
            top_features: Vec::new(),
        };
        let mut probability = model_probability;
        if let Some(fp) = fp {
            let not_spam = group.and_then(|g| g.not_spam.contains_near(fp, MAX_DISTANCE));
            if let Some(near) = not_spam {
                return DetectorVerdict {
                    probability: model_probability,
                    model_probability,
                    decided_by: DecidedBy::NotSpam {
                        to: near.fingerprint,
                        distance: near.distance,
                    },
                    band: Band::Clean,
                    fingerprint: Some(fp),
                };
            }
            let found = group
                .and_then(|g| g.spam.contains_near(fp, MAX_DISTANCE))
                .map(|n| (Layer::Group, n))
                .or_else(|| {
                    self.instance
                        .contains_near(fp, MAX_DISTANCE)
                        .map(|n| (Layer::Instance, n))
                })
                .or_else(|| {
                    self.builtin
                        .contains_near(fp, MAX_DISTANCE)
                        .map(|n| (Layer::Builtin, n))
                });
            if let Some((layer, near)) = found {
                let sim = similar_probability(near.distance);
                if sim > model_probability {
                    probability = sim;
                    decided_by = DecidedBy::Similar {
                        layer,
                        to: near.fingerprint,
                        distance: near.distance,
                    };
                }
            }
        }
        let band = if probability >= thresholds.remove {
            Band::Remove
        } else if probability >= thresholds.suspicious {
            Band::Suspicious
        } else {
            Band::Clean
        };
        DetectorVerdict {
            probability,
            model_probability,
            decided_by,
            band,
            fingerprint: fp,
        }
    }

    /// [`Detector::judge`] on raw text (normalizes it first; allocates).
    pub fn judge_text(
        &self,
        text: &str,
        group: Option<&GroupLayer>,
        thresholds: Thresholds,
        scratch: &mut Scratch,
    ) -> DetectorVerdict {
        let normalized = normalize(features::cut(text));
        self.judge(&normalized.folded, group, thresholds, scratch)
    }

    /// [`Detector::judge`] on a normalized message with the model's own thresholds.
    pub fn judge_normalized(
        &self,
        normalized: &Normalized,
        group: Option<&GroupLayer>,
        newcomer: bool,
        scratch: &mut Scratch,
    ) -> DetectorVerdict {
        let t = self.model.thresholds.for_sender(newcomer);
        self.judge(&normalized.folded, group, t, scratch)
    }

    /// [`Detector::judge`], with the top `k` features filled in when the model decided (for the
    /// member's explanation, `/modlog` and `check --explain`).
    pub fn judge_explained(
        &self,
        folded: &str,
        group: Option<&GroupLayer>,
        thresholds: Thresholds,
        k: usize,
    ) -> DetectorVerdict {
        let mut scratch = Scratch::default();
        let mut verdict = self.judge(folded, group, thresholds, &mut scratch);
        if let DecidedBy::Model { top_features } = &mut verdict.decided_by {
            *top_features = self.explain(folded, k);
        }
        verdict
    }

    /// The `k` features that raise the model's score most, with their share of the log-odds.
    pub fn explain(&self, folded: &str, k: usize) -> Vec<Contribution> {
        let mut scratch = Scratch::default();
        let mut names = Vec::new();
        features::extract(folded, self.model.buckets(), &mut scratch, Some(&mut names));
        let mut contributions: Vec<Contribution> = Vec::new();
        for (&(bucket, value), (_, name)) in scratch.feats.iter().zip(names) {
            let w = self
                .model
                .weights
                .get(bucket as usize)
                .map_or(0.0, |w| f32::from(*w) * self.model.scale * value);
            match contributions.iter_mut().find(|c| c.feature == name) {
                Some(c) => c.weight += w,
                None => contributions.push(Contribution {
                    feature: name,
                    weight: w,
                }),
            }
        }
        contributions.retain(|c| c.weight > 0.0);
        contributions.sort_by(|a, b| {
            b.weight
                .total_cmp(&a.weight)
                .then_with(|| a.feature.to_string().cmp(&b.feature.to_string()))
        });
        contributions.truncate(k);
        contributions
    }
}

/// The thresholds to use: the model's, with each one the settings set (non-zero) replacing it.
pub fn thresholds_from_settings(
    settings: &super::settings::ModerationSettings,
    model: ThresholdSet,
) -> ThresholdSet {
    let pick = |set: f64, own: f32| if set > 0.0 { set as f32 } else { own };
    ThresholdSet {
        newcomer: Thresholds {
            remove: pick(settings.detector_remove_threshold, model.newcomer.remove),
            suspicious: pick(
                settings.detector_suspicious_threshold,
                model.newcomer.suspicious,
            ),
        },
        member: Thresholds {
            remove: pick(
                settings.detector_member_remove_threshold,
                model.member.remove,
            ),
            suspicious: pick(
                settings.detector_member_suspicious_threshold,
                model.member.suspicious,
            ),
        },
    }
}

/// The detector the settings name: the operator's model file when `moderation.detector_model` is set,
/// else the built-in one; the warning (to log) when that file could not be used.
pub fn detector_from_settings(
    settings: &super::settings::ModerationSettings,
) -> (Detector, Option<String>) {
    let path = (!settings.detector_model.is_empty())
        .then(|| std::path::Path::new(&settings.detector_model));
    Detector::load(path)
}

impl std::fmt::Display for DecidedBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecidedBy::Model { top_features } => {
                write!(f, "model")?;
                for (i, c) in top_features.iter().enumerate() {
                    let sep = if i == 0 { ": " } else { ", " };
                    write!(f, "{sep}{} (+{:.2})", c.feature, c.weight)?;
                }
                Ok(())
            }
            DecidedBy::Similar {
                layer,
                to,
                distance,
            } => {
                let layer = match layer {
                    Layer::Builtin => "built-in",
                    Layer::Instance => "instance",
                    Layer::Group => "group",
                };
                write!(
                    f,
                    "similar to known spam {to:016x} ({layer} layer, distance {distance})"
                )
            }
            DecidedBy::NotSpam { to, distance } => write!(
                f,
                "similar to {to:016x}, marked not spam by this group's admins (distance {distance})"
            ),
        }
    }
}

#[cfg(test)]
mod tests;

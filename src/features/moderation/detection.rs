//! The trained ad detector as a running bot holds it: the detector (model, built-in and instance-wide
//! similarity layers), loaded once per bot from the settings, and each group's own layer, kept in a
//! bounded in-memory cache and rebuilt from the database on first use, with its own thresholds when its
//! admins set them (`/rulemode classifier`). The judge asks [`verdict`] about a message, moderators'
//! decisions go through [`teach`], and [`Detail`] is what the log stores about a detector verdict and how
//! explanations put it in a group's language; nothing here talks to Telegram.

use super::detector::features::{cut, SIGNAL_NAMES};
use super::detector::{
    detector_from_settings, fingerprint, thresholds_from_settings, Band, DecidedBy, Detector,
    DetectorVerdict, FeatureName, GroupLayer, Layer, Scratch, ThresholdSet, Thresholds,
    GROUP_CAPACITY,
};
use super::normalize::normalize;
use super::store::{self, LayerLabel};
use crate::fargs;
use crate::i18n::Lang;
use crate::services::Ctx;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

/// How many groups' layers are kept in memory at most; past it, the least recently used are dropped
/// (and read again from the database when their group speaks).
const GROUP_LAYERS_CAP: usize = 1_000;

/// How many features an explanation names.
const TOP_FEATURES: usize = 3;

/// The detector of one running bot and the layers of the groups it has seen.
#[derive(Debug)]
pub struct DetectorState {
    /// The detector; its instance-wide layer changes when teaching reaches it.
    pub detector: RwLock<Detector>,
    /// The thresholds in use (the model's, replaced by the settings that are set).
    pub thresholds: ThresholdSet,
    /// Each group's layer with the tick it was last used at.
    groups: Mutex<HashMap<i64, (Arc<GroupLayer>, u64)>>,
    /// A counter that orders uses of the group layers.
    tick: std::sync::atomic::AtomicU64,
    /// Whether the instance-wide layer was filled from the database.
    instance_loaded: AtomicBool,
    /// Each group's own newcomer thresholds `(remove, suspicious)` as read from the database (`None`:
    /// the instance's).
    group_thresholds: Mutex<HashMap<i64, Option<(f32, f32)>>>,
}

thread_local! {
    /// The scoring buffers of this thread, reused by every message it judges.
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// The detector state of the bot that owns `ctx`, loaded on first use. When the operator's model file
/// is missing or corrupt, the built-in model is used and the log says so.
pub fn state(ctx: &Ctx) -> Arc<DetectorState> {
    ctx.local(|| {
        let settings = &ctx.config.moderation;
        let (detector, warning) = detector_from_settings(settings);
        if let Some(warning) = warning {
            tracing::warn!(%warning, "the detector model file could not be used; the built-in model is used");
        }
        let thresholds = thresholds_from_settings(settings, detector.thresholds());
        DetectorState {
            detector: RwLock::new(detector),
            thresholds,
            groups: Mutex::new(HashMap::new()),
            tick: std::sync::atomic::AtomicU64::new(0),
            instance_loaded: AtomicBool::new(false),
            group_thresholds: Mutex::new(HashMap::new()),
        }
    })
}

impl DetectorState {
    /// The layer of a group when it is in memory.
    pub fn cached_layer(&self, chat_id: i64) -> Option<Arc<GroupLayer>> {
        let tick = self.tick.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut groups = self.groups.lock().unwrap_or_else(|e| e.into_inner());
        groups.get_mut(&chat_id).map(|(layer, used)| {
            *used = tick;
            layer.clone()
        })
    }

    /// Keeps a group's layer in memory, dropping the least recently used layer when the cache is full.
    pub fn put_layer(&self, chat_id: i64, layer: Arc<GroupLayer>) {
        let tick = self.tick.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut groups = self.groups.lock().unwrap_or_else(|e| e.into_inner());
        if groups.len() >= GROUP_LAYERS_CAP && !groups.contains_key(&chat_id) {
            if let Some(oldest) = groups
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(id, _)| *id)
            {
                groups.remove(&oldest);
            }
        }
        groups.insert(chat_id, (layer, tick));
    }

    /// Forgets a group's layer (after a supergroup upgrade moved it).
    pub fn forget_layer(&self, chat_id: i64) {
        self.groups
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&chat_id);
        self.forget_thresholds(chat_id);
    }

    /// Forgets a group's thresholds, so the next message reads them again (after `/rulemode classifier`).
    pub fn forget_thresholds(&self, chat_id: i64) {
        self.group_thresholds
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&chat_id);
    }
}

/// The thresholds of a group: the instance's, with the group's own replacing the newcomer ones. Settled
/// members keep the instance's thresholds, raised to the group's when those are higher, so a group can
/// make the detector stricter for newcomers without touching its long-standing members, and more lenient
/// for everyone.
pub fn group_set(instance: ThresholdSet, group: Option<(f32, f32)>) -> ThresholdSet {
    let Some((remove, suspicious)) = group else {
        return instance;
    };
    ThresholdSet {
        newcomer: Thresholds { remove, suspicious },
        member: Thresholds {
            remove: instance.member.remove.max(remove),
            suspicious: instance.member.suspicious.max(suspicious),
        },
    }
}

/// The thresholds in use in a group (see [`group_set`]), read from the database on first use.
pub async fn thresholds_for(ctx: &Ctx, chat_id: i64) -> crate::Result<ThresholdSet> {
    let state = state(ctx);
    let cached = state
        .group_thresholds
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&chat_id)
        .copied();
    let own = match cached {
        Some(own) => own,
        None => {
            let own = {
                let mut conn = ctx.storage.read.acquire().await?;
                store::group_thresholds(&mut conn, chat_id).await?
            }
            .map(|(remove, suspicious)| (remove as f32, suspicious as f32));
            let mut map = state
                .group_thresholds
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if map.len() >= GROUP_LAYERS_CAP {
                map.clear();
            }
            map.insert(chat_id, own);
            own
        }
    };
    Ok(group_set(state.thresholds, own))
}

/// A group's layer: from memory, or rebuilt from what its admins taught (oldest first, so a later "not
/// spam" overrides an earlier "spam" and the other way round).
pub async fn layer_for(ctx: &Ctx, chat_id: i64) -> crate::Result<Arc<GroupLayer>> {
    let state = state(ctx);
    if let Some(layer) = state.cached_layer(chat_id) {
        return Ok(layer);
    }
    let taught = {
        let mut conn = ctx.storage.read.acquire().await?;
        store::group_taught(&mut conn, chat_id, 2 * GROUP_CAPACITY).await?
    };
    let mut layer = GroupLayer::default();
    for (label, fp) in taught {
        match label {
            LayerLabel::Spam => layer.teach_spam_fingerprint(fp),
            LayerLabel::NotSpam => layer.teach_not_spam_fingerprint(fp),
        }
    }
    let layer = Arc::new(layer);
    state.put_layer(chat_id, layer.clone());
    Ok(layer)
}

/// Fills the instance-wide layer from the database once per bot: every spam fingerprint that admins of
/// enough groups agreed on, or that a trusted group taught.
async fn ensure_instance(ctx: &Ctx, state: &DetectorState) -> crate::Result<()> {
    if state.instance_loaded.load(Ordering::Acquire) {
        return Ok(());
    }
    let settings = &ctx.config.moderation;
    let agreed = {
        let mut conn = ctx.storage.read.acquire().await?;
        store::instance_taught(
            &mut conn,
            settings.detector_agree_groups,
            &settings.detector_trusted_groups,
            None,
        )
        .await?
    };
    let mut detector = state.detector.write().unwrap_or_else(|e| e.into_inner());
    if !state.instance_loaded.swap(true, Ordering::AcqRel) {
        for fp in agreed {
            detector.instance.add(fp);
        }
    }
    Ok(())
}

/// How much of a taught message is kept, to quote it when a near-duplicate is explained.
const TAUGHT_EXCERPT_CHARS: usize = 60;

/// Teaches the detector a moderator's decision about a message of `chat_id`: stores the fingerprint
/// of its text with `label`, `source`, the admin and the text's start, updates the group's layer at
/// once, and adds spam to the instance-wide layer when admins of enough groups agree or the group is
/// trusted. What the bot learned from its own removals (`source` [`store::AUTO_SOURCE`]) stays in the
/// group's layer. Nothing else changes another group's verdicts. Text too short to fingerprint teaches
/// nothing.
pub async fn teach(
    ctx: &Ctx,
    chat_id: i64,
    text: &str,
    label: LayerLabel,
    source: &str,
    by: Option<i64>,
) -> crate::Result<()> {
    let folded = normalize(cut(text)).folded;
    let Some(fp) = fingerprint(&folded) else {
        return Ok(());
    };
    let state = state(ctx);
    ensure_instance(ctx, &state).await?;
    let current = layer_for(ctx, chat_id).await?;
    let settings = &ctx.config.moderation;
    let promoted = {
        let mut conn = ctx.storage.write.acquire().await?;
        store::add_taught(
            &mut conn,
            &store::Taught {
                chat_id,
                fingerprint: fp,
                label,
                source,
                by,
                at: ctx.now(),
                excerpt: &text.chars().take(TAUGHT_EXCERPT_CHARS).collect::<String>(),
            },
        )
        .await?;
        if label == LayerLabel::Spam && source != store::AUTO_SOURCE {
            !store::instance_taught(
                &mut conn,
                settings.detector_agree_groups,
                &settings.detector_trusted_groups,
                Some(fp),
            )
            .await?
            .is_empty()
        } else {
            false
        }
    };
    let mut layer = (*current).clone();
    match label {
        LayerLabel::Spam => layer.teach_spam_fingerprint(fp),
        LayerLabel::NotSpam => layer.teach_not_spam_fingerprint(fp),
    }
    state.put_layer(chat_id, Arc::new(layer));
    if promoted {
        state
            .detector
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .instance
            .add(fp);
    }
    tracing::info!(
        chat_id,
        label = label.name(),
        source,
        fingerprint = %format!("{fp:016x}"),
        instance = promoted,
        "the detector learned a fingerprint"
    );
    Ok(())
}

/// The detector's verdict on a message of `chat_id` by its folded text with the group's newcomer
/// thresholds (the strictest), the group's thresholds for [`band`], and, when the verdict is not clean
/// and the model decided, its top features.
pub async fn verdict(
    ctx: &Ctx,
    chat_id: i64,
    folded: &str,
) -> crate::Result<(DetectorVerdict, ThresholdSet)> {
    let state = state(ctx);
    ensure_instance(ctx, &state).await?;
    let layer = layer_for(ctx, chat_id).await?;
    let set = thresholds_for(ctx, chat_id).await?;
    let detector = state.detector.read().unwrap_or_else(|e| e.into_inner());
    let mut verdict = SCRATCH.with(|scratch| {
        let mut scratch = scratch.borrow_mut();
        detector.judge(folded, Some(&layer), set.for_sender(true), &mut scratch)
    });
    if verdict.band != Band::Clean {
        if let DecidedBy::Model { top_features } = &mut verdict.decided_by {
            *top_features = detector.explain(folded, TOP_FEATURES);
        }
    }
    Ok((verdict, set))
}

/// The band a verdict falls in for a sender: newcomers and settled members have their own thresholds,
/// and a near-duplicate of what the group's admins called "not spam" is always clean.
pub fn band(set: &ThresholdSet, verdict: &DetectorVerdict, newcomer: bool) -> Band {
    if matches!(verdict.decided_by, DecidedBy::NotSpam { .. }) {
        return Band::Clean;
    }
    let t = set.for_sender(newcomer);
    if verdict.probability >= t.remove {
        Band::Remove
    } else if verdict.probability >= t.suspicious {
        Band::Suspicious
    } else {
        Band::Clean
    }
}

/// Whether a verdict removes the message of a sender (see [`band`]).
pub fn removes(set: &ThresholdSet, verdict: &DetectorVerdict, newcomer: bool) -> bool {
    band(set, verdict, newcomer) == Band::Remove
}

/// The readable ids of the model's named signals, in the order of [`SIGNAL_NAMES`]; the wording of
/// each is `moderation-feature-<id>`.
const SIGNAL_IDS: &[&str] = &[
    "link",
    "tme-link",
    "handle",
    "handles",
    "wechat",
    "qq",
    "telegram",
    "messenger",
    "phone",
    "digit-run",
    "alnum-handle",
    "emoji",
    "emoji-dense",
    "digits-20",
    "digits-40",
    "length-5",
    "length-15",
    "length-40",
    "length-100",
    "length-200",
    "length-long",
    "repeated",
    "mixed-scripts",
    "mixed-word",
    "contact-with-id",
    "latin-only",
    "money",
    "earning",
    "private-message",
    "unsubscribe",
    "brand",
    "promotion",
    "gambling",
    "invitation",
    "exclaim",
    "percent",
    "domain",
    "rare-script",
    "wedged-symbols",
    "split-number",
    "short-code",
    "repeated-symbol",
];

/// One of the model's top features, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    /// A named signal by its id (see [`SIGNAL_IDS`]).
    Signal(String),
    /// A character n-gram.
    Gram(String),
    /// A Latin or Cyrillic word.
    Word(String),
}

/// What decided a detector verdict, as the log stores it (JSON in the `detail` column) and
/// explanations, `/modlog` and the log channel word it in a group's language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Detail {
    /// The model's score and its top features.
    Model { score: f32, features: Vec<Feature> },
    /// A near-duplicate of known spam: the layer (`builtin`, `instance`, `group`), the Hamming
    /// distance, and the known message's start when this group's admins taught it.
    Similar {
        score: f32,
        layer: String,
        distance: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
    },
    /// A near-duplicate of what this group's admins called "not spam".
    NotSpam { score: f32, distance: u32 },
}

impl Detail {
    /// The detail of a verdict; `known_text` is the start of the known spam a near-duplicate matched,
    /// when the group taught it.
    pub fn of(verdict: &DetectorVerdict, known_text: Option<String>) -> Detail {
        let score = (verdict.probability * 1000.0).round() / 1000.0;
        match &verdict.decided_by {
            DecidedBy::Model { top_features } => Detail::Model {
                score,
                // Latin and digit fragments (`ee`, `k000`) and shapes (`letters×3–4 digits×5–7`) say
                // nothing to a member and are left out; named signals, words and fragments of Chinese
                // text are shown.
                features: top_features
                    .iter()
                    .filter(|c| match &c.feature {
                        FeatureName::Gram(gram) => !gram.is_ascii(),
                        FeatureName::Shape(_) => false,
                        _ => true,
                    })
                    .map(|c| match &c.feature {
                        FeatureName::Signal(name) => {
                            let id = SIGNAL_NAMES
                                .iter()
                                .position(|n| n == name)
                                .and_then(|i| SIGNAL_IDS.get(i));
                            match id {
                                Some(id) => Feature::Signal(id.to_string()),
                                None => Feature::Gram(name.to_string()),
                            }
                        }
                        FeatureName::Gram(gram) => Feature::Gram(gram.clone()),
                        FeatureName::Word(word) => Feature::Word(word.clone()),
                        FeatureName::Shape(shape) => Feature::Gram(shape.clone()),
                    })
                    .collect(),
            },
            DecidedBy::Similar {
                layer, distance, ..
            } => Detail::Similar {
                score,
                layer: match layer {
                    Layer::Builtin => "builtin",
                    Layer::Instance => "instance",
                    Layer::Group => "group",
                }
                .to_string(),
                distance: *distance,
                text: known_text,
            },
            DecidedBy::NotSpam { distance, .. } => Detail::NotSpam {
                score,
                distance: *distance,
            },
        }
    }

    /// The stored form.
    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads the stored form; `None` for anything else (details of other rules, older entries).
    pub fn decode(stored: &str) -> Option<Detail> {
        stored
            .starts_with('{')
            .then(|| serde_json::from_str(stored).ok())
            .flatten()
    }

    /// The score.
    pub fn score(&self) -> f32 {
        match self {
            Detail::Model { score, .. }
            | Detail::Similar { score, .. }
            | Detail::NotSpam { score, .. } => *score,
        }
    }

    /// What decided, in words of a language.
    pub fn words(&self, ctx: &Ctx, lang: Lang) -> String {
        words(&ctx.i18n, lang, self)
    }
}

/// [`Detail::words`] with the wording at hand (the `check` command has no bot).
pub fn words(i18n: &crate::i18n::I18n, lang: Lang, detail: &Detail) -> String {
    let score = format!("{:.2}", detail.score());
    match detail {
        Detail::Model { features, .. } if features.is_empty() => i18n.ta(
            lang,
            "moderation-detail-model-plain",
            &fargs! {"score" => score},
        ),
        Detail::Model { features, .. } => {
            let separator = if lang == Lang::Zh { "、" } else { ", " };
            let features = features
                .iter()
                .map(|f| match f {
                    Feature::Signal(id) => i18n.t(lang, &format!("moderation-feature-{id}")),
                    Feature::Gram(gram) => i18n.ta(
                        lang,
                        "moderation-feature-gram",
                        &fargs! {"gram" => gram.clone()},
                    ),
                    Feature::Word(word) => i18n.ta(
                        lang,
                        "moderation-feature-word",
                        &fargs! {"word" => word.clone()},
                    ),
                })
                .collect::<Vec<_>>()
                .join(separator);
            i18n.ta(
                lang,
                "moderation-detail-model",
                &fargs! {"score" => score, "features" => features},
            )
        }
        Detail::Similar {
            layer,
            distance,
            text,
            ..
        } => {
            let layer = i18n.t(lang, &format!("moderation-detail-layer-{layer}"));
            let args = fargs! {
                "score" => score,
                "layer" => layer,
                "distance" => *distance,
                "text" => text.clone().unwrap_or_default(),
            };
            let id = if text.is_some() {
                "moderation-detail-similar-text"
            } else {
                "moderation-detail-similar"
            };
            i18n.ta(lang, id, &args)
        }
        Detail::NotSpam { distance, .. } => i18n.ta(
            lang,
            "moderation-detail-not-spam",
            &fargs! {"score" => score, "distance" => *distance},
        ),
    }
}

/// The detail of a verdict in a group, with the start of the known spam a near-duplicate of this
/// group's layer matched.
pub async fn detail(ctx: &Ctx, chat_id: i64, verdict: &DetectorVerdict) -> crate::Result<Detail> {
    let known = match verdict.decided_by {
        DecidedBy::Similar {
            layer: Layer::Group,
            to,
            ..
        } => {
            let mut conn = ctx.storage.read.acquire().await?;
            store::taught_excerpt(&mut conn, chat_id, to).await?
        }
        _ => None,
    };
    Ok(Detail::of(verdict, known))
}

/// A stored detail (of any rule) in words of a language: a detector detail is worded, anything else is
/// shown as stored.
pub fn stored_words(ctx: &Ctx, lang: Lang, stored: &str) -> String {
    match Detail::decode(stored) {
        Some(detail) => detail.words(ctx, lang),
        None => stored.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_signal_has_an_id() {
        assert_eq!(SIGNAL_IDS.len(), SIGNAL_NAMES.len());
    }

    #[test]
    fn a_groups_thresholds_replace_the_newcomers_and_only_raise_the_members() {
        let instance = ThresholdSet {
            newcomer: Thresholds {
                remove: 0.9,
                suspicious: 0.6,
            },
            member: Thresholds {
                remove: 0.97,
                suspicious: 0.8,
            },
        };
        assert_eq!(group_set(instance, None), instance);
        let strict = group_set(instance, Some((0.5, 0.2)));
        assert_eq!(
            strict.newcomer,
            Thresholds {
                remove: 0.5,
                suspicious: 0.2
            }
        );
        assert_eq!(strict.member, instance.member);
        let lenient = group_set(instance, Some((0.99, 0.9)));
        assert_eq!(
            lenient.member,
            Thresholds {
                remove: 0.99,
                suspicious: 0.9
            }
        );
    }

    #[test]
    fn details_survive_the_log_and_other_details_are_left_alone() {
        for detail in [
            Detail::Model {
                score: 0.97,
                features: vec![
                    Feature::Signal("link".into()),
                    Feature::Gram("加v".into()),
                    Feature::Word("casino".into()),
                ],
            },
            Detail::Similar {
                score: 0.99,
                layer: "group".into(),
                distance: 3,
                text: Some("精品茶叶".into()),
            },
            Detail::NotSpam {
                score: 0.4,
                distance: 1,
            },
        ] {
            assert_eq!(Detail::decode(&detail.encode()), Some(detail));
        }
        assert_eq!(Detail::decode("兼职"), None);
        assert_eq!(Detail::decode("{broken"), None);
    }
}

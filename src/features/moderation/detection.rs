//! The trained ad detector as a running bot holds it: the detector (model, built-in and instance-wide
//! similarity layers), loaded once per bot from the settings, and each group's own layer, kept in a
//! bounded in-memory cache and rebuilt from the database on first use. The judge asks [`verdict`] about a
//! message, moderators' decisions go through [`teach`]; nothing here talks to Telegram.

use super::detector::features::cut;
use super::detector::{
    detector_from_settings, fingerprint, thresholds_from_settings, Band, DecidedBy, Detector,
    DetectorVerdict, GroupLayer, Scratch, ThresholdSet, GROUP_CAPACITY,
};
use super::normalize::normalize;
use super::store::{self, LayerLabel};
use crate::services::Ctx;
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
    }
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

/// Teaches the detector a moderator's decision about a message of `chat_id`: stores the fingerprint
/// of its text with `label`, `source` and the admin, updates the group's layer at once, and adds spam
/// to the instance-wide layer when admins of enough groups agree or the group is trusted. Nothing else
/// changes another group's verdicts. Text too short to fingerprint teaches nothing.
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
            },
        )
        .await?;
        if label == LayerLabel::Spam {
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

/// The detector's verdict on a message of `chat_id` by its folded text, with the newcomer thresholds
/// (the strictest), and what decided it with the top features when the model decided a removal.
pub async fn verdict(ctx: &Ctx, chat_id: i64, folded: &str) -> crate::Result<DetectorVerdict> {
    let state = state(ctx);
    ensure_instance(ctx, &state).await?;
    let layer = layer_for(ctx, chat_id).await?;
    let thresholds = state.thresholds.for_sender(true);
    let detector = state.detector.read().unwrap_or_else(|e| e.into_inner());
    let mut verdict = SCRATCH.with(|scratch| {
        let mut scratch = scratch.borrow_mut();
        detector.judge(folded, Some(&layer), thresholds, &mut scratch)
    });
    if verdict.band == Band::Remove {
        if let DecidedBy::Model { top_features } = &mut verdict.decided_by {
            *top_features = detector.explain(folded, TOP_FEATURES);
        }
    }
    Ok(verdict)
}

/// Whether a verdict removes the message of a sender: newcomers and settled members have their own
/// remove thresholds, and a near-duplicate of what the group's admins called "not spam" never removes.
pub fn removes(ctx: &Ctx, verdict: &DetectorVerdict, newcomer: bool) -> bool {
    if matches!(verdict.decided_by, DecidedBy::NotSpam { .. }) {
        return false;
    }
    verdict.probability >= state(ctx).thresholds.for_sender(newcomer).remove
}

/// What the log and `/modlog` say about a detector removal: the score and what decided it.
pub fn detail(verdict: &DetectorVerdict) -> String {
    format!("{:.2} · {}", verdict.probability, verdict.decided_by)
}

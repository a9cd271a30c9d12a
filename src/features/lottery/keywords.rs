//! The join keywords of each group's open lotteries, kept in memory so that an ordinary group message never
//! costs a database read: the database is asked for the lottery only when a message is exactly one of its
//! group's keywords.
//!
//! A group's keywords are loaded from the database the first time one of its short messages is looked at
//! (so they are right after a restart) and forgotten whenever a lottery of the group is created, drawn or
//! cancelled; the next message loads them again. A load that raced with such a change is not kept, so the
//! memory never holds keywords older than the last change.

use super::store;
use crate::error::Result;
use crate::services::Ctx;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The keywords of every group looked at so far.
#[derive(Debug, Default)]
pub struct Keywords {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Group → the join keywords of its open lotteries (usually none).
    by_chat: HashMap<i64, Arc<[String]>>,
    /// Counts every change, so that a load that started before a change is not stored after it.
    changes: u64,
}

impl Keywords {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The keywords of a group, when they are in memory.
    pub fn cached(&self, chat_id: i64) -> Option<Arc<[String]>> {
        self.lock().by_chat.get(&chat_id).cloned()
    }

    /// Starts a load: returns the change count to hand to [`Keywords::store`].
    pub fn begin_load(&self) -> u64 {
        self.lock().changes
    }

    /// Keeps the keywords loaded for a group, unless a change happened since the load began; returns
    /// whether they were kept.
    pub fn store(&self, chat_id: i64, began: u64, keywords: Vec<String>) -> bool {
        let mut inner = self.lock();
        if inner.changes != began {
            return false;
        }
        inner.by_chat.insert(chat_id, keywords.into());
        true
    }

    /// Forgets a group's keywords after one of its lotteries was created, drawn or cancelled.
    pub fn forget(&self, chat_id: i64) {
        let mut inner = self.lock();
        inner.changes = inner.changes.wrapping_add(1);
        inner.by_chat.remove(&chat_id);
    }
}

/// The keywords of the bot that owns `ctx` (several bots may run in one process, as in tests).
fn state(ctx: &Ctx) -> Arc<Keywords> {
    ctx.local(Keywords::default)
}

/// The form keywords are compared in: trimmed, lower case, without trailing punctuation, so a phone's
/// capital first letter (`Raffle`) or a `raffle!` still joins.
pub fn fold(text: &str) -> String {
    text.trim()
        .trim_end_matches(['!', '！', '.', '。', '~', '～', '?', '？'])
        .trim_end()
        .to_lowercase()
}

/// The join keyword (as the lottery stored it) of an open lottery of the group that `text` is, compared
/// in [`fold`]ed form (from memory; loaded on first use).
pub async fn matching(ctx: &Ctx, chat_id: i64, text: &str) -> Result<Option<String>> {
    let keywords = state(ctx);
    let folded = fold(text);
    let find = |known: &[String]| known.iter().find(|k| fold(k) == folded).cloned();
    if let Some(known) = keywords.cached(chat_id) {
        return Ok(find(&known));
    }
    let began = keywords.begin_load();
    let loaded = {
        let mut conn = ctx.storage.read.acquire().await?;
        store::open_keywords(&mut conn, chat_id).await?
    };
    let found = find(&loaded);
    keywords.store(chat_id, began, loaded);
    Ok(found)
}

/// Forgets a group's keywords (a lottery of it was created, drawn or cancelled).
pub fn forget(ctx: &Ctx, chat_id: i64) {
    state(ctx).forget(chat_id);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_load_is_kept_until_the_next_change() {
        let keywords = Keywords::default();
        assert!(keywords.cached(-1).is_none());
        let began = keywords.begin_load();
        assert!(keywords.store(-1, began, vec!["lucky".into()]));
        assert_eq!(
            keywords.cached(-1).as_deref(),
            Some(&["lucky".to_string()][..])
        );
        keywords.forget(-1);
        assert!(
            keywords.cached(-1).is_none(),
            "a change drops the group's keywords"
        );
    }

    #[test]
    fn a_load_that_raced_with_a_change_is_not_kept() {
        let keywords = Keywords::default();
        let began = keywords.begin_load();
        // A lottery is created (or drawn) while the load reads the old keywords.
        keywords.forget(-1);
        assert!(!keywords.store(-1, began, vec![]));
        assert!(
            keywords.cached(-1).is_none(),
            "the next message loads again"
        );
        let again = keywords.begin_load();
        assert!(keywords.store(-1, again, vec!["go".into()]));
        assert!(
            keywords.store(-2, again, vec![]),
            "other groups load independently"
        );
        assert_eq!(keywords.cached(-2).map(|k| k.len()), Some(0));
    }
}

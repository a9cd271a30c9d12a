//! What the red-packet feature keeps in memory for one running app. Nothing here is the truth about a packet:
//! SQLite is. These are guards that spare work on the hot path, and each one is rebuilt from SQL after a
//! restart (a restarted app starts with an empty [`Runtime`]).
//!
//! - Which groups have open 口令/答题 packets. The message filter reads a group's open typed packets from SQL
//!   the first time it sees a message of that group, and afterwards asks SQL again only while the group has
//!   one. Creating, claiming out and expiring a typed packet keep the entry in step.
//! - Which packets have an edit of their message queued at the outbound component, so the ticker never
//!   queues a second edit of the same message before the first one went out.

use crate::services::Ctx;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};

/// The in-memory state of the red-packet feature of one app.
#[derive(Debug, Default)]
pub struct Runtime {
    /// Groups whose open typed packets were read from SQL, each with those packets (id → expires_at). A
    /// group that is missing has not been read since the app started.
    typed: RwLock<HashMap<i64, BTreeMap<i64, i64>>>,
    /// Packets whose message edit is queued or being sent.
    editing: Mutex<HashSet<i64>>,
}

/// The state of the app that `ctx` belongs to, created empty on first use.
pub fn of(ctx: &Ctx) -> Arc<Runtime> {
    ctx.local(Runtime::default)
}

impl Runtime {
    /// Whether the group may have a typed packet open at `now`: `None` when the group was not read from SQL
    /// yet, `Some(false)` when it certainly has none.
    pub fn typed_open(&self, chat_id: i64, now: i64) -> Option<bool> {
        let typed = self.typed.read().expect("typed index");
        typed
            .get(&chat_id)
            .map(|packets| packets.values().any(|&expires_at| expires_at > now))
    }

    /// Replaces what is known about a group with its open typed packets as just read from SQL.
    pub fn set_typed(&self, chat_id: i64, packets: impl IntoIterator<Item = (i64, i64)>) {
        let packets = packets.into_iter().collect();
        self.typed
            .write()
            .expect("typed index")
            .insert(chat_id, packets);
    }

    /// A typed packet was created. A group not read yet stays unread: its first read finds the packet.
    pub fn typed_created(&self, chat_id: i64, packet_id: i64, expires_at: i64) {
        if let Some(packets) = self.typed.write().expect("typed index").get_mut(&chat_id) {
            packets.insert(packet_id, expires_at);
        }
    }

    /// A packet ended (claimed out or expired); `chat_id` when known, otherwise every group is looked at.
    pub fn packet_ended(&self, chat_id: Option<i64>, packet_id: i64) {
        let mut typed = self.typed.write().expect("typed index");
        match chat_id {
            Some(chat_id) => {
                if let Some(packets) = typed.get_mut(&chat_id) {
                    packets.remove(&packet_id);
                }
            }
            None => typed.values_mut().for_each(|packets| {
                packets.remove(&packet_id);
            }),
        }
    }

    /// Claims the right to queue an edit of the packet's message; `false` while an earlier edit of it is
    /// still on its way.
    pub fn start_edit(&self, packet_id: i64) -> bool {
        self.editing.lock().expect("edits").insert(packet_id)
    }

    /// The packet's edit went out (or failed for good): the next one may be queued.
    pub fn edit_done(&self, packet_id: i64) {
        self.editing.lock().expect("edits").remove(&packet_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_typed_index_knows_only_what_it_read_and_follows_changes() {
        let runtime = Runtime::default();
        assert_eq!(runtime.typed_open(-1, 100), None);
        // Created before the group was read: the first read will find it.
        runtime.typed_created(-1, 7, 200);
        assert_eq!(runtime.typed_open(-1, 100), None);
        runtime.set_typed(-1, []);
        assert_eq!(runtime.typed_open(-1, 100), Some(false));
        runtime.typed_created(-1, 8, 200);
        assert_eq!(runtime.typed_open(-1, 100), Some(true));
        // Past its expiry the packet no longer counts, even before the ticker sweeps it.
        assert_eq!(runtime.typed_open(-1, 200), Some(false));
        runtime.packet_ended(None, 8);
        assert_eq!(runtime.typed_open(-1, 100), Some(false));
        runtime.set_typed(-1, [(9, 300)]);
        runtime.packet_ended(Some(-1), 9);
        assert_eq!(runtime.typed_open(-1, 100), Some(false));
    }

    #[test]
    fn one_edit_per_packet_is_in_flight() {
        let runtime = Runtime::default();
        assert!(runtime.start_edit(1));
        assert!(!runtime.start_edit(1));
        assert!(runtime.start_edit(2));
        runtime.edit_done(1);
        assert!(runtime.start_edit(1));
    }
}

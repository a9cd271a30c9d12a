//! The confirmation watermark: which `getUpdates` offset may be confirmed to Telegram.
//!
//! Telegram forgets every update below the offset of the next `getUpdates` call, so the offset may only
//! pass updates that are handled. The watermark tracks the ids of updates taken but not yet handled (in
//! flight, on any shard) and the highest id taken so far. The offset it gives is the lowest id still in
//! flight, or one past the highest id taken when nothing is in flight. An update becomes handled when the
//! [`Ticket`] it was taken with is dropped, which the router does once the update's handler has finished
//! (or once it decided to drop the update). A crash therefore leaves every unhandled update unconfirmed,
//! and Telegram sends it again on restart.
//!
//! Telegram sends updates in increasing id order and, after an offset, again from that offset on. An id
//! at or below the highest one taken was therefore seen before (it is in flight or handled), and
//! [`Watermark::take`] refuses it: a fetch that overlaps the updates still in flight never hands one to
//! a shard twice.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

#[derive(Debug, Default)]
struct State {
    in_flight: BTreeSet<i64>,
    highest: Option<i64>,
}

impl State {
    fn offset(&self) -> i64 {
        match (self.in_flight.first(), self.highest) {
            (Some(lowest), _) => *lowest,
            (None, Some(highest)) => highest + 1,
            (None, None) => 0,
        }
    }
}

/// The updates taken and not yet handled; cheap to clone (the clones share one state).
#[derive(Clone, Debug)]
pub struct Watermark {
    state: Arc<Mutex<State>>,
    offset: Arc<watch::Sender<i64>>,
}

impl Default for Watermark {
    fn default() -> Self {
        Self::new()
    }
}

impl Watermark {
    /// A watermark before any update: its offset is 0 (Telegram then sends from its oldest unconfirmed
    /// update on).
    pub fn new() -> Self {
        Self {
            state: Arc::default(),
            offset: Arc::new(watch::channel(0).0),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes update `id` to be handled, or `None` when an update with this id (or a later one) was taken
    /// before, so this one is a second delivery.
    pub fn take(&self, id: i64) -> Option<Ticket> {
        let mut state = self.lock();
        if state.highest.is_some_and(|highest| id <= highest) {
            return None;
        }
        state.highest = Some(id);
        state.in_flight.insert(id);
        self.publish(&state);
        Some(Ticket {
            id,
            watermark: self.clone(),
        })
    }

    /// Passes update `id` without handling it (an update that could not be read): it counts as handled
    /// at once. Returns false when it was seen before.
    pub fn pass(&self, id: i64) -> bool {
        self.take(id).is_some()
    }

    /// The offset to confirm: every update below it is handled.
    pub fn offset(&self) -> i64 {
        self.lock().offset()
    }

    /// How many taken updates are not handled yet.
    pub fn in_flight(&self) -> usize {
        self.lock().in_flight.len()
    }

    /// Follows the offset as it moves.
    pub fn subscribe(&self) -> watch::Receiver<i64> {
        self.offset.subscribe()
    }

    fn finish(&self, id: i64) {
        let mut state = self.lock();
        state.in_flight.remove(&id);
        self.publish(&state);
    }

    fn publish(&self, state: &State) {
        let offset = state.offset();
        self.offset.send_if_modified(|current| {
            let changed = *current != offset;
            *current = offset;
            changed
        });
    }
}

/// One update taken and not yet handled. Dropping it marks the update handled.
#[derive(Debug)]
pub struct Ticket {
    id: i64,
    watermark: Watermark,
}

impl Ticket {
    /// The update's id.
    pub fn id(&self) -> i64 {
        self.id
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.watermark.finish(self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_offset_waits_for_the_oldest_update_in_flight() {
        let marks = Watermark::new();
        assert_eq!(marks.offset(), 0);
        let first = marks.take(10).expect("new");
        let second = marks.take(11).expect("new");
        let third = marks.take(12).expect("new");
        assert_eq!(marks.offset(), 10);
        drop(second);
        drop(third);
        assert_eq!(marks.offset(), 10, "11 and 12 are done but 10 is not");
        assert!(marks.take(11).is_none(), "a second delivery is refused");
        assert!(marks.take(12).is_none());
        drop(first);
        assert_eq!(marks.offset(), 13);
        assert!(marks.pass(13));
        assert_eq!(marks.offset(), 14, "an unreadable update is passed at once");
        assert!(!marks.pass(13));
    }

    #[tokio::test]
    async fn subscribers_see_the_offset_move() {
        let marks = Watermark::new();
        let mut offset = marks.subscribe();
        let ticket = marks.take(5).expect("new");
        assert!(offset.has_changed().unwrap());
        assert_eq!(*offset.borrow_and_update(), 5);
        drop(ticket);
        offset.changed().await.unwrap();
        assert_eq!(*offset.borrow(), 6);
    }

    proptest! {
        /// Updates arrive in increasing order, some more than once, and finish in any order. The offset
        /// never goes back, never passes an update in flight, and ends one past the highest id.
        #[test]
        fn the_offset_never_passes_an_unhandled_update(
            steps in proptest::collection::vec((0u8..4, 1i64..4, any::<prop::sample::Index>()), 1..200)
        ) {
            let marks = Watermark::new();
            let mut next = 100i64;
            let mut tickets: Vec<Ticket> = Vec::new();
            let mut last_offset = marks.offset();
            for (action, gap, pick) in steps {
                match action {
                    0 | 1 => {
                        next += gap;
                        tickets.push(marks.take(next).expect("a new id is taken"));
                    }
                    2 if next > 100 => {
                        // A redelivery of anything seen before is refused.
                        prop_assert!(marks.take(next - gap + 1).is_none());
                    }
                    _ => {
                        if !tickets.is_empty() {
                            drop(tickets.swap_remove(pick.index(tickets.len())));
                        }
                    }
                }
                let offset = marks.offset();
                prop_assert!(offset >= last_offset, "the offset went back");
                for ticket in &tickets {
                    prop_assert!(ticket.id() >= offset, "an update in flight was passed");
                }
                last_offset = offset;
            }
            tickets.clear();
            prop_assert_eq!(marks.offset(), if next == 100 { 0 } else { next + 1 });
            prop_assert_eq!(marks.in_flight(), 0);
        }
    }
}

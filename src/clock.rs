//! The one place that reads the wall clock. Cores never read it: handlers take `now` from here and pass it
//! in. Tests move time forward with [`Clock::advance`] instead of sleeping.

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Wall-clock time plus an offset that only tests change (production keeps it at zero).
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    /// A clock that follows the system time.
    pub fn system() -> Self {
        Self::default()
    }

    /// The current time.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + ChronoDuration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    /// The current time as Unix seconds.
    pub fn unix(&self) -> i64 {
        self.now().timestamp()
    }

    /// Moves this clock (and every clone of it) forward; used by tests to pass deadlines without waiting.
    pub fn advance(&self, by: Duration) {
        self.offset_ms
            .fetch_add(by.as_millis() as i64, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_moves_every_clone() {
        let clock = Clock::system();
        let copy = clock.clone();
        let before = copy.unix();
        clock.advance(Duration::from_secs(3 * 86_400));
        assert!(copy.unix() - before >= 3 * 86_400);
    }
}

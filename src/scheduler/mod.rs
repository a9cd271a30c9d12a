//! The one scheduler: timed items stored with the instant they fall due (`timers`), run by one component.
//!
//! On every ticker pass, [`tick`] looks on the read connections whether anything is due (so an idle pass
//! never takes the write connection), then claims at most `timers.batch` items whose time has come — a range read
//! of the `due_at` index, never a scan — for this worker until `timers.lease` from now, and runs each with
//! the component registered for its kind, in its own error scope: an item whose work fails or panics is
//! logged and reported, is tried again after a delay that doubles with every attempt (from `timers.tick`
//! up to an hour), and the items after it still run. A component settles its item
//! ([`store::settle`]) in the same transaction as the item's effect record, on the condition that the claim
//! is still its own, so an item is never done twice: not after a restart (the committed effect and the
//! settled item go together), and not by a second worker (the claim is a conditional UPDATE, and a worker
//! whose claim ran out cannot settle). Work that returns without settling its item finishes it.

pub mod store;

use crate::services::Ctx;
use futures::future::BoxFuture;
pub use store::{Claimed, Settle};

/// A component's work for one claimed item.
pub type Run = fn(Ctx, Claimed) -> BoxFuture<'static, crate::Result<()>>;

/// The longest wait before a failed item is tried again, in seconds.
const MAX_RETRY_SECS: i64 = 3_600;

/// How long to wait before trying an item again after its `attempts`-th attempt failed: the tick, doubled
/// for every further attempt, at most an hour.
pub fn retry_delay(attempts: i64, tick_secs: i64) -> i64 {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    tick_secs
        .max(1)
        .saturating_mul(1_i64 << doublings)
        .min(MAX_RETRY_SECS)
}

/// This process's name as a claiming worker: its process id and a random part, so two processes on one
/// database (or one process after a restart) never share it.
pub fn worker_id() -> &'static str {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| format!("{}-{:08x}", std::process::id(), rand::random::<u32>()))
}

/// Claims the items due now and runs each with the component registered for its kind in `kinds` (one list
/// per feature; see the module's description).
pub async fn tick(ctx: Ctx, kinds: &'static [&'static [(&'static str, Run)]]) -> crate::Result<()> {
    let now = ctx.now();
    let settings = &ctx.config.timers;
    let lease = i64::try_from(settings.lease.get().as_secs()).unwrap_or(300);
    let tick_secs = i64::try_from(settings.tick.get().as_secs()).unwrap_or(1);
    let any_due = {
        let mut conn = ctx.storage.read.acquire().await?;
        store::any_due(&mut conn, now).await?
    };
    if !any_due {
        return Ok(());
    }
    let claimed = {
        let mut conn = ctx.storage.write.acquire().await?;
        store::claim_due(
            &mut conn,
            worker_id(),
            now,
            lease,
            i64::from(settings.batch),
        )
        .await?
    };
    if claimed.is_empty() {
        return Ok(());
    }
    let items = claimed
        .into_iter()
        .map(|item| (format!("{} {}", item.kind, item.id), item));
    each_due(&ctx, "scheduler", "timed item", items, |item| {
        let ctx = ctx.clone();
        async move {
            let registered = kinds.iter().flat_map(|list| list.iter());
            let outcome = match registered.clone().find(|(kind, _)| *kind == item.kind) {
                Some((_, run)) => run(ctx.clone(), item.clone()).await,
                None => Err(crate::Error::Operation(format!(
                    "no component runs timed items of kind {:?}",
                    item.kind
                ))),
            };
            let mut conn = ctx.storage.write.acquire().await?;
            match outcome {
                Ok(()) => {
                    store::settle(&mut conn, &item, Settle::Done).await?;
                    Ok(())
                }
                Err(err) => {
                    let retry_at = ctx.now() + retry_delay(item.attempts, tick_secs);
                    store::release(&mut conn, &item, retry_at).await?;
                    Err(err)
                }
            }
        }
    })
    .await;
    Ok(())
}

/// Runs `work` on each due item of a feature's periodic work (given as id and item), one after the other,
/// each in its own error scope: an item whose work fails or panics is logged with the ticker's name, what
/// it is and its id (and
/// reported to the error hook), stays due for the next tick, and the items after it are still handled.
/// Returns how many items failed.
pub async fn each_due<K, T, F, Fut>(
    ctx: &Ctx,
    ticker: &'static str,
    what: &'static str,
    items: impl IntoIterator<Item = (K, T)>,
    mut work: F,
) -> usize
where
    K: std::fmt::Display,
    F: FnMut(T) -> Fut,
    Fut: std::future::Future<Output = crate::Result<()>>,
{
    use futures::FutureExt;
    let mut failed = 0;
    for (id, item) in items {
        // The call itself runs inside the guard too, so a panic while making the future is caught as well.
        let outcome = std::panic::AssertUnwindSafe(async { work(item).await })
            .catch_unwind()
            .await;
        let failure = match outcome {
            Ok(Ok(())) => continue,
            Ok(Err(err)) => err.to_string(),
            Err(panic) => format!("panicked: {}", crate::error::panic_text(&*panic)),
        };
        failed += 1;
        tracing::error!(
            ticker,
            what,
            id = %id,
            error = %failure,
            "one due item failed; the others go on and it is tried again next tick"
        );
        if let Some(hook) = &ctx.error_hook {
            hook(format!("ticker {ticker}: {what} {id}: {failure}"));
        }
    }
    failed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_from_the_tick_to_an_hour() {
        assert_eq!(retry_delay(1, 1), 1);
        assert_eq!(retry_delay(2, 1), 2);
        assert_eq!(retry_delay(5, 1), 16);
        assert_eq!(retry_delay(40, 1), 3_600);
        assert_eq!(retry_delay(0, 0), 1);
    }
}

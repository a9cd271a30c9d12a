//! P1-dispatch: the engine alone. The same updates go through getUpdates from the fake Bot API and on to a
//! handler that only counts them — once through groupops' poller and shard router, once through teloxide's
//! polling listener and default Dispatcher (a worker task per chat) — so the figure is what each engine
//! costs per update, with no feature work on top.

use crate::bot::Done;
use crate::support::fake_api::FakeApi;
use crate::Figure;
use groupops::telegram::polling::Poller;
use groupops::telegram::router::{Router, UpdateFn};
use std::sync::Arc;
use std::time::{Duration, Instant};
use teloxide::prelude::*;
use teloxide::types::Update;
use tokio::sync::watch;

const TOKEN: &str = "123456:BENCH";

pub async fn figures(updates: &[(i64, String)]) -> Vec<Figure> {
    let ours = through_router(updates).await;
    let theirs = through_teloxide(updates).await;
    let total = updates.len();
    vec![
        Figure {
            name: "P1-dispatch".into(),
            value: ours,
            unit: "updates/s",
            goal: "",
            note: format!(
                "{total} updates through the poller and 128 shards to a counting handler (closed loop)"
            ),
        },
        Figure {
            name: "P1-dispatch-base".into(),
            value: theirs,
            unit: "updates/s",
            goal: "",
            note: "the same through teloxide's polling and default Dispatcher".into(),
        },
        Figure {
            name: "P1-dispatch-ratio".into(),
            value: ours / theirs,
            unit: "x",
            goal: "",
            note: "shard router / teloxide default, engine alone".into(),
        },
    ]
}

async fn through_router(updates: &[(i64, String)]) -> f64 {
    let api = FakeApi::start().await;
    api.set_recording(false);
    let done = Done::new(0);
    let handle: UpdateFn = {
        let done = done.clone();
        Arc::new(move |update: Update| {
            done.record(update.id.0);
            Box::pin(async {})
        })
    };
    let router = Router::start(128, 10_000, 10_000, handle);
    let poller = Poller::new(
        &api.url(),
        TOKEN,
        Duration::from_secs(1),
        Duration::from_millis(50),
    );
    let (stop_tx, stop_rx) = watch::channel(false);
    let polling = tokio::spawn(async move {
        let marks = groupops::telegram::watermark::Watermark::new();
        let skipped = std::sync::atomic::AtomicU64::new(0);
        poller.run(&router, &marks, &skipped, None, stop_rx).await;
        router.close().await;
    });
    let started = Instant::now();
    crate::feed_closed_loop(&api, &done, updates, None).await;
    let elapsed = started.elapsed();
    let _ = stop_tx.send(true);
    let _ = polling.await;
    updates.len() as f64 / elapsed.as_secs_f64()
}

async fn through_teloxide(updates: &[(i64, String)]) -> f64 {
    let api = FakeApi::start().await;
    api.set_recording(false);
    let done = Done::new(0);
    let bot = groupops::telegram::build_bot(TOKEN, &api.url()).expect("bot");
    let counter = done.clone();
    let tree = dptree::endpoint(move |update: Update| {
        counter.record(update.id.0);
        async { Ok::<(), std::convert::Infallible>(()) }
    });
    let mut dispatcher = Dispatcher::builder(bot.clone(), tree)
        .default_handler(|_| async {})
        .build();
    let token = dispatcher.shutdown_token();
    let listener = teloxide::update_listeners::Polling::builder(bot)
        .timeout(Duration::from_secs(1))
        .build();
    let running = tokio::spawn(async move {
        dispatcher
            .dispatch_with_listener(
                listener,
                teloxide::error_handlers::LoggingErrorHandler::new(),
            )
            .await;
    });
    let started = Instant::now();
    crate::feed_closed_loop(&api, &done, updates, None).await;
    let elapsed = started.elapsed();
    if let Ok(stopped) = token.shutdown() {
        stopped.await;
    }
    let _ = running.await;
    updates.len() as f64 / elapsed.as_secs_f64()
}

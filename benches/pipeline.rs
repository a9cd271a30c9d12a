//! Pipeline benchmark: prints figures (JSON lines on stdout, then a readable table) for the engine under
//! the features. Run `cargo bench --bench pipeline` for the full figures or `-- --quick` for a short run.
//!
//! - `router`: updates/s through the shard router with a handler that only counts (the routing ceiling).
//! - `writer`: activity events/s the batched writer stores in SQLite (WAL file on disk), and rows written.
//! - `app`:    updates/s through the whole application — getUpdates from a fake Bot API on 127.0.0.1, parsing,
//!   routing, the observe step, the production handler tree, the activity writer — for ordinary group
//!   messages spread over many groups.
//!
//! Every figure comes with its correctness check: all updates handled, no events dropped.

#[path = "../tests/support/mod.rs"]
#[allow(unused_imports)]
mod support;

use groupops::config::ActivitySettings;
use groupops::storage::activity::{self, ActivityEvent};
use groupops::storage::Storage;
use groupops::telegram::router::{Router, UpdateFn};
use serde_json::json;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::harness::TestBot;
use support::updates::{group_message, user};
use teloxide::types::Update;

struct Figure {
    name: &'static str,
    value: f64,
    unit: &'static str,
    note: String,
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut figures = Vec::new();
    runtime.block_on(async {
        figures.push(router(if quick { 200_000 } else { 2_000_000 }).await);
        figures.push(writer(if quick { 200_000 } else { 1_000_000 }).await);
        figures.push(app(if quick { 20_000 } else { 100_000 }).await);
    });
    for figure in &figures {
        println!(
            "{}",
            json!({"figure": figure.name, "value": figure.value.round(), "unit": figure.unit, "note": figure.note})
        );
    }
    eprintln!("\n{:<8} {:>14}  {:<14} note", "figure", "value", "unit");
    for figure in &figures {
        eprintln!(
            "{:<8} {:>14.0}  {:<14} {}",
            figure.name, figure.value, figure.unit, figure.note
        );
    }
}

/// A parsed group-message update for chat `chat`.
fn update_for(chat: i64, id: u32) -> Update {
    let mut value = group_message(
        chat,
        user(1_000 + (id as i64 % 50), "Member"),
        "hello everyone 大家好",
    );
    value["update_id"] = json!(id);
    serde_json::from_str(&value.to_string()).expect("a valid update")
}

async fn router(total: u64) -> Figure {
    let chats = 10_000i64;
    let templates: Vec<Update> = (0..chats)
        .map(|c| update_for(-1_000_000_000_000 - c, c as u32))
        .collect();
    let handled = Arc::new(AtomicU64::new(0));
    let counter = handled.clone();
    let handle: UpdateFn = Arc::new(move |_update| {
        counter.fetch_add(1, Ordering::Relaxed);
        Box::pin(async {})
    });
    let router = Router::start(128, 10_000, 10_000, handle);
    let started = Instant::now();
    for i in 0..total {
        router
            .route(templates[(i % chats as u64) as usize].clone())
            .await;
    }
    router.close().await;
    let elapsed = started.elapsed();
    assert_eq!(
        handled.load(Ordering::Relaxed),
        total,
        "every update handled"
    );
    Figure {
        name: "router",
        value: total as f64 / elapsed.as_secs_f64(),
        unit: "updates/s",
        note: format!(
            "{total} updates over {chats} chats, 128 shards, counting handler, {elapsed:.2?}"
        ),
    }
}

async fn writer(total: u64) -> Figure {
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = groupops::config::StorageSettings {
        database_url: format!("sqlite://{}/bench.db?mode=rwc", dir.path().display()),
        ..Default::default()
    };
    let storage = Storage::open(&settings).await.expect("database");
    storage.migrate().await.expect("migrations");
    let (sink, task) = activity::spawn(storage.clone(), &ActivitySettings::default(), 5);
    let chunk = 50_000u64;
    let started = Instant::now();
    let mut sent = 0;
    while sent < total {
        for i in sent..(sent + chunk).min(total) {
            let chat = -1_000_000_000_000 - (i % 10_000) as i64;
            let accepted = sink.record(ActivityEvent::Message {
                chat_id: chat,
                user_id: 1_000 + (i % 97) as i64,
                at: 1_790_000_000 + (i / 2_000) as i64,
                chars: 12,
            });
            assert!(accepted, "the channel holds one chunk");
        }
        sent = (sent + chunk).min(total);
        sink.flush().await;
    }
    let elapsed = started.elapsed();
    let counters = sink.counters();
    let written = counters.written.load(Ordering::Relaxed);
    let rows = counters.rows.load(Ordering::Relaxed);
    assert_eq!(written, total, "every event written");
    assert_eq!(counters.dropped.load(Ordering::Relaxed), 0);
    sink.close().await;
    let _ = task.await;
    Figure {
        name: "writer",
        value: total as f64 / elapsed.as_secs_f64(),
        unit: "events/s",
        note: format!(
            "{total} message events → {rows} rows in {} flushes, {elapsed:.2?}",
            counters.flushes.load(Ordering::Relaxed)
        ),
    }
}

async fn app(total: u64) -> Figure {
    let bot = TestBot::start_with(&[
        ("GROUPOPS_ROUTING__SHARDS", "128"),
        ("GROUPOPS_ROUTING__MAX_PENDING", "10000"),
        ("GROUPOPS_TELEGRAM__REGISTER_COMMANDS", "false"),
    ])
    .await;
    for i in 0..total {
        bot.push(group_message(
            -1_000_000_000_000 - (i % 10_000) as i64,
            user(1_000 + (i % 50) as i64, "Member"),
            "hello everyone 大家好",
        ));
    }
    let started = Instant::now();
    bot.settle().await;
    let elapsed = started.elapsed();
    let counters = bot.ctx.activity.counters();
    assert_eq!(
        counters.dropped.load(Ordering::Relaxed),
        0,
        "no activity dropped"
    );
    assert_eq!(
        counters.written.load(Ordering::Relaxed),
        total * 2,
        "a message and a profile event per update"
    );
    tokio::time::sleep(Duration::from_millis(10)).await;
    bot.stop().await;
    Figure {
        name: "app",
        value: total as f64 / elapsed.as_secs_f64(),
        unit: "updates/s",
        note: format!(
            "{total} group messages over 10000 groups via the fake getUpdates, {elapsed:.2?}"
        ),
    }
}

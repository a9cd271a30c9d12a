//! P7: a raid of 1,000 joins into one group against a fake Bot API that enforces Telegram's limits
//! (1 message/s per chat, 20/min per group, 30/s overall) with real 429 answers, the bot running on the
//! shipped settings (default captcha, anti-raid, outbound limits). Counts the 429s the bot provoked (the
//! goal is none) and what it sent.

use crate::bot::{BenchBot, Done, Engine};
use crate::support::fake_api::{bot_admin_member, FakeApi, SendLimits};
use crate::support::updates;
use crate::Figure;
use serde_json::json;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

const GROUP: i64 = -1_000_000_777_777;
const OWNER: i64 = 7_777_000_001;
const JOINS: i64 = 1_000;

pub async fn figure(quick: bool) -> Figure {
    let (raid_seconds, watch_seconds) = if quick { (5, 12) } else { (10, 75) };
    let dir = tempfile::tempdir().expect("temp dir");
    let api = FakeApi::start().await;
    api.set_recording(false);
    api.set_admins(
        GROUP,
        vec![
            updates::member(updates::user(OWNER, "Owner"), "creator"),
            bot_admin_member(),
        ],
    );
    api.enforce_limits(SendLimits::telegram());
    let done = Done::new(0);
    let bot = BenchBot::start(Engine::Shards, api.clone(), dir.path(), &[], done.clone()).await;
    let mut added = updates::my_chat_member(
        updates::group(GROUP),
        updates::user(OWNER, "Owner"),
        "left",
        "administrator",
    );
    added["update_id"] = json!(1);
    api.push_raw_batch(vec![(1, added.to_string())]);
    done.wait(1, Duration::from_secs(30)).await;
    let started = Instant::now();
    let step = Duration::from_secs_f64(raid_seconds as f64 / JOINS as f64);
    for i in 0..JOINS {
        let due = started + step * i as u32;
        let now = Instant::now();
        if due > now {
            tokio::time::sleep(due - now).await;
        }
        let who = updates::user(5_000_000_000 + i, "Raider");
        let mut join = updates::chat_member(GROUP, who.clone(), who, "left", "member", None);
        let id = 2 + i;
        join["update_id"] = json!(id);
        api.push_raw_batch(vec![(id, join.to_string())]);
    }
    done.wait(1 + JOINS as u64, Duration::from_secs(120)).await;
    let watch = Duration::from_secs(watch_seconds);
    if let Some(left) = watch.checked_sub(started.elapsed()) {
        tokio::time::sleep(left).await;
    }
    let refused = api.rate_limited();
    let (sent, _) = api.count("sendMessage");
    let (edits, _) = api.count("editMessageText");
    let (restricts, _) = api.count("restrictChatMember");
    let (kicks, _) = api.count("banChatMember");
    let stats = bot.ctx.outbound.stats();
    let queued = stats.queued.load(Ordering::Relaxed);
    bot.stop().await;
    Figure {
        name: "P7-429s".into(),
        value: refused as f64,
        unit: "429s",
        goal: "0",
        note: format!(
            "{JOINS} joins in {raid_seconds} s, watched {watch_seconds} s: {} messages and {edits} edits sent, {restricts} restricts, {kicks} bans/kicks, {queued} still queued",
            sent - refused.min(sent)
        ),
    }
}

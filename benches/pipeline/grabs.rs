//! P8: a grab storm — 1,000 members press Grab on one 100-share packet at once, through the real polling,
//! routing, handler tree, SQLite and outbound queue. Measures the time until every press was answered and
//! checks the books: exactly 100 claims, shares summing to the total, nothing left in escrow, the group's
//! economy summing to zero.

use crate::bot::{BenchBot, Done, Engine};
use crate::support::fake_api::FakeApi;
use crate::support::updates;
use crate::Figure;
use groupops::features::economy::ledger::{self, reason, Account, Move};
use serde_json::json;
use std::time::{Duration, Instant};

const GROUP: i64 = -1_000_000_999_999;
const SENDER: i64 = 9_000_000_001;
const GRABS: i64 = 1_000;

pub async fn figure() -> Figure {
    let dir = tempfile::tempdir().expect("temp dir");
    let api = FakeApi::start().await;
    api.set_recording(false);
    let done = Done::new(0);
    let bot = BenchBot::start(Engine::Shards, api.clone(), dir.path(), &[], done.clone()).await;
    {
        let mut conn = bot.ctx.storage.write.acquire().await.expect("connection");
        ledger::transfer(
            &mut conn,
            &Move {
                chat_id: GROUP,
                from: Account::Mint,
                to: Account::Wallet(SENDER),
                amount: 100_000,
                reason: reason::ADMIN_GIVE,
                actor: None,
                reference: None,
                at: 0,
            },
        )
        .await
        .expect("funding");
    }
    let mut send =
        updates::group_message(GROUP, updates::user(SENDER, "Sender"), "/hongbao 10000 100");
    send["update_id"] = json!(1);
    api.push_raw_batch(vec![(1, send.to_string())]);
    done.wait(1, Duration::from_secs(30)).await;
    let packet: i64 = sqlx::query_scalar("SELECT id FROM redpackets WHERE chat_id = ?")
        .bind(GROUP)
        .fetch_one(&bot.ctx.storage.read)
        .await
        .expect("the packet exists");
    let presses: Vec<(i64, String)> = (0..GRABS)
        .map(|i| {
            let id = 2 + i;
            let mut press = updates::callback(
                GROUP,
                updates::user(5_100_000_000 + i, "Grabber"),
                1000,
                &format!("rp:{packet}"),
            );
            press["update_id"] = json!(id);
            (id, press.to_string())
        })
        .collect();
    let started = Instant::now();
    api.push_raw_batch(presses);
    let deadline = started + Duration::from_secs(60);
    while api.count("answerCallbackQuery").0 < GRABS as u64 {
        assert!(Instant::now() < deadline, "every press is answered");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let answered = started.elapsed();
    let (claims, claimed): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM redpacket_claims WHERE packet_id = ?",
    )
    .bind(packet)
    .fetch_one(&bot.ctx.storage.read)
    .await
    .expect("claims");
    assert_eq!(claims, 100, "exactly one claim per share");
    assert_eq!(claimed, 10_000, "the shares sum to the total");
    let escrow: i64 = sqlx::query_scalar(
        "SELECT balance FROM economy_accounts WHERE chat_id = ? AND kind = 'packet' AND ref = ?",
    )
    .bind(GROUP)
    .bind(packet)
    .fetch_one(&bot.ctx.storage.read)
    .await
    .expect("the packet's escrow");
    assert_eq!(escrow, 0, "nothing left in the packet's escrow");
    let mut conn = bot.ctx.storage.read.acquire().await.expect("connection");
    let sum = ledger::economy_sum(&mut conn, GROUP).await.expect("sum");
    assert_eq!(sum, 0, "the group's economy sums to zero");
    drop(conn);
    bot.stop().await;
    Figure {
        name: "P8".into(),
        value: answered.as_secs_f64() * 1000.0,
        unit: "ms",
        goal: "<= 1000",
        note: format!("{GRABS} presses on one 100-share packet answered; 100 claims, sums exact"),
    }
}

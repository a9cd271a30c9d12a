//! Times a grab storm: 1000 members press Grab on one 100-share packet at once, through the real handler
//! tree, routing, SQLite and outbound queue against the fake Bot API. Prints one JSON line with the time until
//! every press was answered (the goal is ≤ 1 s) and until the packet's final edit.

#[path = "../tests/support/mod.rs"]
mod support;

use groupops::features::economy::ledger::{self, Account, Move};
use std::time::{Duration, Instant};
use support::harness::TestBot;
use support::updates::{callback, group_message, user};

const GROUP: i64 = -100_999;
const SENDER: i64 = 9_001;
const GRABS: i64 = 1000;

#[tokio::main]
async fn main() {
    let bot = TestBot::start().await;
    let mut conn = bot.ctx.storage.write.acquire().await.unwrap();
    ledger::transfer(
        &mut conn,
        &Move {
            chat_id: GROUP,
            from: Account::Mint,
            to: Account::Wallet(SENDER),
            amount: 100_000,
            reason: "bench",
            actor: None,
            reference: None,
            at: 0,
        },
    )
    .await
    .unwrap();
    drop(conn);
    bot.push(group_message(
        GROUP,
        user(SENDER, "Sender"),
        "/hongbao 10000 100",
    ));
    bot.wait_texts(GROUP, 1).await;
    let started = Instant::now();
    for member in 0..GRABS {
        bot.push(callback(GROUP, user(500_000 + member, "G"), 1000, "rp:1"));
    }
    bot.api
        .wait_for(
            "answerCallbackQuery",
            GRABS as usize,
            Duration::from_secs(60),
        )
        .await;
    let answered = started.elapsed();
    bot.api
        .wait_until(Duration::from_secs(30), |calls| {
            calls.iter().any(|c| {
                c.method == "editMessageText"
                    && c.params["text"].as_str().unwrap_or("").contains("手气最佳")
            })
        })
        .await;
    let final_edit = started.elapsed();
    let claims: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM redpacket_claims")
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap();
    assert_eq!(claims, 100);
    println!(
        "{{\"bench\":\"redpacket_grab_storm\",\"grabs\":{GRABS},\"shares\":100,\"all_answered_ms\":{},\"final_edit_ms\":{}}}",
        answered.as_millis(),
        final_edit.as_millis()
    );
    bot.stop().await;
}

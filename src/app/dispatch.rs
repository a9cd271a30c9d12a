//! Running one update: the first look (`observe`), then the handler tree, with every failure or panic of
//! either contained, logged with the update id and chat, and reported to the error hook.

use super::observe;
use crate::services::Ctx;
use crate::telegram::Handler;
use futures::FutureExt;
use std::ops::ControlFlow;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use teloxide::prelude::*;
use teloxide::types::{Me, Update};

/// The dependencies every handler may ask for, besides the update itself.
pub fn dependencies(bot: Bot, me: Me, ctx: Ctx) -> DependencyMap {
    dptree::deps![bot, me, ctx]
}

/// Panics (at start-up, not at the first update) when a handler asks for something the dependency map
/// does not provide.
pub fn type_check(handler: &Handler, deps: &DependencyMap) {
    dptree::type_check(handler.sig(), deps, &[dptree::Type::of::<Update>()]);
}

/// Runs one update through the handler tree, in the forum topic it came from (see
/// [`crate::telegram::topic`]): a failing or panicking handler is logged with the update id
/// and chat (and reported to the error hook), and never stops the shard.
pub async fn dispatch(handler: Arc<Handler>, deps: DependencyMap, ctx: Ctx, update: Update) {
    run(handler, deps, ctx, update, true).await
}

/// Runs one update through the handler tree only, without the first look (for an update the bot makes
/// itself from one it already saw, such as a confirmed command of an anonymous admin), with failures and
/// panics contained as in [`dispatch`].
pub async fn run_handlers(handler: Arc<Handler>, deps: DependencyMap, ctx: Ctx, update: Update) {
    run(handler, deps, ctx, update, false).await
}

async fn run(handler: Arc<Handler>, deps: DependencyMap, ctx: Ctx, update: Update, observe: bool) {
    let update_id = update.id.0;
    let chat_id = update.chat().map(|c| c.id.0);
    let topic = crate::telegram::topic::of_update(&update);
    let run = crate::telegram::topic::within(topic, async {
        if observe {
            observe::observe(&ctx, &update).await;
        }
        let mut deps = deps;
        deps.insert(update);
        handler.dispatch(deps).await
    });
    let outcome = AssertUnwindSafe(run).catch_unwind().await;
    let failure = match outcome {
        Ok(ControlFlow::Break(Ok(()))) | Ok(ControlFlow::Continue(_)) => return,
        Ok(ControlFlow::Break(Err(err))) => err.to_string(),
        Err(panic) => format!("handler panicked: {}", crate::error::panic_text(&*panic)),
    };
    tracing::error!(update_id, chat_id, error = %failure, "handler failed");
    if let Some(hook) = &ctx.error_hook {
        hook(format!("update {update_id} in chat {chat_id:?}: {failure}"));
    }
}

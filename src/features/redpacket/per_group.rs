//! Red packets' settings in the settings model: who may claim a share in a group (the claim rules
//! `/hongbao set` changes). Read and written through the feature's store; every claim reads them anew.

use super::store;
use crate::features::SettingSource;
use crate::services::Ctx;
use crate::settings_model::{any_value, Kind, Section, Spec, Value};
use crate::telegram::admins::Right;
use futures::FutureExt;

/// A numeric claim rule.
const fn number(key: &'static str, max: i64, default: fn(&crate::config::Config) -> Value) -> Spec {
    Spec {
        key,
        section: Section::Packets,
        kind: Kind::Number { min: 0, max },
        right: Right::ChangeInfo,
        default,
        refine: any_value,
    }
}

/// A claim rule that is on or off.
const fn switch(key: &'static str, default: fn(&crate::config::Config) -> Value) -> Spec {
    Spec {
        key,
        section: Section::Packets,
        kind: Kind::Bool,
        right: Right::ChangeInfo,
        default,
        refine: any_value,
    }
}

/// Red packets' settings, keyed `redpacket.<rule>` after the rules of `/hongbao set`.
pub const SOURCE: SettingSource = SettingSource {
    specs: &[
        number("redpacket.min_member_hours", 100_000, |c| {
            Value::Int(c.redpacket.min_member_hours)
        }),
        switch("redpacket.require_spoken", |c| {
            Value::Bool(c.redpacket.require_spoken)
        }),
        number("redpacket.min_level", 1000, |c| {
            Value::Int(c.redpacket.min_level)
        }),
        switch("redpacket.sender_may_claim", |c| {
            Value::Bool(c.redpacket.sender_may_claim)
        }),
        number("redpacket.max_claims_per_day", 100_000, |c| {
            Value::Int(c.redpacket.max_claims_per_day)
        }),
    ],
    read: |ctx, chat_id| read(ctx, chat_id).boxed(),
    write: |ctx, chat_id, spec, value| write(ctx, chat_id, spec, value).boxed(),
    allow: crate::features::any_group,
};

async fn read(ctx: Ctx, chat_id: i64) -> crate::Result<Vec<Value>> {
    let mut conn = ctx.storage.read.acquire().await?;
    let rules = store::rules(&mut conn, chat_id, ctx.config.redpacket.default_rules()).await?;
    Ok(vec![
        Value::Int(rules.min_member_hours),
        Value::Bool(rules.require_spoken),
        Value::Int(rules.min_level),
        Value::Bool(rules.sender_may_claim),
        Value::Int(rules.max_claims_per_day),
    ])
}

async fn write(ctx: Ctx, chat_id: i64, spec: &'static Spec, value: Value) -> crate::Result<()> {
    let stored = match value {
        Value::Int(n) => n,
        Value::Bool(on) => i64::from(on),
        _ => {
            return Err(crate::Error::Config(format!(
                "{}: not a rule value",
                spec.key
            )))
        }
    };
    let rule = spec.key.trim_start_matches("redpacket.");
    let mut conn = ctx.storage.write.acquire().await?;
    store::set_rule(&mut conn, chat_id, rule, stored).await?;
    Ok(())
}

//! End-to-end tests that run against the fake Bot API in `tests/support`.

#[path = "../support/mod.rs"]
mod support;

mod anonymous_admins;
mod economy;
mod engine;
mod fake_api;
mod foundation;
mod lottery;
mod moderation;
mod moderation2;
mod redpacket;
mod redpacket2;
mod referral;
mod welcome;

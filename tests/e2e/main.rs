//! End-to-end tests that run against the fake Bot API in `tests/support`.

#[path = "../support/mod.rs"]
mod support;

mod abuse;
mod abuse_gate;
mod anonymous_admins;
mod detection;
mod economy;
mod engine;
mod fake_api;
mod first_hour;
mod foundation;
mod leaks;
mod long_answers;
mod lottery;
mod moderation;
mod moderation_admin;
mod names;
mod night_mode;
mod operations;
mod privacy;
mod redpacket;
mod redpacket_pass_quiz_relays;
mod referral;
mod replies;
mod safety;
mod schedule;
mod sets;
mod settings;
mod topics;
mod welcome;
mod wording;

//! End-to-end tests that run against the fake Bot API in `tests/support`.

#[path = "../support/mod.rs"]
mod support;

mod engine;
mod fake_api;
mod foundation;
mod moderation;

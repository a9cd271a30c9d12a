//! Shared helpers for the integration tests: a fake Bot API server and update builders.
#![allow(dead_code)]

pub mod fake_api;
pub mod updates;

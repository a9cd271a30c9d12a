//! Shared helpers for the integration tests: a fake Bot API server, update builders, and a harness that
//! runs the real application against them.
#![allow(dead_code)]

pub mod fake_api;
pub mod harness;
pub mod leaks;
pub mod members;
pub mod redpackets;
pub mod updates;

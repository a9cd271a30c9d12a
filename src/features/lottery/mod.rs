//! Lotteries: members join until the draw time, then a verifiable draw picks the winners of each prize tier.
//!
//! [`draw`] is the pure core: it turns (participants, tiers, seed, id) into the winners, reproducibly.
//! [`parse`] reads the one-line definition admins type.

pub mod draw;
pub mod parse;
pub mod settings;
pub mod store;

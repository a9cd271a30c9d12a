//! Features, one folder each.
//!
//! - [`lottery`]   lotteries and their verifiable draws
//! - [`redpacket`] red packets: lucky and equal splits, best luck

pub mod lottery;
pub mod redpacket;

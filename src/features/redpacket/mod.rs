//! Red packets: a member puts points into a packet, the packet is split into shares when it is created, and
//! other members grab the shares one by one.
//!
//! [`split`] is the pure core: it turns (total, count, seed) into the share vector and picks the best luck.

pub mod split;

//! Features, one folder each.
// Points ledger, sign-in, levels (the only module other features may call: `economy::ledger`).
pub mod economy;

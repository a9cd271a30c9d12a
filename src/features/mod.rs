//! Features, one folder each.

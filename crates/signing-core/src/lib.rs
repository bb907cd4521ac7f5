//! The provider-neutral domain and contract of the signing crates.

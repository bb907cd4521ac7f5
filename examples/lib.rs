//! Runnable examples of the signing crates; see the `examples` targets of this package.

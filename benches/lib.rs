//! Performance benchmarks of the signing crates; the benchmarks are under `benches/`, their
//! results and how to reproduce them in `docs/performance.md`. This library is empty.

#!/usr/bin/env python3
"""Build weight: clean `cargo build` time and number of crates compiled for an application
depending on the library, against a floor crate depending only on what it fundamentally needs.

Pairs, each built clean in a fresh target directory, one after the other, with the same
toolchain and the workspace's `Cargo.lock` (so both sides compile the same versions):

- an application depending on `signing` with one provider feature (`heysign`, `rustls` by
  default), against a floor depending on `reqwest` with the same features the library turns on
  (`rustls`, `stream`), `serde` (derive), `serde_json` and `tokio` (the runtime features the
  library uses);
- an application depending on `signing-core` alone, against a floor depending on `serde`
  (derive), `thiserror` and `http`.

The temporary crates and target directories are removed afterwards. A clean build takes
minutes on two shared cores; the times move with the machine's load (read the ratios, and
rerun when the machine is busy).

    python3 benches/build_weight.py            # every pair
    python3 benches/build_weight.py core       # one pair: app, core, docusign, leap-sign
"""

import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent

FLOOR_HTTP = """
reqwest = { version = "0.13", default-features = false, features = ["rustls", "stream"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
tokio = { version = "1", features = ["rt", "sync", "time", "fs", "io-util"] }
"""

PAIRS = {
    "app": (
        f'signing = {{ path = "{ROOT}/crates/signing", features = ["heysign"] }}',
        FLOOR_HTTP,
    ),
    "docusign": (
        f'signing = {{ path = "{ROOT}/crates/signing", features = ["docusign"] }}',
        FLOOR_HTTP,
    ),
    "leap-sign": (
        f'signing = {{ path = "{ROOT}/crates/signing", features = ["leap-sign"] }}',
        FLOOR_HTTP,
    ),
    "core": (
        f'signing-core = {{ path = "{ROOT}/crates/signing-core" }}',
        """
serde = { version = "1", features = ["derive"] }
thiserror = "2"
http = "1"
""",
    ),
}


def build(name: str, dependencies: str) -> tuple[float, int, list[str]]:
    """Builds a crate with `dependencies` clean; returns seconds, crates compiled, and the
    crates that took longest (from `--timings`-free output: the order they finished)."""
    with tempfile.TemporaryDirectory(prefix=f"build-weight-{name}-") as tmp:
        crate = pathlib.Path(tmp) / "crate"
        (crate / "src").mkdir(parents=True)
        (crate / "Cargo.toml").write_text(
            f'[package]\nname = "weight-{name}"\nversion = "0.0.0"\nedition = "2024"\n'
            f"publish = false\n\n[dependencies]\n{dependencies}\n"
        )
        (crate / "src" / "main.rs").write_text("fn main() {}\n")
        shutil.copy(ROOT / "Cargo.lock", crate / "Cargo.lock")
        target = pathlib.Path(tmp) / "target"
        started = time.monotonic()
        run = subprocess.run(
            ["cargo", "build", "--offline", "--target-dir", str(target)],
            cwd=crate, capture_output=True, text=True,
        )
        seconds = time.monotonic() - started
        if run.returncode != 0:
            raise SystemExit(f"{name} did not build:\n{run.stderr}")
        compiled = re.findall(r"^\s+Compiling (\S+) v", run.stderr, re.M)
        # The crate itself is not a dependency.
        compiled = [c for c in compiled if not c.startswith("weight-")]
        return seconds, len(compiled), compiled


def main() -> int:
    chosen = sys.argv[1:] or list(PAIRS)
    for pair in chosen:
        library, floor = PAIRS[pair]
        lib_time, lib_count, lib_crates = build(f"{pair}-library", library)
        floor_time, floor_count, floor_crates = build(f"{pair}-floor", floor)
        extra = sorted(set(lib_crates) - set(floor_crates))
        print(
            f"build {pair}: library {lib_time:.1f} s, {lib_count} crates; floor {floor_time:.1f} s, "
            f"{floor_count} crates; time {lib_time / floor_time:.2f}x, crates "
            f"{lib_count / floor_count:.2f}x"
        )
        print(f"  compiled only for the library: {', '.join(extra)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Build weight: clean `cargo build` time and number of crates compiled for an application
depending on the library, against a floor crate depending only on what it fundamentally needs.

Pairs, each built clean in a fresh target directory, one after the other, with the same
toolchain and the workspace's `Cargo.lock` (so both sides compile the same versions):

- an application depending on `signing` with one provider feature (`heysign`, `rustls` by
  default), against a floor depending on `reqwest` with the same features the library turns on
  (`rustls`, `stream`), `serde` (derive), `serde_json` and `tokio` (the runtime features the
  library uses); the same with `native-tls` on both sides (`app-native-tls`: the platform's TLS
  library instead of compiling `aws-lc-sys`, where the platform has one), and with the other
  providers (`docusign`, `leap-sign`);
- an application depending on `signing-core` alone, against a floor depending on `serde`
  (derive), `thiserror` and `http`.

The temporary crates and target directories are removed afterwards. A clean build takes
minutes on two shared cores; wall times move with the machine's load, CPU times much less
(read the ratios, and rerun when the machine is busy).

    python3 benches/build_weight.py            # every pair
    python3 benches/build_weight.py core       # one pair or more: app, app-native-tls, core, docusign, leap-sign
"""

import json
import pathlib
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent

FLOOR_HTTP = """
reqwest = {{ version = "0.13", default-features = false, features = ["{tls}", "stream"] }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
tokio = {{ version = "1", features = ["rt", "sync", "time", "fs", "io-util"] }}
"""

PAIRS = {
    "app": (
        f'signing = {{ path = "{ROOT}/crates/signing", features = ["heysign"] }}',
        FLOOR_HTTP.format(tls="rustls"),
    ),
    "app-native-tls": (
        f'signing = {{ path = "{ROOT}/crates/signing", default-features = false, '
        f'features = ["heysign", "native-tls"] }}',
        FLOOR_HTTP.format(tls="native-tls"),
    ),
    "docusign": (
        f'signing = {{ path = "{ROOT}/crates/signing", features = ["docusign"] }}',
        FLOOR_HTTP.format(tls="rustls"),
    ),
    "leap-sign": (
        f'signing = {{ path = "{ROOT}/crates/signing", features = ["leap-sign"] }}',
        FLOOR_HTTP.format(tls="rustls"),
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


def build(name: str, dependencies: str) -> tuple[float, float, int, list[str], list[tuple[str, float]]]:
    """Builds a crate with `dependencies` clean; returns the wall and CPU seconds, the number of
    crates compiled, their names, and the units that took longest (from cargo's `--timings`
    report). CPU time is that of cargo and every compiler and build script it ran (user and
    system): other work on the machine stretches the wall time, hardly the CPU time."""
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
        cpu_before = children_cpu()
        run = subprocess.run(
            ["cargo", "build", "--offline", "--timings", "--target-dir", str(target)],
            cwd=crate, capture_output=True, text=True,
        )
        seconds = time.monotonic() - started
        cpu = children_cpu() - cpu_before
        if run.returncode != 0:
            raise SystemExit(f"{name} did not build:\n{run.stderr}")
        compiled = re.findall(r"^\s+Compiling (\S+) v", run.stderr, re.M)
        # The crate itself is not a dependency.
        compiled = [c for c in compiled if not c.startswith("weight-")]
        return seconds, cpu, len(compiled), compiled, slowest(target)


def children_cpu() -> float:
    """User and system seconds of the finished child processes (and theirs), so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def slowest(target: pathlib.Path, count: int = 6) -> list[tuple[str, float]]:
    """The `count` longest units of the build (a crate's build script run and its compilation
    are separate units), from the report `--timings` writes."""
    report = target / "cargo-timings" / "cargo-timing.html"
    found = re.search(r"const UNIT_DATA = (\[.*?\]);\n", report.read_text(), re.S)
    if not found:
        return []
    units = [
        (f"{unit['name']}{' (' + unit['target'].strip() + ')' if unit['target'].strip() else ''}",
         unit["duration"])
        for unit in json.loads(found.group(1))
    ]
    return sorted(units, key=lambda unit: -unit[1])[:count]


def main() -> int:
    chosen = sys.argv[1:] or list(PAIRS)
    for pair in chosen:
        library, floor = PAIRS[pair]
        lib_time, lib_cpu, lib_count, lib_crates, lib_slowest = build(f"{pair}-library", library)
        floor_time, floor_cpu, floor_count, floor_crates, floor_slowest = build(
            f"{pair}-floor", floor
        )
        extra = sorted(set(lib_crates) - set(floor_crates))
        print(
            f"build {pair}: library {lib_time:.1f} s ({lib_cpu:.1f} s CPU), {lib_count} crates; "
            f"floor {floor_time:.1f} s ({floor_cpu:.1f} s CPU), {floor_count} crates; "
            f"time {lib_time / floor_time:.2f}x, CPU time {lib_cpu / floor_cpu:.2f}x, crates "
            f"{lib_count / floor_count:.2f}x"
        )
        print(f"  compiled only for the library: {', '.join(extra)}")
        for side, units in (("library", lib_slowest), ("floor", floor_slowest)):
            longest = ", ".join(f"{unit} {seconds:.1f} s" for unit, seconds in units)
            print(f"  longest units, {side}: {longest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

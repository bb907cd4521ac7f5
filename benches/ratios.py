#!/usr/bin/env python3
"""Prints the ratios docs/performance.md reports, from the last `cargo bench -p signing-benches`.

Every ratio divides two medians of the same run: `adapter / raw` for the adapter groups (for the
throughput group, the raw sequence's throughput over the adapter's is the same number) and
`ours / other` for the webhook groups. Criterion's results are read from
`$CARGO_TARGET_DIR/criterion` (default `target/criterion`).
"""

import json
import os
import sys
from pathlib import Path


def median_ns(group: Path, function: str) -> float:
    estimates = json.loads((group / function / "new" / "estimates.json").read_text())
    return estimates["median"]["point_estimate"]


def main() -> int:
    root = Path(os.environ.get("CARGO_TARGET_DIR", "target")) / "criterion"
    if not root.is_dir():
        print(f"no criterion results under {root}: run `cargo bench -p signing-benches` first")
        return 1
    for group in sorted(p for p in root.iterdir() if p.is_dir() and p.name != "report"):
        functions = {p.name for p in group.iterdir() if (p / "new" / "estimates.json").exists()}
        if {"adapter", "raw"} <= functions:
            adapter, raw = median_ns(group, "adapter"), median_ns(group, "raw")
            print(f"{group.name}: adapter {adapter / 1e3:.1f} us, raw {raw / 1e3:.1f} us, "
                  f"adapter/raw {adapter / raw:.3f}x")
        elif "ours" in functions:
            ours = median_ns(group, "ours")
            others = ", ".join(
                f"ours/{name} {ours / median_ns(group, name):.3f}x ({median_ns(group, name):.0f} ns)"
                for name in sorted(functions - {"ours"})
            )
            print(f"{group.name}: ours {ours:.0f} ns, {others}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

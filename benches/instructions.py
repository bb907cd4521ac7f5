#!/usr/bin/env python3
"""Counts the instructions of one `send` and one `get` through each adapter and through the
hand-written `reqwest` sequence making the same exchanges, with callgrind, and prints the
ratios adapter / raw.

Each side runs twice against a fresh in-process emulator, with a small and a large count of
operations; the difference between the two totals, divided by the difference in counts, is the
cost of one operation (client and emulator together) with the setup taken out. Instruction counts
are repeatable whatever else the machine does, so this cross-checks the CPU-time ratios of
`cargo bench -p signing-benches --bench adapter_overhead`.

Needs valgrind. Takes a few minutes: `python3 benches/instructions.py`.
"""

import json
import re
import subprocess
import sys

# (provider, operation, small count, large count). Sends grow the emulator's store, which both
# sides do alike; fewer of them keep the run short.
CASES = [
    ("heysign", "send", 50, 250),
    ("heysign", "get", 200, 1200),
    ("leap-sign", "send", 50, 250),
    ("leap-sign", "get", 200, 1200),
]
# DocuSign is left out: its setup signs a JWT with RSA through aws-lc, whose entropy source
# runs a number of instructions that varies from run to run by more than a thousand `get`s
# cost, so the difference of two runs says nothing about one operation. Its CPU-time figures
# are in the adapter-overhead bench.


def executable() -> str:
    built = subprocess.run(
        ["cargo", "bench", "-p", "signing-benches", "--bench", "adapter_instructions",
         "--no-run", "--message-format=json"],
        check=True, capture_output=True, text=True,
    ).stdout
    for line in built.splitlines():
        message = json.loads(line)
        if message.get("reason") == "compiler-artifact" and message.get("executable") \
                and message["target"]["name"] == "adapter_instructions":
            return message["executable"]
    raise SystemExit("the adapter_instructions bench was not built")


def instructions(program: str, provider: str, operation: str, side: str, count: int) -> int:
    run = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
         program, provider, operation, side, str(count)],
        check=True, capture_output=True, text=True,
    )
    found = re.search(r"Collected : (\d+)", run.stderr)
    if not found:
        raise SystemExit(f"no instruction count in callgrind's output:\n{run.stderr}")
    return int(found.group(1))


def main() -> int:
    program = executable()
    for provider, operation, small, large in CASES:
        per_op = {}
        sides = ["adapter", "raw"]
        # The adapter makes HeySign `get`'s two reads at once: also compare with raw reads that
        # do the same.
        if (provider, operation) == ("heysign", "get"):
            sides.append("raw-at-once")
        for side in sides:
            low = instructions(program, provider, operation, side, small)
            high = instructions(program, provider, operation, side, large)
            per_op[side] = (high - low) / (large - small)
        for raw in sides[1:]:
            print(
                f"{provider} {operation}: adapter {per_op['adapter']:,.0f}, "
                f"{raw} {per_op[raw]:,.0f} instructions per operation, "
                f"adapter/{raw} {per_op['adapter'] / per_op[raw]:.3f}x"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

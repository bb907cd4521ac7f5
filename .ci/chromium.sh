#!/usr/bin/env bash
# Headless Chromium and its WebDriver for the sandbox's browser test
# (crates/cli/tests/sandbox.rs): Debian's `chromium` and `chromium-driver`, installed with
# apt-get when missing. In CI they must be there; elsewhere, without root or apt-get, the
# browser test says it is skipped.
set -euo pipefail

if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
    echo "chromium and chromedriver present: $(command -v chromium), $(command -v chromedriver)"
    exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "no chromium or chromedriver, and no way to install them here" >&2
    exit 1
fi
echo "installing chromium and chromium-driver"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
command -v chromium && command -v chromedriver

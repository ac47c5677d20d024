#!/usr/bin/env bash
# The console's real-browser test (tests/test_console_browser.py) drives Debian's Chromium through
# chromium-driver. Install both when they are missing and we may (root with apt-get), as on a fresh
# CI machine; otherwise say so loudly: the test then skips with the same reason.
set -uo pipefail
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "ensure-browser: installing chromium and chromium-driver (Debian packages) for the browser test"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) >/dev/null \
    && exit 0
fi
echo "************************************************************************************" >&2
echo "ensure-browser: chromium/chromedriver are missing and could not be installed:" >&2
echo "  the real-browser test of the SRE console will be SKIPPED." >&2
echo "  Install them with: apt-get install chromium chromium-driver" >&2
echo "************************************************************************************" >&2
exit 0

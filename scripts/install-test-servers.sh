#!/usr/bin/env bash
# The real servers some tests run against, installed from Debian's packages when missing:
# Prometheus (the Kafka metrics tests scrape the simulated data plane with it). Without root or
# apt-get this only warns; those tests are then skipped, each saying why.
set -uo pipefail

command -v prometheus >/dev/null 2>&1 && exit 0
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-test-servers: prometheus is missing and cannot be installed here (needs root and apt-get);" \
       "the Kafka metrics tests will be skipped. Install it with: sudo apt-get install prometheus" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
echo "install-test-servers: installing Debian's prometheus package" >&2
if ! apt-get install -y -q --no-install-recommends prometheus >/dev/null 2>&1; then
  # A fresh machine has no package lists yet.
  apt-get update -q >/dev/null 2>&1
  apt-get install -y -q --no-install-recommends prometheus >/dev/null 2>&1 \
    || echo "install-test-servers: could not install prometheus; the Kafka metrics tests will be skipped" >&2
fi
exit 0

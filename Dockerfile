# The fleet manager's image: gunicorn serving the API as an unprivileged user; the same image runs
# the reconcilers (`python manage.py qcluster`), their metrics (`serve_metrics`) and the release
# steps (`migrate`, `setup_schedules`, `sync_quota_config`). deploy/ runs it on Kubernetes.
#   docker build -t fleet-manager .
#   docker run --env-file .env -p 8000:8000 fleet-manager     (see .env.example and docs/settings.md)

# --- build: the runtime dependencies only, at the versions requirements.txt pins ---------------------
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /build
COPY requirements.in requirements.txt ./
# requirements.in lists the runtime packages above "# tests and tooling"; requirements.txt pins them
# and everything they need (-c), so the image gets exactly the tested versions and no test tools.
RUN sed -n '1,/^# tests and tooling/p' requirements.in | sed -e 's/#.*//' -e '/^[[:space:]]*$/d' > runtime.in \
    && python -m venv /opt/venv \
    && /opt/venv/bin/pip install -r runtime.in -c requirements.txt

# --- runtime ------------------------------------------------------------------------------------------
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    FLEET_ENV=production \
    FLEET_VAR_DIR=/app/var \
    PROMETHEUS_MULTIPROC_DIR=/app/var/prometheus

WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY manage.py ./
COPY fleetmanager fleetmanager/
COPY kafkas kafkas/
COPY clusters clusters/
COPY agents agents/
COPY quota quota/
COPY templates templates/
COPY static static/
COPY config config/

# Static files are collected at build time (whitenoise serves them); settings that production
# requires are given placeholder values for this one command only.
RUN useradd --system --uid 10001 --no-create-home --home-dir /app fleet \
    && FLEET_ENV=testing DJANGO_SECRET_KEY=build-only python manage.py collectstatic --no-input -v 0 \
    && mkdir -p /app/var/prometheus \
    && chown -R 10001:10001 /app/var

USER 10001:10001
EXPOSE 8000

# Liveness of the web process (/healthz reads no database; /readyz tells whether it can serve).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]

# Workers x threads: 2 x 4 for two cores (WEB_CONCURRENCY and FLEET_WEB_THREADS change them,
# fleetmanager/gunicorn.py); on SIGTERM in-flight requests finish (graceful_timeout).
CMD ["gunicorn", "-c", "python:fleetmanager.gunicorn", "fleetmanager.wsgi", "--bind", "0.0.0.0:8000", \
     "--access-logfile", "-"]

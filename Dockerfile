# Production image: gunicorn serving the API as an unprivileged user.
# Build: docker build -t fleet-manager .   Run: see .env.example for the required variables.
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
RUN useradd --system --uid 10001 --home-dir /app fleet \
    && mkdir -p /app/var \
    && FLEET_ENV=testing DJANGO_SECRET_KEY=build python manage.py collectstatic --no-input -v 0 \
    && chown -R fleet /app/var

USER fleet
ENV FLEET_ENV=production \
    FLEET_VAR_DIR=/app/var
EXPOSE 8000

# Migrations run as a separate step of each release: `python manage.py migrate`.
CMD ["gunicorn", "-c", "python:fleetmanager.gunicorn", "fleetmanager.wsgi", "--bind", "0.0.0.0:8000", "--workers", "4", "--threads", "4", \
     "--timeout", "60", "--access-logfile", "-"]

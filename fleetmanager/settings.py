"""Settings for the fleet manager: one module, every knob from the environment.

Every variable read here is documented in docs/settings.md. Production-only
behaviour hangs off FLEET_ENV, never off a second settings module.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from fleetmanager.env import envbool, envchoice, envfloat, envint, envlist, envstr, is_loopback_url
from fleetmanager.logs import choose_format as choose_log_format

BASE_DIR = Path(__file__).resolve().parent.parent

FLEET_ENV = envchoice("FLEET_ENV", "development", ("development", "testing", "production"))
PRODUCTION = FLEET_ENV == "production"

# Local state of the embedded default: the SQLite file, the development signing key.
VAR_DIR = Path(envstr("FLEET_VAR_DIR", str(BASE_DIR / "var")))


def _development_secret_key() -> str:
    """A random key kept under var/, so sessions survive restarts of `make run`."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "django-secret-key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = envstr("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY (or DJANGO_SECRET_KEY_FILE) must be set in production")
    SECRET_KEY = _development_secret_key()

DEBUG = envbool("FLEET_DEBUG", False)
ALLOWED_HOSTS = envlist("FLEET_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("FLEET_ALLOWED_HOSTS must list the host names the API is served on")
CSRF_TRUSTED_ORIGINS = envlist("FLEET_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # django.contrib.admin with the SRE console's site (fleet dashboard, OIDC login).
    "fleetmanager.apps.FleetAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "mozilla_django_oidc",
    "django_prometheus",
    "django_q",
    "fleetmanager",
    "kafkas",
    "clusters",
    "agents",
    "quota",
    # Emulated integrations (`manage.py emulators`): development and tests only, never loaded in production.
    *([] if PRODUCTION else ["fleetmanager.emulators"]),
]

MIDDLEWARE = [
    # Probes first: they address the pod by IP (not an allowed host) and are not API traffic.
    "fleetmanager.health.HealthCheckMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "fleetmanager.api.middleware.OperationIdMiddleware",
    "fleetmanager.api.middleware.InboundMetricsMiddleware",
    # Before anything reads the host, the query string or the body: refusals in the upstream JSON shape.
    "fleetmanager.api.middleware.RequestGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "fleetmanager.api.middleware.StripTrailingSlashMiddleware",
    "fleetmanager.api.middleware.RejectNulCharactersMiddleware",
    "fleetmanager.api.deadline.IntegrationDeadlineMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "fleetmanager.urls"
WSGI_APPLICATION = "fleetmanager.wsgi.application"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


# --- Database ---------------------------------------------------------------------------
# The embedded default is a SQLite file in WAL mode with IMMEDIATE transactions, so the
# API, the reconcilers and the simulated agent can write from several processes without
# "database is locked" surprises. Production and the tests use PostgreSQL (DATABASE_URL).
SQLITE_PATH = VAR_DIR / "fleet.sqlite3"
DATABASE_URL = envstr("DATABASE_URL")
# While the database is unreachable, requests fail within this many seconds (503) instead of
# hanging on a connect; persistent connections are health-checked, so all recover by themselves.
FLEET_DB_CONNECT_TIMEOUT_SECONDS = envint("FLEET_DB_CONNECT_TIMEOUT_SECONDS", 3, minimum=1)
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=envint("FLEET_DB_CONN_MAX_AGE", 60, minimum=0),
            conn_health_checks=True,
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", FLEET_DB_CONNECT_TIMEOUT_SECONDS)
elif PRODUCTION:
    raise ImproperlyConfigured("DATABASE_URL must be set in production")
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                # case_sensitive_like makes `LIKE` in search behave as on PostgreSQL.
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA case_sensitive_like=ON;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Internationalisation and static files ---------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- REST framework ---------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["fleetmanager.api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["fleetmanager.api.permissions.IsUser", "quota.permissions.AccessLists"],
    "DEFAULT_PARSER_CLASSES": ["fleetmanager.api.parsers.BoundedJSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "fleetmanager.api.negotiation.AlwaysFirstRenderer",
    "DEFAULT_RENDERER_CLASSES": ["fleetmanager.api.renderers.ORJSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "fleetmanager.api.exception_handler.handle_exception",
    # No OPTIONS metadata page (no contract has OPTIONS): DRF then refuses it like any other
    # method a view does not serve, 405/10 in the upstream shape.
    "DEFAULT_METADATA_CLASS": None,
    "UNAUTHENTICATED_USER": None,
    "UNAUTHENTICATED_TOKEN": None,
}

# Who may use the enterprise /clusters API (§1.13): any trusted token (upstream skips the issuer and
# access-list checks) whose organisation has enterprise quota. Quota decides the second; the clusters
# app does not import the quota app (DESIGN.md), so the classes are named here, as REST_FRAMEWORK
# names the access lists.
ENTERPRISE_API_PERMISSION_CLASSES = [
    "fleetmanager.api.permissions.IsAuthenticatedToken",
    "quota.permissions.HasEnterpriseQuota",
]

SPECTACULAR_SETTINGS = {
    "TITLE": "Kafka Management API",
    "DESCRIPTION": "Kafka Management API is a REST API to manage Kafka instances",
    "VERSION": "1.16.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/kafkas_mgmt/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SECURITY": [{"Bearer": []}],
    # Swagger UI from installed static files (drf-spectacular-sidecar), so /docs works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "APPEND_COMPONENTS": {"securitySchemes": {"Bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
    "AUTHENTICATION_WHITELIST": [],
    "DISABLE_ERRORS_AND_WARNINGS": True,
}

# The most time one API request spends calling integrations, retries included; below the web
# server's worker timeout (gunicorn --timeout, 60 s in `make run` and the Dockerfile).
FLEET_INTEGRATION_DEADLINE_SECONDS = envfloat("FLEET_INTEGRATION_DEADLINE_SECONDS", 25.0, minimum=0.1)
FLEET_MAX_REQUEST_BODY_BYTES = envint("FLEET_MAX_REQUEST_BODY_BYTES", 1024 * 1024, minimum=1024)
# Django's own limit on reading a body into memory is the same, so ours always speaks first.
DATA_UPLOAD_MAX_MEMORY_SIZE = FLEET_MAX_REQUEST_BODY_BYTES

# --- Fleet manager configuration files (upstream formats) -------------------------------
FLEET_CONFIG_DIR = Path(envstr("FLEET_CONFIG_DIR", str(BASE_DIR / "config")))

# --- Identity -------------------------------------------------------------------------
# Trusted signing keys: a JWKS file and/or JWKS URLs. Outside production the local
# development key (see `manage.py token`) is trusted as well.
FLEET_JWKS_FILE = envstr("FLEET_JWKS_FILE", str(FLEET_CONFIG_DIR / "jwks-file.json"))
FLEET_JWKS_URLS = envlist("FLEET_JWKS_URLS")
FLEET_JWKS_REFRESH_COOLDOWN_SECONDS = envfloat("FLEET_JWKS_REFRESH_COOLDOWN_SECONDS", 30.0, minimum=0)
FLEET_JWKS_CACHE_SECONDS = envfloat("FLEET_JWKS_CACHE_SECONDS", 3600.0, minimum=0)
FLEET_JWKS_TIMEOUT_SECONDS = envfloat("FLEET_JWKS_TIMEOUT_SECONDS", 5.0, minimum=0.1)
FLEET_JWT_LEEWAY_SECONDS = envint("FLEET_JWT_LEEWAY_SECONDS", 30, minimum=0)
FLEET_DEV_SIGNING_KEY = VAR_DIR / "dev-signing-key.pem"
FLEET_DEV_TOKENS = not PRODUCTION and envbool("FLEET_DEV_TOKENS", True)
FLEET_DEV_ISSUER = envstr("FLEET_DEV_ISSUER", "http://127.0.0.1:8000/dev-sso/realms/fleet")

# Accepted `iss` values per API. Empty means "any issuer signed by a trusted key", which
# is only allowed outside production.
FLEET_USER_ISSUERS = envlist("FLEET_USER_ISSUERS")
FLEET_AGENT_ISSUERS = envlist("FLEET_AGENT_ISSUERS")
FLEET_ADMIN_ISSUERS = envlist("FLEET_ADMIN_ISSUERS")
if PRODUCTION:
    for _name in ("FLEET_USER_ISSUERS", "FLEET_AGENT_ISSUERS", "FLEET_ADMIN_ISSUERS"):
        if not globals()[_name]:
            raise ImproperlyConfigured(f"{_name} must list the trusted token issuers in production")

# --- SRE console login: OIDC (mozilla-django-oidc) ----------------------------------------
# Staff log in through the organisation's identity provider; users are matched on `sub` and
# their groups or roles (FLEET_OIDC_GROUPS_CLAIM, and realm_access.roles) decide on every login
# whether they are read-only SREs (FLEET_OIDC_STAFF_GROUP) or full SREs (FLEET_OIDC_ADMIN_GROUP).
# Local username/password login exists only outside production.
OIDC_RP_CLIENT_ID = envstr("FLEET_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = envstr("FLEET_OIDC_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = envstr("FLEET_OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = envstr("FLEET_OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = envstr("FLEET_OIDC_USERINFO_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = envstr("FLEET_OIDC_JWKS_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_SCOPES = envstr("FLEET_OIDC_SCOPES", "openid email profile")
OIDC_TIMEOUT = envfloat("FLEET_OIDC_TIMEOUT_SECONDS", 10.0, minimum=0.1)
FLEET_OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
if FLEET_OIDC_ENABLED:
    for _name, _value in (
        ("FLEET_OIDC_CLIENT_SECRET", OIDC_RP_CLIENT_SECRET),
        ("FLEET_OIDC_AUTHORIZATION_ENDPOINT", OIDC_OP_AUTHORIZATION_ENDPOINT),
        ("FLEET_OIDC_TOKEN_ENDPOINT", OIDC_OP_TOKEN_ENDPOINT),
        ("FLEET_OIDC_USERINFO_ENDPOINT", OIDC_OP_USER_ENDPOINT),
        ("FLEET_OIDC_JWKS_ENDPOINT", OIDC_OP_JWKS_ENDPOINT),
    ):
        if not _value:
            raise ImproperlyConfigured(f"{_name} must be set when FLEET_OIDC_CLIENT_ID is (SRE console login)")
FLEET_OIDC_GROUPS_CLAIM = envstr("FLEET_OIDC_GROUPS_CLAIM", "groups")
FLEET_OIDC_STAFF_GROUP = envstr("FLEET_OIDC_STAFF_GROUP", "fleet-sre-read")
FLEET_OIDC_ADMIN_GROUP = envstr("FLEET_OIDC_ADMIN_GROUP", "fleet-sre")
# Production: the console's login page goes to the identity provider; no local passwords at all.
FLEET_OIDC_LOGIN_ONLY = PRODUCTION
AUTHENTICATION_BACKENDS = [
    *(["fleetmanager.oidc.StaffOIDCBackend"] if FLEET_OIDC_ENABLED else []),
    *([] if PRODUCTION else ["django.contrib.auth.backends.ModelBackend"]),
]
LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "/admin/"
LOGIN_REDIRECT_URL_FAILURE = "/admin/login/?refused=1"
LOGOUT_REDIRECT_URL = "/"

# --- SSO (MAS-SSO / Keycloak admin API): canary and agent service accounts -----------------
# Canary service accounts (one per Kafka) and agent clients (one per data-plane cluster) are
# clients of this Keycloak realm; the fleet manager's own client needs the realm-management
# roles manage-clients and view-clients. Outside production the defaults point at the SSO
# emulator that `make run` starts (`manage.py emulators`, http://127.0.0.1:8001/sso).
FLEET_SSO_ENABLED = envbool("FLEET_SSO_ENABLED", True)
FLEET_SSO_BASE_URL = envstr("FLEET_SSO_BASE_URL", None if PRODUCTION else "http://127.0.0.1:8001/sso")
FLEET_SSO_REALM = envstr("FLEET_SSO_REALM", "rhoas")
FLEET_SSO_CLIENT_ID = envstr("FLEET_SSO_CLIENT_ID", None if PRODUCTION else "fleet-manager")
FLEET_SSO_CLIENT_SECRET = envstr("FLEET_SSO_CLIENT_SECRET", None if PRODUCTION else "emulator-secret")
FLEET_SSO_TIMEOUT_SECONDS = envfloat("FLEET_SSO_TIMEOUT_SECONDS", 10.0, minimum=0.1)
FLEET_SSO_RETRIES = envint("FLEET_SSO_RETRIES", 3, minimum=0)
# Users' service accounts (§1.12): the limit per organisation (orgs listed in
# service-account-limits-check-skip-org-id-list.yaml have none) and the default page of a list.
FLEET_MAX_ALLOWED_SERVICE_ACCOUNTS = envint("FLEET_MAX_ALLOWED_SERVICE_ACCOUNTS", 50, minimum=0)
FLEET_MAX_LIMIT_FOR_SSO_GET_CLIENTS = envint("FLEET_MAX_LIMIT_FOR_SSO_GET_CLIENTS", 100, minimum=1)
if PRODUCTION and FLEET_SSO_ENABLED:
    for _name in ("FLEET_SSO_BASE_URL", "FLEET_SSO_CLIENT_ID", "FLEET_SSO_CLIENT_SECRET"):
        if not globals()[_name]:
            raise ImproperlyConfigured(f"{_name} must be set in production (or FLEET_SSO_ENABLED=false)")

# --- OCM / AMS (api.openshift.com): OSD clusters, quota, subscriptions -------------------------
# One client identity for both APIs. Outside production the defaults point at the emulators
# that `make run` starts (`manage.py emulators`: /ocm, tokens from the SSO emulator's realm).
FLEET_OCM_ENABLED = envbool("FLEET_OCM_ENABLED", True)
FLEET_OCM_BASE_URL = envstr("FLEET_OCM_BASE_URL", None if PRODUCTION else "http://127.0.0.1:8001/ocm")
FLEET_OCM_TOKEN_URL = envstr(
    "FLEET_OCM_TOKEN_URL",
    None if PRODUCTION else "http://127.0.0.1:8001/sso/realms/redhat-external/protocol/openid-connect/token",
)
FLEET_OCM_CLIENT_ID = envstr("FLEET_OCM_CLIENT_ID", None if PRODUCTION else "fleet-manager")
FLEET_OCM_CLIENT_SECRET = envstr("FLEET_OCM_CLIENT_SECRET", None if PRODUCTION else "emulator-secret")
FLEET_OCM_TIMEOUT_SECONDS = envfloat("FLEET_OCM_TIMEOUT_SECONDS", 30.0, minimum=0.1)
FLEET_OCM_RETRIES = envint("FLEET_OCM_RETRIES", 3, minimum=0)
if PRODUCTION and FLEET_OCM_ENABLED:
    for _name in ("FLEET_OCM_BASE_URL", "FLEET_OCM_TOKEN_URL", "FLEET_OCM_CLIENT_ID", "FLEET_OCM_CLIENT_SECRET"):
        if not globals()[_name]:
            raise ImproperlyConfigured(f"{_name} must be set in production (or FLEET_OCM_ENABLED=false)")
# Cloud credentials of new OSD clusters (customer cloud subscription); none: OCM's own account.
FLEET_AWS_ACCOUNT_ID = envstr("FLEET_AWS_ACCOUNT_ID", "")
FLEET_AWS_ACCESS_KEY_ID = envstr("FLEET_AWS_ACCESS_KEY_ID", "")
FLEET_AWS_SECRET_ACCESS_KEY = envstr("FLEET_AWS_SECRET_ACCESS_KEY", "")

# --- Observatorium (the Kafkas' own metrics, §13) ------------------------------------------
# The Prometheus HTTP API of Observatorium, reached through its token-refresher proxy as upstream
# does (a Prometheus server in tests and `make run`). Empty outside production: the metrics
# endpoints then answer empty lists.
FLEET_OBSERVATORIUM_URL = envstr("FLEET_OBSERVATORIUM_URL", "")
FLEET_OBSERVATORIUM_TIMEOUT_SECONDS = envfloat("FLEET_OBSERVATORIUM_TIMEOUT_SECONDS", 20.0, minimum=0.1)
FLEET_OBSERVATORIUM_RETRIES = envint("FLEET_OBSERVATORIUM_RETRIES", 2, minimum=0)
if PRODUCTION and not FLEET_OBSERVATORIUM_URL:
    raise ImproperlyConfigured("FLEET_OBSERVATORIUM_URL must be set in production (the Kafkas' metrics)")

# --- Data-plane clusters -----------------------------------------------------------------
# Handed to each cluster's kas-fleetshard agent as add-on parameters (§6.3).
FLEET_PUBLIC_HOST_URL = envstr("FLEET_PUBLIC_HOST_URL", "http://127.0.0.1:8000")
FLEET_FLEETSHARD_POLL_INTERVAL = envstr("FLEET_FLEETSHARD_POLL_INTERVAL", "15s")
FLEET_FLEETSHARD_RESYNC_INTERVAL = envstr("FLEET_FLEETSHARD_RESYNC_INTERVAL", "60s")
FLEET_STRIMZI_OPERATOR_ADDON_ID = envstr("FLEET_STRIMZI_OPERATOR_ADDON_ID", "managed-kafka")
FLEET_FLEETSHARD_ADDON_ID = envstr("FLEET_FLEETSHARD_ADDON_ID", "kas-fleetshard-operator")
# The Kafka_SRE OpenID identity provider on every OSD cluster, with a client in this SSO realm (§6.7).
FLEET_ENABLE_KAFKA_SRE_IDENTITY_PROVIDER = envbool("FLEET_ENABLE_KAFKA_SRE_IDENTITY_PROVIDER", False)
FLEET_OSD_IDP_REALM = envstr("FLEET_OSD_IDP_REALM", "rhoas-kafka-sre")
# Where the simulated agents (`manage.py fleetshard_agent`) write each cluster's rendered resources
# (<dir>/<cluster id>/<namespace>/{managedkafka,kafka}.yaml), and where the console reads them.
FLEET_AGENT_RENDER_DIR = Path(envstr("FLEET_AGENT_RENDER_DIR", str(VAR_DIR / "dataplane")))

# --- Kafka service behaviour (upstream flags) -------------------------------------------
FLEET_SERVER_VERSION = envstr("FLEET_SERVER_VERSION", "development")
FLEET_BROWSER_URL = envstr("FLEET_BROWSER_URL", "http://localhost:8080/")
FLEET_KAFKA_DOMAIN_NAME = envstr("FLEET_KAFKA_DOMAIN_NAME", "kafka.bf2.dev")
FLEET_QUOTA_TYPE = envchoice("FLEET_QUOTA_TYPE", "quota-management-list", ("quota-management-list", "ams"))
FLEET_ENABLE_INSTANCE_LIMIT_CONTROL = envbool("FLEET_ENABLE_INSTANCE_LIMIT_CONTROL", False)
FLEET_MAX_ALLOWED_INSTANCES = envint("FLEET_MAX_ALLOWED_INSTANCES", 1, minimum=0)
FLEET_ALLOW_DEVELOPER_INSTANCE = envbool("FLEET_ALLOW_DEVELOPER_INSTANCE", True)
FLEET_MAX_ALLOWED_DEVELOPER_INSTANCES = envint("FLEET_MAX_ALLOWED_DEVELOPER_INSTANCES", 1, minimum=0)
FLEET_DATAPLANE_SCALING_TYPE = envchoice("FLEET_DATAPLANE_SCALING_TYPE", "manual", ("manual", "auto", "none"))
FLEET_ENABLE_DENY_LIST = envbool("FLEET_ENABLE_DENY_LIST", True)
# Creating a Kafka needs the user's acceptance of the terms, asked of AMS (403/12).
FLEET_ENABLE_TERMS_ACCEPTANCE = envbool("FLEET_ENABLE_TERMS_ACCEPTANCE", False)
# A new Kafka owner (PATCH) must be an account of the organisation according to AMS (400/21).
FLEET_VALIDATE_KAFKA_OWNER = envbool("FLEET_VALIDATE_KAFKA_OWNER", PRODUCTION and FLEET_OCM_ENABLED)
# During maintenance, only organisations of the access list may use the user API (403/18).
FLEET_ENABLE_ACCESS_LIST = envbool("FLEET_ENABLE_ACCESS_LIST", False)
# Create a canary service account per Kafka and fill the CR's OAuth section (upstream --mas-sso-enable-auth).
FLEET_KAFKA_SSO_AUTH = envbool("FLEET_KAFKA_SSO_AUTH", True)
# Add the owners of kafka-owner-list.yaml to every ManagedKafka (upstream --enable-kafka-owner-config).
FLEET_ENABLE_KAFKA_OWNER_CONFIG = envbool("FLEET_ENABLE_KAFKA_OWNER_CONFIG", False)
# Register Route53 CNAMEs for Kafka routes (upstream --enable-kafka-cname-registration).
FLEET_ENABLE_KAFKA_CNAME_REGISTRATION = envbool("FLEET_ENABLE_KAFKA_CNAME_REGISTRATION", False)
# Route53, where those CNAMEs live (the hosted zone named FLEET_KAFKA_DOMAIN_NAME). The credentials
# are always explicit: boto3's default chain would ask the machine's instance-metadata endpoint.
# FLEET_ROUTE53_ENDPOINT_URL is for a local Route53 (moto in tests); empty means AWS.
FLEET_ROUTE53_ACCESS_KEY_ID = envstr("FLEET_ROUTE53_ACCESS_KEY_ID", "")
FLEET_ROUTE53_SECRET_ACCESS_KEY = envstr("FLEET_ROUTE53_SECRET_ACCESS_KEY", "")
FLEET_ROUTE53_ENDPOINT_URL = envstr("FLEET_ROUTE53_ENDPOINT_URL", "")
FLEET_ROUTE53_TIMEOUT_SECONDS = envfloat("FLEET_ROUTE53_TIMEOUT_SECONDS", 10.0, minimum=0.1)
FLEET_ROUTE53_RETRIES = envint("FLEET_ROUTE53_RETRIES", 3, minimum=0)
if PRODUCTION and FLEET_ENABLE_KAFKA_CNAME_REGISTRATION:
    for _name in ("FLEET_ROUTE53_ACCESS_KEY_ID", "FLEET_ROUTE53_SECRET_ACCESS_KEY"):
        if not globals()[_name]:
            raise ImproperlyConfigured(
                f"{_name} must be set in production when FLEET_ENABLE_KAFKA_CNAME_REGISTRATION=true"
            )
# Production talks to the real services. On this machine only the development emulators (SSO, OCM,
# AMS: `manage.py emulators`) and moto (Route53) listen, so a loopback URL means a copied development
# configuration. (Observatorium is exempt: upstream reaches it through a token-refresher sidecar.)
if PRODUCTION:
    for _name in ("FLEET_SSO_BASE_URL", "FLEET_OCM_BASE_URL", "FLEET_OCM_TOKEN_URL", "FLEET_ROUTE53_ENDPOINT_URL"):
        if is_loopback_url(globals()[_name]):
            raise ImproperlyConfigured(
                f"{_name}={globals()[_name]!r} points at this machine, where only the development emulators "
                "listen; production needs the real service"
            )
if FLEET_KAFKA_SSO_AUTH and not FLEET_SSO_ENABLED:
    raise ImproperlyConfigured("FLEET_KAFKA_SSO_AUTH needs the SSO integration: set FLEET_SSO_ENABLED=true")
# Without OCM (an installation of standalone clusters, quota from the quota list) nothing may need it.
if not FLEET_OCM_ENABLED:
    for _name, _needs_ocm in (
        ("FLEET_QUOTA_TYPE=ams", FLEET_QUOTA_TYPE == "ams"),
        ("FLEET_DATAPLANE_SCALING_TYPE=auto", FLEET_DATAPLANE_SCALING_TYPE == "auto"),
        ("FLEET_ENABLE_TERMS_ACCEPTANCE=true", FLEET_ENABLE_TERMS_ACCEPTANCE),
        ("FLEET_VALIDATE_KAFKA_OWNER=true", FLEET_VALIDATE_KAFKA_OWNER),
    ):
        if _needs_ocm:
            raise ImproperlyConfigured(
                f"{_name} needs OCM/AMS: set FLEET_OCM_ENABLED=true or change {_name.split('=')[0]}"
            )


# --- Reconcilers (django-q2 on the ORM broker) -----------------------------------------
# Tasks are kicked on commit by API writes and resynced by schedules (`manage.py
# setup_schedules`). `timeout` < `retry`, so a slow task is never handed to a second
# worker while the first still runs it; no catch-up storms after downtime.
FLEET_RECONCILE_INTERVAL_MINUTES = envint("FLEET_RECONCILE_INTERVAL_MINUTES", 1, minimum=1)
FLEET_RECONCILE_BATCH_SIZE = envint("FLEET_RECONCILE_BATCH_SIZE", 100, minimum=1)
# Leases and claims are short and kept alive by their holder's heartbeat (a third of their time), so a
# dead holder's work is taken over within seconds; every qcluster process runs the passes each tick.
FLEET_LEASE_SECONDS = envint("FLEET_LEASE_SECONDS", 8, minimum=3)
FLEET_CLAIM_SECONDS = envint("FLEET_CLAIM_SECONDS", 12, minimum=3)
FLEET_RECONCILE_TICK_SECONDS = envfloat("FLEET_RECONCILE_TICK_SECONDS", 2.0, minimum=0.0)
Q_CLUSTER = {
    "name": "fleetmanager",
    "orm": "default",
    "workers": envint("FLEET_Q_WORKERS", 2, minimum=1),
    "timeout": envint("FLEET_Q_TIMEOUT_SECONDS", 90, minimum=10),
    "retry": envint("FLEET_Q_RETRY_SECONDS", 120, minimum=15),
    "max_attempts": 1,
    "ack_failures": True,
    "catch_up": False,
    "poll": envfloat("FLEET_Q_POLL_SECONDS", 0.2, minimum=0.01),
    "save_limit": 1000,
    "recycle": 500,
    "label": "Reconcilers",
    "sync": envbool("FLEET_Q_SYNC", False),
}
if Q_CLUSTER["timeout"] >= Q_CLUSTER["retry"]:
    raise ImproperlyConfigured("FLEET_Q_TIMEOUT_SECONDS must be smaller than FLEET_Q_RETRY_SECONDS")

# --- Observability ------------------------------------------------------------------------
# One JSON object per line where a machine reads the logs (FLEET_LOG_FORMAT=auto and no terminal),
# readable lines where a person watches; every line carries the request's operation id, the
# principal, the reconciler task and the Kafka/cluster ids it concerns (fleetmanager/logs.py).
LOG_LEVEL = envchoice("FLEET_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR"))
FLEET_LOG_FORMAT = envchoice("FLEET_LOG_FORMAT", "auto", ("auto", "json", "plain"))
# django-q2 logs every task it runs at INFO (several lines a second under load): its warnings suffice.
FLEET_Q_LOG_LEVEL = envchoice("FLEET_Q_LOG_LEVEL", "WARNING", ("DEBUG", "INFO", "WARNING", "ERROR"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "fleetmanager.logs.ContextFilter"}},
    "formatters": {
        "json": {"()": "fleetmanager.logs.JsonFormatter"},
        "plain": {"()": "fleetmanager.logs.PlainFormatter"},
        # Audit entries are one JSON object per line already (fleetmanager/audit.py): printed as they are.
        "message": {"format": "%(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": choose_log_format(FLEET_LOG_FORMAT),
            "filters": ["context"],
        },
        "audit": {"class": "logging.StreamHandler", "formatter": "message"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        "fleetmanager.audit": {"handlers": ["audit"], "level": "INFO", "propagate": False},
        "django-q": {"level": FLEET_Q_LOG_LEVEL},
    },
}

PROMETHEUS_METRIC_NAMESPACE = ""
# Read by prometheus_client itself: every process writes its metrics there (fleetmanager/metrics.py).
# It must exist before the first write, also in a one-off command whose volume starts empty.
PROMETHEUS_MULTIPROC_DIR = envstr("PROMETHEUS_MULTIPROC_DIR")
if PROMETHEUS_MULTIPROC_DIR:
    Path(PROMETHEUS_MULTIPROC_DIR).mkdir(parents=True, exist_ok=True)

# Errors to Sentry (web and reconcilers) when SENTRY_DSN is set; tokens and secrets are scrubbed
# from every event before it leaves the process (fleetmanager/sentry.py).
SENTRY_DSN = envstr("SENTRY_DSN")
SENTRY_TRACES_SAMPLE_RATE = envfloat("SENTRY_TRACES_SAMPLE_RATE", 0.0, minimum=0)
SENTRY_ENVIRONMENT = envstr("SENTRY_ENVIRONMENT", FLEET_ENV)
if SENTRY_DSN:
    from fleetmanager.sentry import init_sentry

    init_sentry(
        dsn=SENTRY_DSN,
        environment=SENTRY_ENVIRONMENT,
        release=FLEET_SERVER_VERSION,
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
    )

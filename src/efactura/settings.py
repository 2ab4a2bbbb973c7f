"""Django settings for efactura, read from the environment at start-up.

Variables (all optional in the embedded default):

``EFACTURA_DATA_DIR``   folder for the SQLite database, documents, the generated secret key and
                        stored emails (default ``./var``; created if missing).
``DATABASE_URL``        ``postgres://user:pass@host:5432/name`` or ``sqlite:////abs/path.db``;
                        unset = SQLite file ``efactura.sqlite3`` in the data folder.
``EFACTURA_SECRET_KEY`` signing key for sessions and tokens; unset = a random key generated once
                        into ``<data dir>/secret_key`` with permissions 0600.
``EMAIL_URL``           ``smtp://host:25``, ``smtp+tls://user:pass@host:587``,
                        ``smtp+ssl://user:pass@host:465`` or ``console://``; unset = the embedded
                        outbox (messages kept in the database and readable at ``/outbox/``).
``EFACTURA_FROM_EMAIL`` sender address of outgoing emails.
``ALLOWED_HOSTS``       comma-separated host names the site answers to.
``EFACTURA_BASE_URL``   absolute address of the site, used for links inside emails.
``EFACTURA_CODE_DAYS``  days a registration code (A from the invitation, B from the issuer)
                        stays valid (default 30).
``EFACTURA_RESPONSE_DAYS`` days the recipient has to report acceptance or rejection (default 4).
``EFACTURA_MAX_DOCUMENT_BYTES`` size cap of one uploaded or received document (default 10 MB).
``EFACTURA_BACKGROUND_IMPORT_BYTES`` / ``_FILES`` web imports larger than this (default 1 MB) or
                        with more files (default 20, a .zip counting its entries) run in the
                        background worker; the page shows progress, then the report.
``EFACTURA_EMAIL_ATTACH_PDF`` 1 = customers' invoice emails attach the PDF unless the issuing
                        company switched it off; 0 (default) = they link to the invoice.
``EFACTURA_HOUSEKEEPING_SECONDS`` how often each worker runs the periodic jobs (default 3600).
``EFACTURA_OPERATOR_NAME`` / ``_ADDRESS`` / ``_POSTAL_CODE`` / ``_TOWN`` / ``_PROVINCE`` the
                        platform operator, named as Facturae third party on seal-signed invoices.
``EFACTURA_STORAGE_URL`` where invoice documents are kept: unset = ``<data dir>/documents``;
                        ``file:///shared/folder``; or ``s3://bucket/prefix?endpoint_url=…``
                        (S3-compatible object storage; credentials from ``AWS_ACCESS_KEY_ID`` /
                        ``AWS_SECRET_ACCESS_KEY``).  Needed when several machines run efactura.
``CACHE_URL``           ``redis://host:6379/0``: the cache (API rate limit, short-lived lookups)
                        shared by every process; unset = a cache inside each process.
``EFACTURA_DEBUG``      1 shows Django's debug pages (never in production).
``EFACTURA_PRODUCTION`` 1 = production mode (below).
``EFACTURA_BEHIND_PROXY`` 1 = trust ``X-Forwarded-Proto`` from the reverse proxy that ends TLS.
``EFACTURA_ENCRYPTION_KEY`` key (32+ characters) encrypting companies' certificates and their
                        passwords at rest; comma-separated to rotate (the first encrypts, all
                        decrypt).  Unset = derived from the secret key, so changing
                        ``EFACTURA_SECRET_KEY`` would make stored certificates unreadable.
``EFACTURA_SEAL_P12``   path of the platform seal (PKCS#12 .p12/.pfx) that signs invoices of
                        companies without their own certificate; ``EFACTURA_SEAL_PASSWORD`` is
                        its password.  Unset = a self-signed TEST seal generated once into
                        ``<data dir>/seal/``, labelled as a test seal wherever it shows.
``EFACTURA_NODE_ID``    this platform's name in logs and in its first, self-signed AS4
                        certificate; unset = ``<host name>-<hash of the data folder>``.
``EFACTURA_AS4_TRUST_ANCHORS`` CA certificates partners' AS4 and SMP certificates must chain
                        to: ``peppol`` (OpenPeppol production PKI, default), ``peppol-test``, or
                        the path of a PEM file (a private PKI).
``EFACTURA_SML_ZONE``   an SML DNS zone asked for recipients besides the partners' SMPs
                        (unset = partners only), e.g. ``edelivery.tech.ec.europa.eu``.
``EFACTURA_SML_LOOKUP`` ``naptr`` (Peppol's U-NAPTR records, default) or ``cname`` (legacy).
``EFACTURA_SML_NAMESERVERS`` comma-separated ``IP[:port]`` DNS servers for SML lookups
                        (default: the system resolver).
``EFACTURA_AS4_REVOCATION`` / ``EFACTURA_AS4_REVOCATION_TTL`` revocation checks (OCSP, CRL)
                        of partners' AS4 and SMP certificates: ``soft`` (default: an
                        unreachable responder is tolerated), ``hard`` or ``off``; seconds an
                        answer is reused (3600).
``EFACTURA_AS4_SEND_THREADS`` AS4 messages the worker sends at the same time (4).
``EFACTURA_AS4_IMPORT_THREADS`` threads per web server process running the inbound
                        pipeline of AS4 invoices (2); each compiles the official rules once.
``EFACTURA_ROUTE_RESOLVERS`` comma-separated dotted paths asked, in order, where an invoice
                        for a tax ID not registered here goes; default AS4 discovery
                        (``efactura.interconnection.discovery.find_partner``); empty = none.
``EFACTURA_AS4_MAX_ATTEMPTS`` / ``EFACTURA_AS4_RETRY_SECONDS`` / ``EFACTURA_AS4_DISCOVERY_TTL``
                        sending attempts before a delivery fails visibly (8), first retry delay
                        doubling each time (30), seconds an SMP answer is reused (3600).
                        See docs/interconnection.md.
``EFACTURA_OIDC_ISSUER`` the bank's OpenID Connect provider (discovery at
                        ``<issuer>/.well-known/openid-configuration``); unset = no sign-in from
                        online banking.  Needs ``EFACTURA_OIDC_CLIENT_ID`` and
                        ``EFACTURA_OIDC_CLIENT_SECRET`` as registered at the provider, with the
                        redirect URI ``<EFACTURA_BASE_URL>/sso/callback``.
``EFACTURA_OIDC_SCOPES`` requested scopes (default ``openid profile email``).
``EFACTURA_OIDC_TOKEN_AUTH_METHOD`` ``client_secret_basic`` (default) or ``client_secret_post``.
``EFACTURA_OIDC_NATIONAL_ID_CLAIM`` / ``_NAME_CLAIM`` / ``_EMAIL_CLAIM``  claim names of the
                        person's DNI/NIE (``national_id``), name (``name``), email (``email``).
``EFACTURA_OIDC_COMPANIES_CLAIM`` claim listing the tax IDs (or ``{"tax_id", "role"}`` objects)
                        the person may act for; unset = only enrolments count.
                        ``EFACTURA_OIDC_COMPANIES_ROLE`` is their role when the claim names none
                        (default ``viewer``).
``EFACTURA_OIDC_PROVIDER_LOGOUT`` 1 (default) = logging out also ends the bank session
                        (RP-initiated logout); 0 = only the platform session.
``EFACTURA_OIDC_PASSWORD_LOGIN`` 1 = bank customers may also log in with a password (default 0).
``EFACTURA_OIDC_CLOCK_SKEW`` / ``EFACTURA_OIDC_TIMEOUT``  seconds of clock difference accepted
                        on token times (60) and of waiting for the provider (10).
``EFACTURA_OIDC_PROVIDER_NAME`` the bank's name on the login button (optional).

``EFACTURA_TRUSTED_PROXIES`` / ``EFACTURA_LOGIN_FAILURE_LIMIT`` /
``EFACTURA_LOGIN_COOLOFF_MINUTES`` / ``EFACTURA_PASSWORD_RESET_LIMIT`` /
``EFACTURA_API_AUTH_FAILURE_LIMIT`` /
``EFACTURA_WEBHOOK_ALLOWED_HOSTS`` / ``EFACTURA_EMAIL_LEASE_SECONDS``  abuse protection, see
                        docs/security.md.
``EFACTURA_PAYMENT_INITIATION_URL`` the bank's payment-initiation hook: "Send to the bank"
                        POSTs the pain.001 file there (through the SSRF-safe egress);
                        unset = download only.

Production mode (``EFACTURA_PRODUCTION=1``) turns DEBUG off, makes session and CSRF cookies
secure, redirects HTTP to HTTPS and sends HSTS for a year including sub-domains with preload, so
``efactura manage check --deploy`` reports nothing.  It refuses to start:

- without ``EFACTURA_SECRET_KEY``: several web and worker machines must share one key, and a
  key generated on one machine's disk would silently differ between them;
- without ``ALLOWED_HOSTS``;
- without ``EMAIL_URL``: the embedded outbox keeps customers' mail on the platform (operators
  can read all of it; it exists so a demo can show invitation emails) instead of delivering it.
- without ``EFACTURA_SEAL_P12``, or with a seal that is a test certificate, expired or cannot
  be opened: system check ``signing.E001``–``E004``, reported by ``efactura serve`` and
  ``efactura manage check --deploy`` (invoices signed with a test seal have no legal value).

SQLite stays allowed in production: a single-machine installation is legitimate and the file is
tuned (WAL, immediate transactions) for one web server plus one worker.  Several machines need
PostgreSQL, which is the operator's decision, not something a setting can detect.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from efactura import environment
from efactura.interconnection import environment as as4_environment
from efactura.signing import config as signing_config
from efactura.sso import config as sso_config

ENV = os.environ
PACKAGE_DIR = Path(__file__).resolve().parent

PRODUCTION = environment.flag(ENV, "EFACTURA_PRODUCTION")
DEBUG = environment.flag(ENV, "EFACTURA_DEBUG") and not PRODUCTION
DATA_DIR = environment.data_dir(ENV)

if PRODUCTION and not ENV.get("EFACTURA_SECRET_KEY", "").strip():
    raise ImproperlyConfigured(
        "EFACTURA_PRODUCTION=1 needs EFACTURA_SECRET_KEY: set it to the same long random value "
        'on every machine (for example the output of `python -c "import secrets; '
        'print(secrets.token_urlsafe(64))"`).'
    )
SECRET_KEY = environment.secret_key(ENV, DATA_DIR)
EFACTURA_ENCRYPTION_KEY = signing_config.encryption_keys(ENV)
EFACTURA_SEAL_P12, EFACTURA_SEAL_PASSWORD = signing_config.seal_file(ENV)

ALLOWED_HOSTS = environment.host_list(ENV, "ALLOWED_HOSTS")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "EFACTURA_PRODUCTION=1 needs ALLOWED_HOSTS: the comma-separated host names of the site."
    )
if not PRODUCTION and not ALLOWED_HOSTS:
    ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]

EFACTURA_BASE_URL = environment.base_url(ENV)
CSRF_TRUSTED_ORIGINS = [EFACTURA_BASE_URL]

INSTALLED_APPS = [
    # Our apps come first so their templates (login, password reset) win over the admin's.
    "efactura.web",
    "efactura.accounts",
    "efactura.companies",
    "efactura.audit",
    "efactura.notifications",
    "efactura.registration",
    "efactura.invoices",
    "efactura.signing",
    "efactura.api",
    "efactura.interconnection",
    "efactura.sso",
    "efactura.verifactu",
    "efactura.spfe",
    "efactura.imports",
    "efactura.payments",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # django-tasks-db under a translatable name (efactura.web.apps).
    "efactura.web.apps.TasksDatabaseConfig",
    "axes",
    "csp",
    # django-ninja in INSTALLED_APPS makes /api/v1/docs use its bundled Swagger UI files
    # (served by WhiteNoise) instead of a CDN, so the API documentation works offline.
    "ninja",
]

MIDDLEWARE = [
    # Outermost: API calls go down EFACTURA_API_MIDDLEWARE instead of the rest of this list.
    "efactura.api.middleware.ApiRouteMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Outermost but one: turns every error answer under /api/ into a problem document.
    "efactura.api.middleware.ApiProblemMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "efactura.web.middleware.UserLanguageMiddleware",
    "efactura.web.middleware.ActingCompanyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Inside CSP: lets the logout form redirect to the bank's provider (efactura.sso).
    "efactura.sso.middleware.BankFormActionMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during login into its answer.
    "axes.middleware.AxesMiddleware",
]

# The stack of an API call (efactura.api.middleware.ApiRouteMiddleware): no sessions, CSRF,
# messages, login lockout or acting company, which an API key and JSON have no use for.
EFACTURA_API_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "efactura.api.middleware.ApiProblemMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
]

ROOT_URLCONF = "efactura.urls"
WSGI_APPLICATION = "efactura.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "efactura.web.context_processors.platform",
            ],
        },
    },
]

DATABASES = {"default": environment.database(ENV, DATA_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out account or client before the password is even checked.
    "efactura.accounts.backends.LoginThrottleBackend",
    # Bank customers may use a password only with EFACTURA_OIDC_PASSWORD_LOGIN=1 (efactura.sso).
    "efactura.sso.backends.BankCustomerPasswordPolicy",
    "django.contrib.auth.backends.ModelBackend",
    # Sessions opened by signing in at the bank (efactura.sso).
    "efactura.sso.backends.BankBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
# English pages use British date formats (efactura/formats/en).
FORMAT_MODULE_PATH = ["efactura.formats"]
TIME_ZONE = "Europe/Madrid"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# WhiteNoise serves straight from the apps' static folders, so `efactura serve` needs no
# collectstatic step; there is no CDN and nothing is fetched from the network.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    # Invoice documents: the data folder, a shared folder or S3-compatible object storage.
    "default": environment.storage(ENV, DATA_DIR),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# API limits (efactura.api).  The per-key rate limit counts requests in Django's cache: the
# default in-process cache suits one process; several processes or machines must share one,
# e.g. CACHE_URL=redis://host:6379/0 (Django's own Redis backend; see docs/deployment.md).
_CACHE_URL = ENV.get("CACHE_URL", "").strip()
if _CACHE_URL:
    if not _CACHE_URL.startswith(("redis://", "rediss://")):
        raise ImproperlyConfigured(
            f"CACHE_URL={_CACHE_URL!r} is not supported: use redis://host:6379/0 (or rediss://)."
        )
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _CACHE_URL,
        }
    }


def _whole_number(name: str, default: int) -> int:
    try:
        return int(ENV.get(name, "").strip() or default)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number.") from None


EFACTURA_API_RATE_LIMIT = _whole_number("EFACTURA_API_RATE_LIMIT", 600)
"""Requests one API key may make per window; more get 429 with Retry-After."""
EFACTURA_API_RATE_WINDOW = _whole_number("EFACTURA_API_RATE_WINDOW", 60)
# Seconds a web process trusts an API key it has checked (efactura.companies.apikey_cache).
EFACTURA_API_KEY_CACHE_SECONDS = _whole_number("EFACTURA_API_KEY_CACHE_SECONDS", 10)
EFACTURA_API_MAX_REQUEST_BYTES = _whole_number("EFACTURA_API_MAX_REQUEST_BYTES", 11 * 1024 * 1024)
"""Largest API request body; bigger ones get 413 before being read."""

MAILERS = environment.mailers(ENV)
EMAIL_OUTBOX_ENABLED = MAILERS["default"]["BACKEND"] == environment.OUTBOX_BACKEND
"""True when emails go to the embedded outbox; only then does the /outbox/ page exist."""
if PRODUCTION and EMAIL_OUTBOX_ENABLED:
    raise ImproperlyConfigured(
        "EFACTURA_PRODUCTION=1 needs EMAIL_URL (for example smtp+tls://user:pass@host:587): "
        "the embedded demo outbox keeps emails instead of delivering them."
    )
DEFAULT_FROM_EMAIL = ENV.get("EFACTURA_FROM_EMAIL", "").strip() or "efactura <no-reply@localhost>"
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_SUBJECT_PREFIX = "[efactura] "

# Two-code registration (efactura.registration): days a code A or B stays valid.
EFACTURA_CODE_DAYS = environment.positive_int(ENV, "EFACTURA_CODE_DAYS", 30)
EFACTURA_RESPONSE_DAYS = environment.positive_int(ENV, "EFACTURA_RESPONSE_DAYS", 4)
EFACTURA_HOUSEKEEPING_SECONDS = environment.positive_int(ENV, "EFACTURA_HOUSEKEEPING_SECONDS", 3600)
EFACTURA_MAX_DOCUMENT_BYTES = environment.positive_int(
    ENV, "EFACTURA_MAX_DOCUMENT_BYTES", 10 * 1024 * 1024
)
EFACTURA_BACKGROUND_IMPORT_BYTES = environment.positive_int(
    ENV, "EFACTURA_BACKGROUND_IMPORT_BYTES", 1024 * 1024
)
EFACTURA_BACKGROUND_IMPORT_FILES = environment.positive_int(
    ENV, "EFACTURA_BACKGROUND_IMPORT_FILES", 20
)
EFACTURA_OPERATOR_NAME = ENV.get("EFACTURA_OPERATOR_NAME", "").strip()
EFACTURA_OPERATOR_ADDRESS = ENV.get("EFACTURA_OPERATOR_ADDRESS", "").strip()
EFACTURA_OPERATOR_POSTAL_CODE = ENV.get("EFACTURA_OPERATOR_POSTAL_CODE", "").strip()
EFACTURA_OPERATOR_TOWN = ENV.get("EFACTURA_OPERATOR_TOWN", "").strip()
EFACTURA_OPERATOR_PROVINCE = ENV.get("EFACTURA_OPERATOR_PROVINCE", "").strip()

# AS4 interconnection with partner platforms (efactura.interconnection, docs/interconnection.md).
EFACTURA_NODE_ID = as4_environment.node_id(ENV, DATA_DIR)
EFACTURA_ROUTE_RESOLVERS = as4_environment.route_resolvers(ENV)
EFACTURA_AS4_TRUST_ANCHORS = as4_environment.trust_anchors(ENV)
EFACTURA_SML_ZONE = ENV.get("EFACTURA_SML_ZONE", "").strip()
EFACTURA_SML_LOOKUP = as4_environment.sml_lookup(ENV)
EFACTURA_SML_NAMESERVERS = as4_environment.sml_nameservers(ENV)
EFACTURA_AS4_REVOCATION = as4_environment.revocation_mode(ENV)
EFACTURA_AS4_REVOCATION_TTL_SECONDS = as4_environment.positive_number(
    ENV, "EFACTURA_AS4_REVOCATION_TTL", 3600
)
EFACTURA_AS4_SEND_THREADS = int(
    as4_environment.positive_number(ENV, "EFACTURA_AS4_SEND_THREADS", 4)
)
EFACTURA_AS4_IMPORT_THREADS = int(
    as4_environment.positive_number(ENV, "EFACTURA_AS4_IMPORT_THREADS", 2)
)
EFACTURA_AS4_MAX_ATTEMPTS = int(
    as4_environment.positive_number(ENV, "EFACTURA_AS4_MAX_ATTEMPTS", 8)
)
EFACTURA_AS4_RETRY_BASE_SECONDS = as4_environment.positive_number(
    ENV, "EFACTURA_AS4_RETRY_SECONDS", 30
)
EFACTURA_AS4_DISCOVERY_TTL_SECONDS = as4_environment.positive_number(
    ENV, "EFACTURA_AS4_DISCOVERY_TTL", 3600
)

# Sign-in from online banking (efactura.sso): the bank's OpenID Connect provider.
_OIDC = sso_config.from_environment(ENV, production=PRODUCTION)
EFACTURA_OIDC_ISSUER: str = _OIDC["EFACTURA_OIDC_ISSUER"]
EFACTURA_OIDC_CLIENT_ID: str = _OIDC["EFACTURA_OIDC_CLIENT_ID"]
EFACTURA_OIDC_CLIENT_SECRET: str = _OIDC["EFACTURA_OIDC_CLIENT_SECRET"]
EFACTURA_OIDC_SCOPES: str = _OIDC["EFACTURA_OIDC_SCOPES"]
EFACTURA_OIDC_TOKEN_AUTH_METHOD: str = _OIDC["EFACTURA_OIDC_TOKEN_AUTH_METHOD"]
EFACTURA_OIDC_NATIONAL_ID_CLAIM: str = _OIDC["EFACTURA_OIDC_NATIONAL_ID_CLAIM"]
EFACTURA_OIDC_COMPANIES_CLAIM: str = _OIDC["EFACTURA_OIDC_COMPANIES_CLAIM"]
EFACTURA_OIDC_COMPANIES_ROLE: str = _OIDC["EFACTURA_OIDC_COMPANIES_ROLE"]
EFACTURA_OIDC_NAME_CLAIM: str = _OIDC["EFACTURA_OIDC_NAME_CLAIM"]
EFACTURA_OIDC_EMAIL_CLAIM: str = _OIDC["EFACTURA_OIDC_EMAIL_CLAIM"]
EFACTURA_OIDC_PROVIDER_LOGOUT: bool = _OIDC["EFACTURA_OIDC_PROVIDER_LOGOUT"]
EFACTURA_OIDC_PASSWORD_LOGIN: bool = _OIDC["EFACTURA_OIDC_PASSWORD_LOGIN"]
EFACTURA_OIDC_CLOCK_SKEW: int = _OIDC["EFACTURA_OIDC_CLOCK_SKEW"]
EFACTURA_OIDC_TIMEOUT: int = _OIDC["EFACTURA_OIDC_TIMEOUT"]
EFACTURA_OIDC_PROVIDER_NAME: str = _OIDC["EFACTURA_OIDC_PROVIDER_NAME"]
# -- Abuse protection (docs/security.md) ---------------------------------------------------
EFACTURA_TRUSTED_PROXIES = _whole_number("EFACTURA_TRUSTED_PROXIES", 0)
"""Reverse proxies in front of the site that append to ``X-Forwarded-For``; 0 = ignore it."""
if EFACTURA_TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured("EFACTURA_TRUSTED_PROXIES must be 0 or more.")

# Login throttling (django-axes): an account, and separately a client address, is locked for
# the cool-off after this many failed logins; operators unlock in the admin (Login attempts).
AXES_FAILURE_LIMIT = environment.positive_int(ENV, "EFACTURA_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(
    minutes=environment.positive_int(ENV, "EFACTURA_LOGIN_COOLOFF_MINUTES", 15)
)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "efactura.accounts.throttling.axes_username"
AXES_CLIENT_IP_CALLABLE = "efactura.accounts.throttling.axes_client_ip"
AXES_LOCKOUT_TEMPLATE = "registration/login_locked.html"
AXES_RESET_ON_SUCCESS = False
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "password"]

EFACTURA_EMAIL_LEASE_SECONDS = environment.positive_int(ENV, "EFACTURA_EMAIL_LEASE_SECONDS", 300)
"""How long a worker's claim on an email lasts before housekeeping may hand it to another."""

EFACTURA_EMAIL_ATTACH_PDF = environment.flag(ENV, "EFACTURA_EMAIL_ATTACH_PDF", default=False)
"""Platform default: invoice emails attach the PDF (1) or only link to the invoice (0)."""

EFACTURA_WEBHOOK_ALLOWED_HOSTS = environment.host_list(ENV, "EFACTURA_WEBHOOK_ALLOWED_HOSTS")
"""Internal host names or IPs webhooks may call anyway (all others must be public addresses)."""

EFACTURA_PAYMENT_INITIATION_URL = ENV.get("EFACTURA_PAYMENT_INITIATION_URL", "").strip()
"""The bank's payment-initiation hook: pain.001 files are POSTed there (empty: download only)."""

EFACTURA_PASSWORD_RESET_LIMIT = environment.positive_int(ENV, "EFACTURA_PASSWORD_RESET_LIMIT", 5)
"""Password-reset requests one client (and one address) may make per hour."""
EFACTURA_API_AUTH_FAILURE_LIMIT = environment.positive_int(
    ENV, "EFACTURA_API_AUTH_FAILURE_LIMIT", 20
)
"""Failed API-key authentications one client may make per 15 minutes before getting 429."""

# Content-Security-Policy (django-csp): only this site's own scripts, styles, images and
# frames; no plug-ins, no framing by other sites, forms post only here.
CONTENT_SECURITY_POLICY: dict[str, dict[str, Any]] = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# VERI*FACTU (efactura.verifactu, docs/verifactu.md).
from efactura.verifactu import config as verifactu_config  # noqa: E402

EFACTURA_VERIFACTU_ENDPOINT = verifactu_config.endpoint(ENV)
EFACTURA_VERIFACTU_PRODUCER_NAME = ENV.get("EFACTURA_VERIFACTU_PRODUCER_NAME", "").strip()
EFACTURA_VERIFACTU_PRODUCER_NIF = ENV.get("EFACTURA_VERIFACTU_PRODUCER_NIF", "").strip()
EFACTURA_VERIFACTU_INSTALLATION = ENV.get("EFACTURA_VERIFACTU_INSTALLATION", "").strip()
EFACTURA_VERIFACTU_CA_FILE = ENV.get("EFACTURA_VERIFACTU_CA_FILE", "").strip()
EFACTURA_VERIFACTU_LEASE_SECONDS = verifactu_config.whole(
    ENV, "EFACTURA_VERIFACTU_LEASE_SECONDS", 300
)
EFACTURA_VERIFACTU_RETRY_SECONDS = verifactu_config.whole(
    ENV, "EFACTURA_VERIFACTU_RETRY_SECONDS", 300
)
EFACTURA_VERIFACTU_SIMULATOR_WAIT = verifactu_config.whole(
    ENV, "EFACTURA_VERIFACTU_SIMULATOR_WAIT", 60
)

# The copy to the AEAT's public e-invoicing solution (efactura.spfe, docs/spfe.md):
# ``simulator`` (default, the local SPFE simulator), a URL, or ``off``.
EFACTURA_SPFE_ENDPOINT = (ENV.get("EFACTURA_SPFE_ENDPOINT", "") or "simulator").strip()
EFACTURA_SPFE_RETRY_SECONDS = environment.positive_int(ENV, "EFACTURA_SPFE_RETRY_SECONDS", 60)

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if environment.flag(ENV, "EFACTURA_BEHIND_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["upgrade-insecure-requests"] = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

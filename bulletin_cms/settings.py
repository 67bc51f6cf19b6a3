"""Settings for bulletin_cms.

Everything comes from environment variables with safe development defaults;
production only hardens (DEBUG=0 turns on the HTTPS flags).
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("BULLETIN_VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default):
    return os.environ.get(name, str(int(default))).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_ckeditor_5",
    "reversion",
    "django_tasks",
    "django_tasks_db",
    "articles",
    "distribution",
]

# Work that leaves the request (mail) runs on Django's task framework (the django-tasks backport of
# Django 6's django.tasks): by default in the database, run by `manage.py db_worker`; with TASKS_REDIS_URL
# (redis://…) on RQ through django-tasks-rq and django-rq, run by `manage.py rqworker --with-scheduler
# --job-class django_tasks_rq.Job`, so several machines share one queue (docs/mail.md).
TASKS_REDIS_URL = os.environ.get("TASKS_REDIS_URL", "")
TASKS = {
    "default": {
        "BACKEND": "django_tasks_rq.RQBackend" if TASKS_REDIS_URL
        else os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    },
}
if TASKS_REDIS_URL:
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {"default": {"URL": TASKS_REDIS_URL}}
    RQ_SHOW_ADMIN_LINK = False  # django-rq's dashboard URLs are not mounted
# Mail: a batch goes over one SMTP connection; a temporary failure is retried this many times, backing off.
BULLETIN_MAIL_ATTEMPTS = int(os.environ.get("BULLETIN_MAIL_ATTEMPTS", "5"))
BULLETIN_MAIL_RETRY_SECONDS = int(os.environ.get("BULLETIN_MAIL_RETRY_SECONDS", "60"))
# A claim on a message older than this was left by a worker that died; the sweep, which the worker runs
# every BULLETIN_MAIL_SWEEP_SECONDS (and deploy/bulletin-mail-sweep.timer every few minutes), sends it.
BULLETIN_MAIL_CLAIM_SECONDS = int(os.environ.get("BULLETIN_MAIL_CLAIM_SECONDS", "600"))
BULLETIN_MAIL_SWEEP_SECONDS = int(os.environ.get("BULLETIN_MAIL_SWEEP_SECONDS", "300"))

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "bulletin_cms.middleware.BadInputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

if not DEBUG:
    # Static files from the app itself in production (collectstatic first); runserver serves them in development.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

# A whole issue is saved in one admin form; a long issue's form is well under 1 MB (Chinese text costs
# 3–9 bytes a character once encoded), so 10 MB leaves room while bounding what one request makes the
# server parse. Past it the user gets a Chinese page (BadInputMiddleware) and nothing is saved.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

ROOT_URLCONF = "bulletin_cms.urls"

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

WSGI_APPLICATION = "bulletin_cms.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers queue (BEGIN IMMEDIATE + busy timeout) instead of failing with "database is locked";
    # this is what serialises concurrent issuing on SQLite, where SELECT ... FOR UPDATE is a no-op.
    # WAL lets readers go on while a writer commits; issuing never holds the write lock while it renders.
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;",
    })
    # Tests run on a database file too, not in memory: SQLite's shared in-memory cache fails a second
    # writer at once instead of queueing it, so concurrency would not be tested as it runs.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # SQLite creates the file, not its folder
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
# The office works in Chinese: no per-browser language negotiation.
LANGUAGES = [("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
# Dates as offices type them: 2026年12月3日, 2026.12.3, 2026-12-3 (bulletin_cms/formats/zh_Hans/formats.py).
FORMAT_MODULE_PATH = ["bulletin_cms.formats"]
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded images (CKEditor) are public media; issued PDFs are not: they live
# in PRIVATE_MEDIA_ROOT and are only ever served through a permission check.
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", VAR_DIR / "private"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Behind nginx, PDF downloads are handed over with X-Accel-Redirect to this
# internal location; empty means Django streams the file itself.
PRIVATE_MEDIA_ACCEL_PREFIX = os.environ.get("PRIVATE_MEDIA_ACCEL_PREFIX", "")
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)

LOGIN_URL = "distribution:login"
LOGIN_REDIRECT_URL = "distribution:home"
LOGOUT_REDIRECT_URL = "distribution:home"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "bulletin@localhost")

# One process-local cache by default. With several workers, set CACHE_URL (redis://…) so cached page
# fragments and sessions are shared. Nothing that must survive eviction lives in the cache: login and
# reset limits are database rows (distribution.throttle).
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- the bulletin -----------------------------------------------------------
# A leader may issue an issue they submitted themselves only if this is on.
BULLETIN_ALLOW_SELF_APPROVAL = env_bool("BULLETIN_ALLOW_SELF_APPROVAL", False)
# Licensed official fonts dropped here are preferred over the free fallbacks.
BULLETIN_FONT_DIR = Path(os.environ.get("BULLETIN_FONT_DIR", VAR_DIR / "fonts"))
# PDF/A variant for issued PDFs (e.g. "pdf/a-3b"); empty for a plain PDF. Off by default until
# the output has been validated with veraPDF (docs/pdf.md).
BULLETIN_PDF_VARIANT = os.environ.get("BULLETIN_PDF_VARIANT", "")
# The render budget: WeasyPrint lays out each PDF in a forked child that is stopped after this many
# seconds (below gunicorn's --timeout 60, so the worker answers with the reason instead of being killed)
# and may grow by at most this many MB. Both 0: render in the worker itself, unbounded.
BULLETIN_RENDER_TIMEOUT = float(os.environ.get("BULLETIN_RENDER_TIMEOUT", "50"))
BULLETIN_RENDER_MEMORY_MB = int(os.environ.get("BULLETIN_RENDER_MEMORY_MB", "1024"))

# Image uploads
# Checked before an image is decoded (articles/content/images.py, docs/pdf.md "Images"). nginx's
# client_max_body_size (deploy/nginx.conf) must stay above the byte limit so the refusal is ours.
BULLETIN_IMAGE_MAX_BYTES = int(os.environ.get("BULLETIN_IMAGE_MAX_MB", "10")) * 2**20
BULLETIN_IMAGE_MAX_PIXELS = int(os.environ.get("BULLETIN_IMAGE_MAX_MEGAPIXELS", "40")) * 1_000_000

# --- rich text (CKEditor 5) -------------------------------------------------
CKEDITOR_5_FILE_STORAGE = "articles.content.storage.ImageStorage"
# What the editor's file picker offers; the upload view checks the decoded format (articles/content/images.py).
CKEDITOR_5_UPLOAD_FILE_TYPES = ["jpeg", "jpg", "png", "gif", "webp"]
CKEDITOR_5_FILE_UPLOAD_PERMISSION = "staff"
CKEDITOR_5_CONFIGS = {
    "default": {
        "language": "zh-cn",
        # What a screen reader names the editing area; without it CKEditor says its root's name, 「main」.
        "label": "正文",
        "toolbar": {
            "items": [
                "heading", "|", "bold", "italic", "|", "alignment", "|",
                "bulletedList", "numberedList", "|",
                "insertTable", "insertImage", "|",
                "undo", "redo",
            ],
        },
        "heading": {
            "options": [
                {"model": "paragraph", "title": "正文", "class": "ck-heading_paragraph"},
                {"model": "heading2", "view": "h2", "title": "一级标题（一、）", "class": "ck-heading_heading2"},
                {"model": "heading3", "view": "h3", "title": "二级标题（（一））", "class": "ck-heading_heading3"},
                {"model": "heading4", "view": "h4", "title": "三级标题（1.）", "class": "ck-heading_heading4"},
            ]
        },
        # The alignments the print layout has: left (justified body text), centred captions, signatures right.
        "alignment": {"options": ["left", "center", "right"]},
        "image": {"toolbar": ["imageTextAlternative"]},
        "table": {"contentToolbar": ["tableColumn", "tableRow", "mergeTableCells"]},
        # CKEditor counts a run of Chinese as one "word": show the character count only (字符数).
        "wordCount": {"displayWords": False},
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # WeasyPrint warns about every unsupported CSS property; keep its errors.
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- production hardening -----------------------------------------------------
# HTTPS=0 only for the embedded demo served on http://127.0.0.1 with DEBUG off (scripts/run.sh).
HTTPS = env_bool("HTTPS", not DEBUG)
# The embedded demo serves uploaded media itself; in production nginx does (deploy/nginx.conf).
SERVE_MEDIA = env_bool("SERVE_MEDIA", DEBUG)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# --- Content-Security-Policy (django-csp; why each source: docs/portal.md) ----
INSTALLED_APPS.append("csp")
MIDDLEWARE.append("csp.middleware.CSPMiddleware")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # CKEditor 5 (django-ckeditor-5's bundle) injects its styles as <style> elements at run time.
        "style-src": ["'self'", "'unsafe-inline'"],
        # data: for images CKEditor shows while they upload and images pasted from Word / WPS.
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

"""Configuration read from the environment.

SLRT_CONFIG picks the class (development, testing, production); DATABASE_URL
overrides the embedded SQLite database in the instance folder.
"""

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("SLRT_INSTANCE_PATH", BASE_DIR / "instance"))


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain PostgreSQL URLs (psycopg2 is not installed)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return normalise_database_url(url)
    return f"sqlite:///{INSTANCE_DIR / 'slrt.db'}"


def _debug_flag() -> bool:
    return os.environ.get("FLASK_DEBUG", "").lower() not in ("", "0", "false", "no")


def _dev_secret_key() -> str:
    """A random key kept in the instance folder, so dev sessions survive restarts."""
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    SECRET_KEY = None  # read from the environment when the app is created
    SQLALCHEMY_DATABASE_URI = None  # idem: DATABASE_URL or the instance SQLite file
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}  # pool_pre_ping for a server database: load_config
    SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "5000"))
    # Folder of pg_dump/pg_restore for `flask backup` (default: PATH, then
    # /usr/lib/postgresql/*/bin).
    SLRT_PG_BIN = os.environ.get("SLRT_PG_BIN", "")

    # The regency this installation serves (Kemendagri code).
    SLRT_KABUPATEN = os.environ.get("SLRT_KABUPATEN", "15.04")
    # Case numbers start with this short prefix, read out over the phone.
    SLRT_CASE_PREFIX = os.environ.get("SLRT_CASE_PREFIX", "BH")

    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = "Asia/Jakarta"

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    MAX_CONTENT_LENGTH = 10 * 1024 * 1024
    # A province's registry export (SIKS-NG) runs to hundreds of MB.
    DTKS_UPLOAD_MAX_BYTES = int(os.environ.get("DTKS_UPLOAD_MAX_MB", "1024")) * 1024 * 1024

    # Where uploaded files live (slrt/platform/storage.py): "database" (default: every
    # app host reaches them, `flask backup` holds them) or "folder" (one host), in
    # SLRT_STORAGE_PATH (default: the instance folder's uploads/).
    SLRT_STORAGE = os.environ.get("SLRT_STORAGE", "database").strip().lower()
    SLRT_STORAGE_PATH = os.environ.get("SLRT_STORAGE_PATH", "")

    PAGE_SIZE = 50

    # Calls of the JSON API per client (or per person's token) in a fixed window
    # (slrt/api/core.py throttle), in the `limits` notation: "300/minute".
    SLRT_API_RATE_LIMIT = os.environ.get("SLRT_API_RATE_LIMIT", "300/minute")
    # Where the counter lives: memory:// is per worker process; redis://host:6379
    # (needs the `redis` package) shares it between gunicorn workers and hosts.
    SLRT_API_RATE_STORAGE = os.environ.get("SLRT_API_RATE_STORAGE", "memory://")

    # Roles whose reports and exports show the full NIK (comma-separated; empty:
    # masked for everyone, the desk opens one NIK at a time, audited).
    SLRT_FULL_NIK_ROLES = tuple(r.strip() for r in os.environ.get("SLRT_FULL_NIK_ROLES", "")
                                .split(",") if r.strip())
    # A session ends after this much idleness, and in any case after the absolute limit.
    SESSION_IDLE_SECONDS = int(os.environ.get("SESSION_IDLE_SECONDS", str(30 * 60)))
    SESSION_ABSOLUTE_SECONDS = int(os.environ.get("SESSION_ABSOLUTE_SECONDS", str(12 * 60 * 60)))

    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host are
    # trusted (nginx on the same machine: 1). 0 ignores the headers: a client
    # could otherwise forge its address in the audit log and the throttling.
    SLRT_PROXY_COUNT = int(os.environ.get("SLRT_PROXY_COUNT", "0"))

    # Reminders and escalation (slrt/notifications). E-mail is sent only when
    # MAIL_SERVER is set, the SMS/WhatsApp webhook only when WEBHOOK_URL is set.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "").lower() in ("1", "true", "yes")
    MAIL_USE_SSL = os.environ.get("MAIL_USE_SSL", "").lower() in ("1", "true", "yes")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "slrt@localhost")
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "10"))
    WEBHOOK_URL = os.environ.get("WEBHOOK_URL", "")
    WEBHOOK_TOKEN = os.environ.get("WEBHOOK_TOKEN", "")
    WEBHOOK_TIMEOUT = float(os.environ.get("WEBHOOK_TIMEOUT", "10"))
    REMINDER_DIGEST_HOUR = int(os.environ.get("REMINDER_DIGEST_HOUR", "8"))  # WIB
    REMINDER_ESCALATE_AFTER_DAYS = int(os.environ.get("REMINDER_ESCALATE_AFTER_DAYS", "3"))
    REMINDER_INTERVAL_MINUTES = int(os.environ.get("REMINDER_INTERVAL_MINUTES", "10"))
    REMINDER_BASE_URL = os.environ.get("REMINDER_BASE_URL", "http://127.0.0.1:5000")
    LOG_LEVEL = os.environ.get("SLRT_LOG_LEVEL", "INFO")  # to stderr (slrt/common/logging.py)
    STATUS_PAGE_ATTEMPTS_PER_MINUTE = int(os.environ.get("STATUS_PAGE_ATTEMPTS_PER_MINUTE", "5"))
    # Wrong codes accepted per case number within the window, from all addresses together.
    STATUS_PAGE_TRIES_PER_CASE = int(os.environ.get("STATUS_PAGE_TRIES_PER_CASE", "10"))
    STATUS_PAGE_CASE_WINDOW_MINUTES = int(os.environ.get("STATUS_PAGE_CASE_WINDOW_MINUTES", "60"))
    # The public address printed on receipts (e.g. https://slrt.batangharikab.go.id); without
    # it, the address the receipt was opened at.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")


class DevelopmentConfig(Config):
    pass


class TestingConfig(Config):
    TESTING = True
    WTF_CSRF_ENABLED = True
    # Still scrypt, with a lower work factor so hundreds of test users stay fast.
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"  # noqa: S105 - a method name, not a secret


class ProductionConfig(Config):
    DEBUG = False
    TESTING = False
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load_config(app, name: str | None = None, overrides: dict | None = None) -> None:
    """Fill app.config from the class named by SLRT_CONFIG and from the environment."""
    name = name or os.environ.get("SLRT_CONFIG", "development")
    try:
        cls = CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"SLRT_CONFIG tidak dikenal: {name!r}") from None
    app.config.from_object(cls)
    app.config["SLRT_CONFIG_NAME"] = name
    app.config["SQLALCHEMY_DATABASE_URI"] = _database_url()
    app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY")
    if overrides:
        app.config.update(overrides)
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(uri)
    if not uri.startswith("sqlite"):
        # A server's connections can drop (restart, idle timeout); a SQLite file cannot,
        # and pinging it would cost a statement on every request.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_pre_ping": True, **app.config["SQLALCHEMY_ENGINE_OPTIONS"]}
    if name == "production" and (app.config.get("DEBUG") or _debug_flag()):
        # `flask run --debug` / FLASK_DEBUG=1 would start Werkzeug's debugger,
        # which runs any Python sent from the browser.
        raise RuntimeError("Mode debug (FLASK_DEBUG) tidak boleh aktif pada konfigurasi produksi.")
    if app.config["SLRT_STORAGE"] not in ("database", "folder"):
        raise RuntimeError(f"SLRT_STORAGE tidak dikenal: {app.config['SLRT_STORAGE']!r} "
                           "(database atau folder).")
    if not app.config["SECRET_KEY"]:
        if name == "production":
            raise RuntimeError(
                "SECRET_KEY wajib diisi lewat variabel lingkungan pada konfigurasi produksi."
            )
        app.config["SECRET_KEY"] = _dev_secret_key()

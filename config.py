"""Configuration classes; secrets and the database URL come from the environment."""

import os
import tempfile
from datetime import date, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def database_url(raw: str | None, default: str) -> str:
    """Return a SQLAlchemy URL, steering PostgreSQL URLs to the psycopg 3 driver."""
    if not raw:
        return default
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    return raw


# Production refuses a SECRET_KEY shorter than this or equal to one written in this repository.
MIN_SECRET_KEY_LENGTH = 32
DEV_SECRET_KEY = "dev-only-not-secret"
TEST_SECRET_KEY = "test-secret-key"
KNOWN_SECRET_KEYS = frozenset({DEV_SECRET_KEY, TEST_SECRET_KEY, "change-me-to-a-long-random-string"})


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL"), f"sqlite:///{INSTANCE_DIR / 'outreach.db'}")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = "Asia/Jakarta"
    LANGUAGES = ("id", "en")
    BABEL_TRANSLATION_DIRECTORIES = ";".join(
        str(p) for p in sorted((BASE_DIR / "outreach").glob("**/translations")) if p.is_dir()
    )
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    # A PUBLIC_BASE_URL on loopback or a private network leads printed QR codes nowhere: True refuses
    # to make flyers, QR images and WhatsApp messages with it (production); False only warns.
    REFUSE_LOCAL_PUBLIC_BASE_URL = False
    # Last day (WIB, YYYY-MM-DD) of the SPI survey round; drives after it get a warning.
    SPI_DEADLINE = date.fromisoformat(os.environ["SPI_DEADLINE"]) if os.environ.get("SPI_DEADLINE") else None
    # Hosts (and their subdomains) survey targets may point to: KPK's SPI survey and JAGA.
    SURVEY_HOST_ALLOWLIST = tuple(
        h.strip().lower()
        for h in os.environ.get("SURVEY_HOST_ALLOWLIST", "spi.kpk.go.id,survei.kpk.go.id,jaga.id").split(",")
        if h.strip()
    )
    # Answer scans of active links in front of Flask (outreach.links.fastpath); off: the Flask view does it.
    SCAN_FAST_PATH = os.environ.get("SCAN_FAST_PATH", "1") != "0"
    # Seconds a scanned link's target is remembered per worker (a deactivation takes effect within it).
    SCAN_LINK_CACHE_SECONDS = float(os.environ.get("SCAN_LINK_CACHE_SECONDS", "5"))
    # Raw scans older than this many days are deleted by `flask scans purge`, after folding them into
    # the daily rollups (dashboards do not change). SPI rounds are yearly: keep a round and a bit.
    SCAN_RETENTION_DAYS = int(os.environ.get("SCAN_RETENTION_DAYS", "400"))
    # How a scan is recorded (outreach.links.journal): "journal" appends it to the process's journal file
    # (a microsecond; the kernel keeps it through a crash of the process) and a drainer copies it into the
    # database within SCAN_JOURNAL_DRAIN_SECONDS; "direct" inserts it before the 302 leaves and keeps it
    # in the journal only when the database refuses. Either way, when one fails the other is tried.
    SCAN_RECORDING = os.environ.get("SCAN_RECORDING", "journal")
    SCAN_JOURNAL_DIR = os.environ.get("SCAN_JOURNAL_DIR", str(INSTANCE_DIR / "scan-journal"))
    # Per process: beyond this many bytes not yet copied (about 90 bytes a visit) the journal refuses.
    SCAN_JOURNAL_MAX_BYTES = int(os.environ.get("SCAN_JOURNAL_MAX_BYTES", str(64 << 20)))
    SCAN_JOURNAL_DRAIN_SECONDS = float(os.environ.get("SCAN_JOURNAL_DRAIN_SECONDS", "1"))
    # /healthz says "degraded" when a visit has waited in the journal longer than this, or the journal's
    # disk has less free space than SCAN_JOURNAL_MIN_FREE_BYTES.
    SCAN_JOURNAL_STALE_SECONDS = float(os.environ.get("SCAN_JOURNAL_STALE_SECONDS", "30"))
    SCAN_JOURNAL_MIN_FREE_BYTES = int(os.environ.get("SCAN_JOURNAL_MIN_FREE_BYTES", str(16 << 20)))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # "Keep me signed in": staff for two weeks; promoters on their own phone (one-time link, or the
    # box ticked) for eight weeks, the length of a survey round's field work. Signing out, "sign out
    # everywhere", a password change or a new one-time link end every such cookie at once.
    REMEMBER_COOKIE_NAME = "remember_token"
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    PROMOTER_REMEMBER_DAYS = 56
    # One-time sign-in links that coordinators send promoters through WhatsApp: hours they stay valid.
    SIGN_IN_LINK_HOURS = 72
    RATELIMIT_SIGN_IN_LINK = os.environ.get("RATELIMIT_SIGN_IN_LINK", "10 per minute;60 per hour")
    MAX_CONTENT_LENGTH = 5 * 1024 * 1024
    WTF_CSRF_TIME_LIMIT = None
    # Security headers (Flask-Talisman): plain http outside production so local runs and tests work.
    FORCE_HTTPS = False
    HSTS_ENABLED = False
    # Client address as seen through this many reverse proxies (X-Forwarded-For/-Proto); 0 = none.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    # Rate limits (Flask-Limiter): in memory per process by default; a redis:// URI shares them
    # between gunicorn workers and instances. Keys are keyed hashes of the client address.
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
    RATELIMIT_KEY_PREFIX = "outreach"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_LOGIN = os.environ.get("RATELIMIT_LOGIN", "10 per minute;60 per hour")
    # Scans above this, by one visitor (address + user agent) of one link, are stored flagged as
    # automated, never refused. The key is one browser build behind one address, so it is shared by
    # people only when they have the same phone and browser version and the same carrier (CGNAT)
    # address and scan the same tautan: since Chrome's reduced user agent that is every Chrome-Android
    # user of one version, so the crowd at the biggest kegiatan sosialisasi (a few hundred people, spread
    # over several browsers, carrier addresses and minutes) must stay under it. A person who reloads a
    # tautan that is slow to open does it a handful of times a minute; a refresh loop or a script runs
    # at a request a second or faster, hundreds an hour. So: 60 a minute catches anything at one a
    # second, and 600 an hour a slower loop (10 a minute for an hour) that no person and no crowd of
    # identical browsers behind one address reaches on one tautan.
    RATELIMIT_SCAN = os.environ.get("RATELIMIT_SCAN", "60 per minute;600 per hour")
    # Typed codes (/kode) per client address; over it the entry is refused (429), which keeps anyone
    # from walking the code space; generous, since many phones share one carrier (CGNAT) address.
    RATELIMIT_CODE = os.environ.get("RATELIMIT_CODE", "120 per minute")
    # The public link check (/cek): per client, generous for many phones behind one carrier address.
    RATELIMIT_CHECK = os.environ.get("RATELIMIT_CHECK", "60 per minute;600 per hour")
    RATELIMIT_IMPORT = os.environ.get("RATELIMIT_IMPORT", "30 per hour")
    RATELIMIT_API = os.environ.get("RATELIMIT_API", "300 per minute")
    # Public participation board (/papan): cached per worker for BOARD_CACHE_SECONDS (and by browsers and
    # proxies as long), pages reload themselves every BOARD_REFRESH_SECONDS, counts below
    # BOARD_MIN_COUNT are shown as "< BOARD_MIN_COUNT" so no small group of respondents stands out.
    BOARD_CACHE_SECONDS = int(os.environ.get("BOARD_CACHE_SECONDS", "60"))
    BOARD_REFRESH_SECONDS = int(os.environ.get("BOARD_REFRESH_SECONDS", "120"))
    BOARD_MIN_COUNT = int(os.environ.get("BOARD_MIN_COUNT", "5"))
    # Integrity signals (coordinators' page; nothing is ever blocked): look back this many WIB days;
    # one visitor scanning one link this often in a day; an hour with at least BURST_SCANS scans and
    # BURST_FACTOR times the link's usual hourly pace; NIGHT_SCANS or more scans of a link between
    # NIGHT_START and NIGHT_END (WIB hours, end exclusive); a link with DEVICE_SCANS or more scans of
    # which DEVICE_SHARE come from one device class (QR scans come from phones, so "mobile" is ignored).
    INTEGRITY_LOOKBACK_DAYS = 14
    INTEGRITY_REPEAT_SCANS = 10
    INTEGRITY_BURST_SCANS = 30
    INTEGRITY_BURST_FACTOR = 5.0
    INTEGRITY_NIGHT_START = 0
    INTEGRITY_NIGHT_END = 5
    INTEGRITY_NIGHT_SCANS = 3
    INTEGRITY_DEVICE_SCANS = 20
    INTEGRITY_DEVICE_SHARE = 0.95
    INTEGRITY_DEVICE_IGNORE = ("mobile",)
    # Lockout after repeated failed sign-ins (outreach.auth.throttle): LOGIN_MAX_FAILURES wrong passwords
    # in a row from one client lock the account for that client only, for LOGIN_LOCKOUT_MINUTES doubled
    # with each further lock (at most LOGIN_MAX_LOCKOUT_MINUTES); LOGIN_ACCOUNT_MAX_FAILURES wrong
    # passwords from all clients together lock the account for every client it never signed in from.
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCKOUT_MINUTES = 15
    LOGIN_MAX_LOCKOUT_MINUTES = 24 * 60
    LOGIN_ACCOUNT_MAX_FAILURES = 50


class DevConfig(Config):
    """Local development on the embedded SQLite database."""

    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)


class TestConfig(Config):
    """Tests: PostgreSQL when TEST_DATABASE_URL is set, else a temporary SQLite file."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = TEST_SECRET_KEY
    SQLALCHEMY_DATABASE_URI = database_url(
        os.environ.get("TEST_DATABASE_URL"),
        f"sqlite:///{Path(tempfile.mkdtemp(prefix='outreach-test-')) / 'test.db'}",
    )
    PUBLIC_BASE_URL = "https://spi.example.test"
    SCAN_LINK_CACHE_SECONDS = 0
    # Tests read a scan right after its request: inserted at once, the journal only as the fallback,
    # drained when a test says so.
    SCAN_RECORDING = "direct"
    SCAN_JOURNAL_DIR = str(Path(tempfile.mkdtemp(prefix="outreach-test-journal-")))
    SCAN_JOURNAL_DRAIN_SECONDS = 0


class ProdConfig(Config):
    """Production behind gunicorn: secure cookies, secrets required."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    FORCE_HTTPS = os.environ.get("FORCE_HTTPS", "1") != "0"
    HSTS_ENABLED = True
    REFUSE_LOCAL_PUBLIC_BASE_URL = True


CONFIGS = {"development": DevConfig, "testing": TestConfig, "production": ProdConfig}


def config_from_env() -> type[Config]:
    """Pick the config class named by OUTREACH_ENV (development by default)."""
    name = os.environ.get("OUTREACH_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise ValueError(f"OUTREACH_ENV must be one of {', '.join(CONFIGS)}, not {name!r}") from None

"""One configuration, read from HCR_* environment variables; a test configuration beside it."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _int(name, default):
    return int(os.environ.get(name, default))


class Config:
    """Production defaults. Every setting can be changed with an HCR_ environment variable."""

    def __init__(self):
        env = os.environ.get
        self.SECRET_KEY = env("HCR_SECRET_KEY")
        self.MODELS_DIR = Path(env("HCR_MODELS_DIR", ROOT / "models"))
        self.DEFAULT_MODEL = env("HCR_DEFAULT_MODEL", "emnist-byclass")
        # Empty: SQLite file `shares.sqlite3` in the instance folder.
        self.DATABASE_URL = env("HCR_DATABASE_URL", "")
        self.MAX_CONTENT_LENGTH = _int("HCR_MAX_UPLOAD_MB", 10) * 1024 * 1024
        self.RATELIMIT_STORAGE_URI = env("HCR_RATELIMIT_STORAGE_URI", "memory://")
        self.RATELIMIT_ENABLED = env("HCR_RATELIMIT_ENABLED", "1") != "0"
        self.PREDICT_RATE_LIMIT = env("HCR_PREDICT_RATE_LIMIT", "120/minute")
        self.SHARE_RATE_LIMIT = env("HCR_SHARE_RATE_LIMIT", "20/minute")
        # Public base URL for share links and Open Graph tags behind a proxy, e.g.
        # https://hcr.example.org; empty: taken from the request.
        self.PUBLIC_URL = env("HCR_PUBLIC_URL", "").rstrip("/")
        # Proxies in front of the app (a load balancer: 1) whose X-Forwarded-* headers to trust,
        # so rate limits see the client's address rather than the proxy's.
        self.PROXY_COUNT = _int("HCR_PROXY_COUNT", 0)
        self.SHARE_IMAGE_MAX_SIDE = _int("HCR_SHARE_IMAGE_MAX_SIDE", 512)
        self.TESTING = False


class TestConfig(Config):
    __test__ = False  # not a pytest test class

    def __init__(self, **overrides):
        super().__init__()
        self.TESTING = True
        self.SECRET_KEY = "test"
        self.RATELIMIT_ENABLED = False
        for key, value in overrides.items():
            setattr(self, key, value)

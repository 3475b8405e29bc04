"""The hcr web app: create_app() builds it, gunicorn serves it (see gunicorn.conf.py)."""

import logging
import os
import secrets
import sys
from pathlib import Path

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

# Rate limits per client address; the limits themselves come from the configuration.
limiter = Limiter(key_func=get_remote_address)

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'")


def _configure_logging(app):
    # One line per event on stdout; gunicorn adds one access line per request.
    if not app.testing and not logging.getLogger().handlers:
        logging.basicConfig(stream=sys.stdout, level=logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def create_app(config=None):
    """config: None (from the environment), a Config object, or a dict of overrides."""
    from webapp.config import Config

    app = Flask(__name__, instance_relative_config=True,
                instance_path=os.environ.get("HCR_INSTANCE_PATH") or None)
    base = config if isinstance(config, Config) else Config()
    app.config.from_object(base)
    if isinstance(config, dict):
        app.config.update(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config["SECRET_KEY"]:
        if os.environ.get("HCR_ENV") == "production":
            raise RuntimeError("HCR_SECRET_KEY must be set in production")
        app.config["SECRET_KEY"] = secrets.token_hex(32)  # per process; nothing relies on it
    _configure_logging(app)
    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

    from webapp.models import ModelRegistry
    from webapp.store import ShareStore

    app.extensions["hcr.models"] = ModelRegistry(app.config["MODELS_DIR"],
                                                 app.config["DEFAULT_MODEL"])
    database_url = app.config["DATABASE_URL"] or \
        f"sqlite:///{Path(app.instance_path) / 'shares.sqlite3'}"
    app.extensions["hcr.shares"] = ShareStore(database_url)
    limiter.init_app(app)
    if not app.testing and app.extensions["hcr.models"].default_name():
        app.extensions["hcr.models"].recognizer()  # load now, not on the first request

    from webapp import api, dashboard, errors, pages, shares
    for blueprint in (pages.bp, api.bp, shares.bp, dashboard.bp):
        app.register_blueprint(blueprint)
    errors.register(app)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    return app

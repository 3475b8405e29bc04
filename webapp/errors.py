"""Every error the app can answer, mapped to one status code in one place.

API calls (/api/..., /healthz) get JSON `{"error": "..."}`; pages get the error page. Never
a stack trace, never an HTML error for an API call.
"""

import logging

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from hcr.charset import UnknownCharset
from hcr.imageio import (BadDataURL, CorruptImage, EmptyInput, ImageError, NoInk, TooLarge,
                         UnsupportedImage)
from webapp.models import ModelUnavailable

log = logging.getLogger(__name__)


class InvalidRequest(ValueError):
    """A request whose shape is wrong (missing field, wrong type); the message says how."""


STATUS = {
    InvalidRequest: 400,
    UnknownCharset: 400,
    EmptyInput: 400,
    BadDataURL: 400,
    CorruptImage: 400,
    UnsupportedImage: 415,
    TooLarge: 413,
    NoInk: 422,
    ModelUnavailable: 503,
}


def status_of(error):
    for kind, status in STATUS.items():
        if isinstance(error, kind):
            return status
    return 400


def wants_json():
    return request.path.startswith("/api/") or request.path == "/healthz"


def error_response(message, status):
    if wants_json():
        return jsonify(error=message), status
    return render_template("error.html", message=message, status=status), status


def register(app):
    @app.errorhandler(ImageError)
    @app.errorhandler(InvalidRequest)
    @app.errorhandler(UnknownCharset)
    @app.errorhandler(ModelUnavailable)
    def known_error(error):
        return error_response(str(error), status_of(error))

    @app.errorhandler(HTTPException)
    def http_error(error):
        messages = {
            404: "not found",
            405: f"method {request.method} is not allowed here",
            413: f"the upload is larger than the {app.config['MAX_CONTENT_LENGTH'] // 2**20} MB "
                 "limit",
            429: f"too many requests: {error.description}; wait a moment and try again",
        }
        message = messages.get(error.code, error.description or error.name)
        response = error_response(message, error.code)
        if error.code == 429 and getattr(error, "retry_after", None):
            response[0].headers["Retry-After"] = str(error.retry_after)
        return response

    @app.errorhandler(Exception)
    def unexpected_error(error):
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response("internal error: the server could not handle this request", 500)

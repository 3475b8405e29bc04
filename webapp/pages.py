"""HTML pages: / (draw), /upload (also a plain form POST without JavaScript)."""

from flask import Blueprint, render_template

from hcr.charset import CHARSETS
from hcr.imageio import ImageError
from webapp.errors import InvalidRequest, status_of
from webapp.recognition import image_bytes, options, recognise, registry, result_json

bp = Blueprint("pages", __name__)

CHARSET_NAMES = {"any": "Any character", "digits": "Digits 0-9", "upper": "Uppercase A-Z",
                 "lower": "Lowercase a-z", "letters": "Letters A-z"}
assert set(CHARSET_NAMES) == set(CHARSETS)


@bp.get("/")
def draw():
    return render_template("draw.html", charsets=CHARSET_NAMES,
                           model=registry().default_name())


@bp.get("/upload")
def upload():
    return render_template("upload.html", charsets=CHARSET_NAMES, charset="any",
                           model=registry().default_name())


@bp.post("/upload")
def upload_post():
    """Without JavaScript the form posts here and gets the same page with the result."""
    charset = "any"
    try:
        top, charset = options()
        prediction, _, model_name = recognise(image_bytes(), top, charset)
    except (ImageError, InvalidRequest) as error:
        return render_template("upload.html", charsets=CHARSET_NAMES, charset=charset,
                               error=str(error), model=registry().default_name()), \
            status_of(error)
    return render_template("upload.html", charsets=CHARSET_NAMES, charset=charset,
                           result=result_json(prediction, model_name), model=model_name)

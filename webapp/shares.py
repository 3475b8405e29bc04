"""Share links: POST /api/shares, GET/DELETE /api/shares/<id>, the page /s/<id> and its images."""

import io

import numpy as np
import segno
from flask import (Blueprint, Response, abort, current_app, jsonify, render_template, request,
                   url_for)
from PIL import Image

from hcr import imageio, preprocess
from webapp import limiter
from webapp.recognition import image_bytes, options, recognise

bp = Blueprint("shares", __name__)


def store():
    return current_app.extensions["hcr.shares"]


def public_url(endpoint, **values):
    base = current_app.config["PUBLIC_URL"]
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def stored_image(pixels):
    """The submitted picture, decoded and re-encoded as PNG at most SHARE_IMAGE_MAX_SIDE wide:
    nothing the user sent is ever stored or served as sent."""
    image = Image.fromarray(pixels)
    side = current_app.config["SHARE_IMAGE_MAX_SIDE"]
    image.thumbnail((side, side), Image.Resampling.LANCZOS)
    return imageio.encode_png(np.asarray(image))


def share_json(share):
    return {
        "id": share.id,
        "url": public_url("shares.page", share_id=share.id),
        "char": share.char,
        "confidence": share.confidence,
        "top": share.top,
        "charset": share.charset,
        "model": share.model,
        "created": share.created_at.isoformat(),
        "image_url": public_url("shares.image", share_id=share.id),
        "input_url": public_url("shares.model_input", share_id=share.id),
    }


def get_or_404(share_id):
    share = store().get(share_id)
    if share is None:
        abort(404)
    return share


@bp.post("/api/shares")
@limiter.limit(lambda: current_app.config["SHARE_RATE_LIMIT"])
def create():
    """Recognise the image again here, so a share always shows the model's own answer."""
    data = image_bytes()
    top, charset = options()
    prediction, pixels, model_name = recognise(data, max(top, 5), charset)
    share_id, delete_token = store().create(
        model=model_name, char=prediction.char, confidence=prediction.confidence,
        top=prediction.top, charset=charset, image_png=stored_image(pixels),
        input_png=imageio.encode_png(preprocess.as_pixels(prediction.model_input)))
    body = share_json(store().get(share_id))
    body["delete_url"] = public_url("shares.delete_page", share_id=share_id, token=delete_token)
    return jsonify(body), 201


@bp.get("/api/shares/<share_id>")
def get_api(share_id):
    return jsonify(share_json(get_or_404(share_id)))


@bp.delete("/api/shares/<share_id>")
def delete_api(share_id):
    token = request.args.get("token") or request.headers.get("X-Delete-Token", "")
    if not store().delete(share_id, token):
        abort(404)
    return jsonify(deleted=share_id)


@bp.route("/s/<share_id>/delete", methods=["GET", "POST"])
def delete_page(share_id):
    """The creator's secret link: a confirmation page, then a POST that deletes."""
    token = request.values.get("token", "")
    if request.method == "POST":
        if not store().delete(share_id, token):
            abort(404)
        return render_template("deleted.html")
    return render_template("delete.html", share=get_or_404(share_id), token=token)


@bp.get("/s/<share_id>")
def page(share_id):
    share = get_or_404(share_id)
    return render_template("share.html", share=share, share_url=public_url(
        "shares.page", share_id=share.id), image_url=public_url(
        "shares.image", share_id=share.id))


def _png(data):
    response = Response(data, mimetype="image/png")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.get("/s/<share_id>/image.png")
def image(share_id):
    return _png(get_or_404(share_id).image_png)


@bp.get("/s/<share_id>/input.png")
def model_input(share_id):
    return _png(get_or_404(share_id).input_png)


@bp.get("/s/<share_id>/qr.svg")
def qr(share_id):
    share = get_or_404(share_id)
    buffer = io.BytesIO()
    segno.make(public_url("shares.page", share_id=share.id), error="m").save(
        buffer, kind="svg", scale=6, border=2, xmldecl=False)
    response = Response(buffer.getvalue(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response

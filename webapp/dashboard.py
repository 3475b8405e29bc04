"""/dashboard/<model>: how good each shipped model is, from its stored metrics.json."""

from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for

from webapp.recognition import registry

bp = Blueprint("dashboard", __name__)

SORT_KEYS = ("char", "precision", "recall", "f1", "support")


@bp.get("/dashboard")
def index():
    chosen = request.args.get("model")
    name = chosen if chosen and registry().exists(chosen) else registry().default_name()
    if name is None:
        abort(404)
    return redirect(url_for("dashboard.model", name=name))


@bp.get("/dashboard/<name>")
def model(name):
    reg = registry()
    metrics = reg.metrics(name)
    if metrics is None:
        abort(404)
    sort = request.args.get("sort", "f1")
    sort = sort if sort in SORT_KEYS else "f1"
    # Worst first for the scores, so the classes to look at are on top without JavaScript.
    classes = sorted(metrics["per_class"], key=lambda c: c[sort],
                     reverse=sort == "support")
    return render_template("dashboard.html", name=name, names=reg.names(), metrics=metrics,
                           training=reg.training(name) or {}, classes=classes, sort=sort,
                           realworld=metrics.get("realworld"))


@bp.get("/models/<name>/<filename>")
def model_file(name, filename):
    path = registry().public_file(name, filename)
    if path is None:
        abort(404)
    return send_file(path, max_age=3600)

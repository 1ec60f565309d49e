"""The OpenAPI document and a docs page (Swagger UI vendored under static/vendor, no inline script)."""

from flask import Blueprint, current_app, jsonify, render_template

from outreach.auth.decorators import public

bp = Blueprint("api_docs", __name__)


@bp.route("/openapi.json")
@public
def openapi_json():
    """The OpenAPI 3 document generated from the API's code."""
    return jsonify(current_app.extensions["outreach_api"].spec.to_dict())


@bp.route("/docs")
@public
def docs():
    """Swagger UI over the OpenAPI document."""
    return render_template("api/docs.html")

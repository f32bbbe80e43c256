"""Signing in and out, professionals registering, confirming email and resetting passwords."""

from flask import Blueprint

auth = Blueprint("auth", __name__)

from app.auth import views  # noqa: E402,F401  (registers the routes)

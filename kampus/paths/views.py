"""Paths pages."""

from flask import Blueprint

bp = Blueprint("paths", __name__)

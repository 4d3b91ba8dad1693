"""Auth pages (placeholder until accounts exist)."""

from flask import Blueprint

from kampus.extensions import login_manager

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(user_id: str):
    return None

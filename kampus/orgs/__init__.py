"""Orgs feature."""

"""Paths feature."""

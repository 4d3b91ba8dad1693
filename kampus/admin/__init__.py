"""Admin feature."""

"""Progress feature."""

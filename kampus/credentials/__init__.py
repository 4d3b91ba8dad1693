"""Open Badges 3.0 verifiable credentials for completed modules and paths."""

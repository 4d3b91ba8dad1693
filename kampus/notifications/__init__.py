"""In-app notifications: what happened to a person (an assignment, a recognition decision, a reminder)."""

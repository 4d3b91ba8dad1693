"""Path templates and assignments: organisations give paths to teams and people with due dates."""

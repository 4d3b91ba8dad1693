"""The catalogue as CASE 1.0 (IMS Competencies and Academic Standards Exchange)."""

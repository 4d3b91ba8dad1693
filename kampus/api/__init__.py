"""The REST API v1 under ``/api/v1`` (OpenAPI 3.1 at ``/api/v1/openapi.json``) and its tokens."""

"""JSON API (/api/v1) with bearer tokens, problem+json errors and an OpenAPI 3 document."""

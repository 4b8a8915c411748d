"""The JSON API v1 (`/api/v1/`), its personal access tokens and OpenAPI document, and the
Atom feeds: thin over the domains' services and the same access policy as the pages."""

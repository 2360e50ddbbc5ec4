"""/api/v1/: the REST API, documented by its own OpenAPI schema."""

urlpatterns: list = []

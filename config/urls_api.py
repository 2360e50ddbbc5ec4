"""/api/v1/: the REST API, documented by its own OpenAPI schema (JSON; `?format=yaml` for YAML),
readable as Swagger UI at /api/v1/docs/, served from the project's own static files (ReDoc's
page asks a font CDN, so it is not offered)."""

from django.urls import include, path
from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiYamlRenderer
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularSwaggerSplitView,
)
from rest_framework.routers import SimpleRouter

from graduasi.api import ProposalViewSet
from graduasi.dashboard.api import DashboardView, PendampingTableView

app_name = "api"

router = SimpleRouter()
router.register("proposals", ProposalViewSet, basename="proposal")

urlpatterns = [
    path(
        "schema/",
        SpectacularAPIView.as_view(renderer_classes=[OpenApiJsonRenderer, OpenApiYamlRenderer]),
        name="schema",
    ),
    # The split view serves its script as a file; the page template has no inline style either.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="api/swagger_ui.html"
        ),
        name="docs",
    ),
    path("dashboard/", DashboardView.as_view(), name="dashboard"),
    path("dashboard/pendamping/", PendampingTableView.as_view(), name="dashboard-pendamping"),
    *router.urls,
    path("", include("graduasi.agency.urls")),
    path("", include("pemberdayaan.urls_api")),
    path("", include("kpm.urls_api")),
]

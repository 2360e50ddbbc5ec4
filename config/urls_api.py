"""/api/v1/: the REST API, documented by its own OpenAPI schema (JSON; `?format=yaml` for YAML)."""

from django.urls import path
from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiYamlRenderer
from drf_spectacular.views import SpectacularAPIView
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
    path("dashboard/", DashboardView.as_view(), name="dashboard"),
    path("dashboard/pendamping/", PendampingTableView.as_view(), name="dashboard-pendamping"),
    *router.urls,
]

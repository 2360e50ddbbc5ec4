"""API routes of this part, included under /api/v1/ by config/urls_api.py."""

from rest_framework.routers import SimpleRouter

from kpm.api import KpmViewSet

router = SimpleRouter()
router.register("kpm", KpmViewSet, basename="kpm")

urlpatterns = router.urls

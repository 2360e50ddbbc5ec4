"""URLs of the dashboards, their exports and the monthly kabupaten report."""

from django.urls import path, register_converter

from graduasi.dashboard.areas import REGION_CODE
from graduasi.views import dashboard, dashboard_exports


class RegionCodeConverter:
    """A provinsi, kabupaten or kecamatan code: 35, 35.71, 35.71.01."""

    regex = REGION_CODE.pattern

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(RegionCodeConverter, "region")

app_name = "dasbor"

urlpatterns = [
    path("", dashboard.home, name="home"),
    path("nasional/", dashboard.nation, name="nation"),
    path("wilayah/<region:code>/", dashboard.region, name="region"),
    path("pendamping/<int:pk>/", dashboard.pendamping, name="pendamping"),
    path("proses/<int:pk>/", dashboard.run_record, name="run"),
    path("ekspor/<slug:table>.<slug:fmt>", dashboard_exports.export, name="export"),
    path("laporan/<region:code>/", dashboard_exports.report, name="report"),
]

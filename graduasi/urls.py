"""URLs for graduation proposals (pendamping and Dinsos)."""

app_name = "usulan"

urlpatterns: list = []

"""URLs for exits and the waiting list with its quota."""

app_name = "kepesertaan"

urlpatterns: list = []

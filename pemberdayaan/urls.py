"""URLs for referrals, follow-ups and the at-risk list."""

app_name = "pemberdayaan"

urlpatterns: list = []

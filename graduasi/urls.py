"""URLs for graduation proposals (pendamping and Dinsos)."""

from django.urls import path

from graduasi.views import proposals, queue

app_name = "usulan"

urlpatterns = [
    path("", queue.queue, name="queue"),
    path("saya/", proposals.mine, name="mine"),
    path("baru/<str:kpm_id>/", proposals.create, name="create"),
    path("<int:pk>/", proposals.detail, name="detail"),
    path("<int:pk>/ubah/", proposals.edit, name="edit"),
    path("<int:pk>/surat/", proposals.statement, name="statement"),
    path("<int:pk>/lampirkan/", proposals.attach, name="attach"),
    path("<int:pk>/ajukan/", proposals.submit, name="submit"),
    path("<int:pk>/tarik/", proposals.withdraw, name="withdraw"),
    path("<int:pk>/setujui/", proposals.approve, name="approve"),
    path("<int:pk>/tolak/", proposals.reject, name="reject"),
    path("<int:pk>/kembalikan/", proposals.return_, name="return"),
]

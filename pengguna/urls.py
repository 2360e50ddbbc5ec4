from django.urls import path

from pengguna import views

urlpatterns = [
    path("", views.home, name="home"),
    path("masuk/", views.LoginView.as_view(), name="login"),
    path("keluar/", views.LogoutView.as_view(), name="logout"),
    path("pemberitahuan/", views.notices, name="pengguna_notices"),
]

from django.urls import path

from pengguna import views, views_auth

urlpatterns = [
    path("", views.home, name="home"),
    path("masuk/", views_auth.LoginView.as_view(), name="login"),
    path("masuk/otp/", views_auth.otp_verify, name="otp_verify"),
    path("masuk/otp/daftar/", views_auth.otp_enrol, name="otp_enrol"),
    path("keluar/", views_auth.LogoutView.as_view(), name="logout"),
    path("pemberitahuan/", views.notices, name="pengguna_notices"),
]

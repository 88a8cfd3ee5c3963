"""The user's own page at /account/ (mounted in luoshi/urls.py): tokens, second factor."""

from django.urls import path

from . import views

app_name = "account"
urlpatterns = [
    path("", views.account, name="page"),
    path("tokens/new/", views.token_new, name="token_new"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("second-factor/start/", views.otp_start, name="otp_start"),
    path("second-factor/confirm/", views.otp_confirm, name="otp_confirm"),
    path("second-factor/remove/", views.otp_remove, name="otp_remove"),
    path("verify/", views.verify, name="verify"),
]

"""Pages of the workspace at the site root: the desk, matters, and sign-in.

The sign-in pages live here because this app is mounted at "" (luoshi/urls.py):
/login/, /logout/, /password/ and the language switch /i18n/setlang/.
"""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy
from django.views.i18n import set_language

from .views import backlog, desk, detail, lists, register

app_name = "matters"
urlpatterns = [
    path("", desk.desk, name="desk"),
    path("matters/", lists.matter_list, name="list"),
    path("matters/export.csv", lists.matter_export, name="export"),
    path("matters/backlog/", backlog.office_backlog, name="backlog"),
    path("matters/hasten/", lists.bulk_hasten, name="bulk_hasten"),
    path("matters/new/", register.register, name="register"),
    path("matters/<int:pk>/", detail.matter_detail, name="detail"),
    path("matters/<int:pk>/decompose/", register.decompose, name="decompose"),
    path("matters/<int:pk>/act/<str:verb>/", detail.matter_action, name="action"),
    path("attachments/<int:pk>/", detail.attachment_download, name="attachment"),
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True, next_page="/"),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page="/login/"), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(
            success_url=reverse_lazy("matters:password_change_done")
        ),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("i18n/setlang/", set_language, name="set_language"),
]

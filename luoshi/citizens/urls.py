from django.urls import path

from . import views

app_name = "citizens"
urlpatterns = [
    path("", views.request_list, name="list"),
    path("new/", views.request_form, name="new"),
    path("t/<str:token>/", views.track, name="track"),
    path("t/<str:token>/<str:verb>/", views.track_action, name="track_action"),
    path("intake/", views.intake, name="intake"),
    path("suggest/", views.suggestions, name="suggest"),
    path("<int:pk>/", views.request_detail, name="detail"),
    path("<int:pk>/act/<str:verb>/", views.request_action, name="action"),
    path("<int:pk>/photos/<int:photo_pk>/", views.photo, name="photo"),
    path("hotspots/", views.hotspots, name="hotspots"),
    path("hotspots/panel/", views.hotspots_panel, name="hotspots_panel"),
    path("templates/", views.reply_templates, name="templates"),
    path("dispatch/", views.dispatch_model, name="dispatch"),
]

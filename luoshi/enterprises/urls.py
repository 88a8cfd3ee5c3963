from django.urls import path

from . import views

app_name = "enterprises"
urlpatterns = [
    path("", views.enterprise_list, name="list"),
    path("<int:pk>/", views.enterprise_detail, name="detail"),
    path("<int:pk>/act/<str:verb>/", views.enterprise_action, name="action"),
    path("whitelist/<int:pk>/<str:verb>/", views.whitelist_action, name="whitelist"),
    path("problems/", views.problem_list, name="problems"),
    path("problems/<int:pk>/", views.problem_detail, name="problem"),
    path("problems/<int:pk>/act/<str:verb>/", views.problem_action, name="problem_action"),
    path("service-days/", views.service_days, name="service_days"),
    path("figures/", views.figures, name="figures"),
    path("e/<str:token>/", views.public_page, name="public"),
    path("e/<str:token>/rate/<int:pk>/", views.public_rate, name="public_rate"),
]

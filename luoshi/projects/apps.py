from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "luoshi.projects"
    label = "projects"

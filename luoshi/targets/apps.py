from django.apps import AppConfig


class TargetsConfig(AppConfig):
    name = "luoshi.targets"
    label = "targets"

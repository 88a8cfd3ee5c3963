from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "luoshi.evaluation"
    label = "evaluation"

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "luoshi.assessments"
    label = "assessments"
    verbose_name = _("Ratings (五星支部, 三零)")

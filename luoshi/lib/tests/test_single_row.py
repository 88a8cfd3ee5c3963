import pytest
from django.db import models

from luoshi.enterprises.models import EnterprisePolicy
from luoshi.matters.models import Policy
from luoshi.projects.models import ProjectPolicy


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Policy, EnterprisePolicy, ProjectPolicy])
def test_current_creates_the_one_row_once_and_then_reads_it(model):
    first = model.current()
    assert first.pk == 1
    number = next(f for f in model._meta.fields if isinstance(f, models.PositiveSmallIntegerField))
    model.objects.filter(pk=1).update(**{number.name: 9})
    again = model.current()
    assert model.objects.count() == 1
    assert getattr(again, number.name) == 9

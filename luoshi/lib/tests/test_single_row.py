import pytest

from luoshi.enterprises.models import EnterprisePolicy
from luoshi.matters.models import Policy
from luoshi.projects.models import ProjectPolicy


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Policy, EnterprisePolicy, ProjectPolicy])
def test_current_creates_the_one_row_once_and_then_reads_it(model):
    first = model.current()
    assert first.pk == 1
    model.objects.filter(pk=1).update(**{model._meta.fields[1].name: 9})
    again = model.current()
    assert model.objects.count() == 1
    assert getattr(again, model._meta.fields[1].name) == 9

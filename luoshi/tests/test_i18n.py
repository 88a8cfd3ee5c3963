"""Chinese is the default language; English is one Accept-Language away."""

import pytest
from django.utils import translation

from luoshi.matters.models import MatterWarning, State


def test_labels_are_translated_to_chinese():
    with translation.override("zh-hans"):
        assert str(State.COMPLETION_REQUESTED.label) == "已申请办结"
        assert str(MatterWarning.STALLED.label) == "久拖未动"
    with translation.override("en"):
        assert str(MatterWarning.STALLED.label) == "Stalled"


@pytest.mark.django_db
def test_api_error_follows_accept_language(client, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    chinese = client.get("/api/matters/999999")
    english = client.get("/api/matters/999999", HTTP_ACCEPT_LANGUAGE="en")
    assert chinese.status_code == english.status_code == 401
    assert chinese.json()["code"] == english.json()["code"]
    assert chinese.json()["message"] != english.json()["message"]

"""The hazard page and the self-assessment form in a real browser (htmx, file inputs, the
inputs of the criteria table that belong to the form by their `form` attribute)."""

from __future__ import annotations

import struct
import zlib

import pytest
from django.utils import timezone

from luoshi.assessments.models import Assessment, AssessmentState
from luoshi.assessments.tests.helpers import add_village, open_cycle
from luoshi.hazards.models import Hazard, HazardStatus
from luoshi.hazards.tests.helpers import assigned, rectified
from luoshi.testing import the_city

pytestmark = pytest.mark.django_db(transaction=True)


def site_photo(width: int = 160, height: int = 120) -> bytes:
    """A real PNG (a grey-green gradient) so the page shows a picture, not a broken one."""
    rows = b"".join(
        b"\x00" + bytes(v for x in range(width) for v in (90 + x // 4, 120 + y // 3, 90))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def expect():
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


def act_on_hazard(session, verb: str, **fields) -> None:
    """Open the action on the hazard page, fill it (by field name), submit, wait for htmx."""
    page = session.page
    details = page.locator(f"#act-{verb}")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    form = details.locator("form")
    for name, value in fields.items():
        control = form.locator(f"[name='{verb}-{name}']")
        tag = control.evaluate("e => e.tagName.toLowerCase()")
        if tag == "select":
            control.select_option(str(value))
        elif control.get_attribute("type") == "file":
            control.set_input_files(value)
        else:
            control.fill(str(value))
    with page.expect_response(lambda r: f"/act/{verb}/" in r.url):
        form.locator("button[type=submit]").click()
    page.wait_for_selector("#hazard .messages li, #hazard .errorlist")


def test_verification_refused_then_passed_on_the_hazard_page(session, tmp_path):
    city = the_city()
    hazard = rectified(city, assigned(city, title="农贸市场消防通道被摊位占用"))
    page = session.page
    shot = tmp_path / "现场.png"
    shot.write_bytes(site_photo())

    session.login("other_handler")  # 市商务局, named to verify
    session.go(f"/hazards/{hazard.pk}/")
    act_on_hazard(session, "verify", passed="0", record="通道仍被占用约3米", photos=str(shot))
    expect()(page.locator("#hazard [data-status]").first).to_have_attribute(
        "data-status", HazardStatus.RECTIFYING
    )
    expect()(page.locator("#h-verifications ~ article .text")).to_have_text("通道仍被占用约3米")
    expect()(page.locator("#h-verifications ~ article .photos img")).to_have_count(1)
    assert not page.locator("#act-verify").count()  # nothing to verify until it is asked again

    session.login("lead_handler")  # the rectifying unit asks again, on the matter page
    session.go(f"/matters/{hazard.matter_id}/")
    session.act("request_completion", text="摊位已全部清退，施划禁占标线")
    session.go(f"/hazards/{hazard.pk}/")
    assert not page.locator("#act-verify").count()  # never its own verifier

    session.login("other_handler")
    session.go(f"/hazards/{hazard.pk}/")
    act_on_hazard(session, "verify", passed="1", record="复验：通道畅通，标线清晰")
    expect()(page.locator("#hazard [data-status]").first).to_have_attribute(
        "data-status", HazardStatus.CLOSED
    )
    assert Hazard.objects.get(pk=hazard.pk).matter.state == "closed"
    session.shot("hazard-page")
    session.login("supervisor")
    session.go("/hazards/")
    expect()(page.locator("#list tbody tr")).to_have_count(1)
    session.shot("hazard-register")


def test_the_self_assessment_form_submits_scores_and_evidence(session, tmp_path):
    city = the_city()
    add_village(city)
    cycle = open_cycle(city, "five_stars", name=f"{timezone.localdate().year}年度五星支部创建评定")
    assessment = Assessment.objects.get(cycle=cycle)
    page = session.page
    evidence = tmp_path / "集体经济收入台账.pdf"
    evidence.write_bytes(b"%PDF-1.4")

    session.login("village_handler")
    session.go(f"/assessments/{assessment.pk}/")
    manual = assessment.scores.filter(criterion__feed="manual").select_related("criterion")
    for score in manual:
        page.fill(f"#id_score_{score.criterion_id}", str(min(8, score.criterion.points)))
        page.fill(f"#id_note_{score.criterion_id}", "佐证材料已上传")
    first = manual.first().criterion_id
    page.set_input_files(f"#id_files_{first}", str(evidence))
    session.shot("assessment-form")
    page.click("#self-form button[name=submit]")
    page.wait_for_url(f"{session.base}/assessments/{assessment.pk}/")
    expect()(page.locator("[data-state]").first).to_have_attribute(
        "data-state", AssessmentState.SUBMITTED
    )
    expect()(page.locator(f"#criterion-{first} a", has_text="集体经济收入台账.pdf")).to_be_visible()
    assert Assessment.objects.get(pk=assessment.pk).state == AssessmentState.SUBMITTED

    session.login("street_handler")  # the reviewing street sees the review form
    session.go(f"/assessments/{assessment.pk}/")
    expect()(page.locator("#review-form")).to_be_visible()

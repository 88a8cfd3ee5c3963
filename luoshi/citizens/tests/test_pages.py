"""The citizen side's pages: the public form, the operator's form, the list, a request,
hot spots, templates, the dispatch page — and who may see what (the phone above all)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from luoshi.citizens import services
from luoshi.citizens.forms import DispatchUnitsForm
from luoshi.citizens.models import CitizenRequest, MergeState, ReplyTemplate
from luoshi.lib.eventlog import stale

from .conftest import at, call

pytestmark = pytest.mark.django_db
MONDAY = dt.date(2026, 3, 2)


def dispatched(city, **changes):
    with at(MONDAY, 9):
        request = services.receive_request(call(city, **changes))
        return services.dispatch_request(
            request, actor=city.supervisor, version=request.version,
            category=city.categories["城乡建设"], lead_unit=city.lead, co_units=[city.co],
        )  # fmt: skip


def test_public_form_takes_a_request_without_an_account(client, hotline):
    page = client.get(reverse("citizens:new"))
    assert page.status_code == 200 and "东城区城关街道" in page.content.decode()
    photo = SimpleUploadedFile("现场.jpg", b"\xff\xd8\xff" + b"0" * 100, content_type="image/jpeg")
    with at(MONDAY, 9):
        response = client.post(
            reverse("citizens:new"),
            {"request_type": "complaint", "text": "城关菜市场门口积水一周了没人管",
             "district": hotline.district.pk, "street": hotline.street.pk,
             "address": "城关菜市场", "contact_phone": "１３８ 0000 1234", "photos": [photo]},
        )  # fmt: skip
    request = CitizenRequest.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(
        f"/t/{request.tracking_token}/?new=1"
    )
    assert (request.channel, request.contact_phone, request.photos.count()) == (
        "web",
        "13800001234",
        1,
    )
    tracking = client.get(response["Location"]).content.decode()
    assert request.work_order_number in tracking and "Keep this page" in tracking


def test_public_form_refusals(client, hotline):
    from luoshi.org.models import Unit, UnitKind

    west = Unit.objects.create(name="西城区", kind=UnitKind.DISTRICT, parent=hotline.city)
    west_street = Unit.objects.create(name="西城区西关街道", kind=UnitKind.STREET, parent=west)
    base = {
        "request_type": "help",
        "text": "路灯坏了",
        "district": hotline.district.pk,
        "contact_phone": "13800001234",
    }
    cases = [
        ({"contact_phone": ""}, "Give a phone number"),
        ({"contact_phone": "打我电话"}, "is not a phone number"),
        ({"street": west_street.pk}, "is not in"),
        ({"latitude": "34.7"}, "both latitude and longitude"),
        ({"website": "http://spam"}, "not sent correctly"),
    ]
    for changes, message in cases:
        page = client.post(reverse("citizens:new"), {**base, **changes})
        body = page.content.decode()
        assert page.status_code == 200 and message in body, message
        assert "路灯坏了" in body
    bad = SimpleUploadedFile("a.exe", b"MZ", content_type="application/octet-stream")
    page = client.post(reverse("citizens:new"), {**base, "photos": [bad]})
    assert "is not a photo" in page.content.decode()
    page = client.post(reverse("citizens:new"), {**base, "contact_phone": "", "anonymous": "on"})
    assert page.status_code == 302 and CitizenRequest.objects.get().anonymous


def test_who_sees_a_request_and_its_phone(client, hotline):
    request = dispatched(hotline)
    url = reverse("citizens:detail", args=[request.pk])
    cases = {
        hotline.supervisor: (200, True),
        hotline.lead_handler: (200, True),
        hotline.lead_head: (200, True),
        hotline.co_handler: (200, True),  # a co-unit handles it too
        hotline.leader: (200, False),  # reads, does not handle: masked
        hotline.other_handler: (404, None),
    }
    for user, (status, phone) in cases.items():
        client.force_login(user)
        page = client.get(url)
        assert page.status_code == status, user
        if status == 200:
            body = page.content.decode()
            assert ("13800001234" in body) is phone, user
            assert ("138****1234" in body) is (not phone), user
            assert ("act-dispatch" in body or "act-call" in body) is (user == hotline.supervisor), (
                user
            )
    client.logout()
    assert client.get(url).status_code == 302


def test_list_queues_filter_csv_and_query_budget(client, hotline, django_assert_max_num_queries):
    dispatched(hotline)
    with at(MONDAY, 10):
        for i in range(12):
            services.receive_request(
                call(hotline, text=f"第{i}条：12路公交车晚上七点就收班了", street=None)
            )
    client.force_login(hotline.supervisor)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("citizens:list"), {"queue": "to_dispatch"})
    body = page.content.decode()
    assert body.count('href="/citizens/') >= 12 and 'id="queue-to_dispatch"' in body
    with django_assert_max_num_queries(14):
        client.get(reverse("citizens:list"))
    partial = client.get(
        reverse("citizens:list"), {"q": "第3条"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert partial.lstrip().startswith('<div id="list"') and "第3条" in partial
    csv = client.get(reverse("citizens:list"), {"format": "csv", "queue": "to_dispatch"})
    lines = csv.content.decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 13 and "13800001234" not in csv.content.decode("utf-8-sig")
    client.force_login(hotline.other_handler)
    assert "12路公交车" not in client.get(reverse("citizens:list")).content.decode()


def test_operator_takes_a_call_and_dispatches_from_the_suggestions(client, hotline):
    client.force_login(hotline.supervisor)
    assert client.get(reverse("citizens:intake")).status_code == 200
    hint = client.post(
        reverse("citizens:suggest"), {"text": "小区路灯坏了，物业不管"}
    ).content.decode()
    assert "城乡建设" in hint and hotline.street.name in hint and "From the category table" in hint
    with at(MONDAY, 9):
        response = client.post(
            reverse("citizens:intake"),
            {"request_type": "help", "text": "幸福小区路灯坏了一个月",
             "district": hotline.district.pk, "street": hotline.street.pk,
             "contact_phone": "13800002222", "urgent": "on"},
        )  # fmt: skip
    request = CitizenRequest.objects.get()
    assert response.status_code == 302 and (request.channel, request.urgent) == ("hotline", True)
    detail = client.get(reverse("citizens:detail", args=[request.pk])).content.decode()
    assert 'data-pick="lead_unit"' in detail
    action = reverse("citizens:action", args=[request.pk, "dispatch"])
    form = {
        "category": hotline.categories["城乡建设"].pk,
        "lead_unit": hotline.street.pk,
        "urgent": "on",
    }
    with at(MONDAY, 9, 10):
        client.post(action, form)  # no version: refused, nothing changes
        request.refresh_from_db()
        assert request.matter is None
        client.post(action, {**form, "version": request.version})
    request.refresh_from_db()
    assert request.matter.lead_unit == hotline.street and request.matter.deadline == dt.date(
        2026, 3, 9
    )
    client.force_login(hotline.lead_handler)
    assert client.get(reverse("citizens:intake")).status_code == 403


def test_reply_templates_are_the_offices_to_edit(client, hotline):
    client.force_login(hotline.supervisor)
    page = client.get(reverse("citizens:templates")).content.decode()
    assert "{工单号}" in page
    url = reverse("citizens:templates")
    client.post(
        url,
        {
            "state": "accepted",
            "request_type": "",
            "text": "工单{工单号}已由{承办单位}受理，请{称呼}留意",
        },
    )
    assert not ReplyTemplate.objects.exists()  # unknown placeholder {称呼}
    client.post(
        url, {"state": "accepted", "request_type": "", "text": "工单{工单号}已转{承办单位}办理"}
    )
    template = ReplyTemplate.objects.get()
    client.post(
        url,
        {"state": "accepted", "request_type": "", "text": "改", "version": template.version + 1},
    )
    assert (
        ReplyTemplate.objects.filter(is_active=True).get().text == "工单{工单号}已转{承办单位}办理"
    )
    request = dispatched(hotline)
    reply = request.events.get(kind="replied")
    assert reply.comment == f"工单{request.work_order_number}已转市发改委办理"
    client.force_login(hotline.lead_handler)
    assert client.get(url).status_code == 403


def test_hot_spots_table_panel_and_drill_down(client, hotline):
    days = [dt.date(2026, 2, 9), dt.date(2026, 2, 16), dt.date(2026, 2, 23)] + [
        dt.date(2026, 3, 2)
    ] * 6
    for n, day in enumerate(days):
        with at(day, 9, n):
            services.receive_request(
                call(
                    hotline,
                    text=f"幸福路{n}号楼下烧烤油烟扰民",
                    category=hotline.categories["环境保护"],
                )
            )
    client.force_login(hotline.leader)
    with at(dt.date(2026, 3, 4)):
        table = client.get(reverse("citizens:hotspots")).content.decode()
        panel = client.get(reverse("citizens:hotspots_panel")).content.decode()
    assert "环境保护" in table and "Rising" in table and ">6</a>" in table
    assert "hotspots-panel" in panel and "↑" in panel
    link = table.split(">6</a>")[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    listed = client.get(link).content.decode()
    assert listed.count("烧烤油烟扰民") == 6
    total = table.split(">9</a>")[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    with at(dt.date(2026, 3, 4)):
        assert client.get(total).content.decode().count("烧烤油烟扰民") == 9


def test_dispatch_page_edits_the_table(client, hotline):
    client.force_login(hotline.supervisor)
    category = hotline.categories["交通运输"]
    client.post(
        reverse("citizens:dispatch"),
        {"category": category.pk, "unit": hotline.other.pk, "keywords": "公交,地铁"},
    )
    category.refresh_from_db()
    assert category.default_unit == hotline.other and category.keyword_list() == ["公交", "地铁"]
    page = client.get(reverse("citizens:dispatch")).content.decode()
    assert "No model trained yet" in page
    # each row's default unit is a picker holding its unit, not a <select> of every unit
    assert f'<select id="u-{category.pk}"' not in page
    assert f'name="unit" value="{hotline.other.pk}" data-unit-id' in page
    assert f'id="u-{category.pk}"' in page and 'value="市商务局"' in page
    # typed without JavaScript: resolved by name; an unknown name changes nothing
    client.post(
        reverse("citizens:dispatch"),
        {"category": category.pk, "unit_text": "市工信局", "keywords": "公交"},
    )
    category.refresh_from_db()
    assert category.default_unit == hotline.co and category.keyword_list() == ["公交"]
    refused = client.post(
        reverse("citizens:dispatch"),
        {"category": category.pk, "unit_text": "市不存在局", "keywords": "地铁"},
        follow=True,
    )
    assert "市不存在局" in refused.content.decode()
    category.refresh_from_db()
    assert category.default_unit == hotline.co and category.keyword_list() == ["公交"]
    client.post(reverse("citizens:dispatch"), {"category": category.pk, "keywords": "公交"})
    category.refresh_from_db()
    assert category.default_unit is None  # emptied: the row has no default unit


def test_merge_page_flow(client, hotline):
    with at(MONDAY, 9):
        first = services.receive_request(call(hotline))
    with at(MONDAY, 11):
        second = services.receive_request(
            call(
                hotline,
                text="幸福小区3号楼电梯又坏了，关人了，物业不管",
                contact_phone="13900009999",
            )
        )
    assert second.merge_state == MergeState.PROPOSED and second.duplicate_of == first
    client.force_login(hotline.supervisor)
    page = client.get(reverse("citizens:detail", args=[second.pk])).content.decode()
    assert "act-merge" in page and first.work_order_number in page
    client.post(reverse("citizens:action", args=[second.pk, "merge"]), {"version": second.version})
    second.refresh_from_db()
    assert second.merge_state == MergeState.MERGED
    tracking = client.get(reverse("citizens:track", args=[second.tracking_token])).content.decode()
    assert first.work_order_number in tracking


def test_a_public_form_sent_twice_takes_one_request(client, hotline):
    """A citizen taps 提交 twice (or the phone resends): one request, the same tracking page."""
    import re

    page = client.get(reverse("citizens:new")).content.decode()
    key = re.search(r'name="request_key" value="([0-9a-f]{32})"', page).group(1)
    form = {"request_type": "complaint", "text": "城关菜市场门口积水一周了没人管",
            "district": hotline.district.pk, "street": hotline.street.pk,
            "address": "城关菜市场", "contact_phone": "13800001234",
            "request_key": key}  # fmt: skip
    with at(MONDAY, 9):
        answers = [client.post(reverse("citizens:new"), form) for _ in range(5)]
    request = CitizenRequest.objects.get()
    assert {a.status_code for a in answers} == {302}
    assert {a["Location"] for a in answers} == {answers[0]["Location"]}
    assert answers[0]["Location"].endswith(f"/t/{request.tracking_token}/?new=1")
    assert request.events.count() == 1
    # the key alone never shows a request: another text under it is refused
    other = client.post(reverse("citizens:new"), {**form, "text": "另一件事"})
    assert "already sent" in other.content.decode()  # shown beside the form
    assert CitizenRequest.objects.count() == 1


def test_an_operator_form_sent_twice_takes_one_call(client, hotline):
    """The operator clicks 受理 twice while the line is slow: one request, one work order."""
    import re

    client.force_login(hotline.supervisor)
    page = client.get(reverse("citizens:intake")).content.decode()
    key = re.search(r'name="request_key" value="([0-9a-f]{32})"', page).group(1)
    form = {"request_type": "help", "text": "幸福小区路灯坏了一个月", "request_key": key,
            "district": hotline.district.pk, "street": hotline.street.pk,
            "contact_phone": "13800002222"}  # fmt: skip
    with at(MONDAY, 9):
        answers = [client.post(reverse("citizens:intake"), form) for _ in range(3)]
    request = CitizenRequest.objects.get()
    assert {a["Location"] for a in answers} == {reverse("citizens:detail", args=[request.pk])}


def test_the_dispatch_form_finds_units_as_one_types(client, hotline):
    """No <select> of every unit: the lead unit and co-units are unit pickers; a picked id
    dispatches as before, a typed name or alias (no JavaScript) is resolved, and a name
    no unit has is refused at its field with nothing changed."""
    client.force_login(hotline.supervisor)
    with at(MONDAY, 9):
        request = services.receive_request(call(hotline))
    detail = client.get(reverse("citizens:detail", args=[request.pk])).content.decode()
    assert '<select id="d-unit"' not in detail and '<select id="d-co"' not in detail
    assert 'id="d-unit"' in detail and 'name="lead_unit_text"' in detail
    assert f'data-default-unit-name="{hotline.street.name}"' in detail  # the category's
    action = reverse("citizens:action", args=[request.pk, "dispatch"])
    form = {"category": hotline.categories["城乡建设"].pk, "version": request.version}
    with at(MONDAY, 9, 10):
        refused = client.post(action, {**form, "lead_unit_text": "市不存在局"}, follow=True)
    label = DispatchUnitsForm.base_fields["lead_unit"].label
    with translation.override(settings.LANGUAGE_CODE):  # the page's language
        assert f"{label}：" in refused.content.decode()  # the message names its field
    assert "市不存在局" in refused.content.decode()
    request.refresh_from_db()
    assert request.matter is None
    typed = {"lead_unit_text": "市发展和改革委员会", "co_units_text": "市工信局、市商务局"}
    with at(MONDAY, 9, 20):
        client.post(action, {**form, **typed})
    request.refresh_from_db()
    matter = request.matter
    assert matter.lead_unit == hotline.lead  # by its alias
    co = set(matter.parts.filter(role="co", active=True).values_list("unit_id", flat=True))
    assert co == {hotline.co.pk, hotline.other.pk}


def test_a_refused_dispatch_shows_the_form_as_the_office_filled_it(client, hotline):
    """A refusal is shown on the page with the form as posted — units typed and picked,
    category, urgency — not reset by a redirect; nothing is dispatched."""
    client.force_login(hotline.supervisor)
    with at(MONDAY, 9):
        request = services.receive_request(call(hotline))
    other = hotline.categories["城乡建设"]
    form = {
        "category": other.pk,
        "version": request.version,
        "lead_unit_text": "市不存在局",
        "co_units": [hotline.co.pk],
        "co_units_text": "",
        "urgent": "on",
    }
    with at(MONDAY, 9, 10):
        refused = client.post(reverse("citizens:action", args=[request.pk, "dispatch"]), form)
    assert refused.status_code == 422
    html = refused.content.decode()
    assert re.search(r'name="lead_unit_text"[^>]*value="市不存在局"', html)
    assert re.search(
        rf'<input type="checkbox" name="co_units" value="{hotline.co.pk}" checked', html
    )
    assert re.search(rf'<option value="{other.pk}"[^>]*selected', html)
    assert '<input type="checkbox" name="urgent" checked>' in html
    request.refresh_from_db()
    assert request.matter is None and not request.urgent
    # the refused page's address, opened again (history, a copied link): the request's page
    again = client.get(reverse("citizens:action", args=[request.pk, "dispatch"]))
    assert again.status_code == 302
    assert again["Location"] == reverse("citizens:detail", args=[request.pk])
    request.refresh_from_db()
    assert request.matter is None


@pytest.mark.parametrize(
    "choices",
    [
        {"lead_unit": "lead", "urgent": "on"},  # a dispatch that would otherwise go through
        {"lead_unit_text": "市不存在局"},  # and one refused for its unit besides
    ],
    ids=["valid", "mistyped-unit"],
)
def test_a_stale_dispatch_shows_the_request_as_it_now_stands(client, hotline, choices):
    """Someone corrected the category while the form was open: the dispatch is refused
    as stale — before its fields are read — and the request's page then shows their
    category, not the old page's choices under the new version, which one more click
    would have saved over theirs."""
    client.force_login(hotline.supervisor)
    with at(MONDAY, 9):
        request = services.receive_request(call(hotline))
    chosen, corrected = hotline.categories["城乡建设"], hotline.categories["环境保护"]
    stale_version = request.version
    with at(MONDAY, 9, 5):
        services.correct_category(
            request, actor=hotline.supervisor, version=stale_version, category=corrected
        )
    form = {"category": chosen.pk, "version": stale_version, **choices}
    if "lead_unit" in form:
        form["lead_unit"] = hotline.lead.pk
    action = reverse("citizens:action", args=[request.pk, "dispatch"])
    with at(MONDAY, 9, 10):
        refused = client.post(action, form, follow=True)
    assert refused.redirect_chain[0] == (reverse("citizens:detail", args=[request.pk]), 302)
    html = refused.content.decode()
    with translation.override(settings.LANGUAGE_CODE):
        told = stale(request.work_order_number, stale_version + 1, stale_version).message
    assert escape(told) in html
    assert re.search(rf'<option value="{corrected.pk}"[^>]*selected', html)
    assert not re.search(rf'<option value="{chosen.pk}"[^>]*selected', html)
    assert '<input type="checkbox" name="urgent" checked>' not in html
    assert not re.search(r'name="lead_unit_text"[^>]*value="市不存在局"', html)
    request.refresh_from_db()
    assert request.matter is None and request.category == corrected and not request.urgent


@pytest.mark.parametrize("verb", ["dispatch", "merge", "call", "category"])
def test_a_leader_posting_an_office_form_is_refused_as_not_allowed(client, hotline, verb):
    """A leader may read the request but not act on it: 403 whatever the form holds
    (a bad category or version once answered 422, naming a field of a form they may
    not send)."""
    with at(MONDAY, 9):
        request = services.receive_request(call(hotline))
    client.force_login(hotline.leader)
    with at(MONDAY, 9, 10):
        refused = client.post(
            reverse("citizens:action", args=[request.pk, verb]),
            {"category": "10000000000", "version": "", "lead_unit_text": "市不存在局"},
        )
    assert refused.status_code == 403
    request.refresh_from_db()
    assert request.matter is None and request.version == 1

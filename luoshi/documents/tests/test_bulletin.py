"""Bulletins (督查通报): drafted from the data, edited, issued as GB/T 9704 .docx, mentions."""

import datetime as dt
import io

import pytest
import time_machine
from django.template import Context, Template
from django.urls import reverse
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from luoshi.documents.models import Bulletin, BulletinMention
from luoshi.matters import services
from luoshi.matters.warnings import scan
from luoshi.testing import register

D = dt.date


def at(day: D, hour: int = 9):
    return time_machine.travel(
        dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC), tick=False
    )


def running(city, lead, user, title, deadline):
    matter = register(city, title=title, lead=lead, co=False, deadline=deadline)
    matter = services.assign_matter(matter, actor=city.supervisor, version=None)
    return services.accept_matter(matter, actor=user, version=None)


def complete(city, matter, user):
    matter = services.request_completion(matter, actor=user, version=None, text="已完成")
    return services.review_completion(
        matter, actor=city.supervisor, version=None, outcome="approve"
    )


@pytest.fixture
def march(city):
    """March 2026 as seen on 10 April: one unit on time, one overdue, one stalled, one late."""
    with at(D(2026, 3, 2)):
        city.on_time = running(city, city.lead, city.lead_handler, "完成项目签约", D(2026, 3, 20))
        city.overdue = running(city, city.co, city.co_handler, "推进技改项目", D(2026, 3, 25))
        city.stalled = running(city, city.other, city.other_handler, "外贸主体培育", D(2026, 6, 30))
        city.late = running(city, city.district, city.district_head, "口袋公园建设", D(2026, 3, 10))
    with at(D(2026, 3, 18)):
        complete(city, city.on_time, city.lead_handler)
    with at(D(2026, 3, 12)):
        complete(city, city.late, city.district_head)
    with at(D(2026, 4, 10)):
        scan()
        yield city


def draft(client, city):
    client.force_login(city.supervisor)
    response = client.post(
        reverse("documents:bulletin_list"),
        {"period_start": "2026-03-01", "period_end": "2026-03-31"},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return Bulletin.objects.latest("id")


def issue(client, bulletin):
    response = client.post(
        reverse("documents:bulletin_issue", args=[bulletin.pk]), {"version": bulletin.version}
    )
    assert response.status_code == 302
    bulletin.refresh_from_db()
    return bulletin


def test_draft_is_computed_from_the_period(client, march):
    bulletin = draft(client, march)
    figures = bulletin.figures
    assert (figures["due"], figures["on_time"], figures["late"], figures["overdue"]) == (3, 1, 1, 1)
    assert figures["on_time_rate"] == 33.3
    assert figures["praised"] == [march.lead.pk]
    assert figures["named"] == {
        str(march.co.pk): [march.overdue.pk],
        str(march.other.pk): [march.stalled.pk],
    }
    assert bulletin.state == "draft" and bulletin.number is None
    assert "到期3项，按期办结1项，逾期办结1项，逾期未办结1项，按期办结率33.3%" in bulletin.overall
    assert bulletin.praised.startswith("市发改委等1个单位")
    assert "（一）市工信局" in bulletin.named and "（二）市商务局" in bulletin.named
    assert f"{march.overdue.serial} 推进技改项目（逾期16天" in bulletin.named
    assert "外贸主体培育（久拖未动" in bulletin.named
    assert "2026年3月1日至2026年3月31日" in bulletin.title
    page = client.get(reverse("documents:bulletin_detail", args=[bulletin.pk]))
    assert page.status_code == 200 and "推进技改项目" in page.content.decode()


def test_edit_then_issue_stores_the_docx_and_the_mentions(client, march):
    bulletin = draft(client, march)
    response = client.post(
        reverse("documents:bulletin_detail", args=[bulletin.pk]),
        {
            "version": bulletin.version,
            "title": "关于2026年3月重点工作督查情况的通报",
            "overall": bulletin.overall + "\n总体进展平稳。",
            "praised": bulletin.praised,
            "named": bulletin.named,
            "next_steps": "（一）抓好整改。各单位限期整改到位。\n（二）强化督办。",
        },
    )
    assert response.status_code == 302
    bulletin.refresh_from_db()
    assert bulletin.version == 2 and bulletin.title == "关于2026年3月重点工作督查情况的通报"
    bulletin = issue(client, bulletin)
    assert bulletin.state == "issued" and bulletin.number_label == "〔2026〕1号"
    assert bulletin.file.name.endswith(".docx")
    mentions = {(m.kind, m.unit_id, m.matter_id) for m in BulletinMention.objects.all()}
    assert mentions == {
        ("praised", march.lead.pk, None),
        ("named", march.co.pk, march.overdue.pk),
        ("named", march.other.pk, march.stalled.pk),
    }
    response = client.get(reverse("documents:bulletin_file", args=[bulletin.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"PK"
    # The next bulletin of the year takes the next number.
    assert issue(client, draft(client, march)).number_label == "〔2026〕2号"


def docx_of(bulletin):
    with bulletin.file.open("rb") as handle:
        return Document(io.BytesIO(handle.read()))


def mm(length) -> float:
    """Lengths are stored in twips (1/1440 in): round to the tenth of a millimetre."""
    return round(length / Mm(1), 1)


def east_asia(run):
    return run._element.rPr.rFonts.get(qn("w:eastAsia"))


def paragraph(document, text):
    """The paragraph starting with `text` (a title's line breaks read as nothing)."""
    return next(p for p in document.paragraphs if p.text.replace("\n", "").startswith(text))


def test_docx_follows_gbt_9704(client, march):
    bulletin = issue(client, draft(client, march))
    document = docx_of(bulletin)
    section = document.sections[0]
    assert mm(section.page_width) == 210 and mm(section.page_height) == 297  # A4
    assert (mm(section.top_margin), mm(section.bottom_margin)) == (37, 35)
    assert (mm(section.left_margin), mm(section.right_margin)) == (28, 26)
    # Type area 156 × 225 mm.
    assert mm(section.page_width - section.left_margin - section.right_margin) == 156
    assert mm(section.page_height - section.top_margin - section.bottom_margin) == 225
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "lines"
    assert grid.get(qn("w:linePitch")) == "579"  # 28.95 pt: 22 lines in 225 mm

    normal = document.styles["Normal"]
    assert normal.font.size == Pt(16)
    assert normal.element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert normal.paragraph_format.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert normal.paragraph_format.line_spacing == Pt(28.95)
    assert abs(mm(normal.paragraph_format.line_spacing * 22) - 225) < 0.5  # 22 lines
    # 28 characters of 16 pt, each set 0.25 pt closer, fill the 156 mm line; 29 do not.
    spacing = int(normal.element.rPr.find(qn("w:spacing")).get(qn("w:val"))) / 20
    pitch = Pt(16 + spacing)
    assert pitch * 28 <= Mm(156) < pitch * 29

    title = paragraph(document, bulletin.title)
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert east_asia(title.runs[0]) == "方正小标宋简体" and title.runs[0].font.size == Pt(22)
    masthead = document.paragraphs[0]
    assert masthead.text == "督查通报" and east_asia(masthead.runs[0]) == "方正小标宋简体"
    assert paragraph(document, "〔2026〕1号").alignment == WD_ALIGN_PARAGRAPH.CENTER

    numbers = ("一、", "二、", "三、", "四、", "五、")
    headings = [p for p in document.paragraphs if p.text[:2] in numbers]
    assert [h.text for h in headings] == [
        "一、总体情况",
        "二、表扬单位",
        "三、通报单位",
        "四、督查室待办",
        "五、下一步工作",
    ]
    assert all(east_asia(h.runs[0]) == "黑体" and h.runs[0].font.size == Pt(16) for h in headings)
    second = paragraph(document, "（一）市工信局")
    assert east_asia(second.runs[0]) == "楷体_GB2312"
    body = paragraph(document, "2026年3月1日至2026年3月31日，全市督办事项中到期3项")
    assert east_asia(body.runs[0]) == "仿宋_GB2312" and body.runs[0].font.size == Pt(16)
    assert body.paragraph_format.first_line_indent == Pt(32)  # two characters


def test_docx_page_numbers(client, march):
    document = docx_of(issue(client, draft(client, march)))
    assert document.settings.odd_and_even_pages_header_footer
    section = document.sections[0]
    for footer, align in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        number = footer.paragraphs[0]
        assert number.text == "— 1 —"
        assert number.alignment == align
        assert "PAGE" in "".join(t.text for t in number._p.iter(qn("w:instrText")))
        assert {east_asia(r) for r in number.runs} == {"宋体"}
        assert {r.font.size for r in number.runs} == {Pt(14)}


def test_mentions_shown_on_matter_and_unit_pages_and_api(client, march):
    bulletin = issue(client, draft(client, march))
    html = Template("{% load documents_tags %}{% bulletin_mentions matter=m %}").render(
        Context({"m": march.overdue})
    )
    assert "〔2026〕1号" in html and march.overdue.serial in html
    html = Template("{% load documents_tags %}{% bulletin_mentions unit=u %}").render(
        Context({"u": march.lead})
    )
    assert "〔2026〕1号" in html and "通报表扬" in html

    client.force_login(march.co_handler)
    response = client.get(f"/api/documents/matters/{march.overdue.pk}/bulletins")
    assert response.status_code == 200
    assert response.json()["items"] == [
        {
            "bulletin": bulletin.pk,
            "number": "〔2026〕1号",
            "title": bulletin.title,
            "kind": "named",
            "unit": "市工信局",
            "issued_at": bulletin.issued_at.isoformat(),
        }
    ]
    client.force_login(march.other_handler)  # does not see that matter
    assert client.get(f"/api/documents/matters/{march.overdue.pk}/bulletins").status_code == 404


def test_api_draft_edit_issue(client, march):
    client.force_login(march.supervisor)
    response = client.post(
        "/api/documents/bulletins/",
        {"period_start": "2026-03-01", "period_end": "2026-03-31"},
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    url = f"/api/documents/bulletins/{body['id']}"
    stale = client.patch(url, {"version": 0, "title": "x"}, content_type="application/json")
    assert stale.status_code == 409
    edited = client.patch(url, {"version": 1, "title": "新标题"}, content_type="application/json")
    assert edited.status_code == 200 and edited.json()["title"] == "新标题"
    issued = client.post(f"{url}/issue", {"version": 2}, content_type="application/json")
    assert issued.status_code == 200 and issued.json()["number"] == "〔2026〕1号"
    again = client.patch(url, {"version": 3, "title": "再改"}, content_type="application/json")
    assert again.status_code == 409  # issued bulletins do not change
    assert client.get(f"{url}/file").status_code == 200
    bad = client.post(
        "/api/documents/bulletins/",
        {"period_start": "2026-03-31", "period_end": "2026-03-01"},
        content_type="application/json",
    )
    assert bad.status_code == 422


@pytest.mark.parametrize("persona", ["lead_handler", "leader", "district_head"])
def test_only_supervisors_draft_edit_and_issue(client, march, persona):
    bulletin = draft(client, march)
    user = getattr(march, persona)
    client.force_login(user)
    response = client.post(
        reverse("documents:bulletin_list"),
        {"period_start": "2026-03-01", "period_end": "2026-03-31"},
    )
    assert response.status_code == 403
    api = client.post(
        "/api/documents/bulletins/",
        {"period_start": "2026-03-01", "period_end": "2026-03-31"},
        content_type="application/json",
    )
    assert api.status_code == 403
    # Drafts are not visible to them at all.
    assert client.get(reverse("documents:bulletin_detail", args=[bulletin.pk])).status_code == 404
    assert client.post(reverse("documents:bulletin_issue", args=[bulletin.pk])).status_code == 404
    # Once issued, they read and download it but cannot change it.
    client.force_login(march.supervisor)
    issue(client, bulletin)
    client.force_login(user)
    assert client.get(reverse("documents:bulletin_detail", args=[bulletin.pk])).status_code == 200
    assert client.get(reverse("documents:bulletin_file", args=[bulletin.pk])).status_code == 200
    patch = client.patch(
        f"/api/documents/bulletins/{bulletin.pk}",
        {"version": bulletin.version, "title": "x"},
        content_type="application/json",
    )
    assert patch.status_code == 403
    assert Bulletin.objects.filter(title="x").count() == 0


def test_bulletin_pages_list_and_queries(client, march, django_assert_max_num_queries):
    for _ in range(3):
        issue(client, draft(client, march))
    client.force_login(march.lead_handler)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("documents:bulletin_list"))
    assert response.status_code == 200
    assert response.content.decode().count(".docx") == 3
    assert client.get("/api/documents/bulletins/").json()["items"][0]["number"] == "〔2026〕3号"


def test_anonymous(client, march):
    assert client.get(reverse("documents:bulletin_list")).status_code == 302
    assert client.get("/api/documents/bulletins/").status_code == 401


def test_users_without_a_role_see_no_bulletin(client, march):
    from django.contrib.auth.models import User

    bulletin = issue(client, draft(client, march))
    client.force_login(User.objects.create_user("citizen", password="pw"))
    assert client.get("/api/documents/bulletins/").json()["items"] == []
    assert client.get(reverse("documents:bulletin_file", args=[bulletin.pk])).status_code == 404

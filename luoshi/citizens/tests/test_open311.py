"""Open311 GeoReport v2 at /open311/v2/: responses checked against the spec's formats,
and driven by a real Open311 client from PyPI (georeport) against the live server."""

from __future__ import annotations

import datetime as dt
import json
from xml.etree import ElementTree as ET

import pytest
from django.utils import timezone

from luoshi.citizens import services
from luoshi.citizens.models import CitizenRequest
from luoshi.matters import services as matter_services
from luoshi.org.tokens import issue_token

from .conftest import at, call

pytestmark = pytest.mark.django_db
BASE = "/open311/v2"
STR, INT, BOOL, NUM, NONE = str, int, bool, (int, float), type(None)
# The GeoReport v2 formats (wiki.open311.org/GeoReport_v2): each field and its JSON type.
SERVICE = {
    "service_code": STR, "service_name": STR, "description": STR, "metadata": BOOL,
    "type": STR, "keywords": STR, "group": STR,
}  # fmt: skip
ATTRIBUTE = {
    "variable": BOOL, "code": STR, "datatype": STR, "required": BOOL,
    "datatype_description": STR, "order": INT, "description": STR, "values": list,
}  # fmt: skip
REQUEST = {
    "service_request_id": STR, "status": STR, "status_notes": STR, "service_name": STR,
    "service_code": STR, "description": STR, "agency_responsible": STR, "service_notice": STR,
    "requested_datetime": STR, "updated_datetime": STR, "expected_datetime": (STR, NONE),
    "address": STR, "address_id": STR, "zipcode": STR, "lat": (NUM, NONE), "long": (NUM, NONE),
    "media_url": STR,
}  # fmt: skip
CREATED = {
    "service_request_id": STR,
    "token": STR,
    "service_notice": STR,
    "account_id": (STR, NONE),
}
ERROR = {"code": INT, "description": STR}
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}


def conforms(item: dict, schema: dict) -> None:
    assert set(item) == set(schema), set(item) ^ set(schema)
    for key, kind in schema.items():
        assert isinstance(item[key], kind), (key, item[key])


def w3c(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value)
    assert moment.tzinfo is not None
    return moment


@pytest.fixture
def open311(hotline):
    with at(dt.date(2026, 3, 2), 9):
        first = services.receive_request(call(hotline, latitude="34.7466", longitude="113.6253"))
        services.dispatch_request(
            first, actor=hotline.supervisor, version=first.version,
            category=hotline.categories["城乡建设"], lead_unit=hotline.street,
        )  # fmt: skip
        services.receive_request(call(hotline, text="12路公交车晚上七点就收班了", street=None))
    hotline.key = issue_token(hotline.supervisor, "open311 client")[1]
    return hotline


def test_services_and_definitions_conform(client, open311):
    with at(dt.date(2026, 3, 3)):
        services_list = client.get(f"{BASE}/services.json").json()
        assert [s["service_code"] for s in services_list] == [
            "urban",
            "environment",
            "transport",
            "labour",
        ]
        for service in services_list:
            conforms(service, SERVICE)
            assert service["type"] in {"realtime", "batch", "blackbox"}
        definition = client.get(f"{BASE}/services/urban.json").json()
    assert set(definition) == {"service_code", "attributes"}
    for attribute in definition["attributes"]:
        conforms(attribute, ATTRIBUTE)
        assert attribute["datatype"] in DATATYPES
        for value in attribute["values"]:
            assert set(value) == {"key", "name"}
    assert definition["attributes"][0]["code"] == "request_type"


def test_requests_conform_and_map_status_and_agency(client, open311):
    with at(dt.date(2026, 3, 3)):
        rows = client.get(f"{BASE}/requests.json").json()
    assert len(rows) == 2
    for row in rows:
        conforms(row, REQUEST)
        assert row["status"] in ("open", "closed")
        assert w3c(row["requested_datetime"]) <= w3c(row["updated_datetime"])
        assert row["description"] == ""  # the citizen's text only to callers with a key
    dispatched = next(r for r in rows if r["agency_responsible"])
    assert dispatched["agency_responsible"] == "东城区城关街道" and dispatched["lat"] == 34.7466
    with at(dt.date(2026, 3, 3)):
        keyed = client.get(
            f"{BASE}/requests.json", {"api_key": open311.key, "status": "open"}
        ).json()
        assert "电梯" in keyed[-1]["description"]
        one = client.get(f"{BASE}/requests/{dispatched['service_request_id']}.json").json()
        assert one[0]["service_request_id"] == dispatched["service_request_id"]
        coded = client.get(f"{BASE}/requests.json", {"service_code": "transport"}).json()
        assert coded == []


def test_status_turns_closed_when_answered(client, open311):
    request = CitizenRequest.objects.exclude(matter=None).get()
    matter, handler = request.matter, open311.street_handler
    with at(dt.date(2026, 3, 3)):
        matter = matter_services.accept_matter(matter, actor=handler, version=matter.version)
        matter = matter_services.request_completion(
            matter, actor=handler, version=matter.version, text="已修"
        )
        matter_services.review_completion(
            matter, actor=open311.supervisor, version=matter.version, outcome="approve"
        )
        rows = client.get(
            f"{BASE}/requests.json", {"service_request_id": request.work_order_number}
        ).json()
        closed = client.get(f"{BASE}/requests.json", {"status": "closed"}).json()
    assert rows[0]["status"] == "closed" and [r["service_request_id"] for r in closed] == [
        request.work_order_number
    ]


def test_post_a_request_with_an_api_key(client, open311):
    form = {
        "api_key": open311.key, "jurisdiction_id": "luoshi", "service_code": "environment",
        "lat": "34.75", "long": "113.62", "address_string": "幸福路12号",
        "description": "幸福路烧烤店油烟直排，熏得楼上没法开窗",
        "first_name": "丽", "last_name": "李", "phone": "13900005555",
        "attribute[request_type]": "complaint",
        "attribute[street]": str(open311.street.pk),
    }  # fmt: skip
    with at(dt.date(2026, 3, 3)):
        created = client.post(f"{BASE}/requests.json", form).json()
    conforms(created[0], CREATED)
    request = CitizenRequest.objects.get(work_order_number=created[0]["service_request_id"])
    assert (request.channel, request.category.code, request.district) == (
        "open311",
        "environment",
        open311.district,
    )
    assert (request.contact_name, request.contact_phone) == ("李 丽", "13900005555")
    token = client.get(f"{BASE}/tokens/{created[0]['token']}.json").json()
    assert token == [
        {"service_request_id": request.work_order_number, "token": created[0]["token"]}
    ]


@pytest.mark.parametrize(
    ("method", "path", "data", "status"),
    [
        (
            "post",
            "/requests.json",
            {"service_code": "urban", "address_string": "x", "description": "y"},
            403,
        ),
        (
            "post",
            "/requests.json",
            {"api_key": "KEY", "service_code": "nope", "address_string": "x"},
            400,
        ),
        (
            "post",
            "/requests.json",
            {"api_key": "KEY", "service_code": "urban", "description": "路灯坏了"},
            400,
        ),
        (
            "post",
            "/requests.json",
            {"api_key": "KEY", "service_code": "urban", "address_string": "x"},
            400,
        ),
        ("get", "/services/nope.json", {}, 404),
        ("get", "/requests/999.json", {}, 404),
        ("get", "/tokens/nope.json", {}, 404),
        ("get", "/services.json", {"jurisdiction_id": "elsewhere"}, 404),
        (
            "get",
            "/requests.json",
            {"start_date": "2025-01-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
            400,
        ),
        ("get", "/requests.json", {"start_date": "last week"}, 400),
        ("get", "/requests.json", {"status": "pending"}, 400),
    ],
)
def test_errors_in_the_specs_format(client, open311, method, path, data, status):
    data = {k: (open311.key if v == "KEY" else v) for k, v in data.items()}
    response = getattr(client, method)(BASE + path, data)
    assert response.status_code == status
    errors = response.json()
    assert isinstance(errors, list) and len(errors) == 1
    conforms(errors[0], ERROR)
    assert errors[0]["code"] == status
    xml = getattr(client, method)(BASE + path.replace(".json", ".xml"), data)
    root = ET.fromstring(xml.content)
    assert root.tag == "errors" and root.find("error/code").text == str(status)


def test_xml_follows_the_specs_element_names(client, open311):
    with at(dt.date(2026, 3, 3)):
        services_xml = ET.fromstring(client.get(f"{BASE}/services.xml").content)
        definition = ET.fromstring(client.get(f"{BASE}/services/urban.xml").content)
        requests_xml = ET.fromstring(client.get(f"{BASE}/requests.xml").content)
    assert services_xml.tag == "services" and services_xml.find("service/metadata").text == "true"
    assert definition.tag == "service_definition"
    attribute = definition.find("attributes/attribute")
    assert (
        attribute.find("datatype").text == "singlevaluelist"
        and attribute.find("values/value/key") is not None
    )
    assert requests_xml.tag == "service_requests"
    assert {e.tag for e in requests_xml.find("request")} == set(REQUEST)


@pytest.mark.django_db(transaction=True)
def test_a_real_open311_client_reads_the_endpoint(live_server, hotline):
    georeport = pytest.importorskip("georeport")
    requests = pytest.importorskip("requests")
    first = services.receive_request(call(hotline))  # now: the live server runs on the real clock
    key = issue_token(hotline.supervisor)[1]
    root = live_server.url + BASE
    client = georeport.GeoReport(root, jurisdiction="luoshi", api_key=key)
    assert [s["service_code"] for s in client.get_service_list()][:2] == ["urban", "environment"]
    assert client.get_service_definition("urban")["attributes"][0]["code"] == "request_type"
    listed = client.get_service_requests(
        status="open", start_date=(timezone.now() - dt.timedelta(days=30)).isoformat()
    )
    assert first.work_order_number in [r["service_request_id"] for r in listed]
    assert client.get_service_request(first.work_order_number)["status"] == "open"
    xml = georeport.GeoReport(root, jurisdiction="luoshi", output_format="xml")
    assert (
        xml.get_service_request(first.work_order_number)["service_request_id"]
        == first.work_order_number
    )
    # georeport reads only; the POST goes as the spec describes, form-encoded.
    posted = requests.post(
        root + "/requests.json",
        data={"api_key": key, "service_code": "labour", "address_string": "建设路工地",
              "description": "工地老板拖欠工资三个月", "phone": "13900006666"},
        timeout=10,
    )  # fmt: skip
    assert posted.status_code == 200
    number = posted.json()[0]["service_request_id"]
    assert client.get_service_request(number)["service_code"] == "labour"
    assert json.loads(posted.text)[0]["token"]


def test_a_read_only_token_may_not_post_a_request(hotline, client):
    key = issue_token(hotline.supervisor, scope="read")[1]
    response = client.post(
        f"{BASE}/requests.json",
        {"api_key": key, "service_code": "transport", "address_string": "人民路1号"},
    )
    assert response.status_code == 403 and "only read" in response.content.decode()


def test_an_open311_client_resending_with_its_key_enters_one_request(client, open311):
    form = {
        "api_key": open311.key, "jurisdiction_id": "luoshi", "service_code": "environment",
        "address_string": "幸福路12号", "description": "幸福路烧烤店油烟直排",
        "attribute[request_type]": "complaint",
    }  # fmt: skip
    with at(dt.date(2026, 3, 3)):
        answers = [
            client.post(f"{BASE}/requests.json", form, HTTP_IDEMPOTENCY_KEY="georeport-7f3a9c21")
            for _ in range(2)
        ]
    ids = {a.json()[0]["service_request_id"] for a in answers}
    assert len(ids) == 1
    assert CitizenRequest.objects.filter(channel="open311").count() == 1

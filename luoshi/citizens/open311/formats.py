"""GeoReport v2's two formats: JSON, and XML with the spec's element names.

Lists are wrapped as the spec shows them: <services><service>…, <service_requests>
<request>…, <errors><error>…; a service definition's attributes and their values as
<attributes><attribute>… and <values><value>…. Booleans are written true/false.
"""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from django.http import HttpResponse

ITEM_OF = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
}


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _element(name: str, value: object) -> ET.Element:
    element = ET.Element(name)
    if isinstance(value, dict):
        for key, child in value.items():
            element.append(_element(key, child))
    elif isinstance(value, list):
        for child in value:
            element.append(_element(ITEM_OF.get(name, "item"), child))
    else:
        element.text = _text(value)
    return element


def to_xml(root: str, value: object) -> bytes:
    body = ET.tostring(_element(root, value), encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>' + body).encode()


def respond(fmt: str, root: str, value: object, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        return HttpResponse(
            to_xml(root, value), content_type="text/xml; charset=utf-8", status=status
        )
    return HttpResponse(
        json.dumps(value, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
        status=status,
    )


def error(fmt: str, status: int, description: str) -> HttpResponse:
    """The spec's error: a list of {code, description}, with the HTTP status as the code."""
    return respond(fmt, "errors", [{"code": status, "description": description}], status)

"""The Content-Security-Policy breaks nothing: htmx, ECharts, the API docs and the second
factor's QR code work with no inline script, and the browser reports no violation."""

import pytest

from .seed import seeded_city

pytestmark = pytest.mark.django_db(transaction=True)


def test_no_page_violates_the_content_security_policy(session):
    seeded_city()
    violations = []
    session.page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    session.login("supervisor")
    session.go("/matters/")
    session.page.fill("input[name=q]", "营商")  # htmx swaps the list in
    session.page.wait_for_load_state("networkidle")
    session.go("/cockpit/")
    session.page.wait_for_selector("#chart-units svg")  # ECharts drew its charts
    session.go("/account/")
    session.page.click("#second-factor button[type=submit]")
    session.page.wait_for_selector("#otp-qr svg")
    session.go("/api/docs")
    session.page.wait_for_selector(".swagger-ui .opblock")  # Swagger UI ran, from our files
    assert not violations, violations

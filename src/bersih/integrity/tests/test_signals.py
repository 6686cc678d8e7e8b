"""The integrity signals page: oversight only, figures from each module, by week."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bersih.core.testing import sign_in
from bersih.services.testing import file_complaint, sipmas_staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]


def test_oversight_sees_the_reports_of_the_period_by_week(client, org, make_user):
    staff = sipmas_staff(org, make_user)
    file_complaint(org, "pungli", now=timezone.now() - timedelta(days=2))
    file_complaint(org, "misconduct", privacy="named", now=timezone.now() - timedelta(days=1))
    file_complaint(org, "aspiration", privacy="named")
    sign_in(client, staff.oversight)
    page = client.get(reverse("integrity:signals"))
    assert page.status_code == 200
    data = page.context["data"]
    assert data["reports"] == 2 and data["reports_open"] == 2
    assert sum(week["reports"] for week in data["weeks"]) == 2
    assert "2 reports, 2 still open" in page.content.decode()


def test_the_page_is_for_oversight_and_refuses_a_bad_period(client, org, make_user):
    staff = sipmas_staff(org, make_user)
    sign_in(client, staff.spkt)
    assert client.get(reverse("integrity:signals")).status_code == 403
    sign_in(client, staff.oversight)
    assert (
        client.get(reverse("integrity:signals"), {"start": "2026-12-01", "end": "2026-01-01"}).status_code
        == 400
    )

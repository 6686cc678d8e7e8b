"""The review pages: who may open them, out-of-scope cases answer 404, forms post with CSRF."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bersih.core.testing import sign_in
from bersih.etle import selectors, services
from bersih.etle.models import Violation
from bersih.etle.testing import event
from bersih.ledger.models import Entry

pytestmark = pytest.mark.usefixtures("english_messages")


def signed_in(client, user):
    sign_in(client, user)
    return client


def case_url(case, act=None):
    if act:
        return reverse("etle:review-decide", args=[case.tracking_number, act])
    return reverse("etle:review-case", args=[case.tracking_number])


def more_cases(etle, count):
    items = [event(100 + n, plate=f"B {2000 + n} FAB", event_id=f"more-{n}") for n in range(count)]
    services.captures_ingest(actor=etle.client.client, camera=etle.camera, items=items)


def test_the_queue_and_the_case_page_show_the_evidence(client, review):
    signed_in(client, review.investigator)
    queue = client.get(reverse("etle:review-queue"))
    assert queue.status_code == 200
    assert review.case.tracking_number in queue.content.decode()
    assert "Running a red light" in queue.content.decode()
    assert "A picture the violation needs is missing." not in queue.content.decode()  # both were sent
    page = client.get(case_url(review.case))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Budi Santoso" in body and "Rp500.000" in body and "Pasal 287 ayat (2)" in body
    image_urls = [
        reverse("etle:evidence-image", args=[review.case.tracking_number, link.pk])
        for link in review.case.captures.get().image_links.all()
    ]
    assert len(image_urls) == 2 and all(url in body for url in image_urls)
    picture = client.get(image_urls[0])
    assert picture.status_code == 200 and picture["Content-Type"] == "image/png"
    assert b"".join(picture.streaming_content).startswith(b"\x89PNG")
    assert "style=" not in body and "<script>" not in body


@pytest.mark.parametrize("who", ["officer", "supervisor"])
def test_staff_who_are_not_investigators_are_refused(client, review, who):
    signed_in(client, getattr(review, who))
    assert client.get(reverse("etle:review-queue")).status_code == 403
    assert client.post(case_url(review.case, "approve")).status_code == 403
    assert Violation.objects.get(pk=review.case.pk).status == Violation.CAPTURED


def test_a_case_of_another_polres_answers_404(client, review):
    signed_in(client, review.depok)
    assert review.case.tracking_number not in client.get(reverse("etle:review-queue")).content.decode()
    assert client.get(case_url(review.case)).status_code == 404
    assert client.post(case_url(review.case, "approve")).status_code == 404
    image = review.case.captures.get().image_links.first()
    assert (
        client.get(reverse("etle:evidence-image", args=[review.case.tracking_number, image.pk])).status_code
        == 404
    )
    assert Violation.objects.get(pk=review.case.pk).status == Violation.CAPTURED


def test_signed_out_people_go_to_sign_in(client, review):
    response = client.get(case_url(review.case))
    assert response.status_code == 302 and "next=" in response["Location"]


def test_approving_moves_on_to_the_next_case(client, review, etle):
    more_cases(etle, 1)
    signed_in(client, review.investigator)
    following = selectors.next_in_queue(review.investigator, after=review.case)
    response = client.post(case_url(review.case, "approve"))
    assert response.status_code == 302 and response["Location"] == case_url(following)
    assert Violation.objects.get(pk=review.case.pk).status == Violation.APPROVED
    # The last case decided: back to the (empty) queue.
    response = client.post(case_url(following, "reject"), {"reason": "duplicate"})
    assert response["Location"] == reverse("etle:review-queue")
    assert Violation.objects.get(pk=following.pk).status == Violation.REJECTED


def test_a_refused_act_shows_the_error_and_changes_nothing(client, review):
    signed_in(client, review.investigator)
    response = client.post(case_url(review.case, "reject"), {"reason": "other", "note": ""})
    assert response.status_code == 400 and "Explain the reason" in response.content.decode()
    response = client.post(case_url(review.case, "plate"), {"plate": "<b>"})
    assert response.status_code == 400 and "letters, digits" in response.content.decode()
    assert client.post(case_url(review.case, "launch")).status_code == 404
    assert Violation.objects.get(pk=review.case.pk).status == Violation.CAPTURED
    assert not Entry.objects.filter(action__startswith="etle.violation.").exists()


def test_a_decided_case_is_shown_read_only_and_refuses_a_second_decision(client, review):
    services.violation_approve(actor=review.investigator, violation=review.case)
    signed_in(client, review.investigator)
    page = client.get(case_url(review.case))
    assert page.status_code == 200 and "data-review-approve" not in page.content.decode()
    response = client.post(case_url(review.case, "reject"), {"reason": "duplicate"})
    assert response.status_code == 400 and "already decided" in response.content.decode()
    assert Violation.objects.get(pk=review.case.pk).status == Violation.APPROVED


def test_the_forms_need_the_csrf_token(review):
    client = Client(enforce_csrf_checks=True)
    signed_in(client, review.investigator)
    assert client.post(case_url(review.case, "approve")).status_code == 403
    assert Violation.objects.get(pk=review.case.pk).status == Violation.CAPTURED


def test_correcting_the_plate_stays_on_the_case(client, review):
    signed_in(client, review.investigator)
    response = client.post(case_url(review.case, "plate"), {"plate": "B 77 XY"})
    assert response.status_code == 302 and response["Location"] == case_url(review.case)
    assert Violation.objects.get(pk=review.case.pk).plate == "B 77 XY"


def test_the_queue_page_costs_the_same_queries_for_more_cases(review, etle, django_assert_max_num_queries):
    def queries():
        with CaptureQueriesContext(connection) as ctx:
            page = selectors.review_queue_page(review.investigator)
            for violation in page.object_list:
                for capture in violation.captures.all():
                    list(capture.image_links.all())
                violation.camera.name  # noqa: B018
        return len(ctx.captured_queries), len(page.object_list)

    review.investigator.active_assignments()  # read once per request, before the page
    few, shown = queries()
    assert shown == 1
    more_cases(etle, 30)
    many, shown = queries()
    assert shown == 25  # bounded: one page
    assert many == few <= 5


def test_the_queue_is_oldest_first_and_bounded(review, etle):
    more_cases(etle, 3)
    page = selectors.review_queue_page(review.investigator, per_page=1000)
    times = [v.first_captured_at for v in page.object_list]
    assert times == sorted(times) and len(page.object_list) == 4


def test_oversight_counts_decisions_per_officer(client, review, etle):
    more_cases(etle, 2)
    cases = list(selectors.review_queue(review.investigator))
    services.violation_approve(actor=review.investigator, violation=cases[0])
    services.violation_reject(actor=review.investigator, violation=cases[1], reason="camera_fault")
    services.violation_correct_plate(actor=review.investigator, violation=cases[2], plate="B 5 AB")
    (row,) = selectors.decision_rates(review.supervisor)
    assert row["officer"] == review.investigator
    assert (row["approved"], row["rejected"], row["corrected"], row["decided"]) == (1, 1, 1, 2)
    assert (row["approval_rate"], row["rejection_rate"]) == (50, 50)
    assert selectors.decision_rates(review.officer) == []  # not an oversight role
    signed_in(client, review.supervisor)
    page = client.get(reverse("etle:review-oversight"))
    assert page.status_code == 200 and review.investigator.full_name in page.content.decode()
    signed_in(client, review.investigator)
    assert client.get(reverse("etle:review-oversight")).status_code == 403


def test_the_queue_names_the_flags(client, review, etle):
    more_cases(etle, 1)  # an unregistered plate
    signed_in(client, review.investigator)
    body = client.get(reverse("etle:review-queue")).content.decode()
    assert "The plate is not in the vehicle registry." in body and "not registered" in body


def test_a_picture_changed_in_storage_is_never_shown(client, review):
    """Evidence whose bytes no longer match their SHA-256 answers 404, not the altered picture."""
    from django.core.files.storage import default_storage

    signed_in(client, review.investigator)
    link = review.case.captures.get().image_links.first()
    url = reverse("etle:evidence-image", args=[review.case.tracking_number, link.pk])
    assert client.get(url).status_code == 200
    with default_storage.open(link.file.storage_name, "wb") as handle:
        handle.write(b"\x89PNG altered")
    assert client.get(url).status_code == 404

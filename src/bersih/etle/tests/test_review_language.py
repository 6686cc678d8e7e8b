"""The review pages speak Indonesian by default (the installation's language)."""

from django.urls import reverse

from bersih.core.models import User
from bersih.core.testing import sign_in


def test_the_case_page_is_in_indonesian(client, review):
    User.objects.filter(pk=review.investigator.pk).update(language="id")
    review.investigator.refresh_from_db()
    sign_in(client, review.investigator)
    body = client.get(reverse("etle:review-case", args=[review.case.tracking_number])).content.decode()
    assert "Setujui" in body and "Denda maksimal" in body and "Perbaiki pelat nomor" in body
    queue = client.get(reverse("etle:review-queue")).content.decode()
    assert "1 kasus menunggu, yang terlama lebih dulu." in queue

"""The public verification page and the staff download."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bersih.core.tracking import LOOKUP_FAILURE_LIMIT, new_tracking_number
from bersih.documents.services import document_code_new, document_issue

from .test_letters import _flip_in_signed_content, forged_signature, make_letter

# These tests compare messages with their English source text (the default language is Indonesian).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]


@pytest.fixture
def issued(org, officer, cache_table):
    code = document_code_new()
    return document_issue(
        actor=officer,
        unit=org.bks_satlantas,
        kind="letter",
        title="Pemberitahuan pembayaran denda",
        pdf_bytes=make_letter(org.bks_satlantas, code),
        code=code,
    )


def pdf_upload(data: bytes, name: str = "surat.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def test_verification_page_offers_the_form(client, cache_table):
    response = client.get(reverse("documents:verify"))
    assert response.status_code == 200
    assert b'name="code"' in response.content and b'name="file"' in response.content


def test_entering_a_code_opens_its_page_in_canonical_form(client, issued):
    typed = issued.code.lower().replace("-", " ")
    response = client.get(reverse("documents:verify"), {"code": typed})
    assert response.status_code == 302
    assert response["Location"] == reverse("documents:verify-code", kwargs={"code": issued.code})
    # The QR code's URL, typed sloppily, redirects too.
    sloppy = client.get(reverse("documents:verify-code", kwargs={"code": issued.code.lower()}))
    assert sloppy.status_code == 302


def test_code_page_shows_public_facts_only(client, issued, officer):
    response = client.get(reverse("documents:verify-code", kwargs={"code": issued.code}))
    assert response.status_code == 200
    body = response.content.decode()
    assert issued.title in body
    assert "Satlantas Polres Metro Bekasi" in body
    assert "Polres Metro Bekasi" in issued.signer_subject and issued.signer_subject in body
    # Not who pressed the button, not where the file lives, no download link for the public.
    assert officer.username not in body and officer.display_name not in body
    assert issued.file.storage_name not in body
    assert reverse("documents:download", kwargs={"code": issued.code}) not in body


def test_uploading_the_issued_pdf_confirms_it(client, issued):
    url = reverse("documents:verify-code", kwargs={"code": issued.code})
    response = client.post(url, {"file": pdf_upload(issued.file.read())})
    assert response.status_code == 200
    assert response.context["matches"] is True
    assert response.context["result"].ok
    assert "exactly the document that was issued" in response.content.decode()


def test_uploading_an_altered_copy_is_refused(client, issued):
    url = reverse("documents:verify-code", kwargs={"code": issued.code})
    response = client.post(url, {"file": pdf_upload(_flip_in_signed_content(issued.file.read()))})
    assert response.status_code == 200
    assert response.context["matches"] is False
    result = response.context["result"]
    assert not result.intact and not result.genuine
    assert "NOT the document" in response.content.decode()


def test_uploading_any_pdf_without_a_code(client, issued, org):
    response = client.post(reverse("documents:verify"), {"file": pdf_upload(issued.file.read())})
    assert response.status_code == 200
    assert response.context["document"] == issued and response.context["matches"]
    forged = forged_signature(make_letter(org.bks, document_code_new()))
    response = client.post(reverse("documents:verify"), {"file": pdf_upload(forged)})
    assert response.status_code == 200
    assert response.context["document"] is None
    assert response.context["result"].signed and not response.context["result"].genuine


def test_code_and_a_different_file(client, issued, org):
    other = forged_signature(make_letter(org.bks, document_code_new()))
    response = client.post(reverse("documents:verify"), {"code": issued.code, "file": pdf_upload(other)})
    assert response.status_code == 200
    assert response.context["document"] == issued
    assert response.context["matches"] is False


@pytest.mark.parametrize(
    "content",
    [b"<html><body>not a pdf</body></html>", b"MZ\x90\x00" + b"\x00" * 64, b""],
    ids=["html", "exe", "empty"],
)
def test_wrong_uploads_are_refused_with_a_clear_error(client, cache_table, content):
    response = client.post(reverse("documents:verify"), {"file": pdf_upload(content)})
    assert response.status_code == 400
    assert response.context["form"].errors


def test_oversized_upload_is_refused(client, cache_table, settings):
    from bersih.documents import rules

    settings.MAX_REQUEST_BYTES = 50 * 1024 * 1024
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
    data = b"%PDF-1.7\n" + b"0" * (rules.MAX_VERIFY_BYTES + 1)
    response = client.post(reverse("documents:verify"), {"file": pdf_upload(data)})
    assert response.status_code == 400
    assert "largest allowed" in str(response.context["form"].errors)


def test_typo_in_a_code_says_so(client, issued):
    wrong = issued.code[:-1] + ("A" if issued.code[-1] != "A" else "B")
    response = client.post(reverse("documents:verify"), {"code": wrong})
    assert response.status_code == 400
    assert "typo" in str(response.context["form"].errors)


def test_unknown_code_is_404(client, issued):
    unknown = new_tracking_number("DOC")
    response = client.get(reverse("documents:verify-code", kwargs={"code": unknown}))
    assert response.status_code == 404
    assert issued.title not in response.content.decode()


def test_repeated_wrong_codes_are_rate_limited(client, issued):
    for _ in range(LOOKUP_FAILURE_LIMIT):
        miss = client.get(reverse("documents:verify-code", kwargs={"code": new_tracking_number("DOC")}))
        assert miss.status_code == 404
    # Now even a right code is refused from this address: guessing cannot continue.
    blocked = client.get(reverse("documents:verify-code", kwargs={"code": issued.code}))
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) > 0
    assert issued.title not in blocked.content.decode()
    other_address = client.get(
        reverse("documents:verify-code", kwargs={"code": issued.code}), REMOTE_ADDR="198.51.100.4"
    )
    assert other_address.status_code == 200


def test_staff_in_scope_download_the_issued_pdf(client, issued, officer):
    client.force_login(officer)
    response = client.get(reverse("documents:download", kwargs={"code": issued.code}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == issued.file.read()


def test_staff_out_of_scope_get_404(client, issued, org, make_user):
    outsider = make_user("officer-dpk", "officer", org.dpk_satlantas)
    client.force_login(outsider)
    assert client.get(reverse("documents:download", kwargs={"code": issued.code})).status_code == 404


def test_anonymous_download_goes_to_sign_in(client, issued):
    response = client.get(reverse("documents:download", kwargs={"code": issued.code}))
    assert response.status_code == 302
    assert reverse("core:login") in response["Location"]


def test_document_codes_answer_tracking_lookups(issued):
    from bersih.core.tracking import parse, registration_for

    provider = registration_for(issued.code).provider()
    events = provider.public_timeline(parse(issued.code), "")
    assert next(event.at for event in events) == issued.issued_at
    assert "Satlantas Polres Metro Bekasi" in events[0].label
    assert provider.public_timeline(parse(new_tracking_number("DOC")), "") is None


def test_staff_list_shows_documents_in_scope_only(
    client, issued, org, make_user, officer, django_assert_max_num_queries
):
    from bersih.documents.services import document_issue as issue

    code = document_code_new()
    other = issue(
        actor=officer,
        unit=org.dpk,
        kind="letter",
        title="Surat Depok",
        pdf_bytes=make_letter(org.dpk, code),
        code=code,
    )
    client.force_login(officer)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("documents:list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert issued.code in body and other.code not in body
    assert [entry.key for entry in response.context["navigation"]].count("documents") == 1

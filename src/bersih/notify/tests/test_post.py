"""Post: letters into the post room, the daily batch (letters PDF, labels, manifest), returns."""

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage

from bersih.ledger.models import Entry
from bersih.ledger.services import SYSTEM
from bersih.notify import services
from bersih.notify.models import PostBatch, PostLetter
from bersih.notify.postroom import page_count, plain_letter_pdf

from .conftest import CONTEXT

pytestmark = pytest.mark.django_db
WIB = ZoneInfo("Asia/Jakarta")

ADDRESSES = [
    {"name": "Ani", "street": "Jl. Melati 3", "city": "Kota Bekasi", "postcode": "17145"},
    {"name": "Bayu", "street": "Jl. Anggrek 9", "city": "Kabupaten Bekasi", "postcode": "17520"},
    {"name": "Citra", "street": "Jl. Kenanga 1", "city": "Kota Bekasi", "postcode": "17141"},
]


def _letter(queue, address, key, **extra):
    message = queue(
        channel="post", recipient="", context={**CONTEXT, "address": address}, idempotency_key=key, **extra
    )
    assert services.message_deliver(message_id=message.pk) == "sent"
    return PostLetter.objects.get(message=message)


def _read(path) -> bytes:
    with default_storage.open(path, "rb") as handle:
        return handle.read()


def _page_text(pdf: bytes, index: int) -> bytes:
    from pyhanko.pdf_utils.reader import PdfFileReader

    page_ref, _ = PdfFileReader(io.BytesIO(pdf), strict=False).find_page_for_modification(index)
    return page_ref.get_object()["/Resources"]["/XObject"]["/Letter"].data


def test_letter_goes_to_the_post_room_of_the_polres(queue, org):
    letter = _letter(queue, ADDRESSES[0], "l1")
    assert letter.unit == org.bks and letter.status == "waiting"
    assert letter.tracking_code.startswith("SR") and len(letter.tracking_code) == 12
    assert letter.message.provider_message_id == letter.tracking_code


def test_letter_without_complete_address_is_refused(queue):
    with pytest.raises(ValidationError, match="postcode"):
        queue(
            channel="post",
            recipient="",
            context={**CONTEXT, "address": {"name": "A", "street": "B", "city": "C"}},
        )


def test_module_pdf_is_used_as_the_letter(queue):
    pdf = plain_letter_pdf(["X"], "page one\n" * 60)
    assert page_count(pdf) == 2
    letter = _letter(
        queue,
        ADDRESSES[0],
        "l2",
        attachments=[{"name": "surat.pdf", "content_type": "application/pdf", "content": pdf}],
    )
    assert letter.pages == 2


def test_resending_a_letter_after_a_crash_does_not_duplicate_it(queue):
    from datetime import timedelta

    from django.utils import timezone

    from bersih.notify import rules as policy
    from bersih.notify.channels.post import PostChannel

    message = queue(
        channel="post", recipient="", context={**CONTEXT, "address": ADDRESSES[0]}, idempotency_key="l3"
    )
    claimed, _ = services.message_claim(message_id=message.pk)
    PostChannel().send(claimed)
    services.messages_deliver_due(now=timezone.now() + policy.CLAIM_LEASE + timedelta(seconds=1))
    assert PostLetter.objects.filter(message=message).count() == 1


def test_daily_batch_files(queue, org):
    letters = [_letter(queue, address, f"b{i}") for i, address in enumerate(ADDRESSES)]
    batch = services.post_batch_build(actor=SYSTEM, unit=org.bks, day=date(2026, 3, 2))
    assert batch.letter_count == 3
    expected_order = ["Citra", "Ani", "Bayu"]  # postcode, then city, then street
    rows = list(csv.DictReader(io.StringIO(_read(batch.manifest_csv).decode())))
    assert [row["name"] for row in rows] == expected_order
    codes = {letter.name: letter.tracking_code for letter in letters}
    assert [row["tracking_code"] for row in rows] == [codes[name] for name in expected_order]
    letters_pdf = _read(batch.letters_pdf)
    assert page_count(letters_pdf) == sum(x.pages for x in letters)
    # Each page carries its letter: the addressees appear page by page in address order.
    for index, name in enumerate(expected_order):
        assert f"({name})".encode() in _page_text(letters_pdf, index)
    assert page_count(_read(batch.labels_pdf)) == 1
    manifest = _read(batch.manifest_pdf)
    assert manifest.startswith(b"%PDF") and page_count(manifest) == 1
    assert set(PostLetter.objects.values_list("status", flat=True)) == {"batched"}
    entry = Entry.objects.get(action="notify.post_batch.built")
    assert entry.data["letters"] == [codes[name] for name in expected_order]


def test_batch_is_built_once_per_day(queue, org):
    _letter(queue, ADDRESSES[0], "c1")
    day = date(2026, 3, 2)
    assert services.post_batch_build(actor=SYSTEM, unit=org.bks, day=day) is not None
    _letter(queue, ADDRESSES[1], "c2")  # arrives after the day's batch: waits for tomorrow's
    assert services.post_batch_build(actor=SYSTEM, unit=org.bks, day=day) is None
    assert PostBatch.objects.count() == 1
    tomorrow = services.post_batch_build(actor=SYSTEM, unit=org.bks, day=date(2026, 3, 3))
    assert tomorrow.letter_count == 1


def test_labels_fill_several_sheets(queue, org):
    for i in range(25):
        _letter(queue, {**ADDRESSES[0], "name": f"Warga {i}"}, f"s{i}")
    batch = services.post_batch_build(actor=SYSTEM, unit=org.bks, day=date(2026, 3, 2))
    assert page_count(_read(batch.labels_pdf)) == 2  # 24 labels per sheet


def test_sweep_builds_after_cut_off_only(queue, org):
    _letter(queue, ADDRESSES[0], "d1")
    morning = datetime(2026, 3, 2, 9, 0, tzinfo=WIB)
    assert services.post_batches_due(morning)["built"] == 0
    afternoon = datetime(2026, 3, 2, 15, 0, tzinfo=WIB)
    assert services.post_batches_due(afternoon) == {"built": 1}
    assert services.post_batches_due(afternoon) == {"built": 0}  # idempotent
    assert PostBatch.objects.get().day == date(2026, 3, 2)


def test_returned_letter_tells_the_module(queue, org, make_user, monkeypatch):
    monkeypatch.setattr(services, "_RETURN_HANDLERS", {})
    calls = []
    services.register_return_handler("notify.test", lambda **kw: calls.append(kw))
    letter = _letter(queue, ADDRESSES[0], "r1")
    clerk = make_user("clerk", "officer", org.bks)
    services.post_letter_return(
        actor=clerk, letter=letter, reason="alamat_tidak_ditemukan", note="rumah kosong"
    )
    letter.refresh_from_db()
    assert letter.status == "returned" and letter.return_reason == "alamat_tidak_ditemukan"
    assert calls and calls[0]["reason"] == "alamat_tidak_ditemukan" and calls[0]["letter"].pk == letter.pk
    entry = Entry.objects.get(action="notify.letter.returned")
    assert entry.data["tracking_code"] == letter.tracking_code
    with pytest.raises(ValidationError):
        services.post_letter_return(actor=clerk, letter=letter, reason="ditolak")
    with pytest.raises(ValidationError):
        services.post_letter_return(actor=clerk, letter=_letter(queue, ADDRESSES[1], "r2"), reason="hilang")

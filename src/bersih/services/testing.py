"""Test and demo helpers for Sipmas: staff of the handling units and ready-made cases."""

from __future__ import annotations

from types import SimpleNamespace

from .services import Upload, case_submit

# The smallest valid PDF and PNG, for requirement uploads in tests and demos.
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
NIK = "3275011705900001"


def requirement_uploads(service: str, *, salt: str = "") -> list[Upload]:
    """One distinct small PDF per required upload of ``service``."""
    from . import rules

    return [
        Upload(PDF_BYTES + f"% {service} {r.code} {salt}\n".encode(), f"{r.code}.pdf", r.code)
        for r in rules.SERVICES[service].requirements
        if r.upload and r.required
    ]


def sipmas_staff(org, make_user, prefix: str = "") -> SimpleNamespace:
    """Officers and heads of the Bekasi units that handle Sipmas cases, plus leadership and oversight."""
    people = {}
    for key, role, unit in (
        ("siwas", "officer", org.bks_siwas),
        ("siwas_head", "supervisor", org.bks_siwas),
        ("propam", "officer", org.bks_propam),
        ("intelkam", "officer", org.bks_intelkam),
        ("intelkam_head", "supervisor", org.bks_intelkam),
        ("spkt", "officer", org.bks_spkt),
        ("spkt_head", "supervisor", org.bks_spkt),
        ("satlantas", "officer", org.bks_satlantas),
        ("satlantas_head", "supervisor", org.bks_satlantas),
        ("kapolres", "leadership", org.bks),
        ("oversight", "oversight", org.bks),
        ("depok", "officer", org.dpk_spkt),
    ):
        people[key] = make_user(
            f"{prefix}{key}", role, unit, language="en", email=f"{prefix}{key}@polri.test"
        )
    return SimpleNamespace(**people)


def file_request(org, service: str = "sktlk", **overrides):
    """A named online request of ``service`` at Polres Bekasi with its required uploads."""
    fields = {
        "service": service,
        "unit": org.bks,
        "title": "Dompet hilang",
        "description": "Hilang di pasar",
        "requester": {"full_name": "Siti Aminah", "nik": NIK, "phone": "0812-3456-7890"},
        "uploads": requirement_uploads(service, salt=overrides.pop("salt", "")),
    }
    fields.update(overrides)
    return case_submit(**fields)


def file_complaint(org, category: str = "pungli", privacy: str = "anonim", **overrides):
    """A complaint at Polres Bekasi (anonymous pungli report by default)."""
    fields = {
        "service": "dumas",
        "unit": org.bks,
        "category": category,
        "privacy": privacy,
        "title": "Diminta uang tambahan",
        "description": "Petugas meminta Rp200.000 agar cepat selesai.",
        "requester": None if privacy == "anonim" else {"full_name": "Budi", "email": "budi@example.id"},
    }
    fields.update(overrides)
    return case_submit(**fields)

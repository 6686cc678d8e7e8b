"""Builders for tests (and the benchmarks): a small organisation and people in given roles."""

from __future__ import annotations

from functools import cache
from types import SimpleNamespace

from django.contrib.auth.hashers import make_password

from .models import Agency, Assignment, Unit, User

TEST_PASSWORD = "correct-horse-battery-staple"  # noqa: S105 - a fixture's password, never a real one


def build_test_org() -> SimpleNamespace:
    """Polda Metro Jaya with Polres Metro Bekasi and Polres Metro Depok, each with functional units."""
    polda = Unit.objects.create(code="pmj", name="Polda Metro Jaya", kind="polda")
    ns = SimpleNamespace(polda=polda)
    for prefix, name in (("bks", "Polres Metro Bekasi"), ("dpk", "Polres Metro Depok")):
        polres = Unit.objects.create(code=prefix, name=name, kind="polres", parent=polda)
        setattr(ns, prefix, polres)
        for kind in ("leadership", "satlantas", "spkt", "intelkam", "reskrim", "siwas", "propam"):
            unit = Unit.objects.create(
                code=f"{prefix}-{kind}", name=f"{kind.title()} {name}", kind=kind, parent=polres
            )
            setattr(ns, f"{prefix}_{kind}", unit)
        satpas = Unit.objects.create(
            code=f"{prefix}-satpas",
            name=f"Satpas {name}",
            kind="satpas",
            parent=getattr(ns, f"{prefix}_satlantas"),
        )
        setattr(ns, f"{prefix}_satpas", satpas)
        ppa = Unit.objects.create(
            code=f"{prefix}-ppa", name=f"Unit PPA {name}", kind="ppa", parent=getattr(ns, f"{prefix}_reskrim")
        )
        setattr(ns, f"{prefix}_ppa", ppa)
    ns.kejari = Agency.objects.create(
        code="kejari-bks", name="Kejaksaan Negeri Kabupaten Bekasi", kind="kejari"
    )
    ns.pn = Agency.objects.create(code="pn-cikarang", name="Pengadilan Negeri Cikarang", kind="pn")
    ns.kejari.partner_units.add(ns.bks)
    ns.pn.partner_units.add(ns.bks)
    return ns


@cache
def _test_password_hash() -> str:
    """Hashing is slow on purpose (argon2); tests share one hash of the one test password."""
    return make_password(TEST_PASSWORD)


def make_user(
    username: str, role: str | None = None, unit: Unit | None = None, agency: Agency | None = None, **fields
) -> User:
    """A person with one role assignment (or none) and the shared test password."""
    user = User.objects.create(
        username=username,
        password=_test_password_hash(),
        full_name=fields.pop("full_name", username.title()),
        **fields,
    )
    if role:
        Assignment.objects.create(user=user, role=role, unit=unit, agency=agency)
    return user


def sign_in(client, user) -> None:
    """Sign ``user`` in on a test client, second factor included where their roles need one.

    Pages behind a sensitive role are only reached after the second factor; this gives the user a
    confirmed TOTP device (if they have none) and marks the session as verified with it.
    """
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from .auth import needs_second_factor

    client.force_login(user)
    if needs_second_factor(user):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
            user=user, name="test", confirmed=True
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

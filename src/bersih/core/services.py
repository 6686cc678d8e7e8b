"""Every write of the core app: keyword-only ``<noun>_<verb>(*, actor, …)`` functions, one transaction
each, each recording its ledger entry in that same transaction.
"""

from __future__ import annotations

import datetime as dt
from binascii import unhexlify

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bersih import ledger
from bersih.ledger.services import SystemActor

from . import rules as policy
from .models import Agency, Assignment, Unit, User

# ==================================================================================================
# People and roles
# ==================================================================================================
#
# Only administrators manage people, and only inside the unit subtrees where they hold the
# administrator role. The system actor (seeding, operator commands) and Django superusers (the
# operators of the installation) manage the whole tree. Nobody changes their own roles or account:
# a second administrator must, so that no one can widen their own access unobserved.

WHOLE_TREE = None


def _administered_paths(actor) -> list[str] | None:
    """Unit paths ``actor`` may administer, ``WHOLE_TREE`` (None) for the system and superusers."""
    if isinstance(actor, SystemActor):
        return WHOLE_TREE
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied(_("Only an administrator may manage people and roles."))
    if actor.is_superuser:
        return WHOLE_TREE
    paths = sorted(
        {a.unit.path for a in actor.active_assignments() if a.role == "administrator" and a.unit_id}
    )
    if not paths:
        raise PermissionDenied(_("Only an administrator may manage people and roles."))
    return paths


def _unit_in(paths: list[str] | None, unit: Unit) -> bool:
    return paths is WHOLE_TREE or any(unit.path.startswith(path) for path in paths)


def _agency_in(paths: list[str] | None, agency: Agency) -> bool:
    """An agency is administered from the police units it partners with."""
    return paths is WHOLE_TREE or any(_unit_in(paths, unit) for unit in agency.partner_units.all())


def _place_in(paths, assignment_or_place) -> bool:
    """Whether an assignment (or the unit or agency it would be held in) lies inside ``paths``."""
    if isinstance(assignment_or_place, Unit):
        return _unit_in(paths, assignment_or_place)
    if isinstance(assignment_or_place, Agency):
        return _agency_in(paths, assignment_or_place)
    unit = getattr(assignment_or_place, "unit", None)
    agency = getattr(assignment_or_place, "agency", None)
    if unit is not None:
        return _unit_in(paths, unit)
    if agency is not None:
        return _agency_in(paths, agency)
    return paths is WHOLE_TREE


def _refuse_self(actor, user: User, message: str) -> None:
    if getattr(actor, "pk", None) is not None and actor.pk == user.pk and not isinstance(actor, SystemActor):
        raise PermissionDenied(message)


def _require_user_in_scope(paths, user: User) -> None:
    """A person is in an administrator's scope when every role they hold now lies inside it."""
    if paths is WHOLE_TREE:
        return
    held = list(user.active_assignments())
    if any(not _place_in(paths, a) for a in held):
        raise PermissionDenied(_("This person holds a role outside the units you administer."))


def _yesterday() -> dt.date:
    return timezone.localdate() - dt.timedelta(days=1)


def _assignment_data(assignment: Assignment) -> dict:
    return {
        "user": assignment.user.get_username(),
        "role": assignment.role,
        "unit": assignment.unit.code if assignment.unit_id else None,
        "agency": assignment.agency.code if assignment.agency_id else None,
        "starts_on": assignment.starts_on.isoformat(),
        "ends_on": assignment.ends_on.isoformat() if assignment.ends_on else None,
        "sensitive": assignment.role in policy.SENSITIVE_ROLES,
    }


def _validate_place(role: str, unit: Unit | None, agency: Agency | None) -> None:
    if role not in policy.ROLES:
        raise ValidationError({"role": _("Unknown role.")})
    if role in policy.AGENCY_ROLES:
        if agency is None or unit is not None:
            raise ValidationError({"agency": _("This role is held in a partner agency, not a unit.")})
        if not agency.active:
            raise ValidationError({"agency": _("This agency is no longer active.")})
    else:
        if unit is None or agency is not None:
            raise ValidationError({"unit": _("This role is held in a police unit, not an agency.")})
        if not unit.active:
            raise ValidationError({"unit": _("This unit is no longer active.")})


@transaction.atomic
def assignment_grant(
    *,
    actor,
    user: User,
    role: str,
    unit: Unit | None = None,
    agency: Agency | None = None,
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
) -> Assignment:
    """Give ``user`` a role in a unit (its subtree is their scope) or in a partner agency.

    Re-granting a role that has ended reopens its row (the ledger keeps both periods).
    """
    paths = _administered_paths(actor)
    _refuse_self(actor, user, _("You cannot change your own roles; ask another administrator."))
    _validate_place(role, unit, agency)
    if not _place_in(paths, unit or agency):
        raise PermissionDenied(_("You can only grant roles in the units you administer."))
    # Serialise grants to one person, so two administrators cannot race past the duplicate check.
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not locked.is_active:
        raise ValidationError(_("This account is deactivated; activate it before granting roles."))
    today = timezone.localdate()
    starts_on = starts_on or today
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": _("The end date must not be before the start date.")})
    existing = Assignment.objects.filter(user=user, role=role, unit=unit, agency=agency).first()
    if existing is not None and (existing.ends_on is None or existing.ends_on >= today):
        raise ValidationError(_("This person already holds this role there."))
    if existing is not None:
        assignment = existing
        assignment.starts_on, assignment.ends_on = starts_on, ends_on
        assignment.granted_by = actor if isinstance(actor, User) else None
        assignment.save(update_fields=["starts_on", "ends_on", "granted_by"])
    else:
        assignment = Assignment.objects.create(
            user=user,
            role=role,
            unit=unit,
            agency=agency,
            starts_on=starts_on,
            ends_on=ends_on,
            granted_by=actor if isinstance(actor, User) else None,
        )
    ledger.record(
        actor=actor,
        action="core.assignment.granted",
        subject=assignment,
        data={**_assignment_data(assignment), "reopened": existing is not None},
        unit=unit,
    )
    user.forget_roles()
    return assignment


@transaction.atomic
def assignment_end(*, actor, assignment: Assignment, ends_on: dt.date | None = None) -> Assignment | None:
    """End a role. ``ends_on`` is the last day it is held; without it the role ends now.

    A role ended before its first full day (granted today, or not yet started) is removed outright:
    the ledger keeps its grant and its end. Returns the assignment, or None when it was removed.
    """
    paths = _administered_paths(actor)
    assignment = (
        # Lock only the assignment row (PostgreSQL cannot lock the nullable side of the joins).
        Assignment.objects.select_for_update(of=("self",))
        .select_related("user", "unit", "agency")
        .get(pk=assignment.pk)
    )
    _refuse_self(actor, assignment.user, _("You cannot change your own roles; ask another administrator."))
    if not _place_in(paths, assignment):
        raise PermissionDenied(_("You can only end roles in the units you administer."))
    today = timezone.localdate()
    if assignment.ends_on is not None and assignment.ends_on < today:
        raise ValidationError(_("This role has already ended."))
    last_day = ends_on if ends_on is not None else _yesterday()
    if ends_on is not None and ends_on < assignment.starts_on:
        raise ValidationError({"ends_on": _("The end date must not be before the start date.")})
    if assignment.ends_on is not None and last_day > assignment.ends_on:
        raise ValidationError({"ends_on": _("A role cannot be extended by ending it later; grant it again.")})
    data = _assignment_data(assignment)
    assignment_id = assignment.pk
    removed = last_day < assignment.starts_on
    if removed:
        assignment.delete()
    else:
        assignment.ends_on = last_day
        assignment.save(update_fields=["ends_on"])
    data.update(ends_on=last_day.isoformat(), removed=removed)
    ledger.record(
        actor=actor,
        action="core.assignment.ended",
        subject=("core.assignment", assignment_id, ""),
        data=data,
        unit=assignment.unit,
    )
    assignment.user.forget_roles()
    return None if removed else assignment


@transaction.atomic
def user_create(
    *,
    actor,
    username: str,
    full_name: str,
    email: str = "",
    nrp: str = "",
    rank: str = "",
    phone: str = "",
    language: str = "id",
    is_staff: bool = False,
    password: str | None = None,
) -> User:
    """Open an account. Without a password the person sets one through the e-mailed reset link."""
    _administered_paths(actor)
    username = (username or "").strip()
    errors: dict[str, list[str]] = {}
    if not username:
        errors["username"] = [_("A username is required.")]
    else:
        try:
            User.username_validator(username)
        except ValidationError as exc:
            errors["username"] = exc.messages
        if User.objects.filter(username__iexact=username).exists():
            errors["username"] = [_("This username is already taken.")]
    if not (full_name or "").strip():
        errors["full_name"] = [_("The full name is required.")]
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            errors["email"] = exc.messages
    if language not in {"id", "en"}:
        errors["language"] = [_("Unknown language.")]
    user = User(
        username=username,
        full_name=full_name.strip(),
        email=email,
        nrp=nrp,
        rank=rank,
        phone=phone,
        language=language,
        is_staff=is_staff,
    )
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    ledger.record(
        actor=actor,
        action="core.user.created",
        subject=user,
        data={"username": user.username, "full_name": user.full_name, "is_staff": is_staff},
    )
    return user


# Fields an administrator may change on an account (roles, activity and passwords have their own
# services); the permission-bearing ones are recorded with their new values.
USER_EDITABLE_FIELDS = ("full_name", "email", "nrp", "rank", "phone", "language", "preferred_channel")
USER_PERMISSION_FIELDS = ("is_staff",)


@transaction.atomic
def user_update(*, actor, user: User, **changes) -> User:
    """Change an account's profile (and whether it may open the administration site)."""
    paths = _administered_paths(actor)
    unknown = set(changes) - set(USER_EDITABLE_FIELDS) - set(USER_PERMISSION_FIELDS)
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed here: %(fields)s") % {"fields": sorted(unknown)}
        )
    if "is_staff" in changes:
        _refuse_self(actor, user, _("You cannot change your own access; ask another administrator."))
    _require_user_in_scope(paths, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    changed = {name: value for name, value in changes.items() if getattr(user, name) != value}
    if not changed:
        return user
    for name, value in changed.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password", "username"])
    user.save(update_fields=list(changed))
    ledger.record(
        actor=actor,
        action="core.user.changed",
        subject=user,
        data={
            "fields": sorted(changed),
            **{name: changed[name] for name in USER_PERMISSION_FIELDS if name in changed},
        },
    )
    return user


@transaction.atomic
def user_deactivate(*, actor, user: User, reason: str) -> User:
    """Close an account: it can no longer sign in and its open sessions stop working."""
    paths = _administered_paths(actor)
    _refuse_self(actor, user, _("You cannot deactivate your own account."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the account is deactivated.")})
    _require_user_in_scope(paths, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise ValidationError(_("This account is already deactivated."))
    user.is_active = False
    user.save(update_fields=["is_active"])
    ledger.record(actor=actor, action="core.user.deactivated", subject=user, data={"reason": reason.strip()})
    return user


@transaction.atomic
def user_activate(*, actor, user: User, reason: str = "") -> User:
    paths = _administered_paths(actor)
    _refuse_self(actor, user, _("You cannot activate your own account."))
    _require_user_in_scope(paths, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        raise ValidationError(_("This account is already active."))
    user.is_active = True
    user.save(update_fields=["is_active"])
    ledger.record(actor=actor, action="core.user.activated", subject=user, data={"reason": reason.strip()})
    return user


# ==================================================================================================
# Sign-in events
# ==================================================================================================
#
# Django's and django-axes' sign-in signals call these (core.auth connects them); they only record.
# No password, code or secret is ever written to the ledger.

USERNAME_LIMIT = 150


def _client(request) -> dict:
    if request is None:
        return {}
    from .ratelimit import client_ip

    address = getattr(request, "axes_ip_address", None) or client_ip(request)
    return {"ip": address}


def _home_unit(user) -> Unit | None:
    """The unit an account's entries are filed under (so the oversight of that unit sees them)."""
    assignment = next((a for a in user.active_assignments() if a.unit_id), None)
    return assignment.unit if assignment else None


def _user_subject(username: str):
    user = User.objects.filter(username=username).first()
    return user if user is not None else ("core.user", "", username)


@transaction.atomic
def sign_in_record_success(*, request, user: User) -> None:
    from .auth import needs_second_factor

    ledger.record(
        actor=user,
        action="core.auth.signed_in",
        subject=user,
        data={**_client(request), "second_factor_required": needs_second_factor(user)},
        unit=_home_unit(user),
    )


def _refused_while_locked(request) -> bool:
    """True for an attempt axes refused because the account was already locked.

    Axes marks such a request as locked out before any password is checked, and it counts failures
    (``axes_failures_since_start``) only for attempts it let through, so the two together tell a refused
    attempt from the failure that starts a lockout, whatever order the signal receivers run in.
    """
    return bool(getattr(request, "axes_locked_out", False)) and (
        getattr(request, "axes_failures_since_start", None) is None
    )


@transaction.atomic
def sign_in_record_failure(*, request, username: str | None) -> None:
    """A wrong username or password. Attempts refused during a lockout write nothing."""
    if request is None or _refused_while_locked(request):
        return
    username = (username or "")[:USERNAME_LIMIT]
    subject = _user_subject(username)
    ledger.record(
        actor=AnonymousUser(),
        action="core.auth.sign_in_failed",
        subject=subject,
        data={**_client(request), "username": username},
        unit=_home_unit(subject) if isinstance(subject, User) else None,
    )


@transaction.atomic
def sign_in_record_lockout(*, request, username: str | None) -> None:
    """The failure that locks an account (later refused attempts are not recorded again)."""
    if request is None or _refused_while_locked(request):
        return
    from django.conf import settings

    username = (username or "")[:USERNAME_LIMIT]
    subject = _user_subject(username)
    ledger.record(
        actor=AnonymousUser(),
        action="core.auth.locked_out",
        subject=subject,
        data={
            **_client(request),
            "username": username,
            "failures": getattr(request, "axes_failures_since_start", None),
            "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
        unit=_home_unit(subject) if isinstance(subject, User) else None,
    )


@transaction.atomic
def sign_out_record(*, request, user: User | None, reason: str = "signed_out") -> None:
    """A sign-out by the person (``signed_out``) or by the idle timeout (``idle``)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return
    action = "core.auth.session_expired" if reason == "idle" else "core.auth.signed_out"
    ledger.record(actor=user, action=action, subject=user, data=_client(request), unit=_home_unit(user))


@transaction.atomic
def second_factor_record(*, request, user: User, device=None, verified: bool) -> None:
    ledger.record(
        actor=user,
        action="core.auth.second_factor_verified" if verified else "core.auth.second_factor_failed",
        subject=user,
        data={**_client(request), "device": device.persistent_id if device is not None else None},
        unit=_home_unit(user),
    )


def totp_verify_pending(*, key: str, token: str) -> int | None:
    """The time step at which ``token`` matches the not-yet-saved ``key`` (hex), or None."""
    from django_otp.oath import TOTP

    token = (token or "").strip().replace(" ", "")
    if not token.isdigit() or len(token) != 6:
        return None
    totp = TOTP(unhexlify(key.encode()))
    totp.time = timezone.now().timestamp()
    return totp.t() if totp.verify(int(token), tolerance=1) else None


@transaction.atomic
def otp_device_confirm(*, actor, user: User, key: str, token: str, name: str = ""):
    """Enrol an authenticator app: the code it shows proves it holds ``key``."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if getattr(actor, "pk", None) != user.pk:
        raise PermissionDenied(_("Each person enrols their own authenticator."))
    user = User.objects.select_for_update().get(pk=user.pk)
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise ValidationError(_("An authenticator is already enrolled for this account."))
    step = totp_verify_pending(key=key, token=token)
    if step is None:
        raise ValidationError({"otp_token": _("The code is not correct. Enter the code your app shows now.")})
    device = TOTPDevice.objects.create(
        user=user, name=name or _("Authenticator app"), key=key, confirmed=True, last_t=step
    )
    ledger.record(
        actor=actor,
        action="core.auth.otp_device_confirmed",
        subject=user,
        data={"device": device.persistent_id},
        unit=_home_unit(user),
    )
    return device


@transaction.atomic
def otp_devices_reset(*, actor, user: User, reason: str) -> int:
    """Remove a person's authenticator and backup codes (a lost or replaced phone).

    They enrol a new authenticator at their next sign-in. Returns how many devices were removed.
    """
    from django_otp import devices_for_user

    paths = _administered_paths(actor)
    _refuse_self(actor, user, _("Ask another administrator to reset your own authenticator."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the authenticator is removed.")})
    _require_user_in_scope(paths, user)
    devices = list(devices_for_user(user, confirmed=None))
    if not devices:
        raise ValidationError(_("This person has no authenticator enrolled."))
    removed = [device.persistent_id for device in devices]
    for device in devices:
        device.delete()
    ledger.record(
        actor=actor,
        action="core.auth.otp_device_removed",
        subject=user,
        data={"devices": removed, "reason": reason.strip()},
        unit=_home_unit(user),
    )
    return len(removed)


BACKUP_CODE_COUNT = 10


@transaction.atomic
def otp_backup_codes_issue(*, actor, user: User) -> list[str]:
    """Issue single-use backup codes for when the phone is not at hand; earlier ones stop working.

    The codes are returned to be shown once; the ledger records only that they were issued.
    """
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if getattr(actor, "pk", None) != user.pk:
        raise PermissionDenied(_("Each person issues their own backup codes."))
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise ValidationError(_("Enrol an authenticator app before creating backup codes."))
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=_("Backup codes"), confirmed=True)
    codes = [StaticToken.random_token() for _i in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    ledger.record(
        actor=actor,
        action="core.auth.backup_codes_issued",
        subject=user,
        data={"count": len(codes)},
        unit=_home_unit(user),
    )
    return codes


@transaction.atomic
def password_reset_record_request(*, request, user: User) -> None:
    """A reset link was sent to ``user`` (unknown addresses are answered alike and record nothing)."""
    ledger.record(
        actor=AnonymousUser(),
        action="core.auth.password_reset_requested",
        subject=user,
        data=_client(request),
        unit=_home_unit(user),
    )


@transaction.atomic
def password_reset_complete(*, request, form) -> User:
    """Set the new password from a reset link (``form`` is Django's validated SetPasswordForm)."""
    user = form.save()
    ledger.record(
        actor=user,
        action="core.auth.password_reset_completed",
        subject=user,
        data=_client(request),
        unit=_home_unit(user),
    )
    return user

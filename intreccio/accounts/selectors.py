"""Reads of organisations, structures and operators, scoped to what the reader may see."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser

from intreccio.accounts.models import Membership, Operator


def has_totp(user: AbstractBaseUser | AnonymousUser) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


def membership_list_current(*, operator: Operator) -> list[Membership]:
    """The operator's memberships valid today, in a stable order for the role switcher."""
    return list(
        Membership.objects.current()
        .filter(operator=operator)
        .select_related("structure__organisation__ambito")
        .order_by("structure__organisation__name", "structure__name", "role", "pk")
    )

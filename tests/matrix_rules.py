"""Matrix rules for the project-level URLs: home, health check, language, allauth's pages."""

from __future__ import annotations

from tests.matrix import ALL_ROLES, Rule

REDIRECT = frozenset({302})

RULES: dict[str, Rule] = {
    "home": Rule(roles=ALL_ROLES, anonymous=True, note="anonymous users get the public welcome page"),
    "healthz": Rule(roles=ALL_ROLES, anonymous=True, note="liveness probe, no data"),
    "set_language": Rule(roles=ALL_ROLES, anonymous=True, ok_status=REDIRECT, note="POST; GET redirects back"),
    "switch_role": Rule(roles=ALL_ROLES, get=False),
    # allauth: the public part of logging in and recovering a password.
    "account_login": Rule(roles=ALL_ROLES, anonymous=True, ok_status=REDIRECT, note="signed-in users go home"),
    "account_signup": Rule(roles=ALL_ROLES, anonymous=True, ok_status=frozenset({200, 302}), note="closed"),
    "account_inactive": Rule(roles=ALL_ROLES, anonymous=True),
    "account_confirm_login_code": Rule(roles=ALL_ROLES, anonymous=True, ok_status=REDIRECT),
    "account_reset_password": Rule(roles=ALL_ROLES, anonymous=True),
    "account_reset_password_done": Rule(roles=ALL_ROLES, anonymous=True),
    "account_reset_password_from_key": Rule(
        roles=ALL_ROLES, anonymous=True, kwargs=lambda w: {"uidb36": "1", "key": "invalid-key"}
    ),
    "account_reset_password_from_key_done": Rule(roles=ALL_ROLES, anonymous=True),
    "account_email_verification_sent": Rule(roles=ALL_ROLES, anonymous=True),
    "account_confirm_email": Rule(roles=ALL_ROLES, anonymous=True, kwargs=lambda w: {"key": "invalid-key"}),
    "mfa_authenticate": Rule(roles=ALL_ROLES, anonymous=True, ok_status=REDIRECT, note="only mid-login"),
    # allauth: the operator's own account settings.
    "account_logout": Rule(roles=ALL_ROLES),
    "account_reauthenticate": Rule(roles=ALL_ROLES),
    "account_email": Rule(roles=ALL_ROLES),
    "account_change_password": Rule(roles=ALL_ROLES),
    "account_set_password": Rule(roles=ALL_ROLES, ok_status=REDIRECT, note="operators always have a password"),
    "mfa_index": Rule(roles=ALL_ROLES),
    "mfa_reauthenticate": Rule(roles=ALL_ROLES),
    "mfa_activate_totp": Rule(roles=ALL_ROLES, ok_status=REDIRECT, note="already active"),
    "mfa_deactivate_totp": Rule(roles=ALL_ROLES, ok_status=REDIRECT, note="TOTP cannot be removed"),
    # Recovery codes: 404 until the operator has generated some.
    "mfa_view_recovery_codes": Rule(roles=ALL_ROLES, ok_status=frozenset({200, 404})),
    "mfa_generate_recovery_codes": Rule(roles=ALL_ROLES, ok_status=frozenset({200, 302})),
    "mfa_download_recovery_codes": Rule(roles=ALL_ROLES, ok_status=frozenset({200, 404})),
}

"""Session keys and the timeout rules (R16): idle 30 minutes, absolute 10 hours."""

from __future__ import annotations

from django.conf import settings

SESSION_AUTH_AT = "intreccio_auth_at"
SESSION_LAST_SEEN = "intreccio_last_seen"
SESSION_MEMBERSHIP = "intreccio_membership_id"

# Refreshing the idle clock on every request would write the session each time; a minute of
# slack on a 30-minute timeout is harmless.
LAST_SEEN_RESOLUTION_SECONDS = 60


def session_expired(*, now: float, auth_at: float, last_seen: float) -> bool:
    idle = settings.SESSION_IDLE_TIMEOUT.total_seconds()
    absolute = settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds()
    return now - last_seen > idle or now - auth_at > absolute

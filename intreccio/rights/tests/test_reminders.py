"""The daily reminder: the coordination group hears of requests overdue or due within three days,
once a day, without the persons' names."""

from __future__ import annotations

import datetime
import io

from django.core import mail
from django.core.management import call_command

from intreccio.audit.models import DomainEvent
from intreccio.rights import services
from intreccio.rights.models import RequestKind
from intreccio.rights.tests.conftest import World

TODAY = datetime.date.today()


def test_overdue_and_near_requests_are_reminded_once_a_day(
    world: World, django_capture_on_commit_callbacks: object
) -> None:
    overdue = world.record(RequestKind.ACCESS_REPORT, received_on=TODAY - datetime.timedelta(days=16))
    near = world.record(RequestKind.ACCESS, received_on=TODAY - datetime.timedelta(days=29))
    far = world.record(RequestKind.ERASURE, received_on=TODAY)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        call_command("send_rights_reminders", stdout=io.StringIO())
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["carla@example.org"]
    assert "1 overdue" in message.subject
    assert f"no. {overdue.pk} " in message.body and "(OVERDUE)" in message.body
    assert f"no. {near.pk} " in message.body
    assert f"no. {far.pk} " not in message.body
    assert "Ferrari" not in message.body and "Giulia" not in message.body
    event = DomainEvent.objects.get(action=services.REMINDED)
    assert event.payload["requests"] == [overdue.pk, near.pk]  # by deadline

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        sent = services.request_reminders_send(today=TODAY)
    assert sent == 0 and mail.outbox == []
    # The next day, they are reminded again.
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        assert services.request_reminders_send(today=TODAY + datetime.timedelta(days=1)) == 1

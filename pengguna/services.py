"""Notices to users: in the app always, by email too when email is configured."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from pengguna.models import Notice, User

log = logging.getLogger(__name__)
SHOWN_ON_BERANDA = 5


def notice_send(*, user: User, message: str, link: str = "") -> Notice:
    """Leave `message` for `user` in the app; mail it once the caller's transaction commits."""
    notice = Notice.objects.create(user=user, message=message[:500], link=link[:255])
    if settings.NOTICE_EMAIL and user.email:
        transaction.on_commit(lambda: _mail(notice))
    return notice


def _mail(notice: Notice) -> None:
    """A mail server that is down must not undo the decision: log it and keep the notice."""
    body = notice.message
    if notice.link:
        body += "\n\n" + notice.link
    try:
        send_mail(_("PKH Graduasi: pemberitahuan"), body, None, [notice.user.email])
    except OSError:
        log.warning("notice %s: email to user %s failed", notice.pk, notice.user_id, exc_info=True)


def notices_unread(user: User) -> QuerySet[Notice]:
    """The user's unread notices, newest first, as many as the Beranda shows."""
    return Notice.objects.filter(user=user, read_at__isnull=True)[:SHOWN_ON_BERANDA]


def notices_mark_read(*, user: User, notice_id: int | None = None) -> int:
    """Mark one of the user's notices, or all of them, as read; how many changed."""
    unread = Notice.objects.filter(user=user, read_at__isnull=True)
    if notice_id is not None:
        unread = unread.filter(pk=notice_id)
    return unread.update(read_at=timezone.now())

"""Notifications: job batches that finished or failed, budget warnings and notes assigned — kept
in the store (the history), shown as toasts in the studio, and sent to a project's hooks (a
webhook that receives JSON, an e-mail address).

An event is recorded once under its `event_key`, whichever process sees it first, and each hook
gets it once. Events are *found* as well as *emitted*: `sweep` reads the jobs table and the
ledger, so a batch run by the CLI is notified by the next sweep anywhere (the job service sweeps
when a batch ends; the studio page sweeps as it polls). A hook hears only of events that
happened after it was added.

Delivery never breaks the work that caused it: a webhook or mail server that fails is recorded as
a failed delivery (error scrubbed of secrets), never raised. Mail goes through `smtplib` with
settings from the environment only: `AIUTEUR_SMTP_HOST` (default localhost), `AIUTEUR_SMTP_PORT`
(25), `AIUTEUR_SMTP_FROM`, and optionally `AIUTEUR_SMTP_USER` / `AIUTEUR_SMTP_PASSWORD` and
`AIUTEUR_SMTP_STARTTLS=1`. A webhook target `env:NAME` is read from the environment at send time,
for URLs that carry a token (Slack, Teams): such URLs are then never stored.
"""
from __future__ import annotations

import json
import logging
import os
import re
import smtplib
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any, Iterable, Sequence

from aiuteur.engines.secrets import scrub_text
from aiuteur.models.project import Project
from aiuteur.models.review import NOTIFICATION_KINDS, Delivery, Notification, NotificationHook
from aiuteur.store import Store
from aiuteur.store.database import utcnow

log = logging.getLogger("aiuteur.notify")

#: budget levels (share of the limit committed) that raise a warning, each once per limit
BUDGET_LEVELS: tuple[float, ...] = (0.8, 1.0)
TIMEOUT_SECONDS = 5.0
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ENV_NAME = re.compile(r"^env:([A-Za-z_][A-Za-z0-9_]*)$")
_LEVELS = {"job.finished": "success", "job.failed": "error", "budget.warning": "warning", "note.assigned": "info"}


class NotifyError(ValueError):
    """A hook that cannot work as given (bad URL, address or event kind); nothing was written."""


# -- hooks ---------------------------------------------------------------------------------------
def add_hook(store: Store, project: Project, channel: str, target: str, *,
             kinds: Sequence[str] | None = None) -> NotificationHook:
    """Send this project's notifications (all kinds, or `kinds`) to a webhook URL or an e-mail address."""
    target = target.strip()
    if channel == "webhook":
        if not (target.startswith(("http://", "https://")) or _ENV_NAME.match(target)):
            raise NotifyError(f"a webhook target is an http(s) URL or env:NAME (a variable holding the URL), "
                              f"not {target!r}")
    elif channel == "email":
        if not _EMAIL.match(target):
            raise NotifyError(f"{target!r} is not an e-mail address")
    else:
        raise NotifyError(f"channel {channel!r} is not webhook or email")
    wanted = list(kinds) if kinds else list(NOTIFICATION_KINDS)
    unknown = sorted(set(wanted) - set(NOTIFICATION_KINDS))
    if unknown:
        raise NotifyError(f"unknown notification kind {unknown[0]!r}; kinds: {', '.join(NOTIFICATION_KINDS)}")
    hook = NotificationHook(id=f"hook_{uuid.uuid4().hex[:12]}", project_id=project.id, channel=channel,  # type: ignore[arg-type]
                            target=target, kinds=wanted, created_at=utcnow())
    with store.db.transaction():
        store.insert_hook_row(hook.id, project.id, channel, target, json.dumps(wanted), hook.created_at)
        store.audit(project.id, "notify.hook.add", {"hook": hook.id, "channel": channel, "kinds": wanted})
    return hook


def hooks(store: Store, project: Project) -> list[NotificationHook]:
    rows = store.hook_rows(project.id)
    return [NotificationHook(**{**r, "kinds": json.loads(r["kinds"])}) for r in rows]


def remove_hook(store: Store, project: Project, hook_id: str) -> None:
    if not any(h.id == hook_id for h in hooks(store, project)):
        raise NotifyError(f"no hook {hook_id!r} in this project; `aiuteur notifications PROJECT` lists them")
    with store.db.transaction():
        store.mark_hook_deleted(hook_id, utcnow())
        store.audit(project.id, "notify.hook.remove", {"hook": hook_id})


# -- events --------------------------------------------------------------------------------------
def emit(store: Store, project: Project, kind: str, event_key: str, *, title: str, body: str = "",
         detail: dict[str, Any] | None = None, occurred_at: datetime | None = None,
         level: str | None = None) -> Notification | None:
    """Record an event once and deliver it to the project's hooks; None if it was already recorded."""
    if kind not in NOTIFICATION_KINDS:
        raise NotifyError(f"unknown notification kind {kind!r}; kinds: {', '.join(NOTIFICATION_KINDS)}")
    now = utcnow()
    notification = Notification(id=f"ntf_{uuid.uuid4().hex[:12]}", project_id=project.id, kind=kind,  # type: ignore[arg-type]
                                event_key=event_key, level=level or _LEVELS[kind], title=title,  # type: ignore[arg-type]
                                body=scrub_text(body), detail=detail or {}, occurred_at=occurred_at or now,
                                created_at=now)
    if store.notified(event_key) or not store.insert_notification_once(
            [notification.id, project.id, kind, event_key, notification.level, title, notification.body,
             json.dumps(notification.detail, default=str, sort_keys=True), notification.occurred_at, now]):
        return None
    deliver(store, project, notification)
    return notification


def sweep(store: Store, project: Project) -> list[Notification]:
    """Find the events not notified yet — job batches that ended, budget levels crossed — and emit them."""
    found = [n for n in (*_batch_events(store, project), *_budget_events(store, project)) if n is not None]
    return found


def _batch_events(store: Store, project: Project) -> Iterable[Notification | None]:
    rows = store.finished_batch_rows(project.id)
    for r in rows:
        failed = int(r["failed"] or 0)
        kind = "job.failed" if failed else "job.finished"
        key = f"{kind}:{project.id}:{r['batch_id']}"
        if store.notified(key):
            continue
        what = f"{r['kind']} batch in stage {r['stage']} on {r['engine']}"
        counts = f"{int(r['done'] or 0)} of {int(r['jobs'])} done" + (f", {failed} failed" if failed else "") + \
            (f", {int(r['cancelled'])} cancelled" if r["cancelled"] else "")
        body = counts
        if failed:
            first = store.first_failed_job(r["batch_id"])
            if first:
                body += f"; e.g. job {first[0]}: {first[1]}"
        yield emit(store, project, kind, key, title=f"{project.name}: {what} {'failed' if failed else 'finished'}",
                   body=body, occurred_at=r["finished_at"] or utcnow(),
                   detail={"batch": r["batch_id"], "stage": r["stage"], "engine": r["engine"], "jobs": int(r["jobs"]),
                           "done": int(r["done"] or 0), "failed": failed, "cancelled": int(r["cancelled"] or 0)})


def _budget_events(store: Store, project: Project) -> Iterable[Notification | None]:
    from aiuteur.costs.budgets import budget_status

    status = budget_status(store, project)
    limit = status.budget.limit_usd
    if not limit:
        return
    for level in BUDGET_LEVELS:
        if status.committed_usd + 1e-9 >= level * limit:
            key = f"budget.warning:{project.id}:{limit:.2f}:{round(level * 100)}"
            yield emit(store, project, "budget.warning", key, level="error" if level >= 1 else "warning",
                       title=f"{project.name}: {round(level * 100)}% of the ${limit:,.2f} budget committed",
                       body=f"committed ${status.committed_usd:,.2f} (spent ${status.spent_usd:,.2f}, reserved "
                            f"${status.reserved_usd:,.2f}); mode {status.budget.mode}",
                       detail={"limit_usd": limit, "committed_usd": status.committed_usd, "level": level,
                               "mode": status.budget.mode})


def sweep_after_jobs(store: Store, job_ids: Sequence[str]) -> None:
    """What the job service calls when a batch ends: sweep the projects of these jobs. Never raises
    (a notification problem must not fail the work that was done); logs instead."""
    try:
        from aiuteur.store.errors import ProjectNotFound

        ids = store.job_projects(list(job_ids))
        for project_id in ids:
            try:
                sweep(store, store.get_project(project_id))
            except ProjectNotFound:
                continue
    except Exception as exc:  # noqa: BLE001 — reported, never raised into the job's caller
        log.warning("notifications were not swept after a batch: %s", scrub_text(str(exc)))


# -- history -------------------------------------------------------------------------------------
def history(store: Store, project: Project, *, after: datetime | None = None, kinds: Sequence[str] | None = None,
            limit: int | None = None) -> list[Notification]:
    """The project's notifications, oldest first (`after`: recorded later than that; `limit`: the last N)."""
    rows = store.notification_rows(project.id, after=after, kinds=kinds)
    found = [Notification(**{**r, "detail": json.loads(r["detail"])}) for r in rows]
    return found[-limit:] if limit else found


def deliveries(store: Store, project: Project, notification_id: str | None = None) -> list[Delivery]:
    return [Delivery(**r) for r in store.delivery_rows(project.id, notification_id)]


# -- delivery ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SmtpSettings:
    host: str = "localhost"
    port: int = 25
    sender: str = "aiuteur@localhost"
    user: str | None = None
    password: str | None = None
    starttls: bool = False

    @classmethod
    def from_env(cls) -> "SmtpSettings":
        env = os.environ
        try:
            port = int(env.get("AIUTEUR_SMTP_PORT", "25"))
        except ValueError:
            raise NotifyError(f"AIUTEUR_SMTP_PORT must be a port number, not {env['AIUTEUR_SMTP_PORT']!r}") from None
        return cls(host=env.get("AIUTEUR_SMTP_HOST", "localhost"), port=port,
                   sender=env.get("AIUTEUR_SMTP_FROM", "aiuteur@localhost"), user=env.get("AIUTEUR_SMTP_USER") or None,
                   password=env.get("AIUTEUR_SMTP_PASSWORD") or None,
                   starttls=env.get("AIUTEUR_SMTP_STARTTLS", "") in ("1", "true", "yes"))


def payload(project: Project, notification: Notification) -> dict[str, Any]:
    """The JSON a webhook receives."""
    return {"event": notification.kind, "key": notification.event_key, "level": notification.level,
            "project": {"id": project.id, "name": project.name}, "title": notification.title,
            "body": notification.body, "detail": notification.detail, "text": f"{notification.title}\n{notification.body}".strip(),
            "occurred_at": notification.occurred_at.isoformat(), "id": notification.id}


def deliver(store: Store, project: Project, notification: Notification) -> list[Delivery]:
    """Send to each hook that wants this kind and existed when the event happened; record each try."""
    out = []
    for hook in hooks(store, project):
        if notification.kind not in hook.kinds or notification.occurred_at < hook.created_at:
            continue
        error = None
        try:
            if hook.channel == "webhook":
                send_webhook(_webhook_url(hook.target), payload(project, notification))
            else:
                send_email(hook.target, project, notification, SmtpSettings.from_env())
        except Exception as exc:  # noqa: BLE001 — a failed delivery is recorded, not raised
            error = scrub_text(f"{type(exc).__name__}: {exc}")[:500]
            log.warning("notification %s to %s hook %s failed: %s", notification.id, hook.channel, hook.id, error)
        delivery = Delivery(id=f"dlv_{uuid.uuid4().hex[:12]}", notification_id=notification.id, hook_id=hook.id,
                            channel=hook.channel, status="failed" if error else "sent", error=error, created_at=utcnow())
        store.insert_delivery_row([delivery.id, project.id, notification.id, hook.id, hook.channel, delivery.status,
                                   error, delivery.created_at])
        out.append(delivery)
    return out


def _webhook_url(target: str) -> str:
    match = _ENV_NAME.match(target)
    if not match:
        return target
    url = os.environ.get(match.group(1), "").strip()
    if not url.startswith(("http://", "https://")):
        raise NotifyError(f"the webhook URL variable {match.group(1)} is unset or not an http(s) URL")
    return url


def send_webhook(url: str, body: dict[str, Any], *, timeout: float = TIMEOUT_SECONDS) -> int:
    """POST `body` as JSON; an answer outside 2xx is an error. Returns the HTTP status."""
    request = urllib.request.Request(url, data=json.dumps(body, default=str).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "User-Agent": "aiuteur-notify"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        raise NotifyError(f"the webhook answered HTTP {exc.code}") from None


def send_email(address: str, project: Project, notification: Notification, settings: SmtpSettings, *,
               timeout: float = TIMEOUT_SECONDS) -> None:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = address
    message["Subject"] = f"[aiuteur] {notification.title}"
    message["X-Aiuteur-Event"] = notification.kind
    lines = [notification.body, "", f"project: {project.name} ({project.id})", f"event: {notification.kind}",
             f"when: {notification.occurred_at.isoformat()} UTC"]
    lines += [f"{k}: {v}" for k, v in sorted(notification.detail.items())]
    message.set_content("\n".join(lines).strip() + "\n")
    with smtplib.SMTP(settings.host, settings.port, timeout=timeout) as smtp:
        if settings.starttls:
            smtp.starttls()
        if settings.user and settings.password:
            smtp.login(settings.user, settings.password)
        smtp.send_message(message)


__all__ = [
    "BUDGET_LEVELS", "NotifyError", "SmtpSettings", "add_hook", "deliver", "deliveries", "emit", "history", "hooks",
    "payload", "remove_hook", "send_email", "send_webhook", "sweep", "sweep_after_jobs",
]

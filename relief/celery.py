import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relief.settings")

app = Celery("relief")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(bind=True, name="relief.ping")
def ping(self, value: str) -> str:
    """A round trip through the broker, used by the health check and the worker test."""
    return f"pong:{value}"


@signals.task_prerun.connect
def fresh_content_types(**kwargs):
    """Forget cached content-type ids before each task.

    Permission checks (guardian) resolve content types through per-process caches. A long-lived worker
    must not act on ids from before the content-type table was rebuilt (a restore from backup, a
    migration, a test flush), or a user's villages would silently come back empty. Tasks are few and
    heavy, so the few look-ups this costs do not matter.
    """
    from django.contrib.contenttypes.models import ContentType
    from guardian.shortcuts import clear_ct_cache

    ContentType.objects.clear_cache()
    clear_ct_cache()


@app.task(name="relief.reconcile_jobs", soft_time_limit=2 * 60, time_limit=3 * 60)
def reconcile_jobs(at_start: bool = False) -> dict:
    """Ring again for jobs whose doorbell was lost, restart those whose worker died (relief.jobs)."""
    from relief.jobs import reconcile

    return reconcile(at_start=at_start)


@signals.worker_ready.connect
def reconcile_at_start(sender=None, **kwargs):
    """A worker that starts (after a crash, a deploy, the broker's return) first looks for jobs that
    wait in the database; an error here must not keep the worker from starting."""
    import logging

    from relief.jobs import reconcile

    try:
        reconcile(at_start=True)
    except Exception:
        logging.getLogger(__name__).exception("reconciling background jobs at worker start failed")
    finally:
        from django.db import connections

        connections.close_all()


@app.task(name="relief.audit_seal_pending", soft_time_limit=5 * 60, time_limit=6 * 60)
def audit_seal_pending() -> int:
    """Seal audit entries whose seal was lost between their commit and the seal (relief.audit_chain)."""
    from relief.audit_chain import seal_pending

    return seal_pending()


@app.task(name="relief.audit_archive", soft_time_limit=50 * 60, time_limit=55 * 60)
def audit_archive() -> int:
    """Archive audit entries older than the retention period to signed files (relief.audit_archive)."""
    from relief.audit_archive import archive_all

    return sum(result.entries for result in archive_all())

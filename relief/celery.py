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

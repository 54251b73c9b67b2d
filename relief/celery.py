import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relief.settings")

app = Celery("relief")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(bind=True, name="relief.ping")
def ping(self, value: str) -> str:
    """A round trip through the broker, used by the health check and the worker test."""
    return f"pong:{value}"

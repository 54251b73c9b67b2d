"""Background jobs of the imports app: thin, idempotent, taking ids (see imports.services)."""
from celery import shared_task
from django.utils.translation import gettext as _


@shared_task(name="imports.validate_batch", acks_late=True)
def validate_batch(batch_id: int) -> str:
    """Dry run of a large file. Running it twice is harmless: a batch already checked is left alone."""
    from .services import batch_fail, batch_validate

    try:
        return batch_validate(batch_id=batch_id).status
    except Exception:
        batch_fail(batch_id=batch_id, message=_("校验时发生系统错误，未导入任何数据。请稍后重新上传。"))
        raise


@shared_task(name="imports.import_batch", acks_late=True)
def import_batch(batch_id: int) -> str:
    """The confirmed import, in one transaction. A re-delivered task finds the batch done and stops."""
    from .services import batch_fail, batch_import

    try:
        return batch_import(batch_id=batch_id).status
    except Exception:
        batch_fail(batch_id=batch_id, message=_("导入时发生系统错误，未导入任何数据。请稍后重试或联系管理员。"))
        raise


@shared_task(name="imports.expire_uploads")
def expire_uploads() -> int:
    """Periodic: delete uploaded files nobody confirmed in time (they hold personal data)."""
    from .services import batches_expire

    return batches_expire()

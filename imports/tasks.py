"""Background jobs of the imports app: thin, idempotent, taking ids (see imports.services).

The batch row is the truth (relief.jobs): a task claims it, so a repeated doorbell is harmless, and
the reconciler rings again for batches whose doorbell was lost or whose worker died.
"""
from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.utils.translation import gettext as _

from relief import jobs

from .models import ImportBatch, ImportStatus

# Time limits (seconds): a 50,000-row file is checked in a few minutes and imported in fewer; the soft
# limit marks the batch failed (nothing written: one transaction), the hard one ends a stuck process.
VALIDATE_LIMITS = {"soft_time_limit": 20 * 60, "time_limit": 22 * 60}
IMPORT_LIMITS = {"soft_time_limit": 30 * 60, "time_limit": 32 * 60}


@shared_task(name="imports.validate_batch", acks_late=True, **VALIDATE_LIMITS)
def validate_batch(batch_id: int) -> str:
    """Dry run of a large file. Running it twice is harmless: a batch already checked is left alone."""
    from .services import batch_fail, batch_validate

    try:
        return batch_validate(batch_id=batch_id).status
    except SoftTimeLimitExceeded:
        batch_fail(batch_id=batch_id, message=jobs.TIMED_OUT)
        return ImportStatus.FAILED
    except Exception:
        batch_fail(batch_id=batch_id, message=_("校验时发生系统错误，未导入任何数据。请稍后重新上传。"))
        raise


@shared_task(name="imports.import_batch", acks_late=True, **IMPORT_LIMITS)
def import_batch(batch_id: int) -> str:
    """The confirmed import, in one transaction. A re-delivered task finds the batch done and stops."""
    from .services import batch_fail, batch_import

    try:
        return batch_import(batch_id=batch_id).status
    except SoftTimeLimitExceeded:
        batch_fail(batch_id=batch_id, message=jobs.TIMED_OUT)
        return ImportStatus.FAILED
    except Exception:
        batch_fail(batch_id=batch_id, message=_("导入时发生系统错误，未导入任何数据。请稍后重试或联系管理员。"))
        raise


@shared_task(name="imports.expire_uploads", soft_time_limit=10 * 60, time_limit=12 * 60)
def expire_uploads() -> int:
    """Periodic: delete uploaded files nobody confirmed in time (they hold personal data), and the
    Django admin's import uploads of the same age."""
    from .services import admin_import_files_expire, batches_expire

    return batches_expire() + admin_import_files_expire()


VALIDATION_JOB = jobs.JobKind(
    name="imports.validate", model=ImportBatch, waiting=ImportStatus.VALIDATING, running=ImportStatus.VALIDATING,
    task=validate_batch, failed=ImportStatus.FAILED, message_field="message")
IMPORT_JOB = jobs.JobKind(
    name="imports.import", model=ImportBatch, waiting=ImportStatus.QUEUED, running=ImportStatus.IMPORTING,
    task=import_batch, failed=ImportStatus.FAILED, message_field="message")
JOB_KINDS = [VALIDATION_JOB, IMPORT_JOB]

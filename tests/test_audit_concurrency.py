"""Many transactions writing audit entries at the same moment on PostgreSQL: every entry is sealed once, the
chain has no fork and no gap (the advisory lock), and a flush between transactional tests is let through."""
import threading

import pytest
from auditlog.models import LogEntry
from django.db import connection, connections, transaction

from relief import audit_chain
from relief.audit import AuditEvent, audit_record, audit_record_many
from relief.models import AuditSeal
from tests.conftest import skip_or_fail

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WRITERS = 8
ROUNDS = 5


def test_concurrent_commits_make_one_chain():
    if connection.vendor != "postgresql":
        skip_or_fail("the chain's lock is PostgreSQL's advisory lock (DATABASE_URL=postgres://...)")
    barrier = threading.Barrier(WRITERS)
    errors = []

    def write(number):
        try:
            barrier.wait(timeout=10)
            for round_ in range(ROUNDS):
                with transaction.atomic():  # several entries per transaction, sealed as it commits
                    audit_record(event=AuditEvent.EXPORT, description=f"{number}-{round_}-a")
                    audit_record(event=AuditEvent.EXPORT, description=f"{number}-{round_}-b")
                    if round_ == 2:
                        audit_record_many([{"event": AuditEvent.BULK_WRITE, "description": f"{number}-bulk-{i}"}
                                           for i in range(20)])
                audit_record(event=AuditEvent.LOGIN, description=f"{number}-{round_}-autocommit")
        except Exception as exc:  # noqa: BLE001  (reported below)
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    expected = WRITERS * (ROUNDS * 3 + 20)
    assert LogEntry.objects.count() == expected
    seqs = list(AuditSeal.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, expected + 1))  # one chain: no fork (a duplicate seq), no gap
    report = audit_chain.verify()
    assert report.ok and report.checked == expected and report.unsealed == 0

"""A real Celery worker consuming from Redis, on the test database."""
import pytest

pytestmark = [pytest.mark.worker]


def test_round_trip_through_redis(celery_worker):
    from relief.celery import ping

    result = ping.delay("村")
    assert result.get(timeout=30) == "pong:村"

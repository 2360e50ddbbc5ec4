"""The real servers the project runs on answer: PostgreSQL always, Redis when configured.

On a bare machine Redis may be absent and the Redis test skips; under CI=true it must answer.
"""

import os

import pytest
from django.db import connection

from tests.conftest import needs_service


@pytest.mark.django_db
def test_database_is_postgresql():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version_num')::int")
        assert cursor.fetchone()[0] >= 150000


@pytest.mark.redis
def test_redis_broker_answers():
    import redis

    url = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        assert client.ping() is True
    except redis.exceptions.ConnectionError as exc:
        needs_service("Redis", f"{url}: {exc}")

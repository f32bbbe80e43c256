"""Rate limits hold across all workers when they share Redis (here: two app objects, one Redis)."""

import socket
import uuid

import pytest
from flask import Flask

from app import create_app


def redis_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not redis_available(), reason="no Redis on 127.0.0.1:6379 (the memory store is tested elsewhere)")
def test_two_workers_share_one_search_limit(demo_app: Flask) -> None:
    prefix = uuid.uuid4().hex  # keeps this test's counters apart from any other run's
    config = {key: demo_app.config[key] for key in ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "INDEX_DIR",
                                                    "SERVER_NAME", "INSTANCE_PATH")}
    config |= {"TESTING": True, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
               "RATELIMIT_KEY_PREFIX": prefix, "SEARCH_RATE_LIMIT": "4 per minute"}
    worker_a, worker_b = create_app(config), create_app(config)
    statuses = [worker_a.test_client().get("/search?q=housing").status_code for _ in range(2)]
    statuses += [worker_b.test_client().get("/search?q=housing").status_code for _ in range(3)]
    assert statuses == [200, 200, 200, 200, 429]

"""POST /api/reports/ with a real Redis broker and Celery worker: the API answers at
once and the worker tags the report; the status URL shows the progress."""

from __future__ import annotations

import time

import pytest
import redis
from rest_framework.authtoken.models import Token

from conflict.tests.factories import UserFactory
from reports.tests.test_worker import Worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

TEXT = ("DEIR EZZOR, Syria, Dec 14, 2018 - The Syrian Democratic Forces captured the town of Hajin from "
        "ISIS on Thursday, an SDF spokesperson said.")


def test_a_posted_report_is_tagged_on_the_worker(api, broker_url, tmp_path):
    redis.Redis.from_url(broker_url).flushdb()
    token = Token.objects.create(user=UserFactory(groups=["editor"]))
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    log = tmp_path / "worker.log"
    worker = Worker(broker_url, log)
    worker.start()
    try:
        response = api.post("/api/reports/", {"text": TEXT, "published": "2018-12-14", "outlet": "Test Wire"},
                            format="json")
        assert response.status_code == 202
        status_url = response.json()["status_url"]
        assert response.json()["status"] == "pending"
        status = "pending"
        deadline = time.monotonic() + 90
        while status in ("pending", "processing") and time.monotonic() < deadline:
            time.sleep(0.2)
            status = api.get(status_url).json()["status"]
        assert status == "tagged", f"report stayed {status}:\n{log.read_text()[-3000:]}"
        body = api.get(status_url).json()
        assert body["claims"], "the worker tagged the report but found no claim"
        assert any(c["type"] == "capture" for c in body["claims"])
    finally:
        worker.stop()
        redis.Redis.from_url(broker_url).flushdb()

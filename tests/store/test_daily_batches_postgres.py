"""The batched daily job's tests (tests/store/test_daily_batches.py) again on PostgreSQL:
there a batch is an exclusive operation (store.isolation) and a counter waits for one batch.
Runs only when CHUANGKOU_TEST_PG_URL names a test database (see .ci/postgres.sh)."""

from __future__ import annotations

import pytest

from store.database import close_database
from tests.store.test_cases import applicant, desk  # noqa: F401 — fixtures
from tests.store.test_daily_batches import (  # noqa: F401 (collected here again)
    test_a_counter_writing_meanwhile_waits_for_one_batch_at_most,
    test_a_run_stopped_between_batches_is_carried_on,
    test_natural_days_across_the_year_end_need_no_calendar_of_the_new_year,
    test_one_transaction_and_one_audit_event_per_batch,
)
from tests.store.test_postgres import PG_URL, _wipe

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason="CHUANGKOU_TEST_PG_URL is not set"),
]


@pytest.fixture
def register_url():
    close_database()
    _wipe(PG_URL)
    yield PG_URL
    close_database()

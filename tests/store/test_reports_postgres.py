"""The reports' tests (tests/store/test_reports.py) again on PostgreSQL: the hall-time day
of a timestamp, the CASE sums and the grouped counts are SQL that differs by backend.
Runs only when CHUANGKOU_TEST_PG_URL names a test database (see .ci/postgres.sh)."""

from __future__ import annotations

import pytest

from store.database import close_database
from tests.store.test_postgres import PG_URL, _wipe
from tests.store.test_reports import (  # noqa: F401 (collected here again)
    register,
    test_a_clerk_and_a_window_scope,
    test_a_clerk_sees_their_own_and_their_windows_only,
    test_a_range_across_the_year_end_in_batches,
    test_the_hall_quarter_figure_by_figure,
    test_the_quarterly_window_assessment,
)

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

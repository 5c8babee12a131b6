"""job_timeout_max_s: a deployment that kills processes on purpose (`hubbub chaos`) holds every
job kind's timeout, and so the job lease a crashed runner's jobs wait out, to a few seconds."""

from __future__ import annotations

from pathlib import Path

from hubbub.app import job_lease_s
from hubbub.config import Settings
from hubbub.jobs.kinds import kinds
from hubbub.services.notify_email import EMAIL_JOB


def test_each_kind_keeps_its_own_timeout_by_default(tmp_path: Path) -> None:
    table = kinds(limits=Settings(data_dir=tmp_path).job_limits)
    assert table[EMAIL_JOB].spec.timeout_s == 60.0
    assert job_lease_s(table) == 65.0


def test_the_cap_holds_every_timeout_and_so_the_lease(tmp_path: Path) -> None:
    table = kinds(limits=Settings(data_dir=tmp_path, job_timeout_max_s=4).job_limits)
    assert max(kind.spec.timeout_s for kind in table.values()) == 4.0
    assert job_lease_s(table) == 9.0
    # Only the timeout: the tries and their backoff stay each kind's own.
    plain = kinds()
    assert table[EMAIL_JOB].spec.max_attempts == plain[EMAIL_JOB].spec.max_attempts
    assert table[EMAIL_JOB].handler is plain[EMAIL_JOB].handler

"""The one backoff policy: exponential waits, capped, with optional jitter.

Reads (:class:`~airflow_batchmod.exchanges.retry.ReadRetry`) and the batch run's resends and
book polls (``airflow_batchmod.run``) all wait by it, so it lives below both.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff: ``base`` doubled per attempt up to ``cap``.

    With ``rng``, equal jitter (half the ceiling plus a random share of the other half), so
    workers that failed together do not come back together; without it, the ceiling itself.
    """

    base: float
    cap: float
    rng: random.Random | None = None

    def __call__(self, attempt: int, retry_after: float | None = None) -> float:
        """The wait after the ``attempt``-th failure, never shorter than ``retry_after`` (the venue's word).

        :param attempt: How many attempts have failed so far (1 for the first failure).
        :param retry_after: Seconds the venue asked to wait, if it did.
        """
        ceiling = min(self.cap, self.base * 2 ** max(0, attempt - 1))
        delay: float = ceiling if self.rng is None else ceiling / 2 + self.rng.uniform(0, ceiling / 2)
        return max(delay, retry_after or 0.0)

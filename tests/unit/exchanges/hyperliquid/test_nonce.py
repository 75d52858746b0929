from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from airflow_batchmod.exchanges.hyperliquid.nonce import NonceSource, nonce_source_for, now_ms


def test_frozen_clock_still_gives_increasing_nonces() -> None:
    source = NonceSource(clock=lambda: 1_700_000_000_000)
    assert [source.next() for _ in range(3)] == [1_700_000_000_000, 1_700_000_000_001, 1_700_000_000_002]


def test_follows_the_clock_when_it_moves_ahead() -> None:
    times = iter([100, 100, 500, 400])
    source = NonceSource(clock=lambda: next(times))
    assert [source.next() for _ in range(4)] == [100, 101, 500, 501]


def test_unique_and_increasing_across_threads() -> None:
    source = NonceSource(clock=lambda: 1_000)  # every thread in "the same millisecond"
    per_thread: list[list[int]] = []
    lock = threading.Lock()
    start = threading.Barrier(16)

    def take() -> None:
        start.wait()
        mine = [source.next() for _ in range(500)]
        with lock:
            per_thread.append(mine)

    with ThreadPoolExecutor(max_workers=16) as pool:
        for future in [pool.submit(take) for _ in range(16)]:
            future.result()
    every = [nonce for mine in per_thread for nonce in mine]
    assert len(every) == 16 * 500
    assert len(set(every)) == len(every)
    assert sorted(every) == list(range(1_000, 1_000 + len(every)))
    for mine in per_thread:
        assert mine == sorted(mine)


def test_real_clock_is_milliseconds() -> None:
    source = NonceSource()
    first = source.next()
    assert abs(first - now_ms()) < 5_000
    assert source.next() > first


def test_one_source_per_signer() -> None:
    address = "0x14791697260E4c9A71f18484C9f997B308e59325"
    assert nonce_source_for(address) is nonce_source_for(address.lower())
    assert nonce_source_for(address) is not nonce_source_for("0x" + "1" * 40)

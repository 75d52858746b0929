"""Every documented Bitget code has a group, and the groups drive the right next step."""

from __future__ import annotations

import pytest

from airflow_batchmod.exchanges.bitget.errors import (
    ERROR_TABLE,
    ErrorClass,
    classify,
    describe,
    is_success,
    normalize_code,
)

RETRYABLE = ["429", "25003", "25004", "25114", "25572", "25653", "25573"]
OUTCOME_UNKNOWN = ["25000", "25001", "40010", "40725", "45001"]
FATAL_AUTH = [
    "40001", "40002", "40003", "40005", "40006", "40008", "40009", "40011", "40012", "40037",
    "40014", "25620", "40018", "40084", "40085", "40099",
]  # fmt: skip
FINAL = [
    "25204", "43001", "40768", "40109", "25568", "25569", "25571", "25574", "25212", "25202", "25203",
    "40762", "25207", "25208", "25205", "25206", "25244", "25610", "25611", "40017", "400172", "40034", "22003", "30007",
]  # fmt: skip


@pytest.mark.parametrize("code", RETRYABLE)
def test_retryable(code: str) -> None:
    assert classify(code) is ErrorClass.RETRYABLE


@pytest.mark.parametrize("code", OUTCOME_UNKNOWN)
def test_outcome_unknown(code: str) -> None:
    assert classify(code) is ErrorClass.OUTCOME_UNKNOWN


@pytest.mark.parametrize("code", FATAL_AUTH)
def test_fatal_auth(code: str) -> None:
    assert classify(code) is ErrorClass.FATAL_AUTH


@pytest.mark.parametrize("code", FINAL)
def test_final(code: str) -> None:
    assert classify(code) is ErrorClass.FINAL


def test_table_is_exactly_the_documented_codes() -> None:
    assert set(ERROR_TABLE) == set(RETRYABLE + OUTCOME_UNKNOWN + FATAL_AUTH + FINAL)
    assert all(description for _, description in ERROR_TABLE.values())


@pytest.mark.parametrize("code", ["99999", "12345", "abc", ""])
def test_unknown_codes_are_reconciled(code: str) -> None:
    # A code we do not know does not prove that nothing was applied.
    assert classify(code) is ErrorClass.OUTCOME_UNKNOWN
    assert describe(code) is None


def test_numeric_codes_are_read_as_text() -> None:
    assert classify(40010) is ErrorClass.OUTCOME_UNKNOWN
    assert classify(429) is ErrorClass.RETRYABLE
    assert normalize_code(25204) == "25204"
    assert normalize_code(None) is None
    assert normalize_code(True) is None


def test_success_codes() -> None:
    assert is_success("00000")
    assert is_success("0")
    assert not is_success("25204")
    assert not is_success(None)
    assert is_success(0)  # a numeric code is read as its text
    assert not is_success(40010)


def test_describe_known_code() -> None:
    assert describe("25204") == "Order does not exist"
    assert describe(40010) == "Request timed out"

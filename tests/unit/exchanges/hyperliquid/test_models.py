from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest

from airflow_batchmod.exchanges.hyperliquid.client import HyperliquidClient
from airflow_batchmod.exchanges.hyperliquid.models import (
    EditInputError,
    EditRequest,
    ReadableEdit,
    parse_edit,
    raw_label,
)

CLOID = "0x" + "ab" * 16
NEW_CLOID = "0x" + "cd" * 16
KEY = "0x0123456789012345678901234567890123456789012345678901234567890123"


def _problems(raw: object) -> list[str]:
    with pytest.raises(EditInputError) as caught:
        parse_edit(raw)
    return caught.value.problems


# --- the wire form -------------------------------------------------------------------------


def test_wire_form_from_the_seed() -> None:
    raw = {
        "oid": 123456789,
        "order": {
            "a": 0,
            "b": True,
            "p": "27.5",
            "s": "1.0",
            "r": False,
            "t": {"limit": {"tif": "Gtc"}},
            "c": "0x1234567890abcdef1234567890abcdef",
        },
    }
    edit = parse_edit(raw)
    assert edit == EditRequest(
        target=123456789,
        coin=None,
        asset=0,
        is_buy=True,
        price=Decimal("27.5"),
        size=Decimal("1.0"),
        reduce_only=False,
        order_type=edit.order_type,
        new_cloid="0x1234567890abcdef1234567890abcdef",
        wire_form=True,
    )
    assert edit.order_type.limit is not None and edit.order_type.limit.tif == "Gtc"


def test_wire_form_by_cloid_with_trigger() -> None:
    raw = {
        "oid": CLOID.upper().replace("0X", "0x"),
        "order": {
            "a": 1,
            "b": False,
            "p": 1500.5,
            "s": "0.25",
            "r": True,
            "t": {"trigger": {"isMarket": True, "triggerPx": "1510", "tpsl": "sl"}},
        },
    }
    edit = parse_edit(raw)
    assert edit.target == CLOID
    assert edit.new_cloid is None
    assert edit.price == Decimal("1500.5")
    assert edit.order_type.trigger is not None
    assert edit.order_type.trigger.triggerPx == Decimal("1510")


def test_wire_form_errors_name_the_field() -> None:
    problems = _problems(
        {"oid": "12x", "order": {"a": -1, "b": "true", "p": "NaN", "s": 0, "r": False, "t": {}, "z": 1}}
    )
    text = " | ".join(problems)
    for field in (
        "oid:",
        "order.a:",
        "order.b:",
        "order.p:",
        "order.s:",
        "order.t:",
        "unknown field 'order.z'",
    ):
        assert field in text


def test_wire_form_missing_fields() -> None:
    problems = _problems({"oid": 1, "order": {"a": 0}})
    assert {"order.b: is required", "order.p: is required", "order.s: is required"} <= set(problems)


# --- the readable form ---------------------------------------------------------------------


def test_readable_form_defaults() -> None:
    edit = parse_edit({"oid": 1000001, "coin": "BTC", "is_buy": True, "price": "59000", "size": 0.01})
    assert edit.target == 1000001
    assert edit.coin == "BTC" and edit.asset is None
    assert edit.size == Decimal("0.01")  # a float is read through its repr, not its binary value
    assert edit.reduce_only is False
    assert edit.order_type.limit is not None and edit.order_type.limit.tif == "Gtc"
    assert edit.wire_form is False


def test_readable_form_by_cloid_with_everything() -> None:
    edit = parse_edit(
        {
            "cloid": CLOID,
            "asset": 10000,
            "is_buy": False,
            "price": 0.2,
            "size": 100,
            "reduce_only": True,
            "order_type": {"limit": {"tif": "Alo"}},
            "new_cloid": NEW_CLOID,
        }
    )
    assert edit.target == CLOID and edit.asset == 10000 and edit.new_cloid == NEW_CLOID
    assert edit.order_type.is_alo


def test_readable_oid_as_digit_string() -> None:
    assert (
        parse_edit({"oid": "1000001", "coin": "BTC", "is_buy": True, "price": 1, "size": 1}).target == 1000001
    )


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ({"coin": "BTC", "is_buy": True, "price": 1, "size": 1}, "exactly one of 'oid' or 'cloid'"),
        (
            {"oid": 1, "cloid": CLOID, "coin": "BTC", "is_buy": True, "price": 1, "size": 1},
            "exactly one of 'oid' or 'cloid'",
        ),
        ({"oid": 1, "is_buy": True, "price": 1, "size": 1}, "exactly one of 'coin' or 'asset'"),
        (
            {"oid": 1, "coin": "BTC", "asset": 0, "is_buy": True, "price": 1, "size": 1},
            "exactly one of 'coin'",
        ),
        (
            {"oid": 1, "coin": "BTC", "is_buy": True, "price": 1, "size": 1, "prize": 2},
            "unknown field 'prize'",
        ),
        ({"oid": 1, "coin": "BTC", "is_buy": 1, "price": 1, "size": 1}, "is_buy:"),
        (
            {"oid": 1, "coin": "BTC", "is_buy": True, "price": True, "size": 1},
            "price: must be a number, not a boolean",
        ),
        (
            {"oid": 1, "coin": "BTC", "is_buy": True, "price": "inf", "size": 1},
            "price: must be a finite number",
        ),
        (
            {"oid": 1, "coin": "BTC", "is_buy": True, "price": float("nan"), "size": 1},
            "price: must be a finite",
        ),
        (
            {"oid": 1, "coin": "BTC", "is_buy": True, "price": 1, "size": "-2"},
            "size: must be greater than zero",
        ),
        ({"oid": 0, "coin": "BTC", "is_buy": True, "price": 1, "size": 1}, "oid: must be a positive"),
        ({"oid": 1.5, "coin": "BTC", "is_buy": True, "price": 1, "size": 1}, "oid: must be an integer"),
        ({"cloid": "0x12", "coin": "BTC", "is_buy": True, "price": 1, "size": 1}, "cloid: must be '0x'"),
        (
            {"oid": 1, "coin": "BTC", "is_buy": True, "price": 1, "size": 1, "new_cloid": "abc"},
            "new_cloid: must be '0x'",
        ),
        (
            {
                "oid": 1,
                "coin": "BTC",
                "is_buy": True,
                "price": 1,
                "size": 1,
                "order_type": {"limit": {"tif": "GTC"}},
            },
            "order_type.limit.tif:",
        ),
        (
            {
                "oid": 1,
                "coin": "BTC",
                "is_buy": True,
                "price": 1,
                "size": 1,
                "order_type": {"trigger": {"isMarket": "yes", "triggerPx": "1", "tpsl": "sl"}},
            },
            "order_type.trigger.isMarket:",
        ),
        (
            {
                "oid": 1,
                "coin": "BTC",
                "is_buy": True,
                "price": 1,
                "size": 1,
                "order_type": {
                    "limit": {"tif": "Gtc"},
                    "trigger": {"isMarket": True, "triggerPx": 1, "tpsl": "tp"},
                },
            },
            "order_type: needs exactly one of 'limit' or 'trigger'",
        ),
        ({"oid": 1, "coin": "", "is_buy": True, "price": 1, "size": 1}, "coin:"),
        ("not an edit", "an edit must be an object, not str"),
    ],
)
def test_readable_form_errors(raw: object, fragment: str) -> None:
    assert any(fragment in problem for problem in _problems(raw)), _problems(raw)


def test_echoed_values_are_truncated() -> None:
    problems = _problems({"oid": 1, "coin": "BTC", "is_buy": True, "price": "9" * 39 + "x", "size": 1})
    (problem,) = problems
    assert "9" * 50 not in problem
    assert problem.startswith("price:")


def test_model_instances_are_accepted() -> None:
    model = ReadableEdit.model_validate(
        {"oid": 5, "coin": "ETH", "is_buy": False, "price": "3000", "size": "1"}
    )
    assert parse_edit(model).target == 5


def test_raw_label() -> None:
    assert raw_label({"oid": 5, "coin": "BTC", "x": 1}) == "oid=5 coin='BTC'"
    assert raw_label({"oid": 5, "order": {"a": 3}}) == "oid=5 asset=3"
    assert raw_label(42) == "not an object: 42"


# --- precision problems name the edit (through prepare, with metadata from a fake /info) --------


def _info_transport() -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        answers: dict[str, Any] = {
            "meta": {"universe": [{"name": "BTC", "szDecimals": 5}, {"name": "ETH", "szDecimals": 4}]},
            "spotMeta": {
                "tokens": [
                    {"name": "USDC", "szDecimals": 8, "weiDecimals": 8, "index": 0},
                    {"name": "PURR", "szDecimals": 0, "weiDecimals": 5, "index": 1},
                ],
                "universe": [{"name": "PURR/USDC", "tokens": [1, 0], "index": 0}],
            },
            "frontendOpenOrders": [
                {"coin": "BTC", "side": "B", "limitPx": "58000", "sz": "0.01", "oid": 1000001, "cloid": None}
            ],
            "orderStatus": {"status": "unknownOid"},
            "userRole": {"role": "user"},
            "l2Book": {
                "coin": "BTC",
                "time": 1,
                "levels": [[{"px": "1", "sz": "1", "n": 1}], [{"px": "1000000", "sz": "1", "n": 1}]],
            },
        }
        return httpx.Response(200, json=answers[body["type"]])

    return httpx.MockTransport(handle)


def test_off_tick_price_and_too_many_size_decimals_name_the_edit() -> None:
    account = "0x14791697260e4c9a71f18484c9f997b308e59325"  # KEY's own address: no userRole read
    client = HyperliquidClient(
        KEY, account_address=account, base_url="http://fake.invalid", transport=_info_transport()
    )
    preparation = client.prepare(
        [
            {"oid": 1000001, "coin": "BTC", "is_buy": True, "price": "59000", "size": "0.01"},
            {"oid": 1000002, "coin": "BTC", "is_buy": True, "price": "59000.5", "size": "0.01"},
            {
                "oid": 1000003,
                "order": {
                    "a": 0,
                    "b": False,
                    "p": "61000",
                    "s": "0.000001",
                    "r": False,
                    "t": {"limit": {"tif": "Gtc"}},
                },
            },
            {"oid": 1000004, "coin": "PURR/USDC", "is_buy": True, "price": "0.2", "size": "10.5"},
        ]
    )
    assert [edit.index for edit in preparation.edits] == [0]
    described = {problem.index: problem.describe() for problem in preparation.problems}
    assert described[1].startswith("edit #1 (oid=1000002 BTC buy 0.01@59000.5)")
    assert "price 59000.5 has 6 significant figures" in described[1]
    assert described[2].startswith("edit #2 (oid=1000003 BTC sell 0.000001@61000)")
    assert "order.s 0.000001 has 6 decimals; BTC allows at most 5" in described[2]
    assert described[3].startswith("edit #3 (oid=1000004 PURR/USDC buy 10.5@0.2)")
    assert "size 10.5 has 1 decimals; PURR/USDC allows at most 0" in described[3]

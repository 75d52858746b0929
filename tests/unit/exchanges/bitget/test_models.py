"""The user's Bitget edit, its validation messages, and the wire models."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from pydantic import TypeAdapter, ValidationError

from airflow_batchmod.exchanges.bitget.models import (
    BatchModifyItem,
    BatchModifyResultItem,
    BitgetEdit,
    BitgetEnvelope,
    Instrument,
    OrderInfo,
)
from airflow_batchmod.exchanges.bitget.validation import (
    edit_label,
    label_with_side,
    parse_edit,
    raw_label,
    to_wire,
)

BASE = {"orderId": "1001", "price": "60010", "symbol": "BTCUSDT", "category": "USDT-FUTURES"}


def edit(**changes: object) -> dict[str, object]:
    raw: dict[str, object] = dict(BASE)
    for key, value in changes.items():
        if value is ...:
            raw.pop(key, None)
        else:
            raw[key] = value
    return raw


def problems_of(raw: object) -> list[str]:
    result = parse_edit(raw)
    assert isinstance(result, list), f"expected problems, got {result!r}"
    return result


def test_valid_edit_is_normalised() -> None:
    result = parse_edit(
        {
            "orderId": 1001,
            "qty": 0.1,
            "price": "60010.50",
            "autoCancel": True,
            "symbol": " btcusdt ",
            "category": "usdt-futures",
        }
    )
    assert isinstance(result, BitgetEdit)
    assert result.orderId == "1001"
    assert result.qty == Decimal("0.1")
    assert result.price == Decimal("60010.50")
    assert result.autoCancel == "yes"
    assert result.symbol == "BTCUSDT"
    assert result.category == "USDT-FUTURES"
    assert result.order_key == "orderId:1001"


def test_auto_cancel_false_and_text() -> None:
    assert BitgetEdit.model_validate(edit(autoCancel=False)).autoCancel == "no"
    assert BitgetEdit.model_validate(edit(autoCancel="YES")).autoCancel == "yes"


def test_order_id_wins_over_client_oid() -> None:
    result = BitgetEdit.model_validate(edit(clientOid="ladder-1"))
    assert result.order_key == "orderId:1001"
    item = to_wire(result)
    assert item.orderId == "1001"
    assert item.clientOid is None


def test_client_oid_only() -> None:
    result = BitgetEdit.model_validate(edit(orderId=..., clientOid="a.B:c/d_e-1"))
    assert result.order_key == "clientOid:a.B:c/d_e-1"
    assert to_wire(result).clientOid == "a.B:c/d_e-1"


def test_wire_item_has_strings_only_and_no_nulls() -> None:
    item = to_wire(BitgetEdit.model_validate(edit(qty=Decimal("0.0200"), price=60010.0)))
    body = TypeAdapter(list[BatchModifyItem]).dump_json([item], exclude_none=True)
    assert (
        body
        == b'[{"orderId":"1001","qty":"0.02","price":"60010","symbol":"BTCUSDT","category":"USDT-FUTURES"}]'
    )
    assert all(isinstance(value, str) for value in json.loads(body)[0].values())


def test_float_price_does_not_carry_binary_noise() -> None:
    item = to_wire(BitgetEdit.model_validate(edit(price=0.1)))
    assert item.price == "0.1"


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"orderId": ..., "clientOid": None}, "orderId or clientOid", "required"),
        ({"price": ..., "qty": None}, "qty or price", "required"),
        ({"prcie": "1"}, "'prcie'", "unknown field"),
        ({"clientOid": "has space"}, "clientOid", "letters"),
        ({"clientOid": "x" * 33}, "clientOid", "1-32"),
        ({"clientOid": 12}, "clientOid", "must be a string"),
        ({"orderId": ""}, "orderId", "must not be empty"),
        ({"orderId": True}, "orderId", "must be a string"),
        ({"orderId": -5}, "orderId", "positive"),
        ({"orderId": "1&x=2"}, "orderId", "letters"),
        ({"price": "abc"}, "price", "decimal number"),
        ({"price": "NaN"}, "price", "finite"),
        ({"price": Decimal("NaN")}, "price", "finite"),
        ({"price": Decimal("-0.5")}, "price", "greater than zero"),
        ({"price": float("inf")}, "price", "finite"),
        ({"price": "-1"}, "price", "greater than zero"),
        ({"price": 0}, "price", "greater than zero"),
        ({"price": True}, "price", "boolean"),
        ({"price": [1]}, "price", "decimal number"),
        ({"qty": "0"}, "qty", "greater than zero"),
        ({"qty": False}, "qty", "boolean"),
        ({"autoCancel": "maybe"}, "autoCancel", '"yes", "no"'),
        ({"autoCancel": 1}, "autoCancel", '"yes", "no"'),
        ({"symbol": ...}, "symbol", "is required"),
        ({"symbol": "BTC USDT"}, "symbol", "Bitget symbol"),
        ({"symbol": 5}, "symbol", "must be a string"),
        ({"category": ...}, "category", "is required"),
        ({"category": "FUTURES"}, "category", "USDT-FUTURES"),
    ],
)
def test_every_problem_names_its_field(changes: dict[str, object], field: str, fragment: str) -> None:
    problems = problems_of(edit(**changes))
    assert len(problems) == 1, problems
    assert field in problems[0]
    assert fragment in problems[0]


def test_several_problems_are_all_reported() -> None:
    problems = problems_of({"orderId": "", "price": "x", "symbol": "BTCUSDT", "category": "NOPE", "extra": 1})
    joined = " | ".join(problems)
    for field in ("orderId", "price", "category", "'extra'"):
        assert field in joined
    assert len(problems) == 4


@pytest.mark.parametrize("raw", [None, [1, 2], "orderId=1", 42])
def test_non_objects_are_problems(raw: object) -> None:
    (problem,) = problems_of(raw)
    assert problem.startswith("an edit must be an object")
    assert type(raw).__name__ in problem


def test_echoed_values_are_truncated_and_printable() -> None:
    (problem,) = problems_of(edit(price="9\n" * 100))
    assert "\n" not in problem
    echoed = problem.split("'")[1]
    assert len(echoed) == 40
    assert echoed.endswith("...")


def test_pydantic_rejects_unknown_field_directly() -> None:
    with pytest.raises(ValidationError):
        BitgetEdit.model_validate(edit(stopPrice="1"))


def test_edit_label() -> None:
    result = BitgetEdit.model_validate(edit(qty="0.020", price="60010.0"))
    assert edit_label(result) == "orderId=1001 BTCUSDT price=60010 qty=0.02"
    by_client = BitgetEdit.model_validate(edit(orderId=..., clientOid="ladder-1"))
    assert edit_label(by_client) == "clientOid=ladder-1 BTCUSDT price=60010"


@pytest.mark.parametrize(
    ("label", "side", "shown"),
    [
        ("orderId=1001 BTCUSDT price=60010 qty=0.02", "buy", "orderId=1001 BTCUSDT buy price=60010 qty=0.02"),
        ("clientOid=ladder-1 BTCUSDT qty=0.02", " SELL ", "clientOid=ladder-1 BTCUSDT sell qty=0.02"),
        ("orderId=1001 BTCUSDT price=60010", None, "orderId=1001 BTCUSDT price=60010"),
        ("orderId=1001 BTCUSDT price=60010", "both", "orderId=1001 BTCUSDT price=60010"),
    ],
)
def test_a_label_gains_the_side_the_book_shows(label: str, side: str | None, shown: str) -> None:
    assert label_with_side(label, side) == shown


def test_raw_label_for_invalid_input() -> None:
    assert raw_label({"orderId": "7", "price": "x" * 100}) == "orderId=7 price=" + "x" * 37 + "..."
    assert raw_label([1]) == "<list>"
    assert raw_label({}) == "<no id>"


def test_batch_modify_item_forbids_unknown_fields() -> None:
    with pytest.raises(ValidationError):
        BatchModifyItem.model_validate({"orderId": "1", "newClientOid": "x"})


def test_result_item_tolerates_numbers_blanks_and_extra_keys() -> None:
    item = BatchModifyResultItem.model_validate(
        {"orderId": 123, "clientOid": "", "code": 25204, "msg": "x", "y": 1}
    )
    assert item == BatchModifyResultItem(orderId="123", clientOid=None, code="25204", msg="x")


def test_envelope_with_null_data_and_numeric_code() -> None:
    envelope = BitgetEnvelope.model_validate(
        {"code": 40010, "msg": "Request timed out", "data": None, "z": 1}
    )
    assert envelope.code == "40010"
    assert envelope.data is None
    assert envelope.requestTime is None


def test_envelope_requires_a_code() -> None:
    with pytest.raises(ValidationError):
        BitgetEnvelope.model_validate({"msg": "no code", "data": []})


def test_instrument_parses_strings_and_blanks() -> None:
    instrument = Instrument.model_validate(
        {
            "symbol": "BTCUSDT",
            "pricePrecision": "1",
            "quantityPrecision": "3",
            "priceMultiplier": "0.1",
            "quantityMultiplier": "",
            "minOrderQty": "0.001",
            "maxOrderQty": "1000",
            "status": "online",
            "new": "x",
        }
    )
    assert instrument.pricePrecision == 1
    assert instrument.priceMultiplier == Decimal("0.1")
    assert instrument.quantityMultiplier is None
    assert instrument.minOrderQty == Decimal("0.001")


def test_order_info_parses_decimals() -> None:
    info = OrderInfo.model_validate(
        {
            "orderId": "1001",
            "price": "60000.0",
            "qty": "0.010",
            "cumExecQty": "0",
            "orderStatus": "live",
            "reduceOnly": "no",
            "updatedTime": "1700000000000",
        }
    )
    assert info.price == Decimal("60000")
    assert info.qty == Decimal("0.01")
    assert info.orderStatus == "live"

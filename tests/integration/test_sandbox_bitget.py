"""The sandbox's Bitget UTA endpoints, over real HTTP with signatures from the provider's signing module."""

from __future__ import annotations

import json

import httpx
import pytest

from airflow_batchmod.testing.sandbox import DEFAULT_SEED, Sandbox
from tests.support.sandbox_state import bitget_orders
from tests.support.signed_requests import (
    BITGET_MAIN,
    BITGET_PAPER,
    BITGET_SECOND,
    MODIFY_PATH,
    ORDER_INFO_PATH,
    bitget_headers,
    bitget_modify,
    bitget_order_info,
    item_codes,
    now_ms,
)


def test_modify_by_order_id_and_client_oid_applies_in_request_order(
    client: httpx.Client, fresh_sandbox: Sandbox
) -> None:
    response = bitget_modify(
        client,
        [
            {
                "orderId": "1001",
                "price": "59850.0",
                "qty": "0.020",
                "symbol": "BTCUSDT",
                "category": "USDT-FUTURES",
            },
            {"clientOid": "ladder-2", "price": "59700.5"},
            {"orderId": "1031", "qty": "0.25"},
        ],
    )
    assert response.status_code == 200
    payload = response.json()
    assert payload["code"] == "00000" and payload["msg"] == "success"
    assert payload["data"] == [
        {"orderId": "1001", "clientOid": "ladder-1"},
        {"orderId": "1002", "clientOid": "ladder-2"},
        {"orderId": "1031", "clientOid": "ladder-31"},
    ]
    orders = bitget_orders(fresh_sandbox.state())
    assert (orders["1001"]["price"], orders["1001"]["qty"], orders["1001"]["modifications"]) == (
        "59850.0",
        "0.020",
        1,
    )
    assert (orders["1002"]["price"], orders["1002"]["qty"]) == ("59700.5", "0.011")
    assert (orders["1031"]["price"], orders["1031"]["qty"]) == ("2990.00", "0.25")
    assert orders["1003"]["modifications"] == 0
    info = bitget_order_info(client, {"clientOid": "ladder-2"}).json()["data"]
    assert (info["orderId"], info["price"], info["orderStatus"], info["reduceOnly"]) == (
        "1002",
        "59700.5",
        "live",
        "no",
    )


def test_wrong_signature_is_40009_and_changes_nothing(client: httpx.Client, fresh_sandbox: Sandbox) -> None:
    def corrupt(headers: dict[str, str]) -> None:
        headers["ACCESS-SIGN"] = bitget_headers("POST", MODIFY_PATH, body="[]")["ACCESS-SIGN"]

    response = bitget_modify(client, [{"orderId": "1001", "price": "59800.0"}], mutate_headers=corrupt)
    assert response.status_code == 400
    assert response.json()["code"] == "40009"
    assert bitget_orders(fresh_sandbox.state())["1001"]["modifications"] == 0


def test_signature_covers_exact_body_bytes(client: httpx.Client) -> None:
    signed = '[{"orderId":"1001","price":"59800.0"}]'
    sent = '[{"orderId": "1001", "price": "59800.0"}]'  # same JSON, different bytes
    headers = bitget_headers("POST", MODIFY_PATH, body=signed)
    response = client.post(MODIFY_PATH, content=sent.encode(), headers=headers)
    assert (response.status_code, response.json()["code"]) == (400, "40009")


def test_auth_failures_have_bitget_codes(client: httpx.Client) -> None:
    body = '[{"orderId":"1001","price":"59800.0"}]'
    stale = str(now_ms() - 31_000)
    cases = {
        "40008": bitget_headers("POST", MODIFY_PATH, body=body, timestamp=stale),
        "40012": bitget_headers("POST", MODIFY_PATH, body=body, creds={**BITGET_MAIN, "passphrase": "nope"}),
        "40006": bitget_headers("POST", MODIFY_PATH, body=body, creds={**BITGET_MAIN, "key": "unknown"}),
    }
    missing = bitget_headers("POST", MODIFY_PATH, body=body)
    del missing["ACCESS-PASSPHRASE"]
    cases["40001"] = missing
    for code, headers in cases.items():
        response = client.post(MODIFY_PATH, content=body.encode(), headers=headers)
        assert (response.status_code, response.json()["code"]) == (400, code)
        assert response.json()["data"] is None


def test_paptrading_header_must_match_the_key(client: httpx.Client, fresh_sandbox: Sandbox) -> None:
    item = [{"orderId": "3001", "price": "59400.0"}]
    assert bitget_modify(client, item, creds=BITGET_PAPER).json()["code"] == "40099"
    live_with_header = bitget_modify(client, [{"orderId": "1001", "price": "59800.0"}], paptrading=True)
    assert (live_with_header.status_code, live_with_header.json()["code"]) == (400, "40099")
    ok = bitget_modify(client, item, creds=BITGET_PAPER, paptrading=True)
    assert ok.json()["code"] == "00000"
    assert item_codes(ok) == [None]
    assert bitget_orders(fresh_sandbox.state())["3001"]["price"] == "59400.0"


@pytest.mark.parametrize(
    ("items", "detail"),
    [
        ([], "empty"),
        ([{"orderId": str(1001 + i), "qty": "0.020"} for i in range(21)], "at most 20"),
        (
            [{"orderId": "1001", "price": "59800.0"}, {"clientOid": "ladder-1", "qty": "0.020"}],
            "more than once",
        ),
        ([{"orderId": "1001", "price": "59800.0"}, {"orderId": "1051", "price": "59900.00"}], "one category"),
        ([{"price": "59800.0"}], "orderId or clientOid"),
        ([{"orderId": "1001"}], "qty or price"),
    ],
)
def test_whole_request_rejections_are_40017(
    client: httpx.Client, fresh_sandbox: Sandbox, items: list[dict[str, str]], detail: str
) -> None:
    response = bitget_modify(client, items)
    assert response.status_code == 400
    payload = response.json()
    assert payload["code"] == "40017"
    assert detail in payload["msg"]
    assert all(o["modifications"] == 0 for o in fresh_sandbox.state()["bitget"]["orders"])


def test_twenty_items_are_accepted(client: httpx.Client, fresh_sandbox: Sandbox) -> None:
    response = bitget_modify(client, [{"orderId": str(1001 + i), "qty": "0.030"} for i in range(20)])
    assert response.json()["code"] == "00000"
    assert item_codes(response) == [None] * 20
    orders = bitget_orders(fresh_sandbox.state())
    assert [orders[str(1001 + i)]["modifications"] for i in range(21)] == [1] * 20 + [0]


def test_per_item_rejections(client: httpx.Client, fresh_sandbox: Sandbox) -> None:
    response = bitget_modify(
        client,
        [
            {"orderId": "9004", "price": "62100.0"},  # reduce-only
            {"orderId": "9002", "price": "59100.0"},  # filled
            {"orderId": "9003", "price": "3200.00"},  # cancelled
            {"orderId": "9001", "qty": "0.030"},  # below the filled 0.040
            {"orderId": "1003", "price": "59700.0", "qty": "0.012"},  # same as now
            {"orderId": "424242", "price": "1.0"},  # unknown
            {"orderId": "1004", "price": "59600.05"},  # off the 0.1 tick
            {"orderId": "1005", "qty": "0.0145"},  # off the 0.001 step
            {"orderId": "1006", "qty": "1000.001"},  # above maxOrderQty 1000
            {"orderId": "1007", "price": "59350.0"},  # fine
        ],
    )
    assert response.status_code == 200
    assert item_codes(response) == [
        "25574",
        "25568",
        "25568",
        "25568",
        "25571",
        "25204",
        "25244",
        "25610",
        "25208",
        None,
    ]
    data = response.json()["data"]
    assert (
        "filled" in data[1]["msg"] and "cancelled" in data[2]["msg"] and "below the filled" in data[3]["msg"]
    )
    assert data[5] == {"orderId": "424242", "clientOid": None, "code": "25204", "msg": "Order does not exist"}
    assert data[6]["msg"] == "Price should be a multiple of 0.1"
    orders = bitget_orders(fresh_sandbox.state())
    assert {k: orders[k]["modifications"] for k in ("9004", "9002", "9001", "1003", "1004", "1007")} == {
        "9004": 0,
        "9002": 0,
        "9001": 0,
        "1003": 0,
        "1004": 0,
        "1007": 1,
    }
    assert orders["9004"]["status"] == "live"


def test_min_qty_is_25207(fresh_sandbox: Sandbox) -> None:
    seed = json.loads(DEFAULT_SEED.read_text())
    seed["bitget"]["instruments"][0]["minOrderQty"] = "0.005"
    fresh_sandbox.reset(seed)
    with httpx.Client(base_url=fresh_sandbox.url, timeout=5.0) as client:
        response = bitget_modify(client, [{"orderId": "1001", "qty": "0.004"}])
    assert item_codes(response) == ["25207"]


def test_partially_filled_order_can_grow_and_fills_at_filled_qty(
    client: httpx.Client, fresh_sandbox: Sandbox
) -> None:
    first = bitget_modify(client, [{"orderId": "9001", "qty": "0.050", "price": "58100.0"}])
    assert item_codes(first) == [None]
    order = bitget_orders(fresh_sandbox.state())["9001"]
    assert (order["status"], order["qty"], order["filledQty"]) == ("partially_filled", "0.050", "0.040")
    second = bitget_modify(client, [{"orderId": "9001", "qty": "0.040"}])
    assert item_codes(second) == [None]
    order = bitget_orders(fresh_sandbox.state())["9001"]
    assert (order["status"], order["modifications"]) == ("filled", 2)
    info = bitget_order_info(client, {"orderId": "9001"}).json()["data"]
    assert (info["orderStatus"], info["cumExecQty"]) == ("filled", "0.040")


def test_auto_cancel_cancels_the_original_on_an_order_level_failure(
    client: httpx.Client, fresh_sandbox: Sandbox
) -> None:
    response = bitget_modify(
        client,
        [
            {"orderId": "1010", "price": "59000.05", "autoCancel": "yes"},
            {"orderId": "1011", "price": "58900.05", "autoCancel": "no"},
            {"orderId": "777", "price": "1.0", "autoCancel": "yes"},
        ],
    )
    assert item_codes(response) == ["25244", "25244", "25204"]
    orders = bitget_orders(fresh_sandbox.state())
    assert (orders["1010"]["status"], orders["1011"]["status"]) == ("cancelled", "live")
    assert orders["1010"]["modifications"] == 0
    assert bitget_order_info(client, {"orderId": "1010"}).json()["data"]["orderStatus"] == "cancelled"


def test_eleventh_modify_within_a_second_is_429(client: httpx.Client, fresh_sandbox: Sandbox) -> None:
    codes = []
    for i in range(11):
        price = f"{59000 + i}.0"
        response = bitget_modify(client, [{"orderId": "1020", "price": price}])
        codes.append((response.status_code, response.json()["code"]))
    assert codes[:10] == [(200, "00000")] * 10
    assert codes[10] == (429, "429")
    order = bitget_orders(fresh_sandbox.state())["1020"]
    assert (order["modifications"], order["price"]) == (10, "59009.0")


def test_rate_limit_is_per_uid(client: httpx.Client) -> None:
    for i in range(10):
        assert bitget_modify(client, [{"orderId": "1020", "price": f"{59000 + i}.0"}]).status_code == 200
    other = bitget_modify(client, [{"orderId": "2001", "price": "59700.0"}], creds=BITGET_SECOND)
    assert (other.status_code, item_codes(other)) == (200, [None])


def test_accounts_are_isolated(client: httpx.Client) -> None:
    response = bitget_modify(client, [{"orderId": "1001", "price": "59800.0"}], creds=BITGET_SECOND)
    assert item_codes(response) == ["25204"]
    info = bitget_order_info(client, {"orderId": "1001"}, creds=BITGET_SECOND)
    assert (info.status_code, info.json()["code"]) == (400, "25204")


def test_order_info_by_id_client_oid_and_unknown(client: httpx.Client) -> None:
    by_id = bitget_order_info(client, {"orderId": "1031"}).json()["data"]
    assert by_id == {
        **by_id,
        "orderId": "1031",
        "clientOid": "ladder-31",
        "category": "USDT-FUTURES",
        "symbol": "ETHUSDT",
        "side": "buy",
        "price": "2990.00",
        "qty": "0.10",
        "cumExecQty": "0.00",
        "orderStatus": "live",
        "reduceOnly": "no",
    }
    assert (
        bitget_order_info(client, {"clientOid": "special-reduce-only"}).json()["data"]["reduceOnly"] == "yes"
    )
    unknown = bitget_order_info(client, {"orderId": "55555"})
    assert (unknown.status_code, unknown.json()["code"]) == (400, "25204")


def test_get_signature_covers_the_raw_query(client: httpx.Client) -> None:
    # Signed with sorted keys but sent unsorted: the exchange signs what it receives, so this fails.
    headers = bitget_headers("GET", ORDER_INFO_PATH, query="category=USDT-FUTURES&orderId=1001")
    response = client.get(f"{ORDER_INFO_PATH}?orderId=1001&category=USDT-FUTURES", headers=headers)
    assert (response.status_code, response.json()["code"]) == (400, "40009")
    good = bitget_order_info(client, {"orderId": "1001", "category": "USDT-FUTURES"})
    assert good.json()["data"]["orderId"] == "1001"


def test_instruments_and_account_settings(client: httpx.Client) -> None:
    futures = client.get("/api/v3/market/instruments", params={"category": "USDT-FUTURES"}).json()["data"]
    assert sorted(i["symbol"] for i in futures) == ["BTCUSDT", "ETHUSDT"]
    btc = client.get("/api/v3/market/instruments?category=USDT-FUTURES&symbol=BTCUSDT").json()["data"]
    assert [(i["priceMultiplier"], i["quantityMultiplier"], i["minOrderQty"]) for i in btc] == [
        ("0.1", "0.001", "0.001")
    ]
    spot = client.get("/api/v3/market/instruments", params={"category": "SPOT"}).json()["data"]
    assert [i["symbol"] for i in spot] == ["BTCUSDT"]
    path = "/api/v3/account/settings"
    settings = client.get(path, headers=bitget_headers("GET", path)).json()
    assert (settings["code"], settings["data"]["uid"]) == ("00000", "1001")
    second = client.get(path, headers=bitget_headers("GET", path, creds=BITGET_SECOND)).json()
    assert second["data"]["uid"] == "1002"


def test_shuffled_items_keep_their_ids(client: httpx.Client, fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.configure(shuffle_bitget_items=True)
    items = [{"orderId": str(1001 + i), "qty": "0.040"} for i in range(20)]
    data = bitget_modify(client, items).json()["data"]
    assert sorted(d["orderId"] for d in data) == sorted(i["orderId"] for i in items)
    assert all("code" not in d for d in data)


def test_envelope_mode_refuses_the_whole_batch_with_the_bad_items_code(
    client: httpx.Client, fresh_sandbox: Sandbox
) -> None:
    fresh_sandbox.configure(bitget_batch_errors="envelope")
    batch = [
        {"orderId": "1007", "price": "59350.0"},
        {"orderId": "1004", "price": "59600.05", "autoCancel": "yes"},  # off the 0.1 tick
        {"orderId": "1003", "price": "59700.0", "qty": "0.012"},  # same as now
    ]
    response = bitget_modify(client, batch)
    assert response.status_code == 400
    payload = response.json()
    assert (payload["code"], payload["msg"], payload["data"]) == (
        "25244",
        "Price should be a multiple of 0.1",
        None,
    )
    orders = bitget_orders(fresh_sandbox.state())
    assert [orders[k]["modifications"] for k in ("1007", "1004", "1003")] == [0, 0, 0]
    assert orders["1004"]["status"] == "live"  # refused whole: autoCancel never ran
    good = bitget_modify(client, [batch[0]])
    assert (good.status_code, item_codes(good)) == (200, [None])
    fresh_sandbox.configure(bitget_batch_errors="per_item")
    assert item_codes(bitget_modify(client, batch[1:])) == ["25244", "25571"]


def test_price_band_post_only_and_new_order_ids(client: httpx.Client, fresh_sandbox: Sandbox) -> None:
    seed = json.loads(DEFAULT_SEED.read_text())
    seed["bitget"]["instruments"][0].update(buyLimitPriceRatio="0.01", sellLimitPriceRatio="0.01")
    post_only = next(o for o in seed["bitget"]["orders"] if o["orderId"] == "1002")
    post_only["timeInForce"] = "post_only"
    fresh_sandbox.reset(seed)
    # The band is the mark (60000) +/- 1%: 25206 above it for a buy, 25205 below it for a sell.
    refused = bitget_modify(
        client, [{"orderId": "1001", "price": "60600.1"}, {"orderId": "1016", "price": "59399.9"}]
    )
    assert item_codes(refused) == ["25206", "25205"]
    assert refused.json()["data"][0]["msg"] == "BTCUSDT trading price cannot exceed 1%"
    # A post-only buy moved onto the best ask (60000.1) is accepted, then cancelled.
    crossed = bitget_modify(
        client, [{"orderId": "1002", "price": "60000.1"}, {"orderId": "1003", "price": "60000.1"}]
    )
    assert item_codes(crossed) == [None, None]
    info = bitget_order_info(client, {"orderId": "1002"}).json()["data"]
    assert (info["orderStatus"], info["cancelReason"], info["timeInForce"]) == (
        "cancelled",
        "post_only_fill_cancel",
        "post_only",
    )
    assert bitget_order_info(client, {"orderId": "1003"}).json()["data"]["orderStatus"] == "live"  # gtc
    # A venue that gives a modified order a new id: the answer names it, the old one is cancelled.
    fresh_sandbox.configure(bitget_modify_new_order_id=True)
    moved = bitget_modify(client, [{"orderId": "1004", "price": "59500.0"}]).json()["data"]
    (item,) = moved
    assert item["clientOid"] == "ladder-4" and item["orderId"] != "1004"
    old = bitget_order_info(client, {"orderId": "1004"}).json()["data"]
    assert (old["orderStatus"], old["cancelReason"], old["price"]) == (
        "cancelled",
        "modify_limit_order",
        "59600.0",
    )
    new = bitget_order_info(client, {"clientOid": "ladder-4"}).json()["data"]
    assert (new["orderId"], new["orderStatus"], new["price"]) == (item["orderId"], "live", "59500.0")

"""The sandbox's Hyperliquid /info reads and what a signed modify does to the book, order by order."""

from __future__ import annotations

import httpx

from airflow_batchmod.testing.sandbox import Sandbox
from tests.support.sandbox_state import hyperliquid_orders
from tests.support.signed_requests import (
    BTC,
    ETH,
    HL_AGENT,
    HL_KEY_A,
    HL_KEY_AGENT,
    HL_KEY_B,
    HL_USER_A,
    HL_USER_B,
    HL_VAULT,
    PURR,
    SOL,
    hl_info,
    hl_modify,
    hl_order,
    statuses,
)

#: The venue's prefix when the cancel leg of a modify ran and the new order was refused.
PLACING = "Error placing new order during modify: "

# Seeded orders of account A (see docs/sandbox.md): 1000001 BTC buy 59900 0.002 Alo with a cloid,
# 1000002 BTC buy 59800 0.001 Gtc, 1000065 BTC sell stop (trigger) 0.002.
BTC_BUY_CLOID = "0x0000000a000000000000000000000001"
#: A market stop-loss for seeded order 1000065: a trigger order, so it needs always-place.
STOP_LOSS_MODIFY = {
    "oid": 1000065,
    "order": {
        "a": BTC,
        "b": False,
        "p": "54000",
        "s": "0.002",
        "r": True,
        "t": {"trigger": {"isMarket": True, "triggerPx": "54000", "tpsl": "sl"}},
    },
}


def test_meta_and_spot_meta(client: httpx.Client) -> None:
    meta = hl_info(client, {"type": "meta"})
    assert [(u["name"], u["szDecimals"]) for u in meta["universe"]] == [("BTC", 5), ("ETH", 4), ("SOL", 2)]
    spot = hl_info(client, {"type": "spotMeta"})
    assert spot["universe"] == [{"name": "PURR/USDC", "tokens": [1, 0], "index": 0}]
    assert [(t["name"], t["szDecimals"]) for t in spot["tokens"]] == [("USDC", 8), ("PURR", 0)]


def test_open_orders_of_each_account(client: httpx.Client) -> None:
    a = hl_info(client, {"type": "frontendOpenOrders", "user": HL_USER_A})
    assert len(a) == 65
    assert {o["coin"] for o in a} == {"BTC", "ETH", "SOL", "PURR/USDC"}
    assert sum(1 for o in a if o["cloid"]) >= 10
    assert [o["oid"] for o in a] == sorted((o["oid"] for o in a), reverse=True)
    trigger = next(o for o in a if o["isTrigger"])
    assert (trigger["oid"], trigger["orderType"], trigger["triggerPx"]) == (1000065, "Stop Market", "55000")
    assert len(hl_info(client, {"type": "openOrders", "user": HL_USER_B})) == 10
    assert len(hl_info(client, {"type": "openOrders", "user": HL_VAULT.upper().replace("0X", "0x")})) == 5


def test_modify_is_cancel_and_replace_with_a_new_oid(client: httpx.Client, fresh_sandbox: Sandbox) -> None:
    response = hl_modify(
        client, HL_KEY_A, [{"oid": 1000001, "order": hl_order(BTC, True, "59850", "0.003", "Alo")}]
    )
    [status] = statuses(response)
    new_oid = status["resting"]["oid"]
    assert new_oid > 1000210 and status["resting"]["cloid"] == BTC_BUY_CLOID
    orders = hyperliquid_orders(fresh_sandbox.state())
    assert (orders[1000001]["status"], orders[1000001]["replacedBy"]) == ("canceled", new_oid)
    new = orders[new_oid]
    assert (new["status"], new["replaces"], new["limitPx"], new["sz"], new["cloid"]) == (
        "open",
        1000001,
        "59850",
        "0.003",
        BTC_BUY_CLOID,
    )
    old_status = hl_info(client, {"type": "orderStatus", "user": HL_USER_A, "oid": 1000001})
    assert old_status["order"]["status"] == "canceled"
    by_cloid = hl_info(client, {"type": "orderStatus", "user": HL_USER_A, "oid": BTC_BUY_CLOID})
    assert (by_cloid["order"]["order"]["oid"], by_cloid["order"]["status"]) == (new_oid, "open")
    open_oids = {o["oid"] for o in hl_info(client, {"type": "openOrders", "user": HL_USER_A})}
    assert new_oid in open_oids and 1000001 not in open_oids


def test_modify_by_cloid_with_new_cloid_and_in_order(client: httpx.Client, fresh_sandbox: Sandbox) -> None:
    new_cloid = "0x000000000000000000000000deadbeef"
    response = hl_modify(
        client,
        HL_KEY_A,
        [
            {"oid": BTC_BUY_CLOID, "order": hl_order(BTC, True, "59870", "0.002", "Alo", cloid=new_cloid)},
            {"oid": 1000002, "order": hl_order(BTC, True, "59790", "0.001", "Alo")},
            {"oid": BTC_BUY_CLOID, "order": hl_order(BTC, True, "59880", "0.002", "Alo")},
        ],
    )
    first, second, third = statuses(response)
    assert first["resting"]["cloid"] == new_cloid
    assert second["resting"]["oid"] == first["resting"]["oid"] + 1
    # No `c`: the replacement keeps the order's own cloid (1000002's, in the default seed). Whether
    # the venue does the same is unconfirmed; the client always sends the cloid it wants kept.
    assert second["resting"]["cloid"] == "0x0000000a000000000000000000000002"
    # The first modify gave the replacement a new cloid, so the old cloid names only the canceled order.
    assert third == {"error": "Cannot modify canceled or filled order"}
    found = hl_info(client, {"type": "orderStatus", "user": HL_USER_A, "oid": new_cloid})
    assert found["order"]["order"]["oid"] == first["resting"]["oid"]


def test_tick_lot_and_minimum_value_errors(client: httpx.Client, fresh_sandbox: Sandbox) -> None:
    response = hl_modify(
        client,
        HL_KEY_A,
        [
            {"oid": 1000002, "order": hl_order(BTC, True, "59790.5", "0.001")},  # 6 significant figures
            {"oid": 1000021, "order": hl_order(ETH, True, "2990.55", "0.01")},  # 6 significant figures
            {"oid": 1000023, "order": hl_order(ETH, True, "2970.5", "0.00001")},  # 5 decimals > szDecimals 4
            {"oid": 1000037, "order": hl_order(SOL, True, "149.25", "0.05")},  # $7.46 < $10
            {"oid": 1000053, "order": hl_order(PURR, True, "0.1234567", "100")},  # 7 significant figures
            {"oid": 1000054, "order": hl_order(PURR, True, "0.19", "100.5")},  # PURR szDecimals 0
            {"oid": 1000055, "order": hl_order(PURR, True, "0.18501", "100")},  # valid spot price
            {
                "oid": 1000003,
                "order": hl_order(BTC, True, "123456", "0.001"),
            },  # integer: always a valid price
        ],
    )
    result = statuses(response)
    assert result[:6] == [
        {"error": "Price must be divisible by tick size. asset=0"},
        {"error": "Price must be divisible by tick size. asset=1"},
        {"error": "Order has invalid size."},
        # The minimum value is checked when placing, after the original was cancelled.
        {"error": PLACING + "Order must have minimum value of $10. asset=2"},
        {"error": "Price must be divisible by tick size. asset=10000"},
        {"error": "Order has invalid size."},
    ]
    assert "resting" in result[6]
    # 123456 crosses the mark of 60000: an executable Gtc needs always-place.
    assert result[7] == {"error": "Modify requires always place for this order type."}
    orders = hyperliquid_orders(fresh_sandbox.state())
    assert [orders[oid]["status"] for oid in (1000002, 1000021, 1000023, 1000053, 1000054, 1000003)] == [
        "open"
    ] * 6
    assert orders[1000055]["status"] == "canceled"
    assert (orders[1000037]["status"], orders[1000037]["replacedBy"]) == ("canceled", None)


def test_always_place_rules(client: httpx.Client, fresh_sandbox: Sandbox) -> None:
    without = statuses(
        hl_modify(
            client,
            HL_KEY_A,
            [
                {"oid": 1000002, "order": hl_order(BTC, True, "60010", "0.001", "Gtc")},  # executable Gtc
                {"oid": 1000004, "order": hl_order(BTC, True, "59500", "0.001", "Ioc")},  # Ioc
                STOP_LOSS_MODIFY,
                {"oid": 1000006, "order": hl_order(BTC, True, "60500", "0.001", "Alo")},  # crossing Alo
                {"oid": 1000008, "order": hl_order(BTC, True, "59250", "0.001", "Gtc")},  # resting Gtc
            ],
        )
    )
    needs = {"error": "Modify requires always place for this order type."}
    assert without[:3] == [needs, needs, needs]
    assert without[3] == {
        "error": PLACING + "Post only order would have immediately matched, bbo was 60000. asset=0"
    }
    rested = without[4]["resting"]["oid"]
    orders = hyperliquid_orders(fresh_sandbox.state())
    assert [orders[oid]["status"] for oid in (1000002, 1000004, 1000065)] == ["open"] * 3
    assert orders[1000006]["status"] == "canceled"  # the cancel leg ran; the new order was refused
    assert orders[rested]["orderType"] == {"limit": {"tif": "Alo"}}  # the documented Gtc -> Alo override

    with_a = statuses(
        hl_modify(
            client,
            HL_KEY_A,
            [
                {"oid": 1000002, "order": hl_order(BTC, True, "60010", "0.001", "Gtc")},
                STOP_LOSS_MODIFY,
                {"oid": 1000010, "order": hl_order(BTC, True, "59050", "0.001", "Gtc")},
                {"oid": 1000004, "order": hl_order(BTC, True, "59500", "0.001", "Ioc")},  # nothing to match
            ],
            always_place=True,
        )
    )
    filled = with_a[0]["filled"]
    assert (filled["totalSz"], filled["avgPx"]) == ("0.001", "60000")
    trigger_oid = with_a[1]["resting"]["oid"]
    gtc_oid = with_a[2]["resting"]["oid"]
    assert with_a[3] == {
        "error": PLACING + "Order could not immediately match against any resting orders. asset=0"
    }
    orders = hyperliquid_orders(fresh_sandbox.state())
    assert (orders[1000002]["status"], orders[filled["oid"]]["status"]) == ("canceled", "filled")
    assert orders[trigger_oid]["orderType"]["trigger"]["triggerPx"] == "54000"
    assert orders[gtc_oid]["orderType"] == {"limit": {"tif": "Gtc"}}
    assert orders[1000004]["status"] == "canceled"


def test_keeps_original_mode_checks_the_new_order_first(client: httpx.Client, fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.configure(hyperliquid_failed_modify="keeps_original")
    result = statuses(
        hl_modify(
            client,
            HL_KEY_A,
            [
                {"oid": 1000006, "order": hl_order(BTC, True, "60500", "0.001", "Alo")},  # crossing Alo
                {"oid": 1000037, "order": hl_order(SOL, True, "149.25", "0.05")},  # $7.46 < $10
            ],
        )
    )
    assert result == [
        {"error": "Post only order would have immediately matched, bbo was 60000. asset=0"},
        {"error": "Order must have minimum value of $10. asset=2"},
    ]
    orders = hyperliquid_orders(fresh_sandbox.state())
    assert [orders[oid]["status"] for oid in (1000006, 1000037)] == ["open", "open"]


def test_shared_cloid_status_answers_newest_or_oldest(client: httpx.Client, fresh_sandbox: Sandbox) -> None:
    [status] = statuses(
        hl_modify(client, HL_KEY_A, [{"oid": 1000001, "order": hl_order(BTC, True, "59850", "0.003", "Alo")}])
    )
    new_oid = status["resting"]["oid"]
    ask = {"type": "orderStatus", "user": HL_USER_A, "oid": BTC_BUY_CLOID}
    assert hl_info(client, ask)["order"]["order"]["oid"] == new_oid
    fresh_sandbox.configure(hyperliquid_shared_cloid_status="oldest")
    oldest = hl_info(client, ask)["order"]
    assert (oldest["order"]["oid"], oldest["status"]) == (1000001, "canceled")


def test_always_place_places_even_when_the_cancel_fails(client: httpx.Client, fresh_sandbox: Sandbox) -> None:
    response = hl_modify(
        client,
        HL_KEY_A,
        [{"oid": 4242, "order": hl_order(ETH, False, "3300", "0.01", "Gtc")}],
        always_place=True,
    )
    oid = statuses(response)[0]["resting"]["oid"]
    new = hyperliquid_orders(fresh_sandbox.state())[oid]
    assert (new["user"], new["replaces"], new["status"]) == (HL_USER_A, None, "open")


def test_foreign_and_wrong_asset_oids_cannot_be_modified(client: httpx.Client) -> None:
    result = statuses(
        hl_modify(
            client,
            HL_KEY_A,
            [
                {"oid": 1000201, "order": hl_order(BTC, True, "58990", "0.001", "Alo")},  # B's order
                {"oid": 1000002, "order": hl_order(ETH, True, "2900", "0.01", "Alo")},  # a BTC order
                {
                    "oid": 1000101,
                    "order": hl_order(BTC, True, "59400", "0.001", "Alo"),
                },  # vault order, no vault
            ],
        )
    )
    assert result == [{"error": "Cannot modify canceled or filled order"}] * 3


def test_vault_trading_by_owner_and_agent(client: httpx.Client, fresh_sandbox: Sandbox) -> None:
    owner = statuses(
        hl_modify(
            client,
            HL_KEY_A,
            [{"oid": 1000101, "order": hl_order(BTC, True, "59400", "0.001", "Alo")}],
            vault=HL_VAULT,
        )
    )
    agent = statuses(
        hl_modify(
            client,
            HL_KEY_AGENT,
            [{"oid": 1000103, "order": hl_order(ETH, True, "2940", "0.01", "Alo")}],
            vault=HL_VAULT,
        )
    )
    orders = hyperliquid_orders(fresh_sandbox.state())
    assert orders[owner[0]["resting"]["oid"]]["user"] == HL_VAULT
    assert orders[agent[0]["resting"]["oid"]]["user"] == HL_VAULT
    assert orders[1000101]["replacedBy"] == owner[0]["resting"]["oid"]
    outsider = hl_modify(
        client,
        HL_KEY_B,
        [{"oid": 1000102, "order": hl_order(BTC, False, "60600", "0.001", "Alo")}],
        vault=HL_VAULT,
    ).json()
    assert outsider["status"] == "err"
    assert hyperliquid_orders(fresh_sandbox.state())[1000102]["status"] == "open"


def test_agent_trades_for_its_user(client: httpx.Client, fresh_sandbox: Sandbox) -> None:
    result = statuses(
        hl_modify(
            client, HL_KEY_AGENT, [{"oid": 1000005, "order": hl_order(BTC, True, "59450", "0.002", "Alo")}]
        )
    )
    assert hyperliquid_orders(fresh_sandbox.state())[result[0]["resting"]["oid"]]["user"] == HL_USER_A


def test_user_roles(client: httpx.Client) -> None:
    assert hl_info(client, {"type": "userRole", "user": HL_USER_A}) == {"role": "user"}
    assert hl_info(client, {"type": "userRole", "user": HL_AGENT}) == {
        "role": "agent",
        "data": {"user": HL_USER_A},
    }
    assert hl_info(client, {"type": "userRole", "user": HL_VAULT}) == {"role": "vault"}
    assert hl_info(client, {"type": "userRole", "user": "0x" + "0" * 40}) == {"role": "missing"}


def test_unknown_order_status(client: httpx.Client) -> None:
    assert hl_info(client, {"type": "orderStatus", "user": HL_USER_A, "oid": 1000201}) == {
        "status": "unknownOid"
    }
    assert hl_info(client, {"type": "orderStatus", "user": HL_USER_A, "oid": "0x" + "f" * 32}) == {
        "status": "unknownOid"
    }

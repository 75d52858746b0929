"""Builder-deployed (HIP-3) perps: asset-id arithmetic, ``perpDexs`` and per-dex ``meta`` parsing,
and which reads the metadata cache makes for which edits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from airflow_batchmod.exchanges.base import MetadataError
from airflow_batchmod.exchanges.hyperliquid.metadata import (
    MetadataCache,
    builder_dex,
    dex_of_coin,
    hip3_asset_id,
    hip3_dex_index,
    is_spot,
    needed_parts,
    parse_perp_dexs,
    parse_perp_meta,
)
from airflow_batchmod.exchanges.hyperliquid.models import parse_edit

RECORDED = Path(__file__).resolve().parents[3] / "data" / "recorded" / "hyperliquid"
DEXS = [None, {"name": "xyz", "fullName": "XYZ"}, {"name": "flx", "fullName": "Felix"}]
XYZ_META = {"universe": [{"name": "xyz:TSLA", "szDecimals": 3}, {"name": "xyz:NVDA", "szDecimals": 2}]}


def _edit(**names: Any) -> Any:
    return parse_edit({"oid": 1, "is_buy": True, "price": "1", "size": "1", **names})


def test_asset_id_is_offset_plus_dex_stride_plus_index() -> None:
    assert hip3_asset_id(1, 0) == 110_000
    assert hip3_asset_id(2, 7) == 120_007
    assert hip3_dex_index(110_000) == 1
    assert hip3_dex_index(129_999) == 2
    assert [hip3_dex_index(asset) for asset in (0, 10_107, 99_999, 109_999)] == [None] * 4
    for dex_index, index in ((0, 0), (1, -1), (1, 10_000)):
        with pytest.raises(ValueError):
            hip3_asset_id(dex_index, index)


def test_coin_names_their_dex() -> None:
    assert dex_of_coin("xyz:TSLA") == "xyz"
    assert [dex_of_coin(coin) for coin in ("BTC", "PURR/USDC", "@107", ":TSLA")] == [None] * 4


def test_perp_dexs_recorded_answer_numbers_dexes_by_position() -> None:
    answer = json.loads((RECORDED / "info.perpDexs__docs.json").read_text())["answer"]
    assert parse_perp_dexs(answer) == {"test": 1}
    assert parse_perp_dexs(DEXS) == {"xyz": 1, "flx": 2}


@pytest.mark.parametrize("answer", [{}, [None, "xyz"], [None, {"fullName": "no name"}]])
def test_malformed_perp_dexs_is_a_metadata_error(answer: object) -> None:
    with pytest.raises(MetadataError, match="perpDexs"):
        parse_perp_dexs(answer)


def test_dex_meta_gives_hip3_ids_and_prefixed_names() -> None:
    assets = parse_perp_meta(XYZ_META, "xyz", 1)
    assert [(a.asset, a.name, a.sz_decimals, a.is_spot) for a in assets] == [
        (110_000, "xyz:TSLA", 3, False),
        (110_001, "xyz:NVDA", 2, False),
    ]
    # Perp precision: 6 - szDecimals price decimals.
    assert assets[0].max_price_decimals == 3
    bare = parse_perp_meta({"universe": [{"name": "TSLA", "szDecimals": 3}]}, "xyz", 1)
    assert bare[0].name == "xyz:TSLA"


def test_which_reads_each_edit_needs() -> None:
    hip3_by_name, hip3_by_id = _edit(coin="xyz:TSLA"), _edit(asset=120_003)
    assert builder_dex(hip3_by_name) == "xyz" and builder_dex(hip3_by_id) == 2
    assert not is_spot(hip3_by_id) and is_spot(_edit(asset=10_107))
    assert needed_parts([hip3_by_name, hip3_by_id]) == {"perps": False, "spot": False, "dexes": {"xyz", 2}}
    assert needed_parts([_edit(coin="BTC")]) == {"perps": True, "spot": False, "dexes": set()}


def test_cache_reads_perp_dexs_once_and_only_the_named_dexs_meta() -> None:
    reads: list[dict[str, Any]] = []
    answers = {"meta": {"universe": [{"name": "BTC", "szDecimals": 5}]}, "perpDexs": DEXS}

    def query(body: dict[str, Any]) -> object:
        reads.append(body)
        return XYZ_META if body.get("dex") == "xyz" else answers[body["type"]]

    cache = MetadataCache.reading(query)
    directory = cache.get(perps=False, spot=False, dexes={"xyz"})
    assert reads == [{"type": "perpDexs"}, {"type": "meta", "dex": "xyz"}]
    assert directory.by_name("xyz:TSLA") is not None and directory.by_id(110_001) is not None
    assert cache.builder_dexes() == ["xyz"]
    again = cache.get(perps=True, spot=False, dexes={1, "nope", 9})
    assert reads[2:] == [{"type": "meta"}]
    assert again.by_name("BTC") is not None and again.by_name("xyz:TSLA") is not None

"""Asset ids and size decimals, read from the exchange's ``meta`` and ``spotMeta``.

A perp's asset id is its index in ``meta.universe``; delisted entries keep their
index, so they are kept here too. A spot pair's id is ``10000 + pair index`` and its
``szDecimals`` are its base token's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from airflow_batchmod.exchanges.base import MetadataError

SPOT_ASSET_OFFSET = 10_000
#: Prices carry at most this many decimals, minus szDecimals.
PERP_MAX_DECIMALS = 6
SPOT_MAX_DECIMALS = 8


@dataclass(frozen=True)
class AssetInfo:
    asset: int
    name: str
    sz_decimals: int
    is_spot: bool
    is_delisted: bool = False
    #: What the minimum order value is counted in: USDC on perps, the quote token on spot.
    quote_token: str = "USDC"

    @property
    def max_price_decimals(self) -> int:
        base = SPOT_MAX_DECIMALS if self.is_spot else PERP_MAX_DECIMALS
        return max(0, base - self.sz_decimals)


class AssetDirectory:
    """Look assets up by coin name (``"BTC"``, ``"PURR/USDC"``) or by asset id."""

    def __init__(self, assets: list[AssetInfo], aliases: Mapping[str, int] | None = None) -> None:
        self._by_id: dict[int, AssetInfo] = {}
        self._by_name: dict[str, AssetInfo] = {}
        for info in assets:
            self._by_id[info.asset] = info
            self._by_name.setdefault(info.name, info)
        for alias, asset in (aliases or {}).items():
            if alias not in self._by_name and asset in self._by_id:
                self._by_name[alias] = self._by_id[asset]

    def by_name(self, name: str) -> AssetInfo | None:
        return self._by_name.get(name)

    def by_id(self, asset: int) -> AssetInfo | None:
        return self._by_id.get(asset)

    def __len__(self) -> int:
        return len(self._by_id)


def _int_field(entry: Mapping[str, Any], key: str, where: str) -> int:
    value = entry.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise MetadataError(f"{where}: '{key}' is not a non-negative integer")
    return value


def _str_field(entry: Mapping[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value:
        raise MetadataError(f"{where}: '{key}' is not a name")
    return value


def _list_field(document: object, key: str, where: str) -> list[Any]:
    if not isinstance(document, Mapping) or not isinstance(document.get(key), list):
        raise MetadataError(f"{where}: no '{key}' list")
    return list(document[key])


def parse_perp_meta(meta: object) -> list[AssetInfo]:
    assets = []
    for index, entry in enumerate(_list_field(meta, "universe", "meta")):
        where = f"meta.universe[{index}]"
        if not isinstance(entry, Mapping):
            raise MetadataError(f"{where} is not an object")
        assets.append(
            AssetInfo(
                asset=index,
                name=_str_field(entry, "name", where),
                sz_decimals=_int_field(entry, "szDecimals", where),
                is_spot=False,
                is_delisted=entry.get("isDelisted") is True,
            )
        )
    return assets


def parse_spot_meta(spot_meta: object) -> tuple[list[AssetInfo], dict[str, int]]:
    """Spot pairs, plus ``BASE/QUOTE`` aliases for pairs the exchange names ``@N``."""
    tokens: dict[int, Mapping[str, Any]] = {}
    for position, token in enumerate(_list_field(spot_meta, "tokens", "spotMeta")):
        where = f"spotMeta.tokens[{position}]"
        if not isinstance(token, Mapping):
            raise MetadataError(f"{where} is not an object")
        tokens[_int_field(token, "index", where)] = token
    assets = []
    aliases: dict[str, int] = {}
    for position, pair in enumerate(_list_field(spot_meta, "universe", "spotMeta")):
        where = f"spotMeta.universe[{position}]"
        if not isinstance(pair, Mapping):
            raise MetadataError(f"{where} is not an object")
        pair_tokens = pair.get("tokens")
        if (
            not isinstance(pair_tokens, list)
            or len(pair_tokens) != 2
            or not all(isinstance(t, int) and t in tokens for t in pair_tokens)
        ):
            raise MetadataError(f"{where}: 'tokens' does not name two known tokens")
        base, quote = tokens[pair_tokens[0]], tokens[pair_tokens[1]]
        asset = SPOT_ASSET_OFFSET + _int_field(pair, "index", where)
        assets.append(
            AssetInfo(
                asset=asset,
                name=_str_field(pair, "name", where),
                sz_decimals=_int_field(base, "szDecimals", f"{where} base token"),
                is_spot=True,
                quote_token=str(quote.get("name", "USDC")),
            )
        )
        aliases[f"{base.get('name')}/{quote.get('name')}"] = asset
    return assets, aliases


def build_directory(meta: object, spot_meta: object) -> AssetDirectory:
    spot_assets, aliases = parse_spot_meta(spot_meta)
    return AssetDirectory(parse_perp_meta(meta) + spot_assets, aliases)


class MetadataCache:
    """Fetches each half of the directory (perps: ``meta``, spot: ``spotMeta``) once, only when an
    edit needs it (thread-safe), and keeps it for the client's lifetime."""

    def __init__(self, fetch_perps: Callable[[], object], fetch_spot: Callable[[], object]) -> None:
        self._fetch_perps = fetch_perps
        self._fetch_spot = fetch_spot
        self._lock = threading.Lock()
        self._perps: list[AssetInfo] | None = None
        self._spot: tuple[list[AssetInfo], dict[str, int]] | None = None

    def get(self, *, perps: bool = True, spot: bool = True) -> AssetDirectory:
        """The assets of the halves asked for (and of any half read before)."""
        with self._lock:
            if perps and self._perps is None:
                self._perps = parse_perp_meta(self._fetch_perps())
            if spot and self._spot is None:
                self._spot = parse_spot_meta(self._fetch_spot())
            spot_assets, aliases = self._spot if self._spot is not None else ([], {})
            return AssetDirectory((self._perps or []) + spot_assets, aliases)


class NamesAsset(Protocol):
    """An edit as far as it names its asset: by coin or by asset id."""

    @property
    def coin(self) -> str | None: ...

    @property
    def asset(self) -> int | None: ...


def is_spot(request: NamesAsset) -> bool:
    """Spot pairs are named ``BASE/QUOTE`` or ``@<pair index>`` and numbered from 10,000."""
    if request.asset is not None:
        return request.asset >= SPOT_ASSET_OFFSET
    coin = request.coin or ""
    return "/" in coin or coin.startswith("@")


def needed_halves(requests: Iterable[NamesAsset]) -> dict[str, bool]:
    """Which metadata reads the edits need: ``perps`` (``meta``) and ``spot`` (``spotMeta``)."""
    kinds = {is_spot(request) for request in requests}
    return {"perps": False in kinds, "spot": True in kinds}

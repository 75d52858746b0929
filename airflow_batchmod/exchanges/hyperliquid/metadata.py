"""Asset ids and size decimals, read from the exchange's ``meta``, ``spotMeta`` and ``perpDexs``.

A perp's asset id is its index in ``meta.universe``; delisted entries keep their
index, so they are kept here too. A spot pair's id is ``10000 + pair index`` and its
``szDecimals`` are its base token's. A builder-deployed (HIP-3) perp is named ``dex:COIN``
and numbered ``100000 + perp dex index * 10000 + index in that dex's meta universe``; the
dex index is its position in ``perpDexs`` (position 0, the default dex, is ``null``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from airflow_batchmod.exchanges.base import MetadataError

SPOT_ASSET_OFFSET = 10_000
HIP3_ASSET_OFFSET = 100_000
#: Asset ids each builder dex spans.
HIP3_DEX_STRIDE = 10_000
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


def hip3_asset_id(dex_index: int, index_in_dex: int) -> int:
    """The asset id of entry ``index_in_dex`` of builder dex ``dex_index``'s meta universe."""
    if dex_index < 1 or not 0 <= index_in_dex < HIP3_DEX_STRIDE:
        raise ValueError(f"no HIP-3 asset at dex {dex_index}, index {index_in_dex}")
    return HIP3_ASSET_OFFSET + dex_index * HIP3_DEX_STRIDE + index_in_dex


def hip3_dex_index(asset: int) -> int | None:
    """The perp dex index an asset id belongs to (None: not a builder-deployed perp)."""
    if asset < HIP3_ASSET_OFFSET + HIP3_DEX_STRIDE:
        return None
    return (asset - HIP3_ASSET_OFFSET) // HIP3_DEX_STRIDE


def dex_of_coin(coin: str) -> str | None:
    """The builder dex a coin name belongs to (``"xyz"`` for ``"xyz:TSLA"``), None for others."""
    dex, colon, _ = coin.partition(":")
    return dex if colon and dex else None


def parse_perp_dexs(answer: object) -> dict[str, int]:
    """``perpDexs``: each builder dex's name and perp dex index (its position in the list)."""
    if not isinstance(answer, list):
        raise MetadataError("perpDexs: the answer is not a list")
    dexes: dict[str, int] = {}
    for position, entry in enumerate(answer):
        if entry is None and position == 0:
            continue
        if not isinstance(entry, Mapping):
            raise MetadataError(f"perpDexs[{position}] is not an object")
        dexes[_str_field(entry, "name", f"perpDexs[{position}]")] = position
    return dexes


def parse_perp_meta(meta: object, dex: str | None = None, dex_index: int = 0) -> list[AssetInfo]:
    """The perps of ``meta``: the default dex's, or builder dex ``dex``'s (read with ``dex``)."""
    assets = []
    where_meta = "meta" if dex is None else f"meta of dex {dex!r}"
    for index, entry in enumerate(_list_field(meta, "universe", where_meta)):
        where = f"{where_meta}.universe[{index}]"
        if not isinstance(entry, Mapping):
            raise MetadataError(f"{where} is not an object")
        name = _str_field(entry, "name", where)
        if dex is not None and dex_of_coin(name) is None:
            name = f"{dex}:{name}"
        assets.append(
            AssetInfo(
                asset=index if dex is None else hip3_asset_id(dex_index, index),
                name=name,
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


#: A builder dex as an edit names it: by name (``"xyz"``) or by perp dex index.
DexRef = str | int


class MetadataCache:
    """Fetches each part of the directory once, only when an edit needs it (thread-safe), and
    keeps it for the client's lifetime: perps (``meta``), spot (``spotMeta``), and per builder
    dex named by an edit ``perpDexs`` (once) and that dex's ``meta``."""

    def __init__(
        self,
        fetch_perps: Callable[[], object],
        fetch_spot: Callable[[], object],
        fetch_dexs: Callable[[], object] | None = None,
        fetch_dex_meta: Callable[[str], object] | None = None,
    ) -> None:
        self._fetch_perps = fetch_perps
        self._fetch_spot = fetch_spot
        self._fetch_dexs = fetch_dexs
        self._fetch_dex_meta = fetch_dex_meta
        self._lock = threading.Lock()
        self._perps: list[AssetInfo] | None = None
        self._spot: tuple[list[AssetInfo], dict[str, int]] | None = None
        self._dex_indices: dict[str, int] | None = None
        self._dex_assets: dict[str, list[AssetInfo]] = {}

    @classmethod
    def reading(cls, query: Callable[[dict[str, Any]], object]) -> MetadataCache:
        """A cache whose every part is one ``/info`` read made through ``query``."""
        return cls(
            lambda: query({"type": "meta"}),
            lambda: query({"type": "spotMeta"}),
            lambda: query({"type": "perpDexs"}),
            lambda dex: query({"type": "meta", "dex": dex}),
        )

    def get(self, *, perps: bool = True, spot: bool = True, dexes: Iterable[DexRef] = ()) -> AssetDirectory:
        """The assets of the parts asked for (and of any part read before). A builder dex the
        venue does not list adds no assets: its edits are then refused as naming no known asset."""
        with self._lock:
            if perps and self._perps is None:
                self._perps = parse_perp_meta(self._fetch_perps())
            if spot and self._spot is None:
                self._spot = parse_spot_meta(self._fetch_spot())
            for dex in self._resolve(set(dexes)):
                if dex not in self._dex_assets and self._fetch_dex_meta is not None:
                    assert self._dex_indices is not None
                    meta = self._fetch_dex_meta(dex)
                    self._dex_assets[dex] = parse_perp_meta(meta, dex, self._dex_indices[dex])
            spot_assets, aliases = self._spot if self._spot is not None else ([], {})
            builder = [info for assets in self._dex_assets.values() for info in assets]
            return AssetDirectory((self._perps or []) + spot_assets + builder, aliases)

    def builder_dexes(self) -> list[str]:
        """The builder dexes whose assets have been read, by name."""
        with self._lock:
            return sorted(self._dex_assets)

    def _resolve(self, dexes: set[DexRef]) -> list[str]:
        if not dexes:
            return []
        if self._dex_indices is None:
            if self._fetch_dexs is None:
                raise MetadataError("builder-deployed perps are named but perpDexs cannot be read")
            self._dex_indices = parse_perp_dexs(self._fetch_dexs())
        by_index = {index: name for name, index in self._dex_indices.items()}
        names = {by_index.get(dex) if isinstance(dex, int) else dex for dex in dexes}
        return sorted(name for name in names if name is not None and name in self._dex_indices)


class NamesAsset(Protocol):
    """An edit as far as it names its asset: by coin or by asset id."""

    @property
    def coin(self) -> str | None: ...

    @property
    def asset(self) -> int | None: ...


def builder_dex(request: NamesAsset) -> DexRef | None:
    """The builder dex an edit's asset belongs to: by name or by perp dex index (None: none)."""
    if request.asset is not None:
        return hip3_dex_index(request.asset)
    return dex_of_coin(request.coin or "")


def is_spot(request: NamesAsset) -> bool:
    """Spot pairs are named ``BASE/QUOTE`` or ``@<pair index>`` and numbered from 10,000 (below
    the builder-deployed perps' 100,000)."""
    if request.asset is not None:
        return SPOT_ASSET_OFFSET <= request.asset < HIP3_ASSET_OFFSET
    coin = request.coin or ""
    return "/" in coin or coin.startswith("@")


def needed_parts(requests: Iterable[NamesAsset]) -> dict[str, Any]:
    """Which metadata reads the edits need, as keywords of :meth:`MetadataCache.get`: ``perps``
    (``meta``), ``spot`` (``spotMeta``) and ``dexes`` (the builder dexes named)."""
    listed = list(requests)
    dexes = {dex for dex in (builder_dex(request) for request in listed) if dex is not None}
    kinds = {is_spot(request) for request in listed if builder_dex(request) is None}
    return {"perps": False in kinds, "spot": True in kinds, "dexes": dexes}

"""Run-time settings changed through ``POST /sandbox/config`` (and an optional ``config`` seed section)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from airflow_batchmod.sandbox.validation import describe_errors

Count = Annotated[int, Field(ge=0, strict=True)]

#: "Plenty": what every Hyperliquid address has left unless a seed or the config says otherwise.
PLENTY_OF_REQUESTS = 10_000_000


class SandboxConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    #: Added to every venue API call (never to ``/sandbox/*``).
    latency_ms: Count = 0
    #: Return Bitget batch items in random order, so clients must correlate by id, not position.
    shuffle_bitget_items: bool = False
    rate_limits: bool = True
    bitget_modify_per_second: Count = 10
    bitget_query_per_second: Count = 20
    bitget_unfilled_orders_per_second: Count = 20
    bitget_public_per_second: Count = 20
    #: Bitget's "continuous modification": accept at once, apply each item this much later.
    bitget_apply_delay_ms: Count = 0
    #: How a batch with a bad item is refused. ``per_item``: the item carries ``code``/``msg`` and
    #: the others apply (as the WebSocket twin documents). ``envelope``: the whole request is
    #: refused with that item's code and message and nothing applies (REST documents no item codes).
    bitget_batch_errors: Literal["per_item", "envelope"] = "per_item"
    #: A modify that applies at once rests the order under a new ``orderId`` (same ``clientOid``) and
    #: lists the old id as cancelled with ``cancelReason: modify_limit_order``. No UTA page says
    #: the id survives a modify; ccxt issues report changed ids on the classic API.
    bitget_modify_new_order_id: bool = False
    hyperliquid_weight_per_minute: Count = 1200
    #: Count ``/info`` weight against the per-IP budget, as the exchange does.
    hyperliquid_info_weight: bool = True
    #: Requests each Hyperliquid address has left (setting it applies to every address at once).
    hyperliquid_address_budget: Count = PLENTY_OF_REQUESTS
    #: What a Hyperliquid modify whose new order cannot be placed (post-only cross, Ioc with
    #: nothing to match, under the minimum value) does to the original: the venue cancels first
    #: (``cancels_original``, seen in captures); ``keeps_original`` plays a venue that checks first.
    hyperliquid_failed_modify: Literal["cancels_original", "keeps_original"] = "cancels_original"
    #: Which order ``orderStatus`` answers for a cloid carried by a cancelled original and its
    #: replacement (the venue does not say): the ``newest`` or the ``oldest``.
    hyperliquid_shared_cloid_status: Literal["newest", "oldest"] = "newest"

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump()

    def updated(self, changes: object) -> SandboxConfig:
        """A copy with ``changes`` applied; raises ``ValueError`` naming the bad key."""
        if not isinstance(changes, dict):
            raise ValueError("config must be a JSON object")
        try:
            return SandboxConfig.model_validate({**self.model_dump(), **changes})
        except ValidationError as exc:
            raise ValueError(describe_errors(exc, known=sorted(SandboxConfig.model_fields))) from None

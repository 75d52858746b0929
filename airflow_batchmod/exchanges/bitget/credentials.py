"""Bitget API credentials, kept out of reprs, logs and exception messages."""

from __future__ import annotations

from dataclasses import dataclass, field


def mask(value: str) -> str:
    """Enough of an API key to tell two keys apart, never the whole of it."""
    return value[:4] + "***" if len(value) > 8 else "***"


@dataclass(frozen=True)
class BitgetCredentials:
    api_key: str = field(repr=False)
    secret: str = field(repr=False)
    passphrase: str = field(repr=False)

    def __post_init__(self) -> None:
        for name in ("api_key", "secret", "passphrase"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise ValueError(f"Bitget {name} must be a non-empty string")

    def __repr__(self) -> str:
        return f"BitgetCredentials(api_key={mask(self.api_key)!r}, secret='***', passphrase='***')"

    __str__ = __repr__

    def secrets(self) -> list[str]:
        """Every value to mask wherever server text or errors are shown."""
        return [self.secret, self.passphrase, self.api_key]

"""The feed-forward kinds of the paper.

Every kind is an activation :math:`\\phi` and a flag saying whether the hidden layer is gated:
non-GLU ``z(x) = V φ(Wx)`` and GLU ``z(x) = V[(Px) ⊙ φ(Wx)]``. A non-GLU kind and its GLU
partner share the activation (``relu``/``reglu``, ``gelu``/``geglu``, ``silu``/``swiglu``).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Kind", "KINDS", "PAIRS", "NON_GLU", "GLU", "get_kind"]


@dataclass(frozen=True)
class Kind:
    """One FFN kind: its name, its activation name and whether it is gated (GLU)."""

    name: str
    activation: str
    gated: bool


#: Every kind by name.
KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("relu", "relu", False),
        Kind("gelu", "gelu", False),
        Kind("silu", "silu", False),
        Kind("reglu", "relu", True),
        Kind("geglu", "gelu", True),
        Kind("swiglu", "silu", True),
        Kind("bilinear", "identity", True),
        Kind("glu", "sigmoid", True),
    )
}
#: The paper's (non-GLU, GLU) pairs.
PAIRS: tuple[tuple[str, str], ...] = (("relu", "reglu"), ("gelu", "geglu"), ("silu", "swiglu"))
#: The non-gated kinds.
NON_GLU: tuple[str, ...] = tuple(k for k, v in KINDS.items() if not v.gated)
#: The gated (GLU) kinds.
GLU: tuple[str, ...] = tuple(k for k, v in KINDS.items() if v.gated)


def get_kind(name: str) -> Kind:
    """Return the :class:`Kind` called ``name``; a clear ``ValueError`` for an unknown name."""
    if isinstance(name, Kind):
        return name
    try:
        return KINDS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown model kind {name!r}; expected one of {sorted(KINDS)}") from None

"""Vectorized string building for identifiers and dirty values (numpy + pyarrow.compute).

Identifiers are made unique by construction: an integer key (global person index, slot,
row counter) goes through a bijection (splitmix64 finalizer or an affine map modulo 10^k) and is
then spelled in an alphabet, so two different keys can never give the same identifier.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)

HEX = b"0123456789abcdef"
HEX_UPPER = b"0123456789ABCDEF"
B64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def mix64(keys: np.ndarray, salt: int) -> np.ndarray:
    """splitmix64 finalizer of ``keys ^ salt``: a bijection on uint64 for a fixed salt."""
    with np.errstate(over="ignore"):
        z = keys.astype(np.uint64) ^ np.uint64(salt & 0xFFFFFFFFFFFFFFFF)
        z = z + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        return z ^ (z >> np.uint64(31))


def encode(h: np.ndarray, alphabet: bytes, nchars: int) -> np.ndarray:
    """Spell uint64 values in a power-of-two alphabet, least significant symbol first.

    With ``nchars * log2(len(alphabet)) >= 64`` the spelling is injective. Returns an ``S``
    numpy array (bytes).
    """
    bits = int(len(alphabet)).bit_length() - 1
    table = np.frombuffer(alphabet, dtype="S1")
    mask = np.uint64(len(alphabet) - 1)
    cols = [table[((h >> np.uint64(bits * j)) & mask).astype(np.intp)] for j in range(nchars)]
    if not cols:
        return np.zeros(len(h), dtype="S1")
    stacked = np.ascontiguousarray(np.stack(cols, axis=1))
    return stacked.view(f"S{nchars}").ravel()


def to_pa(values: np.ndarray) -> pa.Array:
    """numpy ``S`` array -> pyarrow string array."""
    return pa.array(values, type=pa.binary()).cast(pa.string())


def concat(*parts: object) -> pa.Array:
    """Element-wise concatenation of pyarrow string arrays and Python str scalars."""
    return pc.binary_join_element_wise(*parts, "")


def digits(values: np.ndarray, width: int) -> pa.Array:
    """Non-negative integers -> zero-padded decimal strings."""
    return pc.utf8_lpad(pc.cast(pa.array(values.astype(np.int64)), pa.string()), width, "0")


def affine(keys: np.ndarray, modulus: int, salt: int) -> np.ndarray:
    """A scrambling bijection of [0, modulus) for modulus = 10**k (k <= 16, keys < 4e10).

    Affine map, digit reversal, affine map: each step is a bijection of [0, 10**k), and the
    digit reversal hides the arithmetic progression of consecutive keys.
    """
    m = np.uint64(modulus)
    width = len(str(modulus)) - 1
    y = (keys.astype(np.uint64) * np.uint64(387_420_489) + np.uint64(salt % modulus)) % m
    r = np.zeros_like(y)
    for _ in range(width):
        r = r * np.uint64(10) + y % np.uint64(10)
        y = y // np.uint64(10)
    z = (r * np.uint64(997) + np.uint64((salt >> 7) % modulus)) % m
    return z.astype(np.int64)


def uuid_like(keys: np.ndarray, salt: int, upper: bool = False) -> pa.Array:
    """8-4-4-4-12 hex strings; injective in ``keys`` (the first 16 hex come from a bijection)."""
    alpha = HEX_UPPER if upper else HEX
    a = encode(mix64(keys, salt), alpha, 16)
    b = encode(mix64(keys, salt ^ 0x5DEECE66D), alpha, 16)
    sa = to_pa(a)
    sb = to_pa(b)
    sl = pc.utf8_slice_codeunits
    return concat(
        sl(sa, 0, 8), "-", sl(sa, 8, 12), "-", sl(sa, 12, 16), "-", sl(sb, 0, 4), "-", sl(sb, 4, 16)
    )


def take(values: pa.Array, idx: np.ndarray) -> pa.Array:
    return values.take(pa.array(idx.astype(np.int64)))


def where(mask: np.ndarray, a: pa.Array | str | None, b: pa.Array) -> pa.Array:
    """``a`` where mask else ``b`` (a may be a scalar string or None)."""
    if not mask.any():
        return b
    if a is None:
        a = pa.scalar(None, type=pa.string())
    return pc.if_else(pa.array(mask), a, b)


def replace_rows(values: pa.Array, mask: np.ndarray, fn) -> pa.Array:
    """Replace the rows under ``mask`` by ``fn(values[mask])`` (fn maps a string array)."""
    if not mask.any():
        return values
    idx = np.flatnonzero(mask)
    new = fn(take(values, idx))
    return pc.replace_with_mask(values, pa.array(mask), new)


def null_tokens(values: pa.Array, rng: np.random.Generator, rate: float) -> pa.Array:
    """Write a share ``rate`` of the null cells as '', 'null' or 'undefined'."""
    isnull = np.asarray(pc.is_null(values).to_numpy(zero_copy_only=False), dtype=bool)
    hit = isnull & (rng.random(len(values)) < rate)
    if not hit.any():
        return values
    tokens = np.array(["", "null", "undefined"], dtype=object)
    chosen = tokens[rng.integers(0, 3, int(hit.sum()))]
    return pc.replace_with_mask(values, pa.array(hit), pa.array(chosen, type=pa.string()))


_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")

PHONE_FORMS: tuple[str, ...] = (
    "clean",
    "spaces",
    "plus86_dashes",
    "86_prefix",
    "0086_prefix",
    "leading_zero",
    "paren_plus86",
    "fullwidth",
    "masked",
)


def phone_form(values: pa.Array, form: str) -> pa.Array:
    """Spell 11-digit phone strings in one of :data:`PHONE_FORMS`."""
    sl = pc.utf8_slice_codeunits
    if form == "clean":
        return values
    if form == "spaces":
        return concat(sl(values, 0, 3), " ", sl(values, 3, 7), " ", sl(values, 7, 11))
    if form == "plus86_dashes":
        return concat("+86-", sl(values, 0, 3), "-", sl(values, 3, 7), "-", sl(values, 7, 11))
    if form == "86_prefix":
        return concat("86", values)
    if form == "0086_prefix":
        return concat("0086", values)
    if form == "leading_zero":
        return concat("0", values)
    if form == "paren_plus86":
        return concat("(+86)", values)
    if form == "fullwidth":
        py = values.to_pylist()
        return pa.array([v.translate(_FULLWIDTH) if v is not None else None for v in py])
    if form == "masked":
        return concat(sl(values, 0, 3), "****", sl(values, 7, 11))
    raise ValueError(form)


def dirty_phones(
    values: pa.Array, rng: np.random.Generator, rates: dict[str, float]
) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """Respell non-null phones in dirty forms at the given per-form rates.

    Returns the new array, a bool mask of cells that are still valid identifiers (i.e. not
    masked; null cells are False) and the form code per cell (index into PHONE_FORMS, -1 null).
    """
    n = len(values)
    notnull = ~np.asarray(pc.is_null(values).to_numpy(zero_copy_only=False), dtype=bool)
    u = rng.random(n)
    valid = notnull.copy()
    code = np.where(notnull, 0, -1)
    lo = 0.0
    out = values
    for i, form in enumerate(PHONE_FORMS[1:], start=1):
        r = rates.get(form, 0.0)
        hit = notnull & (u >= lo) & (u < lo + r)
        lo += r
        code[hit] = i
        if hit.any():
            out = replace_rows(out, hit, lambda v, f=form: phone_form(v, f))
            if form == "masked":
                valid &= ~hit
    return out, valid, code


def dirty_case_space(
    values: pa.Array, rng: np.random.Generator, rate: float, upper: bool
) -> pa.Array:
    """Change case (upper or lower) and/or add surrounding spaces for a share of non-null cells."""
    n = len(values)
    notnull = ~np.asarray(pc.is_null(values).to_numpy(zero_copy_only=False), dtype=bool)
    u = rng.random(n)
    hit = notnull & (u < rate)
    if not hit.any():
        return values
    kind = rng.integers(0, 3, n)
    case_fn = pc.utf8_upper if upper else pc.utf8_lower
    out = replace_rows(values, hit & (kind != 1), case_fn)
    out = replace_rows(out, hit & (kind != 0), lambda v: concat(" ", v, "  "))
    return out

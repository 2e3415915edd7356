"""Ground truth bookkeeping: identifier slots, linking evidence, black holes, realized rates.

Every identifier a person owns has a *slot* in the chunk's registry (``Registry``). The channel
builders report, per raw row, which slots the row carries in a still-valid form (a masked phone
or a null token is not valid; a black-hole value has no slot). A slot becomes *linked* when at
least one row carries it together with another valid slot of the same person; the identity truth
is exactly the linked slots, spelled in the contract's normal form by
:mod:`persona.dev.identifiers`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from persona.dev import identifiers as ids

#: (identifier_type, slots per person) in registry order.
SLOT_KINDS: tuple[tuple[str, int], ...] = (
    ("member_id", 1),
    ("member_card", 1),
    ("phone", 2),  # 0 first phone, 1 phone after a change
    ("email", 1),
    ("cookie_id", 3),
    ("device_id", 2),
    ("openid", 2),  # one per appid
    ("unionid", 1),
    ("wecom_userid", 1),
    ("buyer_id", 4),  # tmall, jd, douyin, pdd
)

NORMALIZERS: dict[str, Callable[[str], str | None]] = {
    "member_id": ids.normalize_string_id,
    "member_card": ids.normalize_member_card,
    "phone": ids.normalize_phone,
    "email": ids.normalize_email,
    "cookie_id": ids.normalize_string_id,
    "device_id": ids.normalize_device_id,
    "unionid": ids.normalize_string_id,
    "wecom_userid": ids.normalize_string_id,
}


@dataclass
class Registry:
    """Slot layout of one chunk: slot = base[kind] + k * n + person."""

    n: int
    base: dict[str, int] = field(default_factory=dict)
    size: int = 0

    def __post_init__(self) -> None:
        offset = 0
        for kind, per in SLOT_KINDS:
            self.base[kind] = offset
            offset += per * self.n
        self.size = offset

    def slot(self, kind: str, k: np.ndarray | int, person: np.ndarray) -> np.ndarray:
        return self.base[kind] + np.asarray(k, dtype=np.int64) * self.n + person.astype(np.int64)


class Evidence:
    """Collects linking evidence and black-hole usage for one chunk.

    Two views: the rows of the design window, before ``design_cutoff_us`` (``linked``, ``seen``,
    ``pairs``: what privacy.py reads, so that it never depends on ``--end``), and the rows
    written, those before ``cutoff_us`` (``linked_out``, ``pairs_out`` and the black holes:
    what ``_truth`` states as of ``--end``).
    """

    def __init__(
        self,
        registry: Registry,
        cutoff_us: int | None = None,
        design_cutoff_us: int | None = None,
    ) -> None:
        self.registry = registry
        self.cutoff_us = cutoff_us
        self.design_cutoff_us = design_cutoff_us
        self.linked = np.zeros(registry.size, dtype=bool)
        self.seen = np.zeros(registry.size, dtype=bool)
        self.linked_out = np.zeros(registry.size, dtype=bool)
        self.bh_codes: list[np.ndarray] = []
        self.bh_persons: list[np.ndarray] = []
        # slot pairs (hub, other) that one row carried together: the person's evidence graph
        self.pairs: list[np.ndarray] = []
        self.pairs_out: list[np.ndarray] = []

    def written(self, t_us: np.ndarray | None, n: int) -> np.ndarray:
        """Which of n rows (at UTC times ``t_us``) are written: at or before the cutoff."""
        if t_us is None or self.cutoff_us is None:
            return np.ones(n, dtype=bool)
        return np.asarray(t_us) < self.cutoff_us

    def rows(self, *cells: tuple[np.ndarray, np.ndarray], t: np.ndarray | None = None) -> None:
        """Record rows; each cell is (slot array with -1 for none, valid bool array); ``t`` the
        rows' UTC times (the day a row is filed by; None: always written)."""
        if not cells or len(cells[0][0]) == 0:
            return
        for cutoff, linked, seen, pairs in (
            (self.design_cutoff_us, self.linked, self.seen, self.pairs),
            (self.cutoff_us, self.linked_out, None, self.pairs_out),
        ):
            if t is None or cutoff is None:
                part = cells
            else:
                keep = np.asarray(t) < cutoff
                part = tuple((s[keep], v[keep]) for s, v in cells)
            if len(part[0][0]):
                self._record(part, linked, seen, pairs)

    def _record(self, cells, linked, seen, pairs) -> None:
        valid = [(s >= 0) & v for s, v in cells]
        count = np.sum(valid, axis=0)
        link = count >= 2
        hub = np.full(len(cells[0][0]), -1, dtype=np.int64)
        for (s, _), v in zip(cells, valid, strict=True):
            if seen is not None:
                seen[s[v]] = True
            linked[s[v & link]] = True
            take = v & link & (hub < 0)
            hub[take] = s[take]
        for (s, _), v in zip(cells, valid, strict=True):
            other = v & link & (s != hub)
            if other.any():
                size = np.int64(self.registry.size)
                pairs.append(np.unique(hub[other].astype(np.int64) * size + s[other]))

    def linkable_groups(self, written: bool = False) -> np.ndarray:
        """Per slot, the smallest slot it is connected to through rows of its own person
        (``written``: through the written rows only).

        Two identifiers of one person are only resolvable when some chain of rows connects them
        (a WeChat user who never authorized a phone stays apart from the CRM member). This is the
        ceiling any linker can reach; black holes are not part of it.
        """
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        size = self.registry.size
        pairs = self.pairs_out if written else self.pairs
        codes = np.unique(np.concatenate(pairs)) if pairs else np.zeros(0, np.int64)
        a, b = codes // size, codes % size
        graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(size, size))
        _, labels = connected_components(graph, directed=False)
        smallest = np.full(labels.max() + 1 if size else 0, size, dtype=np.int64)
        np.minimum.at(smallest, labels, np.arange(size, dtype=np.int64))
        return smallest[labels]

    def black_hole(
        self, codes: np.ndarray, persons: np.ndarray, t: np.ndarray | None = None
    ) -> None:
        """Record that persons (global index) used global black-hole codes (-1 = none) in rows at
        UTC times ``t``; only written rows count."""
        m = (codes >= 0) & self.written(t, len(codes))
        if m.any():
            self.bh_codes.append(codes[m].astype(np.int64))
            self.bh_persons.append(persons[m].astype(np.int64))

    def black_hole_counts(self, n_codes: int) -> np.ndarray:
        """Distinct persons per global black-hole code in this chunk."""
        out = np.zeros(n_codes, dtype=np.int64)
        if not self.bh_codes:
            return out
        codes = np.concatenate(self.bh_codes)
        persons = np.concatenate(self.bh_persons)
        pairs = np.unique(codes * np.int64(1 << 40) + persons)
        np.add.at(out, pairs >> np.int64(40), 1)
        return out


def identity_table(
    evidence: Evidence,
    values: dict[str, list[pa.Array]],
    person_ids: pa.Array,
    scope: dict[str, list[str]],
) -> pa.Table:
    """Truth rows (identifier_type, identifier_value, person_id, linkable_id) for the linked slots.

    ``linkable_id`` names the part of the person that the data connects (see
    :meth:`Evidence.linkable_groups`), spelled ``<person_id>~<slot>`` with the smallest registry
    slot of the part: equal to the person when every row of theirs connects.

    ``values[kind][k]`` holds the clean raw spelling of slot k for every person of the chunk;
    ``scope`` gives the appid / platform of each openid / buyer_id slot.
    """
    reg = evidence.registry
    groups = evidence.linkable_groups(written=True)
    types: list[str] = []
    vals: list[str] = []
    pids: list[pa.Array] = []
    parts: list[str] = []
    for kind, per in SLOT_KINDS:
        for k in range(per):
            lo = reg.base[kind] + k * reg.n
            persons = np.flatnonzero(evidence.linked_out[lo : lo + reg.n])
            if len(persons) == 0:
                continue
            raw = values[kind][k].take(pa.array(persons)).to_pylist()
            if kind == "openid":
                norm = [ids.scoped_openid(scope["openid"][k], r) for r in raw]
            elif kind == "buyer_id":
                norm = [ids.scoped_buyer_id(scope["buyer_id"][k], r) for r in raw]
            else:
                fn = NORMALIZERS[kind]
                norm = [fn(r) for r in raw]
            types.extend([kind] * len(norm))
            vals.extend(norm)
            chunk_pids = person_ids.take(pa.array(persons))
            pids.append(chunk_pids)
            parts.extend(
                f"{pid}~{group}"
                for pid, group in zip(chunk_pids.to_pylist(), groups[lo + persons], strict=True)
            )
    pid_col = pa.concat_arrays(pids) if pids else pa.array([], type=pa.string())
    return pa.table(
        {
            "identifier_type": pa.array(types, type=pa.string()),
            "identifier_value": pa.array(vals, type=pa.string()),
            "person_id": pid_col,
            "linkable_id": pa.array(parts, type=pa.string()),
        }
    )


class RateCounter:
    """Realized messiness counts: name -> [hits, population]."""

    def __init__(self) -> None:
        self.counts: dict[str, list[int]] = {}

    def add(self, name: str, hits: int | np.integer, population: int | np.integer) -> None:
        cur = self.counts.setdefault(name, [0, 0])
        cur[0] += int(hits)
        cur[1] += int(population)

    def merge(self, other: RateCounter) -> None:
        for name in sorted(other.counts):
            h, p = other.counts[name]
            self.add(name, h, p)

    def realized(self) -> dict[str, dict[str, float]]:
        out = {}
        for name in sorted(self.counts):
            h, p = self.counts[name]
            out[name] = {"hits": h, "population": p, "rate": (h / p) if p else 0.0}
        return out

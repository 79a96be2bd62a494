"""The de-duplication index on this machine: what a load looks up for each new article — a stored
article with the same content hash, those sharing an LSH band key or a passage, their signatures,
groups and word 5-gram sets — in a RocksDB database in the warehouse's staging area
(`<staging>/dedupe-index/`).

Why not in the warehouse: Parquet files have no index, so a lake answers a lookup of a chunk's
few thousand random keys by scanning the whole table, and a load's cost grew with the warehouse
(3.5x from 10,000 to 100,000 stored articles). RocksDB answers each key in microseconds whatever
its size (bloom filters make the usual miss cheap), and takes writes of random keys as appends.

The warehouse stays the truth, and this is derived from its `articles`, kept in step by the load
number each load stamps on the rows it adds or re-points (`articles.changed_in`, the
`load_serial` count after its turn):
- `mark` is the last load number whose rows the index holds; inside each load's transaction the
  rows stamped since are read back (`flows.batches.catch_up`: other machines' loads, or a load
  of this one whose index write was cut off) and written here at once: they are committed;
- a load's own entries are held in memory (`Pending`) until its transaction commits, then
  written in one atomic batch with the new mark (`commit`); a load run again after a conflict
  drops them (`discard`);
- `provnews reprocess` deletes articles and sets a new `load_serial.generation`: an index of
  another generation, or of another layout of keys (`scheme`), is emptied and built again.

Keys (one RocksDB keyspace; a letter says what follows):
    a<article_id>    published, passages, root, signature   (the article's group as last known)
    s<article_id>    its word 5-gram set (sorted uint32)
    h<content_hash>  article_id
    b<band key>      article ids, newline-separated
    p<fingerprint>   article ids, at most cap + 1 (more: the passage is boilerplate)
    f<article_id>    the original that replaced it as its group's original (`reroot`)
    ~                state: generation, scheme, mark
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import shutil
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
from rocksdict import BlockBasedOptions, Options, Rdict, WriteBatch

DIRECTORY = "dedupe-index"
STATE = b"~"
_RECORD = struct.Struct("<qiH")  # published (us since the epoch), passages, length of the root id
_NO_TIME = -(2**63)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_KEY = struct.Struct(">q")


@dataclass
class Entry:
    """One article as the index holds it."""
    article_id: str
    content_hash: str
    published: datetime | None
    root: str                  # its group's original (itself if it is one)
    signature: np.ndarray      # MinHash values, uint32
    band_keys: np.ndarray      # LSH band keys, int64
    fingerprints: set[int]     # passage fingerprints
    shingles: np.ndarray       # word 5-gram set, sorted uint32


def _ids(value: bytes | None) -> list[str]:
    return value.decode().split("\n") if value else []


def _time(published: datetime | None) -> int:
    return _NO_TIME if published is None else (published - _EPOCH) // timedelta(microseconds=1)


def _record(published: int, passages: int, root: str, signature: bytes) -> bytes:
    rid = root.encode()
    return _RECORD.pack(published, passages, len(rid)) + rid + signature


def _unpack(value: bytes) -> tuple[datetime | None, int, str, bytes]:
    published, passages, n = _RECORD.unpack_from(value)
    start = _RECORD.size
    when = None if published == _NO_TIME else _EPOCH + timedelta(microseconds=published)
    return when, passages, value[start:start + n].decode(), value[start + n:]


class _PendingKeys:
    """Band keys or fingerprints of the pending entries, as sorted arrays for batch lookups."""

    def __init__(self):
        self._keys: list[np.ndarray] = []
        self._owners: list[str] = []
        self._sorted: tuple[np.ndarray, np.ndarray] | None = None

    def add(self, keys: np.ndarray, owner: str) -> None:
        self._keys.append(np.asarray(keys, dtype=np.int64))
        self._owners.append(owner)
        self._sorted = None

    def find(self, query: np.ndarray) -> dict[int, list[str]]:
        if not self._keys:
            return {}
        if self._sorted is None:
            self._sorted = _by_key(self._keys)
        keys, owners = self._sorted
        lo, hi = np.searchsorted(keys, query, "left"), np.searchsorted(keys, query, "right")
        return {int(q): [self._owners[o] for o in owners[a:b]] for q, a, b in zip(query, lo, hi) if b > a}


@dataclass
class Pending:
    """A load's own entries and re-rootings, until its transaction commits."""
    entries: dict[str, Entry] = field(default_factory=dict)
    by_hash: dict[str, str] = field(default_factory=dict)
    bands: _PendingKeys = field(default_factory=_PendingKeys)
    passages: _PendingKeys = field(default_factory=_PendingKeys)
    forwards: dict[str, str] = field(default_factory=dict)
    # The stored postings its lookups found, by key: every key of a pending entry was looked up
    # (`candidates`), so its write needs no second read (a key not here had none).
    fetched: dict[bytes, list[str]] = field(default_factory=dict)


class DedupeStore:
    """The index of one warehouse on this machine; see the module's note. Open it with `opened`."""

    def __init__(self, db: Rdict, path: Path):
        self.db, self.path = db, path
        self.pending = Pending()

    @classmethod
    @contextlib.contextmanager
    def opened(cls, staging: Path) -> Iterator["DedupeStore"]:
        """The index in this staging area, held by this process for the block: loads of other
        processes on the machine (several pool runs) wait for it, as their commits would."""
        path = staging / DIRECTORY
        path.mkdir(parents=True, exist_ok=True)
        with open(staging / (DIRECTORY + ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            store = cls(_open(path), path)
            try:
                yield store
            finally:
                store.db.close()

    # ------------------------------------------------------------------ state

    @property
    def state(self) -> dict:
        value = self.db.get(STATE)
        return json.loads(value) if value else {"generation": None, "scheme": None, "mark": -1}

    @property
    def mark(self) -> int:
        return self.state["mark"]

    def follows(self, generation: str, scheme: str, loads: int) -> bool:
        """Whether the index is of this generation of the warehouse and this layout of keys, and
        not ahead of it (a warehouse restored from an older copy)."""
        s = self.state
        return s["generation"] == generation and s["scheme"] == scheme and s["mark"] <= loads

    def reset(self, generation: str, scheme: str) -> None:
        """Empty the index, to be built again from every article."""
        self.db.close()
        Rdict.destroy(str(self.path))
        shutil.rmtree(self.path, ignore_errors=True)
        self.db = _open(self.path)
        self.pending = Pending()
        self.db.put(STATE, json.dumps({"generation": generation, "scheme": scheme, "mark": -1}).encode())

    # ------------------------------------------------------------------ reads (pending included)

    def known(self, article_ids: list[str]) -> set[str]:
        """Those of these articles the index holds (pending ones aside)."""
        found = self.db.get([b"a" + aid.encode() for aid in article_ids])
        return {aid for aid, value in zip(article_ids, found) if value is not None}

    def originals(self, hashes: Iterable[str]) -> dict[str, str]:
        """{content hash: article_id} of the stored articles with these hashes."""
        hashes = list(dict.fromkeys(hashes))
        out = {h: self.pending.by_hash[h] for h in hashes if h in self.pending.by_hash}
        rest = [h for h in hashes if h not in out]
        for h, aid in zip(rest, self.db.get([b"h" + h.encode() for h in rest]) if rest else []):
            if aid is not None:
                out[h] = aid.decode()
        return out

    def _postings(self, kind: bytes, keys: np.ndarray, pending: _PendingKeys) -> dict[int, list[str]]:
        keys = np.unique(np.asarray(keys, dtype=np.int64))
        found = pending.find(keys)
        names = [kind + _KEY.pack(k) for k in keys.tolist()]
        for name, k, value in zip(names, keys.tolist(), self.db.get(names) if names else []):
            if value is not None:
                stored = self.pending.fetched[name] = _ids(value)
                found[k] = stored + found.get(k, [])
        return found

    def _records(self, article_ids: list[str]) -> dict[str, tuple[datetime | None, int, str, bytes]]:
        out, rest = {}, []
        for aid in article_ids:
            entry = self.pending.entries.get(aid)
            if entry is None:
                rest.append(aid)
            else:
                out[aid] = (entry.published, len(entry.fingerprints), entry.root, entry.signature.tobytes())
        for aid, value in zip(rest, self.db.get([b"a" + aid.encode() for aid in rest]) if rest else []):
            if value is not None:
                out[aid] = _unpack(value)
        return out

    def _resolve(self, roots: set[str]) -> dict[str, str]:
        """{root as recorded: its group's original now}, following re-rootings: few and short
        chains, each to an article published earlier than the last (so never a loop)."""
        now = {r: r for r in roots}
        current = sorted(roots)
        while current:
            moved = {r: self.pending.forwards[r] for r in current if r in self.pending.forwards}
            rest = [r for r in current if r not in moved]
            for r, value in zip(rest, self.db.get([b"f" + r.encode() for r in rest]) if rest else []):
                if value is not None:
                    moved[r] = value.decode()
            for start, root in now.items():
                if root in moved:
                    now[start] = moved[root]
            current = sorted(set(moved.values()))
        return now

    def candidates(self, band_keys: np.ndarray, fingerprints: set[int], cap: int):
        """The stored articles new ones with these band keys and fingerprints can meet, in the
        shape `flows.dedupe.NearDuplicateIndex.insert_stored` takes: (signatures, bands,
        postings, boilerplate); see there. The originals of their groups come with them."""
        bands = [(k, aid) for k, ids in self._postings(b"b", band_keys.ravel(), self.pending.bands).items()
                 for aid in ids]
        banded = {aid for _, aid in bands}
        postings, boilerplate = [], []
        for fp, ids in self._postings(b"p", np.array(sorted(fingerprints), dtype=np.int64),
                                      self.pending.passages).items():
            if len(ids) > cap:
                boilerplate.append(fp)
            else:
                postings.extend((fp, aid) for aid in ids)
        wanted = banded | {aid for _, aid in postings}
        records = self._records(sorted(wanted))
        roots = self._resolve({r[2] for r in records.values()})
        originals = {roots[r[2]] for aid, r in records.items() if aid in banded}
        records.update(self._records(sorted(set(roots.values()) - set(records))))
        rows = []
        for aid, (published, passages, root, signature) in records.items():
            root = roots.get(root, root)
            with_signature = aid in banded or aid in originals
            rows.append((aid, signature if with_signature else None, published,
                         None if root == aid else root, passages))
        return rows, bands, postings, boilerplate

    def shingle_sets(self, article_ids: Iterable[str]) -> dict[str, np.ndarray]:
        """{article_id: word 5-gram set} of these articles."""
        out, rest = {}, []
        for aid in article_ids:
            if aid in self.pending.entries:
                out[aid] = self.pending.entries[aid].shingles
            else:
                rest.append(aid)
        for aid, value in zip(rest, self.db.get([b"s" + aid.encode() for aid in rest]) if rest else []):
            if value is not None:
                out[aid] = np.frombuffer(value, dtype=np.uint32)
        return out

    # ------------------------------------------------------------------ a load's own entries

    def add(self, entry: Entry) -> None:
        p = self.pending
        p.entries[entry.article_id] = entry
        p.by_hash[entry.content_hash] = entry.article_id
        p.bands.add(entry.band_keys, entry.article_id)
        p.passages.add(np.fromiter(entry.fingerprints, dtype=np.int64, count=len(entry.fingerprints)),
                       entry.article_id)

    def reroot(self, old: str, new: str) -> None:
        """`new` is now the original of `old`'s group (it was published earlier)."""
        self.pending.forwards[old] = new
        for entry in self.pending.entries.values():
            if entry.root == old:
                entry.root = new

    def discard(self) -> None:
        """Drop the pending entries: the load's transaction is run again, or failed."""
        self.pending = Pending()

    def commit(self, mark: int, cap: int) -> None:
        """Write the pending entries, once the load's transaction has committed as load `mark`
        (`cap`: see `write`)."""
        p = self.pending
        self.write(list(p.entries.values()), forwards=p.forwards, mark=mark, cap=cap, fetched=p.fetched)
        self.pending = Pending()

    # ------------------------------------------------------------------ writes

    def write(self, entries: list[Entry], *, roots: dict[str, str] | None = None,
              forwards: dict[str, str] | None = None, mark: int | None = None, cap: int = 20,
              fetched: dict[bytes, list[str]] | None = None) -> None:
        """Write committed facts in one atomic batch: new entries, known articles' roots as the
        warehouse now has them, re-rootings, and the mark they bring the index to. An entry the
        index holds already is written again whole, its postings not twice. A passage's
        postings stop at `cap` + 1 articles: past `cap` it is boilerplate, whoever shares it.
        `fetched`: the stored postings of every key of the entries, if already read."""
        batch = WriteBatch(raw_mode=True)
        held = self.known([e.article_id for e in entries]) if entries else set()
        fresh = [e for e in entries if e.article_id not in held]
        owners = [e.article_id.encode() for e in fresh]
        bands = _grouped(b"b", [e.band_keys for e in fresh], owners)
        passages = _grouped(b"p", [np.fromiter(e.fingerprints, np.int64, len(e.fingerprints)) for e in fresh], owners)
        keys, added = bands[0] + passages[0], bands[1] + passages[1]
        stored = [fetched.get(k) for k in keys] if fetched is not None else \
            [_ids(v) or None for v in (self.db.get(keys) if keys else [])]
        for key, value, ids in zip(keys, added, stored):
            if ids is None and (key[:1] == b"b" or value.count(b"\n") <= cap):  # the usual: a new key
                batch.put(key, value)
                continue
            ids = ids or []
            new = [aid for aid in value.decode().split("\n") if aid not in ids]
            if key[:1] == b"p":
                new = new[:max(cap + 1 - len(ids), 0)]  # past the cap it is boilerplate: enough said
            if new:
                batch.put(key, "\n".join(ids + new).encode())
        for e in entries:
            aid = e.article_id.encode()
            batch.put(b"a" + aid, _record(_time(e.published), len(e.fingerprints), e.root, e.signature.tobytes()))
            batch.put(b"s" + aid, e.shingles.astype(np.uint32).tobytes())
            batch.put(b"h" + e.content_hash.encode(), aid)
        if roots:
            ids = list(roots)
            for aid, value in zip(ids, self.db.get([b"a" + a.encode() for a in ids])):
                if value is not None:
                    published, passages, _, signature = _unpack(value)
                    batch.put(b"a" + aid.encode(), _record(_time(published), passages, roots[aid], signature))
        for old, new in (forwards or {}).items():
            batch.put(b"f" + old.encode(), new.encode())
        if mark is not None:
            batch.put(STATE, json.dumps({**self.state, "mark": mark}).encode())
        self.db.write(batch)


def _by_key(keys: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Owners' int64 keys (an array each) as one array sorted by key, and the owner of each (its
    index in `keys`; among equal keys, in the owners' order)."""
    flat = np.concatenate(keys).astype(np.int64, copy=False) if keys else np.zeros(0, np.int64)
    who = np.repeat(np.arange(len(keys)), [len(k) for k in keys])
    order = np.argsort(flat, kind="stable")
    return flat[order], who[order]


def _grouped(kind: bytes, keys: list[np.ndarray], owners: list[bytes]) -> tuple[list[bytes], list[bytes]]:
    """The store keys of the distinct keys among the owners' keys (int64 each), and the owners of
    each, newline-separated, in order. Grouped in NumPy, and with no Python object per key but
    its two bytes: a load writes about 50 keys an article, most with one owner."""
    flat, who = _by_key(keys)
    if not len(flat):  # no entries, or none with a passage (short texts)
        return [], []
    starts = np.flatnonzero(np.concatenate(([True], flat[1:] != flat[:-1])))
    packed = flat[starts].astype(">i8").tobytes()  # as _KEY packs them
    values = [owners[w] for w in who[starts].tolist()]
    ends = np.append(starts[1:], len(flat))
    for g in np.flatnonzero(ends - starts > 1).tolist():
        values[g] = b"\n".join(owners[w] for w in who[starts[g]:ends[g]].tolist())
    return [kind + packed[i:i + 8] for i in range(0, len(packed), 8)], values


def _open(path: Path) -> Rdict:
    options = Options(raw_mode=True)
    options.create_if_missing(True)
    table = BlockBasedOptions()
    table.set_bloom_filter(10, False)  # most lookups miss (a new article's keys are new): answered from memory
    options.set_block_based_table_factory(table)
    options.set_write_buffer_size(16 * 1024 * 1024)
    return Rdict(str(path), options)

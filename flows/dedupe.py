"""De-duplication: exact copies, near-duplicates and shared passages, against the whole warehouse.

- URL identity is `spiders.urls.url_key`.
- Exact copies share `content_hash` (`flows.folding`): a hash of lead + body after folding
  what differs between copies of one text (Unicode form, tone-mark placement `hoà`/`hòa`, case,
  punctuation, spacing). The stored text stays as published.
- Near-duplicates, as outlets republish: a copy keeps most of the shorter text but trims it,
  edits its lead, adds an outlet credit (`VOV.VN -`, `Theo TTXVN`). On real copies the word
  5-gram Jaccard similarity is only 0.40-0.53 while containment (the share of the shorter
  text's 5-grams found in the longer) is 0.79-0.89; two outlets' own reports of one event score
  containment under 0.3 (PORTALS.md section 6; seeds 000 and 002, which share their closing
  paragraphs, 0.24). So the measure is containment, exact, against a threshold between the two
  (`near_duplicate_containment`, 0.6; README "De-duplication" says how it was chosen).
  Candidates come cheaply and sub-linearly: MinHash of word 5-grams banded for a low Jaccard
  (LSH band keys stored in the warehouse), and shared passages; only those with an estimated
  Jaccard of `check_jaccard` or a shared passage or two are compared exactly. A near-duplicate
  keeps its row and points at the earliest-published article of its group (`duplicate_of`,
  with the containment as `similarity`).
- Shared passages (syndicated paragraphs in otherwise different stories, seeds 000 and 002):
  fingerprints of each two consecutive sentences; articles sharing any are recorded in
  `article_overlaps` with the share of their passages in common.

Signatures, LSH band keys, fingerprints and 5-gram sets are kept by each machine's index
(`warehouse.dedupe_store`, derived from the articles). A load does not hold an index of the
whole warehouse: for each chunk of new articles it takes from that store only the stored
articles that share a band key or a passage with the chunk (`flows.batches`), into a
`NearDuplicateIndex` of that chunk's size.
"""

from __future__ import annotations

import hashlib
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

import numpy as np
from rensa import RMinHash


# MinHash signatures are rensa's RMinHash of the texts' 5-gram hashes, under this seed.
MINHASH_SEED = 42


@dataclass(frozen=True)
class DedupeSettings:
    """Named thresholds; the defaults are what the mirror's ground truth was scored with."""

    # A near-duplicate: containment of word 5-grams (exact) at least this; real copies score
    # 0.79+, two outlets' reports of one event under 0.3.
    near_duplicate_containment: float = 0.6
    # Where the shorter text has fewer 5-grams than this, a few shared phrases would make a high
    # containment: such a pair needs an exact Jaccard of near_duplicate_jaccard instead.
    containment_min_shingles: int = 30
    near_duplicate_jaccard: float = 0.5
    # LSH: 32 bands of 4 signature values, the layout that weighs false candidates and missed
    # ones alike for a Jaccard of 0.4: a pair at 0.5 shares a band with probability 0.87, at 0.4
    # with 0.56, at 0.02 (unrelated Vietnamese news sharing stock phrases, as the seeds do) 5e-6.
    # Laid out for a lower Jaccard, the false candidates would grow with the warehouse; partial
    # copies below it are found by their shared passages.
    lsh_bands: int = 32
    lsh_rows: int = 4
    check_jaccard: float = 0.15          # texts are compared exactly from this estimate up
    shingle_words: int = 5
    num_perm: int = 128
    passage_min_chars: int = 80          # a passage (two consecutive sentences) at least this long
    compare_min_passages: int = 1        # texts sharing a passage are compared exactly
    overlap_min_passages: int = 2        # record a pair sharing at least this many passages (one
    overlap_min_share: float = 0.05      # can be a stock phrase) and this share of the shorter one's
    passage_max_articles: int = 20       # a passage in more articles than this is boilerplate


DEFAULTS = DedupeSettings()


# ------------------------------------------------------------------ keys

def article_id(url_key: str) -> str:
    return hashlib.sha256(url_key.encode("utf-8")).hexdigest()[:16]


# Odd 64-bit multiplier of the polynomial hashes of 5-grams and band keys (FNV-1's prime).
_PRIME = np.uint64(0x100000001B3)


def shingle_hashes(folded: list[str], n: int) -> np.ndarray:
    """A 32-bit hash of every word n-gram of the folded text (a text of fewer words: one, of
    them all), uint32, repeats kept. Each word is hashed once (CRC32) and each n-gram's hash
    combines its words' in NumPy, rather than hashing each n-gram's bytes: its words pass
    through Python, not its n-grams (with the sort in `shingle_set`, a text's 5-gram set takes
    60 us instead of 160). The index's signatures and 5-gram sets depend on it
    (`NearDuplicateIndex.scheme`)."""
    words = np.fromiter(map(zlib.crc32, " ".join(folded).encode().split()), dtype=np.uint64)
    span = min(n, len(words))
    if span == 0:
        return np.zeros(1, dtype=np.uint32)
    count = len(words) - span + 1
    combined = words[:count].copy()
    for i in range(1, span):  # a polynomial hash of the words, in order, modulo 2**64
        combined = combined * _PRIME + words[i:i + count]
    return ((combined >> np.uint64(32)) ^ combined).astype(np.uint32)  # both halves fold into 32 bits


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """LSH band keys of MinHash signatures, (n, num_perm) uint32 -> (n, bands) int64. Two
    signatures share a key when one of their bands (`rows` consecutive values) is equal, as
    they would share a bucket of an LSH index with the same bands and rows; the band's number
    is hashed in, so that equal values in different bands do not meet. A rare 64-bit
    collision only adds a candidate, which the signature comparison then turns down. Kept by
    `warehouse.dedupe_store` (`NearDuplicateIndex.scheme`)."""
    values = signatures[:, :bands * rows].astype(np.uint64).reshape(len(signatures), bands, rows)
    keys = np.broadcast_to(np.arange(1, bands + 1, dtype=np.uint64), values.shape[:2]).copy()
    for i in range(rows):
        keys = keys * _PRIME + values[:, :, i]  # wraps modulo 2**64, as a hash should
    return keys.view(np.int64)


def shingle_set(folded: list[str], n: int) -> np.ndarray:
    """The text's distinct word n-gram hashes, sorted: what containment is computed on."""
    hashes = np.sort(shingle_hashes(folded, n))
    first = np.empty(len(hashes), dtype=bool)  # np.unique does the same, 7x slower on a text's few hundred
    first[0] = True
    np.not_equal(hashes[1:], hashes[:-1], out=first[1:])
    return hashes[first]


def signatures(shingle_sets: list[np.ndarray], num_perm: int) -> np.ndarray:
    """MinHash signatures of texts from their `shingle_set`s, (n, num_perm) uint32, in one call
    to rensa (Rust; about 15 us a text)."""
    offsets = np.zeros(len(shingle_sets) + 1, dtype=np.uint64)
    np.cumsum([len(s) for s in shingle_sets], out=offsets[1:])
    flat = np.concatenate(shingle_sets).astype(np.uint64) if shingle_sets else np.zeros(0, np.uint64)
    rows = RMinHash.digest_matrix_from_flat_token_hashes(flat, offsets, num_perm=num_perm, seed=MINHASH_SEED).to_rows()
    return np.array(rows, dtype=np.uint32).reshape(len(shingle_sets), num_perm)


def containment(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(containment, Jaccard) of two `shingle_set`s: shared n-grams over the smaller set's, and
    over the union."""
    shared = len(np.intersect1d(a, b, assume_unique=True))
    smaller = min(len(a), len(b))
    return (shared / smaller if smaller else 0.0), shared / max(len(a) + len(b) - shared, 1)


def passage_fingerprints(folded: list[str], min_chars: int) -> set[int]:
    """Fingerprints of each two consecutive sentences (a passage too long to share by chance)."""
    out = set()
    for a, b in zip(folded, folded[1:]):
        if len(a) + len(b) >= min_chars:
            digest = hashlib.blake2b(f"{a}|{b}".encode(), digest_size=8).digest()
            out.add(int.from_bytes(digest, "big", signed=True))
    return out



# ------------------------------------------------------------------ the index

class Features(NamedTuple):
    """What the index compares of one text (`NearDuplicateIndex.features_of`)."""
    signature: np.ndarray      # MinHash values, uint32
    bands: np.ndarray          # its LSH band keys, int64 (`band_keys`)
    fingerprints: set[int]     # passage fingerprints
    shingles: np.ndarray       # word 5-gram set (`shingle_set`)


@dataclass
class Verdict:
    duplicate_of: str | None = None
    similarity: float | None = None
    overlaps: list[tuple[str, int, float]] = field(default_factory=list)  # (other id, shared, share)
    reroot: str | None = None  # this article is older than its group's original: it takes over


@dataclass
class _Entry:
    signature: np.ndarray | None
    published: datetime | None
    root: str
    passages: int
    shingles: np.ndarray | None = None  # `shingle_set`, once the article is to be compared exactly


class NearDuplicateIndex:
    """MinHash LSH over a set of articles, plus passage fingerprints. Load it with `insert_stored`
    (the stored articles a chunk of new ones can meet), give the texts of those `to_compare`
    asks for (`set_texts`), then ask `judge` for each new article, and `add` it."""

    def __init__(self, settings: DedupeSettings = DEFAULTS):
        self.settings = settings
        self.bands, self.rows = settings.lsh_bands, settings.lsh_rows
        self.buckets: dict[int, list[str]] = {}  # LSH band key -> articles
        self.entries: dict[str, _Entry] = {}
        self.groups: dict[str, list[str]] = {}  # original -> its near-duplicates
        self.passages: dict[int, list[str]] = {}
        self.boilerplate: set[int] = set()  # passages in more articles than passage_max_articles

    def features(self, folded: list[str]) -> Features:
        return self.features_of([folded])[0]

    def features_of(self, texts: list[list[str]]) -> list[Features]:
        """The `Features` of folded texts, their signatures and band keys each in one call."""
        sets = [self.shingle_set(folded) for folded in texts]
        sigs = signatures(sets, self.settings.num_perm)
        return [Features(sig, bands, self.fingerprints(folded), shingles)
                for sig, bands, folded, shingles in zip(sigs, self.band_keys(sigs), texts, sets)]

    @property
    def scheme(self) -> str:
        """What the stored keys depend on: an index built under another scheme is built again."""
        s = self.settings
        return (f"rensa-{MINHASH_SEED}-crc32-words/{s.num_perm}/{self.bands}x{self.rows}/{s.shingle_words}-grams/"
                f"passages-blake2b-{s.passage_min_chars}")

    def fingerprints(self, folded: list[str]) -> set[int]:
        return passage_fingerprints(folded, self.settings.passage_min_chars)

    def shingle_set(self, folded: list[str]) -> np.ndarray:
        return shingle_set(folded, self.settings.shingle_words)

    def band_keys(self, signatures: np.ndarray) -> np.ndarray:
        return band_keys(signatures, self.bands, self.rows)

    def candidates(self, bands: np.ndarray) -> set[str]:
        """The articles sharing one of these LSH band keys."""
        found = set()
        for key in bands.tolist():
            found.update(self.buckets.get(key, ()))
        return found

    def insert_stored(self, signatures, bands, fingerprints, boilerplate=()) -> None:
        """Add stored articles (`warehouse.dedupe_store.DedupeStore.candidates`). signatures:
        (article_id, minhash bytes, published_at, duplicate_of, passages), the originals of
        near-duplicate groups included; minhash None for an article wanted only for its shared
        passages and group; bands: (band key, article_id) of the keys the new articles share
        with them; fingerprints: (fingerprint, article_id); boilerplate: fingerprints known to
        be in more than `passage_max_articles` articles."""
        self.boilerplate.update(boilerplate)
        for aid, blob, published, duplicate_of, passages in signatures:
            values = None if blob is None else np.frombuffer(blob, dtype=np.uint32)
            self.entries[aid] = _Entry(values, published, duplicate_of or aid, passages)
            if duplicate_of:
                self.groups.setdefault(duplicate_of, []).append(aid)
        for key, aid in bands:
            self.buckets.setdefault(key, []).append(aid)
        for fp, aid in fingerprints:
            self.passages.setdefault(fp, []).append(aid)

    def root(self, aid: str) -> str:
        return self.entries[aid].root

    def shared_passages(self, fingerprints: set[int]) -> Counter[str]:
        shared: Counter[str] = Counter()
        for fp in fingerprints:
            posting = self.passages.get(fp)
            if posting and len(posting) <= self.settings.passage_max_articles and fp not in self.boilerplate:
                shared.update(posting)
        return shared

    def _worth_comparing(self, text: Features, shared: Counter[str]) -> list[str]:
        """Candidates whose texts are compared exactly: an estimated Jaccard of `check_jaccard`
        or more, or a passage in common (a short partial copy of a long text scores a low
        Jaccard, and may keep only one passage whole)."""
        out = [aid for aid, n in shared.items() if n >= self.settings.compare_min_passages]
        banded = sorted(self.candidates(text.bands) - set(out))
        if banded:  # the estimates of all of them at once: the same slots over the permutations
            agree = (np.stack([self.entries[aid].signature for aid in banded]) == text.signature).mean(axis=1)
            out.extend(aid for aid, estimate in zip(banded, agree.tolist()) if estimate >= self.settings.check_jaccard)
        return out

    def to_compare(self, text: Features) -> set[str]:
        """The stored candidates of a new article whose texts `judge` will need."""
        return {aid for aid in self._worth_comparing(text, self.shared_passages(text.fingerprints))
                if self.entries[aid].shingles is None}

    def set_texts(self, shingles: dict[str, np.ndarray]) -> None:
        for aid, values in shingles.items():
            self.entries[aid].shingles = values

    def matches(self, text: Features, shared: Counter[str]) -> list[tuple[str, float]]:
        """(candidate, containment) of the candidates worth comparing that are near-duplicates
        of this text. `shared`: passages in common with each article (`shared_passages`)."""
        settings, out, shingles = self.settings, [], text.shingles
        for candidate in self._worth_comparing(text, shared):
            other = self.entries[candidate].shingles
            if other is None:
                raise KeyError(f"no text for candidate {candidate}: give it with set_texts")
            c, j = containment(shingles, other)
            if min(len(shingles), len(other)) < settings.containment_min_shingles:
                c = c if j >= settings.near_duplicate_jaccard else 0.0  # short: Jaccard decides
            if c >= settings.near_duplicate_containment:
                out.append((candidate, c))
        return out

    def judge(self, text: Features, published: datetime | None) -> Verdict:
        verdict = Verdict()
        settings = self.settings
        shared = self.shared_passages(text.fingerprints)
        best, best_c = max(self.matches(text, shared), key=lambda m: m[1], default=(None, 0.0))
        group = None
        if best is not None:
            group = self.root(best)
            original = self.entries[group]
            if published and original.published and published < original.published:
                verdict.reroot = group  # the new article is the earliest of its group
            else:
                verdict.duplicate_of = group
            verdict.similarity = round(best_c, 4)
        for other, n in shared.items():
            if n < settings.overlap_min_passages or (group is not None and self.root(other) == group):
                continue
            share = n / max(min(len(text.fingerprints), self.entries[other].passages), 1)
            if share >= settings.overlap_min_share:
                verdict.overlaps.append((other, n, round(share, 4)))
        return verdict

    def add(self, aid: str, text: Features, published: datetime | None, verdict: Verdict) -> None:
        root = verdict.duplicate_of or aid
        if verdict.reroot:  # the group's original and its members now point at this article
            members = [verdict.reroot] + self.groups.pop(verdict.reroot, [])
            for member in members:
                self.entries[member].root = aid
            self.groups[aid] = members
        elif verdict.duplicate_of:
            self.groups.setdefault(root, []).append(aid)
        self.entries[aid] = _Entry(text.signature, published, root, len(text.fingerprints), text.shingles)
        for key in text.bands.tolist():
            self.buckets.setdefault(key, []).append(aid)
        for fp in text.fingerprints - self.boilerplate:
            posting = self.passages.setdefault(fp, [])
            if len(posting) <= self.settings.passage_max_articles:  # past the cap it is boilerplate
                posting.append(aid)

"""How two texts compare as one: Vietnamese folded (Unicode form, case, tone-mark placement),
punctuation and spacing dropped, and the content hash of an article's text so folded, which
exact copies share. Kept apart from `flows.dedupe` (NumPy, MinHash) because the crawls hash the
pages they clean (`flows.cleaning.ahead`) and need none of that."""

from __future__ import annotations

import hashlib
import re
import unicodedata

TONE_MARKS = "\u0300\u0301\u0309\u0303\u0323"  # huyền, sắc, hỏi, ngã, nặng


def _nfc(*chars: str) -> str:
    return unicodedata.normalize("NFC", "".join(chars))


# Old and new tone placement differ only where a tone can sit on either vowel of oa, oe, uy:
# `hoà`/`hòa`, `khoẻ`/`khỏe`, `thuỷ`/`thủy`. Both map to the tone on the first vowel. (A
# syllable like `hoàng` maps too — on both sides alike, so keys still compare equal.)
_TONE_PLACEMENT = {_nfc(first, second, tone): _nfc(first, tone, second)
                   for first, second in (("o", "a"), ("o", "e"), ("u", "y")) for tone in TONE_MARKS}
_OLD_STYLE = re.compile("|".join(sorted(_TONE_PLACEMENT)))


def fold_vietnamese(text: str) -> str:
    """NFC, case folded, tone placement made uniform: old and new spellings compare equal."""
    return _OLD_STYLE.sub(lambda m: _TONE_PLACEMENT[m.group()], unicodedata.normalize("NFC", text).casefold())


_SENTENCE_END = re.compile(r"(?<=[.!?…;])\s+")
_PUNCTUATION_KEEP_LINES = re.compile(r"[^\w\n]+|_")


def sentences(text: str) -> list[str]:
    """The text's sentences, each folded as `dedupe_text` folds (whole text at once: the
    sentence breaks travel as newlines). Their words, joined, are `dedupe_text`'s (tested)."""
    parts = _SENTENCE_END.split(unicodedata.normalize("NFC", text))
    folded = fold_vietnamese(_PUNCTUATION_KEEP_LINES.sub(" ", "\n".join(parts)))
    return [" ".join(line.split()) for line in folded.split("\n") if line.strip()]


def dedupe_text(text: str) -> str:
    # Punctuation goes while letters are composed (NFC): combining marks are not \w.
    words = re.sub(r"[\W_]+", " ", unicodedata.normalize("NFC", text)).strip()
    return fold_vietnamese(words)


def article_sentences(lead: str | None, body: str) -> list[str]:
    """An article's folded sentences, its lead first: what near-duplicate detection reads, of a
    crawled article (`folded`) and of a stored one alike (`flows.batches.describe`)."""
    return sentences(f"{lead or ''}\n{body}")


def folded(lead: str | None, body: str) -> tuple[list[str], str]:
    """An article's folded `sentences` (what near-duplicate detection reads) and its content
    hash, which exact copies share: of its words folded, `dedupe_text` of its text (tested),
    from one folding of the text. A crawl hands both to the load."""
    text = article_sentences(lead, body)
    return text, hashlib.sha256(" ".join(text).encode("utf-8")).hexdigest()


def content_hash(lead: str | None, body: str) -> str:
    return folded(lead, body)[1]

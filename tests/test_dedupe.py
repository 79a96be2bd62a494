"""De-duplication keys and the near-duplicate index, on small texts."""

import hashlib
import unicodedata
from datetime import datetime, timezone

import pytest

from flows.dedupe import DEFAULTS, NearDuplicateIndex
from flows.folding import content_hash, dedupe_text, folded, sentences

BODY = ("Sáng 8/4, Ban Chấp hành Đảng bộ tỉnh tổ chức Hội nghị lần thứ 15 để đánh giá kết quả công tác quý I. "
        "Hội nghị bàn nhiệm vụ trọng tâm quý II và sơ kết ba năm thực hiện Nghị quyết về các chương trình "
        "mục tiêu quốc gia trên địa bàn tỉnh. Tốc độ tăng trưởng kinh tế của tỉnh đạt 5,9 phần trăm, xếp thứ "
        "sáu trong vùng trung du và miền núi phía Bắc. Giá trị sản xuất công nghiệp và tổng mức bán lẻ hàng "
        "hóa đều tăng cao so với cùng kỳ năm trước. Đồng chí Bí thư Tỉnh ủy đề nghị các cấp ủy tập trung lãnh "
        "đạo hoàn thành các chỉ tiêu năm 2024 và chuẩn bị tốt đại hội đảng bộ các cấp.")


def when(day):
    return datetime(2024, 4, day, tzinfo=timezone.utc)


def test_exact_key_folds_unicode_form_tone_placement_case_and_punctuation():
    old_style = unicodedata.normalize("NFD", BODY.replace("hóa", "hoá").replace("Tỉnh ủy", "TỈNH UỶ"))
    assert content_hash("Lead.", BODY) == content_hash("lead", old_style.replace(",", " ,"))
    assert dedupe_text("Hòa") != dedupe_text("Hóa")  # a different tone is a different word



def index_with(*articles):
    index = NearDuplicateIndex()
    verdicts = {}
    for aid, text, day in articles:
        features = index.features(sentences(text))
        verdicts[aid] = index.judge(features, when(day))
        index.add(aid, features, when(day), verdicts[aid])
    return index, verdicts


def test_a_changed_lead_or_trimmed_ending_is_a_near_duplicate_of_the_earliest():
    trimmed = BODY.rsplit(". ", 1)[0] + "."
    index, v = index_with(("a", BODY, 2), ("b", "Một đoạn mở đầu khác hẳn. " + BODY, 3), ("c", trimmed, 4))
    assert v["b"].duplicate_of == "a" and v["c"].duplicate_of == "a"
    assert DEFAULTS.near_duplicate_containment <= v["c"].similarity <= 1


def test_an_older_copy_arriving_later_becomes_the_original():
    index, v = index_with(("late", BODY, 9), ("copy", BODY + " Thêm một câu cuối.", 10), ("early", BODY, 1))
    assert v["early"].reroot == "late" and v["early"].duplicate_of is None
    assert index.root("late") == index.root("copy") == "early"


def test_shared_passages_between_different_stories_are_overlaps_not_duplicates():
    other = ("Chiều 9/4, Ủy ban nhân dân tỉnh họp phiên thường kỳ về giải ngân vốn đầu tư công và tiến độ các "
             "dự án trọng điểm trên địa bàn. Nhiều sở, ngành báo cáo khó khăn trong giải phóng mặt bằng. "
             "Tốc độ tăng trưởng kinh tế của tỉnh đạt 5,9 phần trăm, xếp thứ sáu trong vùng trung du và miền "
             "núi phía Bắc. Giá trị sản xuất công nghiệp và tổng mức bán lẻ hàng hóa đều tăng cao so với cùng kỳ năm trước. "
             "Đồng chí Bí thư Tỉnh ủy đề nghị các cấp ủy tập trung lãnh đạo hoàn thành các chỉ tiêu năm 2024 và "
             "chuẩn bị tốt đại hội đảng bộ các cấp. Chủ tịch Ủy ban nhân dân tỉnh giao các chủ đầu tư rà soát "
             "từng dự án và báo cáo trước ngày 30/4.")
    index, v = index_with(("a", BODY, 2), ("b", other, 3))
    assert v["b"].duplicate_of is None and v["b"].reroot is None
    assert [o[0] for o in v["b"].overlaps] == ["a"] and v["b"].overlaps[0][1] >= 2


def test_articles_share_a_band_key_exactly_when_one_of_their_bands_is_equal():
    """LSH as the de-duplication index keeps it: a band key stands for one band (`lsh_rows`
    consecutive signature values) of one band number; signatures meet when a band is equal."""
    import numpy as np
    rng = np.random.default_rng(7)
    index = NearDuplicateIndex()
    signatures = rng.integers(0, 2**32, size=(300, DEFAULTS.num_perm), dtype=np.uint64).astype(np.uint32)
    for i in range(1, 300, 3):  # every third shares one band (or, past the last band, unused values)
        band = rng.integers(0, index.bands + 1)
        cols = slice(band * index.rows, (band + 1) * index.rows)
        signatures[i, cols] = signatures[i - 1, cols]
    bands = signatures[:, :index.bands * index.rows].reshape(300, index.bands, index.rows)
    keys = index.band_keys(signatures)
    assert keys.shape == (300, index.bands) and (index.bands, index.rows) == (32, 4)
    shared = 0
    for i in range(300):
        same_band = {j for j in range(300) if j != i and (bands[i] == bands[j]).all(axis=1).any()}
        same_key = {j for j in range(300) if j != i and set(keys[i].tolist()) & set(keys[j].tolist())}
        assert same_key == same_band, i
        shared += bool(same_key)
    assert 130 <= shared < 300  # the planted pairs (those past the last band share nothing), nothing else


def test_a_signature_estimates_jaccard():
    """rensa's MinHash of two 5-gram sets: the share of equal values estimates their Jaccard."""
    import numpy as np
    from flows.dedupe import signatures
    rng = np.random.default_rng(3)
    a = np.unique(rng.integers(0, 2**32, 400, dtype=np.uint64).astype(np.uint32))
    b = np.unique(np.concatenate([a[:300], rng.integers(0, 2**32, 100, dtype=np.uint64).astype(np.uint32)]))
    jaccard = len(np.intersect1d(a, b)) / len(np.union1d(a, b))
    sig = signatures([a, b, a], DEFAULTS.num_perm)
    assert (sig[0] == sig[2]).all() and abs(float(np.mean(sig[0] == sig[1])) - jaccard) < 0.12


def _seed(n: str) -> dict:
    import json
    from pathlib import Path
    path = next((Path(__file__).resolve().parent.parent / "seeds").glob(f"{n}_*.expected.json"))
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("lead, body", [
    ("Lead.", BODY), (None, BODY), ("", ""), (None, "..."), ("a_b", "İstanbul. Hoà bình! Thuỷ lợi… khoẻ; x"),
    ("Câu một.\n\nCâu hai?  Ba", "\u2028x\u2029y\rz ﬁ ß o\u0300a"),
    *[(_seed(n)["lead"], _seed(n)["body"]) for n in ("000", "001", "002", "003", "004")]])
def test_the_crawls_folding_gives_the_loads_sentences_and_the_content_hash(lead, body):
    """A crawl folds each article once (`folded`) and hands the load both what it hashes and what
    its near-duplicate detection reads: the same as folding the text apart for each, and the hash
    the same as the warehouse's stored ones (of `dedupe_text`), so no stored hash changes."""
    text = f"{lead or ''}\n{body}"
    assert folded(lead, body) == (sentences(text), hashlib.sha256(dedupe_text(text).encode()).hexdigest())


def test_a_partial_credited_copy_is_a_near_duplicate_though_its_jaccard_is_low():
    """As outlets republish (PORTALS.md section 6): the first paragraphs under a credit. Jaccard
    would miss it; containment does not."""
    from flows.dedupe import containment
    seed = _seed("003")
    paragraphs = seed["body"].split("\n\n")
    original = "\n".join([seed["lead"], *paragraphs])
    copy = "\n".join(["VOV.VN - " + seed["lead"], *paragraphs[: len(paragraphs) // 3], "Theo TTXVN"])
    index, v = index_with(("original", original, 2), ("copy", copy, 3))
    c, j = containment(index.shingle_set(sentences(copy)), index.shingle_set(sentences(original)))
    assert j < DEFAULTS.near_duplicate_jaccard <= DEFAULTS.near_duplicate_containment <= c
    assert v["copy"].duplicate_of == "original" and v["copy"].similarity == round(c, 4)


def test_reports_of_one_event_sharing_closing_paragraphs_are_not_copies():
    """Seeds 000 and 002: two provinces report the same central conference and share their
    closing paragraphs nearly word for word (containment 0.24)."""
    texts = [(n, "\n".join(filter(None, [_seed(n)["lead"], _seed(n)["body"]])), day)
             for n, day in (("000", 17), ("002", 18))]
    index, v = index_with(*texts)
    assert v["002"].duplicate_of is None and v["002"].reroot is None
    assert [o[0] for o in v["002"].overlaps] == ["000"]


def test_a_short_text_inside_a_long_one_needs_jaccard_not_containment():
    """A sentence found in a long report is a quotation, not a copy of it."""
    short = BODY.split(". ")[0] + "."
    index, v = index_with(("long", BODY + " " + BODY.replace("tỉnh", "huyện"), 2), ("short", short, 3))
    assert len(index.shingle_set(sentences(short))) < DEFAULTS.containment_min_shingles
    assert v["short"].duplicate_of is None

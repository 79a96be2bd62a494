import subprocess
import sys

import pytest

from spiders.portals import PORTALS, DefinitionError, UnknownPortal, get, read_portal
from tests.conftest import REPO


def test_a_portal_file_is_named_by_its_key(tmp_path):
    """One file per portal, named by its key: two definitions of one key cannot sit side by side."""
    text = (REPO / "spiders" / "portals" / "caobang.toml").read_text(encoding="utf-8")
    (tmp_path / "caobang2.toml").write_text(text, encoding="utf-8")
    with pytest.raises(DefinitionError, match="differs from the file name"):
        read_portal(tmp_path / "caobang2.toml")


def test_unknown_portal_names_the_known_ones():
    with pytest.raises(UnknownPortal, match="yenbai"):
        get("hagiang")


def test_scrapy_list_shows_one_spider_per_portal():
    out = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=REPO, capture_output=True,
                         text=True, check=True).stdout.split()
    assert sorted(out) == sorted(PORTALS)


def test_every_portal_knows_its_provinces_before_and_after_the_merger():
    assert PORTALS["yenbai"].province_current == "Lào Cai"
    assert PORTALS["backan"].province_current == "Thái Nguyên"
    assert PORTALS["caobang"].province_current == "Cao Bằng"
    assert PORTALS["bacgiang"].province_current == "Bắc Ninh"
    assert PORTALS["vinhphuc"].province_current == "Phú Thọ"
    assert PORTALS["baobackan"].province_current == "Thái Nguyên"
    assert {p.kind for p in PORTALS.values()} == {"portal", "newspaper"}


def test_the_provinces_after_the_merger_are_34_and_every_portal_agrees_with_them():
    from spiders.provinces import CURRENT, province_in
    assert len(CURRENT) == 63 and len(set(CURRENT.values())) == 34
    for p in PORTALS.values():
        assert CURRENT[p.province] == p.province_current, p.key
    assert province_in("Cổng thông tin điện tử tỉnh Lai Châu") == "Lai Châu"
    assert province_in("Cổng thông tin điện tử thành phố Cần Thơ") == "Cần Thơ"
    assert province_in("Trang chủ") is None

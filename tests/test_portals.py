import subprocess
import sys

import pytest

from spiders.portals import PORTALS, UnknownPortal, _registry, get
from tests.conftest import REPO


def test_registry_refuses_a_duplicate_key():
    p = PORTALS["yenbai"]
    with pytest.raises(ValueError, match="defined twice"):
        _registry(p, p)


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

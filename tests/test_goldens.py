"""The seeds are regression fixtures: their cleaned output is pinned in golden files."""

import difflib
import json

import pytest

from tests.goldens import REGENERATE, SEED_PORTALS, golden_path, render, seed_files


def test_every_seed_has_a_golden_and_a_portal():
    seeds = seed_files()
    assert len(seeds) == 5
    for seed in seeds:
        assert golden_path(seed).exists(), f"missing {golden_path(seed).name}: run `{REGENERATE}`"
        assert seed.name[:3] in SEED_PORTALS


@pytest.mark.parametrize("seed", seed_files(), ids=lambda p: p.name[:3])
def test_seed_cleans_to_its_golden(seed):
    expected = golden_path(seed).read_text(encoding="utf-8")
    actual = render(seed)
    if actual != expected:
        diff = "\n".join(difflib.unified_diff(expected.splitlines(), actual.splitlines(),
                                              "golden", "now", lineterm="", n=1))
        pytest.fail(f"{seed.name} no longer cleans to its golden file:\n{diff}\n\n"
                    f"If the change is intended, regenerate with `{REGENERATE}` and review the diff.")


@pytest.mark.parametrize("seed", seed_files(), ids=lambda p: p.name[:3])
def test_golden_has_no_empty_field_that_the_seed_shows(seed):
    g = json.loads(golden_path(seed).read_text(encoding="utf-8"))
    assert g["body"] and g["lead"] and g["portal"] and g["province"]
    assert "\n\n\n" not in g["body"] and "  " not in g["body"]

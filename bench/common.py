"""Shared by the benchmarks: machine facts and the one-row-per-figure table."""

from __future__ import annotations

import os
import platform


def machine() -> str:
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores, {mem_gb:.0f} GB, Python {platform.python_version()}"


def row(name: str, value: float, unit: str, baseline: float | None, target: str, met: bool) -> str:
    ratio = f"{value / baseline:.2f}x" if baseline else "-"
    base = f"{baseline:,.1f}" if baseline is not None else "-"
    return f"{name:34} {value:>10,.1f} {unit:10} {base:>10} {ratio:>8}  {target:22} {'met' if met else 'missed'}"


HEADER = f"{'name':34} {'value':>10} {'unit':10} {'baseline':>10} {'ratio':>8}  {'target':22} result"


def sized(n: int) -> str:
    """10000 -> 10k, 1000000 -> 1M."""
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    return f"{n // 1000}k" if n >= 1000 else str(n)

"""Dates as Vietnamese portals write them (DESIGN §5), in Asia/Ho_Chi_Minh (UTC+7)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

VN_TZ = timezone(timedelta(hours=7))
_WEEKDAY = re.compile(r"^\s*(?:Thứ\s+\S+|Chủ\s+nhật|CN|T[2-7])\s*[,-]?\s*", re.IGNORECASE)
_DMY = re.compile(
    r"(?<!\d)(\d{1,2})/(\d{1,2})/(\d{4})"
    r"(?:\s*[-,]?\s*(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([AaPp][Mm]))?)?"
)


def parse_vn_datetime(text: str | None, formats: tuple[str, ...] = ()) -> datetime | None:
    """`08/04/2024`, `Thứ Hai, 08/04/2024 - 15:30`, `08/04/2024 15:30:00 PM`, ISO 8601; the
    portal's own formats first. Naive times are UTC+7. None when nothing parses."""
    if not text:
        return None
    text = _WEEKDAY.sub("", text.strip())
    for fmt in formats:
        try:
            dt = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return dt if dt.tzinfo else dt.replace(tzinfo=VN_TZ)
    try:
        dt = datetime.fromisoformat(text)
        return dt if dt.tzinfo else dt.replace(tzinfo=VN_TZ)
    except ValueError:
        pass
    m = _DMY.search(text)
    if not m:
        return None
    d, mo, y, hh, mm, ss, ampm = m.groups()
    hour = int(hh or 0)
    if ampm and hour <= 12:  # `15:30:00 PM` occurs: a 24-hour clock with a stray suffix
        hour = hour % 12 + (12 if ampm.lower() == "pm" else 0)
    try:
        return datetime(int(y), int(mo), int(d), hour, int(mm or 0), int(ss or 0), tzinfo=VN_TZ)
    except ValueError:
        return None


def parse_day(text: str) -> date:
    """A command-line date: YYYY-MM-DD (or DD/MM/YYYY). Raises ValueError with a clear message."""
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            pass
    raise ValueError(f"not a date: {text!r} (expected YYYY-MM-DD)")

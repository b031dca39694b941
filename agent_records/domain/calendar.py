"""Date arithmetic the decree needs: whole years of age, one-year terms."""

from __future__ import annotations

import functools
from datetime import date


@functools.lru_cache(maxsize=4096, typed=True)
def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later; 29 February becomes 28 February (kept for
    the last days asked: the fold asks a person's 65th birthday at every fact)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def age_on(birth: date, day: date) -> int:
    """Age in completed years on ``day``."""
    before_birthday = (day.month, day.day) < (birth.month, birth.day)
    return day.year - birth.year - (1 if before_birthday else 0)

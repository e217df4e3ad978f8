"""EventBridge schedule expressions: ``rate(...)`` fully, ``cron(...)`` for the common forms.

Cron has AWS's six fields (minutes hours day-of-month month day-of-week year), in UTC.
Supported per field: ``*``, ``?``, numbers, names (JAN-DEC, SUN-SAT), lists, ranges and steps.
Not supported (raise ``ValueError``): ``L``, ``W`` and ``#``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from chalice.app import Cron, Rate, ScheduleExpression

_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]


@dataclass(frozen=True)
class RateSchedule:
    interval: dt.timedelta

    def next_after(self, moment: dt.datetime) -> dt.datetime:
        return moment + self.interval


@dataclass(frozen=True)
class CronSchedule:
    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int] | None  # None: "?" or "*" (any)
    months: frozenset[int]
    days_of_week: frozenset[int] | None  # AWS numbering: 1 = Sunday ... 7 = Saturday
    years: frozenset[int] | None

    def _day_matches(self, day: dt.date) -> bool:
        if self.years is not None and day.year not in self.years:
            return False
        if day.month not in self.months:
            return False
        dom_ok = self.days_of_month is None or day.day in self.days_of_month
        aws_dow = (day.isoweekday() % 7) + 1  # Monday=2 ... Sunday=1
        dow_ok = self.days_of_week is None or aws_dow in self.days_of_week
        return dom_ok and dow_ok

    def next_after(self, moment: dt.datetime) -> dt.datetime:
        """The first matching minute strictly after ``moment`` (UTC)."""
        start = moment.astimezone(dt.UTC).replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
        day = start.date()
        for _ in range(366 * 5):
            if self._day_matches(day):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        candidate = dt.datetime(
                            day.year, day.month, day.day, hour, minute, tzinfo=dt.UTC
                        )
                        if candidate >= start:
                            return candidate
            day += dt.timedelta(days=1)
        raise ValueError("cron expression never fires in the next five years")


Schedule = RateSchedule | CronSchedule


def _field(text: str, low: int, high: int, names: list[str] | None = None) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        if re.search(r"[LW#]", re.sub(r"[A-Z]{3}", "", part.upper())):
            raise ValueError(f"cron field {text!r}: L, W and # are not supported locally")
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
        if part in ("*", "?"):
            first, last = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            first, last = _value(a, names, low), _value(b, names, low)
        else:
            first = _value(part, names, low)
            last = high if step != 1 else first
        values.update(range(first, last + 1, step))
    if not values or min(values) < low or max(values) > high:
        raise ValueError(f"cron field {text!r} out of range {low}-{high}")
    return frozenset(values)


def _value(text: str, names: list[str] | None, low: int) -> int:
    if names and text.upper() in names:
        return names.index(text.upper()) + low
    return int(text)


def parse_cron(text: str) -> CronSchedule:
    fields = text.split()
    if len(fields) != 6:
        raise ValueError(f"cron needs 6 fields (AWS form), got {text!r}")
    minutes, hours, dom, month, dow, year = fields
    return CronSchedule(
        minutes=_field(minutes, 0, 59),
        hours=_field(hours, 0, 23),
        days_of_month=None if dom in ("*", "?") else _field(dom, 1, 31),
        months=_field(month, 1, 12, _MONTHS),
        days_of_week=None if dow in ("*", "?") else _field(dow, 1, 7, _DAYS),
        years=None if year in ("*", "?") else _field(year, 1970, 2199),
    )


def parse_rate(text: str) -> RateSchedule:
    match = re.fullmatch(r"\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*", text)
    if not match:
        raise ValueError(f"invalid rate expression {text!r}")
    value, unit = int(match.group(1)), match.group(2).rstrip("s")
    if value < 1:
        raise ValueError("rate must be positive")
    seconds = {"minute": 60, "hour": 3600, "day": 86400}[unit]
    return RateSchedule(dt.timedelta(seconds=value * seconds))


def parse_schedule(expression: str | ScheduleExpression) -> Schedule:
    """Parse a chalice schedule (``Rate``, ``Cron`` or an expression string)."""
    if isinstance(expression, Rate | Cron):
        expression = expression.to_string()
    if not isinstance(expression, str):
        expression = expression.to_string()
    match = re.fullmatch(r"\s*(rate|cron)\((.*)\)\s*", expression)
    if not match:
        raise ValueError(f"unknown schedule expression {expression!r}")
    kind, body = match.groups()
    return parse_rate(body) if kind == "rate" else parse_cron(body)

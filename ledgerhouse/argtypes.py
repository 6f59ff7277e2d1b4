"""Argument types for every command line of the package (``ledgerhouse``, the
benchmark, the calendar seed): each turns bad text into argparse's one-line
error, which names the value and what was expected, never a traceback."""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable
from datetime import date
from typing import Any


def whole_number(minimum: int | None = None) -> Callable[[str], int]:
    """An integer, at least ``minimum`` when one is given."""
    expected = "an integer" if minimum is None else f"an integer ≥ {minimum}"
    return _bounded(int, "a whole number", expected, minimum, "whole number")


def number(minimum: float) -> Callable[[str], float]:
    """A finite decimal number, at least ``minimum``."""
    return _bounded(float, "a number", f"a number ≥ {minimum:g}", minimum, "number")


def _bounded(convert: Callable[[str], Any], noun: str, expected: str,
             minimum: float | None, name: str) -> Callable[[str], Any]:
    """The parser behind whole_number and number: ``convert``, then finite, then
    at least ``minimum``; each failure one message naming the value."""

    def parse(text: str) -> Any:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not {noun} (expected {expected})") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a finite number (expected {expected})")
        if minimum is not None and value < minimum:
            below = "is negative" if minimum == 0 else "is too small"
            raise argparse.ArgumentTypeError(f"{text!r} {below} (expected {expected})")
        return value

    parse.__name__ = name  # argparse names the type in some messages
    return parse


def iso_date(text: str) -> date:
    """A calendar date written YYYY-MM-DD (Python 3.11's fromisoformat alone
    would also take 20260302 and 2026-W10-1)."""
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (expected YYYY-MM-DD)") from None

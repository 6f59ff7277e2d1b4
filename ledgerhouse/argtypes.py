"""Argument types for every command line of the package (``ledgerhouse``, the
benchmark, the calendar seed): each turns bad text into argparse's one-line
error, which names the value and what was expected, never a traceback."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from datetime import date


def whole_number(minimum: int | None = None) -> Callable[[str], int]:
    """An integer, at least ``minimum`` when one is given."""
    expected = "an integer" if minimum is None else f"an integer ≥ {minimum}"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a whole number (expected {expected})") from None
        if minimum is not None and value < minimum:
            raise argparse.ArgumentTypeError(f"{text!r} {_below(minimum)} (expected {expected})")
        return value

    parse.__name__ = "whole number"  # argparse names the type in some messages
    return parse


def number(minimum: float) -> Callable[[str], float]:
    """A finite decimal number, at least ``minimum``."""
    expected = f"a number ≥ {minimum:g}"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a number (expected {expected})") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a finite number (expected {expected})")
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text!r} {_below(minimum)} (expected {expected})")
        return value

    parse.__name__ = "number"
    return parse


def _below(minimum: float) -> str:
    return "is negative" if minimum == 0 else "is too small"


def iso_date(text: str) -> date:
    """A calendar date written YYYY-MM-DD."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (expected YYYY-MM-DD)") from None

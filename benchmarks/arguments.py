"""Argument types shared by the benchmark scripts: each refuses a bad value
with the value and the accepted range, as argparse errors, before any work."""

import argparse
import math


def whole_number(low, high):
    """A parser of whole numbers from `low` to `high`."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"expected a whole number from {low:,} to {high:,}, got {text!r}"
            )
        return value

    return parse


def positive_number(high):
    """A parser of finite numbers above 0 and at most `high`."""

    def parse(text):
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not 0 < value <= high:  # False for NaN
            raise argparse.ArgumentTypeError(
                f"expected a number above 0 and at most {high}, got {text!r}"
            )
        return value

    return parse

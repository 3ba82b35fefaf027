"""Numbers as a German reader reads them, and results tables shown as markdown in the notebook.

German writes a decimal comma (0,913) and groups the digits of large numbers with spaces (3 737 474):
Python's ``:,`` would print 3,737,474, which a German reader takes for a number with decimals.
"""
from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence


THOUSANDS_SEPARATOR = " "
"""Between groups of three digits, as the course's prose writes 60 000 (numbers up to four digits stay ungrouped)."""


def _grouped(digits: str) -> str:
    """A string of digits in groups of three from the right; four digits or fewer stay as they are (4000, 10 000)."""
    if len(digits) <= 4:
        return digits
    head = len(digits) % 3 or 3
    return THOUSANDS_SEPARATOR.join([digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)])


def format_number(value: float, digits: int = 3) -> str:
    """``value`` with ``digits`` decimals and a decimal comma: ``format_number(0.91284)`` → ``"0,913"``.

    Large integer parts are grouped like :func:`format_count`; a value that rounds to zero has no minus sign.
    """
    text = f"{float(value):.{digits}f}"
    sign, text = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, _, fraction = text.partition(".")
    if not whole.isdigit():  # nan, inf
        return sign + text
    if set(whole + fraction) <= {"0"}:
        sign = ""
    return sign + _grouped(whole) + ("," + fraction if fraction else "")


def format_count(count: int) -> str:
    """A whole number with its digits grouped by spaces: ``format_count(3737474)`` → ``"3 737 474"``."""
    count = int(count)
    return ("-" if count < 0 else "") + _grouped(str(abs(count)))


def format_percent(fraction: float, digits: int = 1) -> str:
    """A fraction as a percentage with a decimal comma: ``format_percent(0.9128)`` → ``"91,3 %"``."""
    return format_number(100 * float(fraction), digits) + " %"


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A markdown table; floats with three decimals and a decimal comma, integers with digits grouped by spaces."""

    def cell(value: object) -> str:
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, numbers.Integral):
            return format_count(value)
        if isinstance(value, numbers.Real):
            return format_number(value, 3)
        return str(value)

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


def show_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Display :func:`markdown_table` in the notebook."""
    from IPython.display import Markdown, display  # only where a table is shown, not where numbers are formatted

    display(Markdown(markdown_table(header, rows)))

"""Results tables, shown as markdown in the notebook."""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from IPython.display import Markdown, display


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A markdown table; floats are written with three decimals, integers with thousands separators."""

    def cell(value: object) -> str:
        if isinstance(value, float):
            return f"{value:.3f}"
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{value:,}"
        return str(value)

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


def show_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Display :func:`markdown_table` in the notebook."""
    display(Markdown(markdown_table(header, rows)))

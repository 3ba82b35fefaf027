"""Numbers and results tables as a German reader reads them: decimal commas, digits grouped by spaces."""
from __future__ import annotations

import numpy as np
import pytest

from dlkurs import format_count, format_number, format_percent, markdown_table


@pytest.mark.parametrize(("value", "digits", "expected"), [
    (0.91284, 3, "0,913"), (0.7, 3, "0,700"), (2.302585, 2, "2,30"), (-0.0123, 3, "-0,012"), (-0.0001, 3, "0,000"),
    (12.5, 0, "12"), (123456.789, 1, "123 456,8"), (np.float32(0.5), 2, "0,50"), (float("nan"), 3, "nan"),
])
def test_format_number_writes_a_decimal_comma(value, digits, expected):
    assert format_number(value, digits) == expected


def test_format_number_defaults_to_three_decimals():
    assert format_number(0.8) == "0,800"


@pytest.mark.parametrize(("count", "expected"), [
    (0, "0"), (784, "784"), (4000, "4000"), (10000, "10 000"), (98402, "98 402"), (3737474, "3 737 474"),
    (-60000, "-60 000"), (np.int64(123456789), "123 456 789"),
])
def test_format_count_groups_digits_by_spaces_not_commas(count, expected):
    assert format_count(count) == expected


@pytest.mark.parametrize(("fraction", "digits", "expected"), [
    (0.9128, 1, "91,3 %"), (1.0, 0, "100 %"), (0.026, 1, "2,6 %"), (0.80712, 2, "80,71 %"),
])
def test_format_percent_writes_a_decimal_comma_and_a_space_before_the_sign(fraction, digits, expected):
    assert format_percent(fraction, digits) == expected


def test_markdown_table_writes_decimal_commas_and_grouped_counts():
    table = markdown_table(["Netz", "Parameter", "Accuracy", "gewählt"],
                           [("klein", 98402, 0.81234, True), ("groß", np.int64(3737474), np.float64(0.7), False)])
    assert table.splitlines() == [
        "| Netz | Parameter | Accuracy | gewählt |",
        "|---|---|---|---|",
        "| klein | 98 402 | 0,812 | True |",
        "| groß | 3 737 474 | 0,700 | False |",
    ]


def test_markdown_table_leaves_text_cells_as_they_are():
    assert markdown_table(["Anteil"], [("2,6 %",)]).splitlines()[-1] == "| 2,6 % |"

"""Printing Tables to a terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from geotools.cli.terminal import plain

if TYPE_CHECKING:
    import pandas as pd


def print_table(table: pd.DataFrame, title: str | None = None, max_rows: int = 200) -> None:
    """Pretty-print a Table to stdout (areas to 3 decimals); every value from data is shown as
    plain text, never Rich markup, with control characters made visible."""
    import pandas as pd
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(soft_wrap=True)
    out = Table(title=None if title is None else plain(title), header_style="bold")
    for col in table.columns:
        numeric = pd.api.types.is_numeric_dtype(table[col])
        out.add_column(plain(col), justify="right" if numeric else "left")
    shown = table.head(max_rows)
    widths = [len(str(col)) for col in table.columns]
    for _, row in shown.iterrows():
        cells: list[Text] = []
        for col in table.columns:
            value = row[col]
            if isinstance(value, float):
                cells.append(Text(f"{value:.4f}" if col == "share" else f"{value:,.3f}"))
            else:
                cells.append(plain(value))
        widths = [max(w, c.cell_len) for w, c in zip(widths, cells, strict=True)]
        out.add_row(*cells)
    if not console.is_terminal:  # a pipe or a file: every cell whole, however wide
        console = Console(soft_wrap=True, width=max(220, sum(widths) + 3 * len(widths) + 1))
    console.print(out)
    if len(table) > max_rows:
        console.print(f"… {len(table) - max_rows} more rows; write them all with -o FILE.csv")

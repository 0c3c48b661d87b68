"""A click group whose commands are imported when one is run, not when the group is built:
``geotools --help`` lists every command from its one-line summary without importing any,
and ``geotools series`` imports the series command's module alone (the click documentation's
LazyGroup pattern)."""

from __future__ import annotations

from importlib import import_module
from typing import Any

import click


class LazyGroup(click.Group):
    """A click.Group taking ``lazy_commands``: name → (module defining ``command``, the first
    paragraph of its help, shown by ``--help``). tests/test_cli_start.py holds each summary
    to the command's own docstring."""

    def __init__(
        self, *args: Any, lazy_commands: dict[str, tuple[str, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command's name, the lazy ones included, sorted."""
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command, its module imported on first use."""
        if cmd_name in self.lazy_commands and cmd_name not in self.commands:
            module = import_module(self.lazy_commands[cmd_name][0])
            command = module.command
            if not isinstance(command, click.Command):
                raise TypeError(f"{module.__name__}.command is not a click command")
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The Commands section of --help, as click writes it, from the summaries: no
        command's module is imported."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            if name in self.lazy_commands and name not in self.commands:
                summary = click.Command(name, help=self.lazy_commands[name][1])
                rows.append((name, summary.get_short_help_str(limit)))
                continue
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

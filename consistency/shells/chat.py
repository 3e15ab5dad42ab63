"""`consistency chat`: questions, claims and audits in one terminal session.

Results are drawn by render.py, or dumped as the CLI's --json dumps them,
so a session shows exactly what the one-shot commands show. A user's
mistake prints one line and the session goes on. Session chatter (welcome,
hints, errors) goes to stderr, so that with /json on, stdout holds nothing
but JSON documents when a script pipes lines in.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from pydantic import TypeAdapter
from rich.console import Console
from rich.table import Table

from ..checker import Checker
from ..config import cache_dir
from ..errors import ConsistencyError, InputError
from ..models import SourceInfo
from . import render
from .render import escape

readline: ModuleType | None
try:
    import readline
except ImportError:  # pragma: no cover - Python builds without readline: no recall, same session
    readline = None

HISTORY_LINES = 1_000
QUIT = ("/quit", "/exit")


@dataclass(frozen=True)
class Command:
    run: Callable[[str], None]
    argument: str  # as /help shows it; "" when the command takes none
    summary: str


@dataclass(frozen=True)
class Turn:
    """One question or claim of this session, for /history."""

    line: str
    outcome: str
    style: str


class ChatSession:
    def __init__(self, checker: Checker, out: Console, err: Console, top_k: int | None = None):
        self.checker = checker
        self.out = out
        self.err = err
        self.top_k = top_k
        self.as_json = False
        self.turns: list[Turn] = []
        self.commands = {
            "/check": Command(self.check, "CLAIM", "supported, contradicted, disputed or not found, with the evidence"),
            "/sources": Command(self.sources, "", "the stored sources"),
            "/audit": Command(
                self.audit, "[N]", "every conflict in the store, most severe first (or the N most severe)"
            ),
            "/json": Command(self.toggle_json, "", "JSON output on/off (the same JSON as --json)"),
            "/history": Command(self.history, "", "this session's questions and claims"),
            "/help": Command(self.help, "", "this list"),
        }

    # ---- the loop ------------------------------------------------------

    def run(self) -> None:
        interactive = sys.stdin.isatty()
        self.welcome()
        with persistent_history(enabled=interactive, commands=[*self.commands, *QUIT]):
            prompt = prompt_text(self.out)
            while (line := self.read_line(interactive, prompt)) is not None and self.handle(line):
                pass

    def read_line(self, interactive: bool, prompt: str) -> str | None:
        """The next line; None ends the session (end of input, or Ctrl-C at
        an empty prompt)."""
        if not interactive:
            # No prompt: piped output stays what the commands print.
            line = sys.stdin.readline()
            return line.rstrip("\r\n") if line else None
        typed: list[str] = []
        try:
            with line_on_interrupt(typed):
                return input(prompt)
        except EOFError:
            self.out.print()  # Ctrl-D: the shell's prompt starts on a fresh line
            return None
        except KeyboardInterrupt:
            self.out.print()
            return "" if "".join(typed).strip() else None  # like a shell, Ctrl-C drops a typed line

    def handle(self, line: str) -> bool:
        """Runs one line; False when the user asked to leave."""
        line = line.strip()
        if line.partition(" ")[0].lower() in QUIT:
            return False
        try:
            if line.startswith("/"):
                self.command(line)
            elif line:
                self.ask(line)
        except ConsistencyError as error:
            self.err.print(f"[bold red]error:[/] {escape(str(error))}", soft_wrap=True)
        except KeyboardInterrupt:
            # Ctrl-C while answering: that answer is dropped, the session goes on.
            self.err.print("[yellow]interrupted[/]")
        return True

    def command(self, line: str) -> None:
        name, _, argument = line.partition(" ")
        command = self.commands.get(name.lower())
        argument = argument.strip()
        if command is None:
            self.err.print(f"unknown command {escape(name)}: /help lists the commands", soft_wrap=True)
        elif argument and not command.argument:
            self.err.print(f"{name.lower()} takes no argument", soft_wrap=True)
        else:
            command.run(argument)

    # ---- questions and claims ------------------------------------------

    def ask(self, question: str) -> None:
        # The draft streams on stderr even with /json on: a person is watching.
        with render.drafting(self.err) as on_token:
            result = self.checker.ask(question, top_k=self.top_k, on_token=on_token)
        self.remember(question, result.status, render.STATUS_STYLE)
        if not self.as_json:
            render.generation_notice(self.err, result)
        self.show(result, render.answer)

    def check(self, claim: str) -> None:
        result = self.checker.check(claim, top_k=self.top_k)
        self.remember(f"/check {claim}", result.verdict, render.VERDICT_STYLE)
        self.show(result, render.verdict)

    def remember(self, line: str, outcome: str, styles: dict[str, str]) -> None:
        self.turns.append(Turn(line, outcome.replace("_", " "), styles[outcome]))

    # ---- the store -----------------------------------------------------

    def sources(self, _: str) -> None:
        infos = self.checker.sources()
        if self.as_json:
            self.print_json(TypeAdapter(list[SourceInfo]).dump_json(infos, indent=2).decode())
        else:
            render.sources(self.out, infos)
            self.out.print()

    def audit(self, argument: str) -> None:
        self.show(self.checker.audit(limit=positive_number(argument, "/audit") if argument else None), render.audit)

    # ---- the session ---------------------------------------------------

    def toggle_json(self, _: str) -> None:
        self.as_json = not self.as_json
        self.err.print(f"JSON output {'on' if self.as_json else 'off'}")

    def history(self, _: str) -> None:
        if not self.turns:
            self.err.print("no questions or claims yet in this session")
            return
        for number, turn in enumerate(self.turns, start=1):
            self.out.print(
                f"{number:>3}. [{turn.style}]{turn.outcome:<13}[/] {escape(turn.line)}", highlight=False, soft_wrap=True
            )
        self.out.print()

    def help(self, _: str) -> None:
        table = Table(show_header=False, box=None, padding=(0, 2, 0, 2))
        table.add_row("[italic]a question[/]", "answered from the sources, every statement cited")
        for name, command in self.commands.items():
            table.add_row(f"[bold]{name}[/] {command.argument}".rstrip(), command.summary)
        table.add_row("[bold]/quit[/]", "leave (also /exit or Ctrl-D)")
        self.out.print(table)
        self.out.print(
            "  [dim]Up and Down recall earlier lines, from earlier sessions too; Tab completes a command.[/]\n"
        )

    def welcome(self) -> None:
        status = self.checker.status()
        llm = "unavailable, extractive answers" if self.checker.llm_problem else status.llm
        self.err.print(
            f"[bold]consistency chat[/] · {escape(status.location)} · {status.sources} source(s) · llm: {escape(llm)}",
            soft_wrap=True,
            highlight=False,
        )
        if not status.sources:
            self.err.print(
                "[yellow]The store holds no sources yet:[/] leave (/quit) and run [bold]consistency ingest PATH[/]."
            )
        self.err.print("[dim]Type a question, or /help for the commands.[/]")

    def show(self, result, renderer) -> None:
        """JSON for programs, rich text for people: the CLI's --json choice, per session."""
        if self.as_json:
            self.print_json(result.model_dump_json(indent=2))
        else:
            renderer(self.out, result)
            self.out.print()  # a blank line between one answer and the next prompt

    def print_json(self, text: str) -> None:
        # Not through rich: no wrapping, highlighting or markup may touch it.
        print(text, file=self.out.file, flush=True)


def run_chat(checker: Checker, out: Console, err: Console, top_k: int | None = None) -> None:
    ChatSession(checker, out, err, top_k=top_k).run()


def positive_number(argument: str, command: str) -> int:
    if not argument.isdigit() or int(argument) < 1:
        raise InputError(f"{command} takes a number of conflicts, e.g. {command} 5 (not {argument!r})")
    return int(argument)


def prompt_text(console: Console) -> str:
    """A coloured prompt when the terminal has colour. The \\001/\\002 marks
    tell readline the escape codes take no room, or line editing misplaces
    the cursor."""
    arrow = "›" if (console.encoding or "").lower().replace("-", "") == "utf8" else ">"
    if console.color_system is None:
        return f"{arrow} "
    return f"\001\033[1;36m\002{arrow}\001\033[0m\002 "


@contextmanager
def line_on_interrupt(typed: list[str]):
    """Python's readline empties its buffer before the KeyboardInterrupt
    arrives; a SIGINT handler of our own runs first and sees what was typed."""

    def on_interrupt(signum, frame):
        typed.append(readline.get_line_buffer() if readline else "")
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def history_path() -> Path:
    return cache_dir() / "chat_history"


@contextmanager
def persistent_history(enabled: bool, commands: list[str]):
    """Line editing and recall across sessions. A history file that cannot
    be read or written costs the recall, never the session. Piped input
    (a script) leaves the person's history alone."""
    if not enabled or readline is None:
        yield
        return
    path = history_path()
    _complete_commands(commands)
    with contextlib.suppress(OSError, UnicodeError):  # no history yet, or an unreadable file: start without one
        readline.read_history_file(path)
    readline.set_history_length(HISTORY_LINES)  # write_history_file keeps only the last HISTORY_LINES
    try:
        yield
    finally:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            readline.write_history_file(path)
        except (OSError, UnicodeError):
            pass


def _complete_commands(commands: list[str]) -> None:
    """Tab completes a /command at the start of the line."""
    if readline is None:
        return
    line_editor = readline

    def complete(text: str, state: int) -> str | None:
        if line_editor.get_line_buffer().lstrip() != text or not text.startswith("/"):
            return None
        matches = [name + " " for name in commands if name.startswith(text.lower())]
        return matches[state] if state < len(matches) else None

    readline.set_completer(complete)
    readline.set_completer_delims(" \t")  # "/" is a delimiter by default
    # macOS's Python links libedit, which reads its own binding syntax.
    binding = "bind ^I rl_complete" if "libedit" in (readline.__doc__ or "") else "tab: complete"
    readline.parse_and_bind(binding)

"""What a person sees: the typer CLI, the chat session, terminal rendering
and the HTML audit report.

May import: checker.py and everything below it; server/ and eval/ only
lazily, inside the commands that need them.
"""

"""config.example.toml as a newcomer finds it, and with its commented chat channels switched on."""

from __future__ import annotations

from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.toml"


def with_chat_channels(text: str) -> str:
    """The example with its commented `# [[channels]]` blocks uncommented (each block runs to the
    next blank line), as a user who sets up Slack and Discord would edit it."""
    lines = text.splitlines()
    inside = False
    for index, line in enumerate(lines):
        if line == "# [[channels]]":
            inside = True
        elif not line.strip():
            inside = False
        if inside and line.startswith("# "):
            lines[index] = line[2:]
    return "\n".join(lines) + "\n"

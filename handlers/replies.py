"""Sending replies: long lists are split into several messages at line boundaries."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Message

# Telegram allows 4096 characters; leave room for the tags, which do not count but cost nothing.
CHUNK = 3800


def chunk_lines(header: str, lines: Sequence[str], limit: int = CHUNK) -> list[str]:
    """Join lines into as few messages as fit ``limit``; the header starts the first."""
    chunks: list[str] = []
    current = header
    for line in lines:
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit and current:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks


async def reply_lines(message: Message, header: str, lines: Sequence[str]) -> None:
    """Reply with a header and lines, in several messages where needed."""
    for chunk in chunk_lines(header, lines):
        await message.reply_text(chunk)

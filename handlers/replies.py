"""Sending replies: a long list goes out in several messages, cut at line boundaries."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Message

from domain.splitting import split_message


async def reply_lines(message: Message, header: str, lines: Sequence[str]) -> None:
    """Reply with a header and lines, in several messages where Telegram's limit needs it."""
    for part in split_message("\n".join([header, *lines]) if header else "\n".join(lines)):
        await message.reply_text(part)

"""The sandbox's seeded chats tell the truth about what the seed did."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.sandbox import Sandbox
from bot.seed import CONFERENCE_GROUPS, ORGANISER, PERSONAS
from storage import groups as group_repo


async def test_the_organisers_group_list_counts_the_seeded_members() -> None:
    """Sabine's chat shows every group with the members the seed joined to it, and her own
    group marked. Planted: the organiser consented first, so her list said "0 Mitglieder"."""
    box = Sandbox(start=datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    await box.start()
    try:
        sabine = box.emu.get_user(ORGANISER.id)
        (listing,) = [m for m in sabine.bot_messages if "Arbeitsgruppen" in m.text and m.buttons]
        async with box.sessionmaker() as session:
            summaries = await group_repo.list_active_groups(session)
        for group in CONFERENCE_GROUPS:
            joined = sum(group.slug in p.groups for p in PERSONAS)
            (count,) = [s.member_count for s in summaries if s.group.slug == group.slug]
            assert count == joined > 0
            mark = "✅" if group.slug in ORGANISER.groups else "•"
            assert f"{mark} {group.name} — {joined} Mitglieder" in listing.text
        assert "Bildung — 5 Mitglieder" in listing.text
        assert "0 Mitglieder" not in listing.text
    finally:
        await box.stop()

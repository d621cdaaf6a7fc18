"""Export, forgetting and retention on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import FakeClock
from storage import groups as group_repo
from storage import members as member_repo
from storage import privacy
from storage.db import SessionMaker
from storage.models import (
    Announcement,
    AnnouncementStatus,
    Attendance,
    ContentKind,
    Delivery,
    DeliveryStatus,
    Meeting,
    MeetingStatus,
    Member,
    Poll,
    PollOption,
    PollStatus,
    Role,
    Vote,
)
from storage.record_models import (
    ActionItem,
    AgendaItem,
    AgendaStatus,
    CheckIn,
    Minutes,
    RecordInput,
    RecordStep,
)
from tests.personal_data import Person, traces

ZEYNEP = 7_770_001_234
OTHER = 7_770_009_876


async def _member(
    session: AsyncSession, telegram_id: int, first: str, last: str | None, now: datetime
) -> Member:
    return await member_repo.record_consent(
        session,
        telegram_id=telegram_id,
        first_name=first,
        last_name=last,
        username=f"{first.lower()}_user",
        language="tr",
        version=1,
        now=now,
    )


@dataclass
class Scene:
    """A coordinator with traces in every table, and another member who stays."""

    zeynep: Member
    other: Member
    open_poll: int
    closed_poll: int
    past_meeting: int
    next_meeting: int
    announcement: int


def _delivery(
    announcement_id: int,
    chat_id: int,
    member_id: int | None,
    text: str,
    status: DeliveryStatus,
    now: datetime,
) -> Delivery:
    return Delivery(
        dedupe_key=f"a{announcement_id}:{chat_id}",
        kind="announcement",
        announcement_id=announcement_id,
        member_id=member_id,
        chat_id=chat_id,
        payload=[{"method": "sendMessage", "params": {"text": text, "parse_mode": "HTML"}}],
        status=status,
        not_before=now,
        created_at=now,
    )


async def _scene(sessionmaker: SessionMaker, now: datetime) -> Scene:
    async with sessionmaker.begin() as s:
        zeynep = await _member(s, ZEYNEP, "Zeynep", "Yılmaz-Öztürk", now)
        other = await _member(s, OTHER, "Ulrike", "Brandt", now)
        assert zeynep.id is not None and other.id is not None
        group = await group_repo.create_group(
            s, slug="bildung", name="Bildung", timezone="Europe/Berlin", now=now
        )
        assert group.id is not None
        for m, role in ((zeynep, Role.COORDINATOR), (other, Role.MEMBER)):
            await group_repo.add_membership(
                s, member_id=m.id or 0, group_id=group.id, now=now, role=role
            )
        polls = []
        for status in (PollStatus.OPEN, PollStatus.CLOSED, PollStatus.DRAFT):
            poll = Poll(group_id=group.id, author_id=zeynep.id, status=status, created_at=now)
            s.add(poll)
            await s.flush()
            option = PollOption(poll_id=poll.id or 0, starts_at=now + timedelta(days=30))
            s.add(option)
            await s.flush()
            for m in (zeynep, other):
                s.add(
                    Vote(
                        poll_id=poll.id or 0,
                        option_id=option.id or 0,
                        member_id=m.id or 0,
                        answer="yes",
                        updated_at=now,
                    )
                )
            polls.append(poll.id or 0)
        meetings = []
        for days in (-10, 10):
            meeting = Meeting(
                group_id=group.id,
                uid=f"m{days}@gremium",
                status=MeetingStatus.SCHEDULED,
                starts_at=now + timedelta(days=days),
                editing_by=zeynep.id,
                created_at=now,
                updated_at=now,
            )
            s.add(meeting)
            await s.flush()
            for m in (zeynep, other):
                s.add(
                    Attendance(
                        meeting_id=meeting.id or 0, member_id=m.id, coming=True, updated_at=now
                    )
                )
            meetings.append(meeting.id or 0)
        await _record_rows(s, group.id, meetings[0], zeynep, other, now)
        sent = Announcement(
            sender_id=zeynep.id,
            sender_chat_id=ZEYNEP,
            group_id=group.id,
            status=AnnouncementStatus.SENDING,
            content_kind=ContentKind.TEXT,
            text_html="Treffen am Donnerstag",
            created_at=now,
            report_message_id=55,
        )
        draft = Announcement(
            sender_id=zeynep.id,
            sender_chat_id=ZEYNEP,
            group_id=group.id,
            status=AnnouncementStatus.PREVIEW,
            text_html="Entwurf",
            created_at=now,
        )
        s.add_all([sent, draft])
        await s.flush()
        head = "📢 <b>Bildung</b> · Zeynep Yılmaz-Öztürk\n\nTreffen am Donnerstag"
        s.add(_delivery(sent.id or 0, OTHER, other.id, head, DeliveryStatus.SENT, now))
        s.add(_delivery(sent.id or 0, -100123, None, head, DeliveryStatus.PENDING, now))
        s.add(_delivery(sent.id or 0, ZEYNEP, zeynep.id, head, DeliveryStatus.SENT, now))
        return Scene(zeynep, other, polls[0], polls[1], meetings[0], meetings[1], sent.id or 0)


async def _record_rows(
    s: AsyncSession, group_id: int, meeting_id: int, zeynep: Member, other: Member, now: datetime
) -> None:
    """The meeting record's traces: both checked in, Zeynep proposed two items (one taken onto
    the agenda), owns an action item, sent minutes and is typing a decision."""
    for m in (zeynep, other):
        s.add(CheckIn(meeting_id=meeting_id, member_id=m.id, source="self", at=now))
    for status in (AgendaStatus.PROPOSED, AgendaStatus.ACCEPTED):
        s.add(
            AgendaItem(
                meeting_id=meeting_id,
                author_id=zeynep.id,
                text=f"Punkt {status}",
                status=status,
                created_at=now,
                updated_at=now,
            )
        )
    s.add(
        ActionItem(
            meeting_id=meeting_id,
            group_id=group_id,
            text="Flyer",
            assignee_id=zeynep.id,
            due_on=(now + timedelta(days=20)).date(),
            created_at=now,
        )
    )
    s.add(Minutes(meeting_id=meeting_id, author_id=zeynep.id, text="Protokoll", created_at=now))
    s.add(
        RecordInput(
            member_id=zeynep.id or 0,
            step=RecordStep.DECISION,
            ref_id=meeting_id,
            data={"text": "halb"},
            created_at=now,
        )
    )
    await s.flush()


async def test_forget_keeps_the_record_anonymous(
    sessionmaker: SessionMaker, clock: FakeClock
) -> None:
    """Forgetting keeps the meeting's check-in count and the group's agenda, action items and
    minutes, without the member; their open proposal and their dialogue go. (Planted: not
    anonymising past check-ins let the cascade delete them: the count fell to 1.)"""
    scene = await _scene(sessionmaker, clock.now())
    async with sessionmaker() as session:
        data = await privacy.export_member(session, member=scene.zeynep)
    assert [c["source"] for c in data["check_ins"]] == ["self"]
    assert [i["status"] for i in data["agenda_items"]] == ["proposed", "accepted"]
    assert [a["text"] for a in data["action_items"]] == ["Flyer"]
    assert [m["text"] for m in data["minutes_sent"]] == ["Protokoll"]
    assert [t["step"] for t in data["typing"]] == ["decision"]
    async with sessionmaker.begin() as session:
        await privacy.forget_member(
            session, member=scene.zeynep, now=clock.now(), replacement="Integrationskonferenz"
        )
    async with sessionmaker() as s:
        checks = (await s.exec(select(CheckIn))).all()
        assert sorted(c.member_id or 0 for c in checks) == [0, scene.other.id]
        items = (await s.exec(select(AgendaItem))).all()
        assert [(i.status, i.author_id) for i in items] == [("accepted", None)]
        actions = (await s.exec(select(ActionItem))).all()
        assert [(a.text, a.assignee_id) for a in actions] == [("Flyer", None)]
        minutes = (await s.exec(select(Minutes))).all()
        assert [(m.text, m.author_id) for m in minutes] == [("Protokoll", None)]
        assert (await s.exec(select(RecordInput))).all() == []


async def test_export_holds_everything_about_the_member(
    sessionmaker: SessionMaker, clock: FakeClock
) -> None:
    """The export lists profile, groups, votes, attendance, announcements and more, as JSON."""
    scene = await _scene(sessionmaker, clock.now())
    async with sessionmaker() as session:
        data = await privacy.export_member(session, member=scene.zeynep)
    json.dumps(data)  # serialisable as it is
    assert data["member"]["telegram_id"] == ZEYNEP
    assert data["member"]["last_name"] == "Yılmaz-Öztürk"
    assert data["member"]["consent_version"] == 1
    assert data["member"]["consent_at"] == clock.now().isoformat()
    assert data["memberships"] == [
        {
            "group": "Bildung",
            "slug": "bildung",
            "role": "coordinator",
            "joined_at": clock.now().astimezone(ZoneInfo("Europe/Berlin")).isoformat(),
        }
    ]
    assert len(data["votes"]) == 3
    assert [a["coming"] for a in data["attendance"]] == [True, True]
    assert [a["status"] for a in data["announcements"]] == ["sending", "preview"]
    assert len(data["polls_created"]) == 3
    assert len(data["messages_sent_to_you"]) == 1
    # meeting.editing_by is not explained by a section of its own: it still shows up
    assert [m["id"] for m in data["meeting"]] == [scene.past_meeting, scene.next_meeting]


async def test_export_covers_every_reference_to_a_member() -> None:
    """Each foreign key to member.id is either explained or exported generically."""
    refs = {(t.name, c.name) for t, c in privacy.member_references()}
    assert refs >= privacy.EXPLAINED
    assert ("meeting", "editing_by") in refs


async def test_forget_leaves_nothing_personal(
    sessionmaker: SessionMaker, clock: FakeClock
) -> None:
    """After forgetting, no table holds the member's id, Telegram id, names or username."""
    scene = await _scene(sessionmaker, clock.now())
    person = Person.of(scene.zeynep)
    assert await traces(sessionmaker, person)  # the walk does find them before
    async with sessionmaker.begin() as session:
        member = await member_repo.get_member(session, member_id=person.member_id)
        assert member is not None
        await privacy.forget_member(
            session, member=member, now=clock.now(), replacement="Integrationskonferenz"
        )
    assert await traces(sessionmaker, person) == []
    assert await traces(sessionmaker, Person.of(scene.other)) != []  # the other member stays


async def test_forget_keeps_anonymous_counts(sessionmaker: SessionMaker, clock: FakeClock) -> None:
    """Closed polls and past meetings keep their counts; open polls and future meetings lose the
    member's answers; the announcement stays without its sender; drafts go."""
    scene = await _scene(sessionmaker, clock.now())
    async with sessionmaker.begin() as session:
        await privacy.forget_member(
            session, member=scene.zeynep, now=clock.now(), replacement="Integrationskonferenz"
        )
    async with sessionmaker() as s:
        closed = (
            await s.exec(select(PollOption).where(PollOption.poll_id == scene.closed_poll))
        ).one()
        assert (closed.yes_count, closed.maybe_count, closed.no_count) == (2, 0, 0)
        open_votes = (await s.exec(select(Vote).where(Vote.poll_id == scene.open_poll))).all()
        assert [v.member_id for v in open_votes] == [scene.other.id]
        past = (
            await s.exec(select(Attendance).where(Attendance.meeting_id == scene.past_meeting))
        ).all()
        assert sorted((a.member_id or 0) for a in past) == [0, scene.other.id]
        future = (
            await s.exec(select(Attendance).where(Attendance.meeting_id == scene.next_meeting))
        ).all()
        assert [a.member_id for a in future] == [scene.other.id]
        polls = (await s.exec(select(Poll.status))).all()
        assert sorted(polls) == ["closed", "open"]  # the draft went
        announcements = (await s.exec(select(Announcement))).all()
        assert [
            (a.id, a.sender_id, a.sender_chat_id, a.report_message_id) for a in announcements
        ] == [(scene.announcement, None, None, None)]
        rows = (await s.exec(select(Delivery).order_by(col(Delivery.id)))).all()
        assert [(d.chat_id, d.payload) for d in rows] == [
            (OTHER, []),  # sent: the stored text is no longer needed
            (
                -100123,
                [
                    {
                        "method": "sendMessage",
                        "params": {
                            "text": "📢 <b>Bildung</b> · Integrationskonferenz\n\nTreffen am Donnerstag",
                            "parse_mode": "HTML",
                        },
                    }
                ],
            ),
        ]


async def test_inactive_members_by_unreachability_and_groups(
    sessionmaker: SessionMaker, clock: FakeClock
) -> None:
    """Members in no group, or unreachable, since the cutoff are found; organisers need no group."""
    start = clock.now()
    async with sessionmaker.begin() as s:
        group = await group_repo.create_group(
            s, slug="kultur", name="Kultur", timezone="Europe/Berlin", now=start
        )
        never = await _member(s, 1, "Never", None, start)  # never joined a group
        left = await _member(s, 2, "Left", None, start)
        gone = await _member(s, 3, "Gone", None, start)  # in a group, but blocked the bot
        stays = await _member(s, 4, "Stays", None, start)
        admin = await _member(s, 5, "Admin", None, start)
        for m in (left, gone, stays):
            await group_repo.add_membership(
                s, member_id=m.id or 0, group_id=group.id or 0, now=start
            )
        gone.unreachable_since = start
    async with sessionmaker() as s:  # in no group is marked from consent until the first join
        fresh = await member_repo.get_member(s, member_id=never.id or 0)
        joined = await member_repo.get_member(s, member_id=stays.id or 0)
        assert fresh is not None and fresh.left_all_groups_at == start
        assert joined is not None and joined.left_all_groups_at is None
    clock.advance(timedelta(days=100))
    async with sessionmaker.begin() as s:
        membership = await group_repo.get_membership(
            s, member_id=left.id or 0, group_id=group.id or 0
        )
        assert membership is not None
        await group_repo.remove_membership(s, membership=membership, now=clock.now())
    async with sessionmaker() as s:
        stored = await member_repo.get_member(s, member_id=left.id or 0)
        assert stored is not None and stored.left_all_groups_at == clock.now()
        found = await privacy.inactive_members(s, cutoff=start, keep={5})
        assert [m.first_name for m in found] == ["Never", "Gone"]
        found = await privacy.inactive_members(s, cutoff=clock.now(), keep=())
        assert [m.first_name for m in found] == ["Never", "Left", "Gone", "Admin"]
        found = await privacy.inactive_members(s, cutoff=start - timedelta(seconds=1))
        assert found == []
    assert never.id and stays.id and admin.id


async def test_old_votes_are_dropped_counts_stay(
    sessionmaker: SessionMaker, clock: FakeClock
) -> None:
    """Votes of polls closed before the cutoff go; their counts are frozen first; open polls and
    recently closed ones keep their votes."""
    scene = await _scene(sessionmaker, clock.now())
    async with sessionmaker.begin() as s:
        poll = await s.get(Poll, scene.closed_poll)
        assert poll is not None
        poll.closed_at = clock.now()
    async with sessionmaker.begin() as s:
        assert await privacy.drop_old_votes(s, cutoff=clock.now() - timedelta(days=1)) == 0
    async with sessionmaker.begin() as s:
        assert await privacy.drop_old_votes(s, cutoff=clock.now()) == 2
    async with sessionmaker() as s:
        remaining = (await s.exec(select(Vote.poll_id))).all()
        assert scene.closed_poll not in remaining
        assert scene.open_poll in remaining
        option = (
            await s.exec(select(PollOption).where(PollOption.poll_id == scene.closed_poll))
        ).one()
        assert option.yes_count == 2

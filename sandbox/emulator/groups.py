"""Group chats: members and admins, the bot joining or leaving, migration to a supergroup."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sandbox.emulator.client import UserHandle
from sandbox.emulator.core import Core
from sandbox.emulator.serialize import chat_json, member_json, user_json
from sandbox.emulator.state import ChatState
from sandbox.emulator.views import BotCommand, ChatView

UserRef = UserHandle | int


def _id(user: UserRef) -> int:
    return user.id if isinstance(user, UserHandle) else user


class GroupHandle(ChatView):
    """A group or supergroup the bot is in."""

    def __init__(self, core: Core, chat_id: int) -> None:
        super().__init__(core, chat_id)

    @property
    def id(self) -> int:
        """The chat id (negative)."""
        return self.chat_id

    @property
    def title(self) -> str:
        """The group's title."""
        return self.state.title or ""

    @property
    def type(self) -> str:
        """ "group" or "supergroup"."""
        return self.state.type

    def status(self, user: UserRef) -> str:
        """ChatMember status of ``user`` ("creator", "administrator", "member", "left" ...)."""
        return self.core.world.status(self.state, _id(user))

    def set_status(self, user: UserRef, status: str) -> None:
        """Change a member's status silently (e.g. promote to "administrator")."""
        self.state.members[_id(user)] = status
        self.core.world.events.emit("member", chat_id=self.id, user_id=_id(user))

    def add_member(
        self, user: UserRef, *, status: str = "member", by: UserRef | None = None
    ) -> None:
        """``user`` joins (or is added ``by`` someone): a new_chat_members service message."""
        user_id = _id(user)
        self.state.members[user_id] = status
        joined = user_json(self.core.world.users[user_id])
        self._service(by if by is not None else user, {"new_chat_members": [joined]})

    def remove_member(self, user: UserRef, *, by: UserRef | None = None) -> None:
        """``user`` leaves (or is removed ``by`` someone): a left_chat_member service message."""
        user_id = _id(user)
        self.state.members[user_id] = "left"
        gone = user_json(self.core.world.users[user_id])
        self._service(by if by is not None else user, {"left_chat_member": gone})

    def add_bot(self, *, by: UserRef, admin: bool = False) -> None:
        """Someone adds the bot: a my_chat_member update, then the new_chat_members message."""
        self._bot_status(by, "administrator" if admin else "member")
        self._service(by, {"new_chat_members": [user_json(self.core.bot)]})

    def remove_bot(self, *, by: UserRef) -> None:
        """Someone removes the bot: a my_chat_member update (kicked)."""
        self._bot_status(by, "kicked")

    def _bot_status(self, by: UserRef, status: str) -> None:
        world, bot_id = self.core.world, self.core.bot.id
        old = member_json(world, self.state, bot_id)
        self.state.members[bot_id] = status
        self.core.queue.push(
            "my_chat_member",
            {
                "chat": chat_json(world, self.state),
                "from": user_json(world.users[_id(by)]),
                "date": world.timestamp(),
                "old_chat_member": old,
                "new_chat_member": member_json(world, self.state, bot_id),
            },
        )
        world.events.emit("member", chat_id=self.id, user_id=bot_id)

    def _service(self, by: UserRef, fields: dict[str, Any]) -> None:
        message = self.core.world.add_message(self.state, _id(by), service=fields)
        self.core.queue_message(message)

    def _someone(self) -> int:
        members = self.state.members
        for wanted in ("creator", "administrator", "member"):
            for user_id, status in members.items():
                if status == wanted and user_id != self.core.bot.id:
                    return user_id
        raise AssertionError(f"group {self.id} has no member who could act")

    def migrate(self, new_chat_id: int | None = None, *, by: UserRef | None = None) -> GroupHandle:
        """Upgrade this group to a supergroup, as Telegram does: a migrate_to_chat_id message in
        the old chat, a migrate_from_chat_id message in the new one; the old id then fails."""
        old = self.state
        if old.type != "group":
            raise ValueError("only a basic group can be migrated")
        new_id = new_chat_id if new_chat_id is not None else int(f"-100{abs(old.id)}")
        new = ChatState(
            new_id, "supergroup", old.title, members=dict(old.members), migrated_from=old.id
        )
        self.core.world.chats[new_id] = new
        actor = _id(by) if by is not None else self._someone()
        self._service(actor, {"migrate_to_chat_id": new_id})
        old.migrated_to = new_id
        upgraded = GroupHandle(self.core, new_id)
        upgraded._service(actor, {"migrate_from_chat_id": old.id})
        self.core.world.events.emit("chat", chat_id=new_id)
        return upgraded

    def commands_for(self, user: UserRef) -> list[BotCommand]:
        """The command menu ``user`` sees in this group (scopes resolved as Telegram does)."""
        user_id = _id(user)
        language = self.core.world.users[user_id].language_code
        found = self.core.world.commands_for(self.state, user_id, language)
        return [BotCommand(c["command"], c["description"]) for c in found]


def new_group(
    core: Core,
    chat_id: int,
    title: str,
    *,
    type: str = "group",
    members: Iterable[UserRef] = (),
    admins: Iterable[UserRef] = (),
    creator: UserRef | None = None,
    username: str | None = None,
    bot_status: str = "member",
) -> GroupHandle:
    """Create a group the bot is already in (no updates are sent)."""
    if type not in {"group", "supergroup"}:
        raise ValueError('type must be "group" or "supergroup"')
    if chat_id >= 0:
        raise ValueError("group chat ids are negative")
    chat = ChatState(chat_id, type, title, username=username)
    chat.members[core.bot.id] = bot_status
    for user in members:
        chat.members[_id(user)] = "member"
    for user in admins:
        chat.members[_id(user)] = "administrator"
    if creator is not None:
        chat.members[_id(creator)] = "creator"
    unknown = [user_id for user_id in chat.members if user_id not in core.world.users]
    if unknown:
        raise ValueError(f"unknown users {unknown}: create them with emu.user() first")
    core.world.chats[chat_id] = chat
    core.world.events.emit("chat", chat_id=chat_id)
    return GroupHandle(core, chat_id)

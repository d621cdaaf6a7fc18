"""Users, groups and update bookkeeping, driven through raw Bot API calls."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from domain.clock import FakeClock
from sandbox.emulator import Emulator, UserHandle
from tests.sandbox.conftest import PNG, Api


async def _updates(api: Api, **params: Any) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = await api.ok("getUpdates", timeout=0, **params)
    return result


async def test_offset_limit_and_confirmation(api: Api, emu: Emulator, alice: UserHandle) -> None:
    """Updates stay until a later offset confirms them; limit and negative offsets work."""
    for text in ("a", "b", "c"):
        await alice.send(text)
    first = await _updates(api, limit=2)
    assert [u["message"]["text"] for u in first] == ["a", "b"]
    assert [u["update_id"] for u in first] == [1, 2]
    assert len(await _updates(api)) == 3  # nothing confirmed yet
    assert [u["update_id"] for u in await _updates(api, offset=3)] == [3]
    assert emu.delivered_updates == 2
    await alice.send("d")
    assert [u["update_id"] for u in await _updates(api, offset=-1)] == [4]
    await _updates(api, offset=5)
    await emu.wait_delivered(timeout=1)
    assert emu.pending_updates == []


async def test_allowed_updates_filter(api: Api, alice: UserHandle) -> None:
    """Update types the bot did not ask for are dropped."""
    await api.ok(
        "sendMessage",
        chat_id=alice.id,
        text="t",
        reply_markup={"inline_keyboard": [[{"text": "B", "callback_data": "b"}]]},
    )
    await alice.send("hi")
    await alice.press("B")
    kinds = [
        next(iter(set(u) - {"update_id"}))
        for u in await _updates(api, allowed_updates=["callback_query"])
    ]
    assert kinds == ["callback_query"]


async def test_wait_delivered_times_out_without_a_bot(emu: Emulator, alice: UserHandle) -> None:
    """Nobody polls: the update stays pending."""
    await alice.send("anyone?")
    with pytest.raises(TimeoutError, match=r"1 \(message\)"):
        await emu.wait_delivered(timeout=0.05)


async def test_second_poller_terminates_the_first(api: Api, alice: UserHandle) -> None:
    """Two getUpdates at once: the older one gets 409 Conflict."""
    older = asyncio.create_task(api("getUpdates", timeout=5))
    await asyncio.sleep(0.05)
    newer = asyncio.create_task(api("getUpdates", timeout=5))
    status, body = await older
    assert (status, body["description"]) == (
        409,
        "Conflict: terminated by other getUpdates request; make sure that only one bot instance"
        " is running",
    )
    await alice.send("x")
    status, body = await newer
    assert status == 200 and body["result"][0]["message"]["text"] == "x"


async def test_deliver_again_keeps_the_update_id(
    api: Api, emu: Emulator, alice: UserHandle
) -> None:
    """A re-delivered update is returned even though its id is below the offset."""
    await alice.send("once")
    (update,) = await _updates(api)
    await _updates(api, offset=update["update_id"] + 1)
    emu.deliver_again(update["update_id"])
    (again,) = await _updates(api, offset=update["update_id"] + 1)
    assert again == update
    assert await _updates(api, offset=update["update_id"] + 1) == []


async def test_block_and_unblock_send_my_chat_member(api: Api, alice: UserHandle) -> None:
    """Blocking is reported to the bot as status kicked, unblocking as member."""
    await alice.block()  # may be awaited or not
    alice.unblock()
    statuses = [
        (
            u["my_chat_member"]["old_chat_member"]["status"],
            u["my_chat_member"]["new_chat_member"]["status"],
        )
        for u in await _updates(api)
    ]
    assert statuses == [("member", "kicked"), ("kicked", "member")]


async def test_silent_block(api: Api, emu: Emulator, alice: UserHandle) -> None:
    """block_silently: the bot finds out only when sending."""
    emu.block_silently(alice)
    assert await _updates(api) == []
    assert (await api("sendMessage", chat_id=alice.id, text="x"))[0] == 403


async def test_group_members_and_admins(api: Api, emu: Emulator, alice: UserHandle) -> None:
    """getChatMember answers each status; getChatAdministrators lists creator and admins."""
    bob, carol = emu.user(1002, "Bob"), emu.user(1003, "Carol")
    outsider = emu.user(1004, "Dan")
    group = emu.group_chat(-100, "Team", members=[carol], admins=[bob], creator=alice)
    statuses = [
        (await api.ok("getChatMember", chat_id=group.id, user_id=user.id))["status"]
        for user in (alice, bob, carol, outsider)
    ]
    assert statuses == ["creator", "administrator", "member", "left"]
    admins = await api.ok("getChatAdministrators", chat_id=group.id)
    assert sorted(a["user"]["id"] for a in admins) == [alice.id, bob.id]
    assert (await api("getChatMember", chat_id=group.id, user_id=555))[1]["description"] == (
        "Bad Request: user not found"
    )
    assert (await api("getChatAdministrators", chat_id=alice.id))[1]["description"] == (
        "Bad Request: there are no administrators in the private chat"
    )
    info = await api.ok("getChat", chat_id=group.id)
    assert (info["title"], info["type"]) == ("Team", "group")


async def test_privacy_mode_in_groups(api: Api, emu: Emulator, alice: UserHandle) -> None:
    """Without admin rights the bot sees commands, mentions and replies to it, nothing else."""
    group = emu.group_chat(-200, "Chat", members=[alice])
    bot_message = await api.ok("sendMessage", chat_id=group.id, text="hello group")
    await alice.send("just chatting", chat=group)
    await alice.send("/help", chat=group)
    await alice.send("/help@other_bot", chat=group)
    await alice.send("hey @gremium_bot", chat=group)
    await alice.send("an answer", chat=group, reply_to=bot_message["message_id"])
    texts = [u["message"]["text"] for u in await _updates(api)]
    assert texts == ["/help", "hey @gremium_bot", "an answer"]
    assert len(group.messages) == 6  # everyone in the group sees everything
    emu.privacy_mode = False
    await alice.send("now visible", chat=group)
    assert (await _updates(api, offset=4))[-1]["message"]["text"] == "now visible"


async def test_migration_to_supergroup(api: Api, emu: Emulator, alice: UserHandle) -> None:
    """Migrating sends migrate_to/migrate_from messages; the old id answers with the new one."""
    group = emu.group_chat(-300, "Old", creator=alice)
    upgraded = group.migrate(-1000300)
    old, new = (u["message"] for u in await _updates(api))
    assert (old["chat"]["id"], old["migrate_to_chat_id"]) == (-300, -1000300)
    assert (new["chat"]["type"], new["migrate_from_chat_id"]) == ("supergroup", -300)
    status, body = await api("sendMessage", chat_id=-300, text="x")
    assert (status, body["parameters"]) == (400, {"migrate_to_chat_id": -1000300})
    assert body["description"] == "Bad Request: group chat was upgraded to a supergroup chat"
    await api.ok("sendMessage", chat_id=upgraded.id, text="x")
    assert upgraded.type == "supergroup" and upgraded.last is not None


async def test_leave_chat_and_bot_membership(api: Api, emu: Emulator, alice: UserHandle) -> None:
    """After leaveChat the bot cannot post; add_bot brings it back with updates."""
    group = emu.group_chat(-400, "G", members=[alice])
    assert await api.ok("leaveChat", chat_id=group.id) is True
    assert await api("sendMessage", chat_id=group.id, text="x") == (
        403,
        {
            "ok": False,
            "error_code": 403,
            "description": "Forbidden: bot is not a member of the group chat",
        },
    )
    group.add_bot(by=alice, admin=True)
    kinds = [next(iter(set(u) - {"update_id"})) for u in await _updates(api)]
    assert kinds == ["my_chat_member", "my_chat_member", "message"]
    await api.ok("sendMessage", chat_id=group.id, text="back")


async def test_photo_copy_and_pins(api: Api, emu: Emulator, alice: UserHandle) -> None:
    """Photos get their size; copies keep content; pins need rights in groups."""
    photo = await api.ok(
        "sendPhoto", transport="multipart", chat_id=alice.id, photo=PNG, caption="pic"
    )
    assert [(p["width"], p["height"]) for p in photo["photo"]] == [(640, 480)]
    _status, body = await api(
        "sendPhoto", transport="multipart", chat_id=alice.id, photo=b"no image"
    )
    assert body["description"] == "Bad Request: IMAGE_PROCESS_FAILED"
    assert (await api("sendDocument", chat_id=alice.id))[1]["description"] == (
        "Bad Request: there is no document in the request"
    )
    copied = await api.ok(
        "copyMessage", chat_id=alice.id, from_chat_id=alice.id, message_id=photo["message_id"]
    )
    assert alice.last is not None and alice.last.message_id == copied["message_id"]
    assert alice.last.photo is not None and alice.last.photo.content == PNG
    assert await api.ok("pinChatMessage", chat_id=alice.id, message_id=1) is True
    assert [m.pinned for m in alice.chat] == [True, False]
    assert (await api.ok("getChat", chat_id=alice.id))["pinned_message"]["message_id"] == 1
    await api.ok("unpinChatMessage", chat_id=alice.id)
    assert (await api("unpinChatMessage", chat_id=alice.id))[1]["description"] == (
        "Bad Request: message to unpin not found"
    )
    group = emu.group_chat(-500, "G", members=[alice])
    sent = await api.ok("sendMessage", chat_id=group.id, text="x")
    assert (await api("pinChatMessage", chat_id=group.id, message_id=sent["message_id"]))[1][
        "description"
    ] == "Bad Request: not enough rights to manage pinned messages in the chat"


async def test_clock_sets_dates(api: Api, alice: UserHandle, clock: FakeClock) -> None:
    """Message dates come from the given clock."""
    clock.advance(timedelta(days=3))
    sent = await alice.send("/start")
    assert sent.date == clock.now()
    reply = await api.ok("sendMessage", chat_id=alice.id, text="x")
    assert reply["date"] == int(clock.now().timestamp())


async def test_user_handles(emu: Emulator, alice: UserHandle) -> None:
    """user() returns the existing handle for a known id; group senders must be members."""
    assert emu.user(alice.id, "Other") is alice
    group = emu.group_chat(-600, "G")
    with pytest.raises(AssertionError, match="not a member"):
        await alice.send("hi", chat=group)
    with pytest.raises(ValueError, match="negative"):
        emu.group_chat(5, "bad")


async def test_user_sends_formatted_text(api: Api, alice: UserHandle) -> None:
    """send_html: what a client's formatting produces, text plus entities."""
    sent = await alice.send_html('Meet <b>Thursday</b>: <a href="https://Herne.de">info</a>')
    assert sent.text == "Meet Thursday: info"
    assert sent.html == 'Meet <b>Thursday</b>: <a href="https://herne.de/">info</a>'
    (update,) = await _updates(api)
    assert [e["type"] for e in update["message"]["entities"]] == ["bold", "text_link"]


async def test_press_in_a_group(api: Api, emu: Emulator, alice: UserHandle) -> None:
    """Pressing a button on a group message: the query names the group chat."""
    group = emu.group_chat(-700, "G", members=[alice])
    markup = {"inline_keyboard": [[{"text": "Vote", "callback_data": "v:1"}]]}
    await api.ok("sendMessage", chat_id=group.id, text="Poll", reply_markup=markup)
    assert group.last is not None
    with pytest.raises(AssertionError, match="no message there has buttons"):
        await alice.press("Vote")  # not in the private chat
    await alice.press("Vote", message=group.last)
    (update,) = await _updates(api)
    query = update["callback_query"]
    assert (query["message"]["chat"]["id"], query["data"], query["from"]["id"]) == (
        group.id,
        "v:1",
        alice.id,
    )

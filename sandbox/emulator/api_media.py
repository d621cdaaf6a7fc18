"""sendDocument, sendPhoto and getFile, with the stored bytes downloadable under /file/bot<token>/.

A file may be uploaded (multipart), referenced by a file_id the emulator issued, or given as an
http(s) URL, which the emulator fetches (useful only for local URLs, since there is no internet).
"""

from __future__ import annotations

import mimetypes
from typing import Any

import aiohttp

from sandbox.emulator.core import Core, Handler, caption, inline_markup
from sandbox.emulator.errors import bad_request
from sandbox.emulator.params import Params
from sandbox.emulator.schema import UploadedFile
from sandbox.emulator.serialize import message_json
from sandbox.emulator.state import SentFile

MAX_UPLOAD = 50 * 1024 * 1024


def image_size(content: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, GIF, JPEG or WebP image, or None."""
    if content.startswith(b"\x89PNG\r\n\x1a\n") and len(content) >= 24:
        return int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")
    if content[:6] in {b"GIF87a", b"GIF89a"} and len(content) >= 10:
        return int.from_bytes(content[6:8], "little"), int.from_bytes(content[8:10], "little")
    if content.startswith(b"RIFF") and content[8:12] == b"WEBP" and content[12:16] == b"VP8X":
        width = 1 + int.from_bytes(content[24:27], "little")
        return width, 1 + int.from_bytes(content[27:30], "little")
    if content.startswith(b"\xff\xd8"):
        return _jpeg_size(content)
    return None


def _jpeg_size(content: bytes) -> tuple[int, int] | None:
    index = 2
    while index + 9 < len(content) and content[index] == 0xFF:
        marker = content[index + 1]
        if 0xC0 <= marker <= 0xCF and marker not in {0xC4, 0xC8, 0xCC}:
            height = int.from_bytes(content[index + 5 : index + 7], "big")
            return int.from_bytes(content[index + 7 : index + 9], "big"), height
        index += 2 + int.from_bytes(content[index + 2 : index + 4], "big")
    return None


async def _fetch(url: str) -> UploadedFile:
    timeout = aiohttp.ClientTimeout(total=5)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as response:
            if response.status != 200:
                raise bad_request("wrong file identifier/HTTP URL specified")
            content = await response.read()
            name = url.rstrip("/").rsplit("/", 1)[-1] or "file"
            return UploadedFile(name, response.content_type, content)
    except (aiohttp.ClientError, TimeoutError) as error:
        raise bad_request("failed to get HTTP URL content") from error


async def _stored(core: Core, given: UploadedFile | str, photo: bool) -> SentFile:
    if isinstance(given, str):
        known = core.world.files.get(given)
        if known is not None:
            return known
        if not given.startswith(("http://", "https://")):
            raise bad_request("wrong file identifier/HTTP URL specified")
        given = await _fetch(given)
    if not given.content:
        raise bad_request("file must be non-empty")
    if len(given.content) > MAX_UPLOAD:
        raise bad_request("file is too big")
    size = image_size(given.content) if photo else None
    if photo and size is None:
        raise bad_request("IMAGE_PROCESS_FAILED")
    return core.world.add_file(given.content, given.file_name, given.mime_type, size)


async def _send_media(core: Core, p: Params, kind: str) -> Any:
    given = p.file(kind)
    if given is None:
        raise bad_request(f"there is no {kind} in the request")
    text = caption(core, p)
    markup = inline_markup(p.obj("reply_markup"))
    chat = core.chat(p)
    core.check_writable(chat)
    reply_to = core.reply_target(chat, p)
    stored = await _stored(core, given, photo=kind == "photo")
    core.throttle(chat, p)
    message = core.world.add_message(
        chat,
        core.bot.id,
        caption=text.text if text else None,
        caption_entities=text.entities if text else [],
        reply_markup=markup,
        reply_to=reply_to,
        **{kind: stored},
    )
    return message_json(core.world, message)


async def send_document(core: Core, p: Params) -> Any:
    """sendDocument."""
    return await _send_media(core, p, "document")


async def send_photo(core: Core, p: Params) -> Any:
    """sendPhoto."""
    return await _send_media(core, p, "photo")


def file_path(stored: SentFile) -> str:
    """The download path getFile reports for ``stored``."""
    folder = "photos" if stored.width is not None else "documents"
    extension = mimetypes.guess_extension(stored.mime_type or "") or ""
    if stored.file_name and "." in stored.file_name:
        extension = "." + stored.file_name.rsplit(".", 1)[-1]
    return f"{folder}/{stored.file_id}{extension}"


async def get_file(core: Core, p: Params) -> Any:
    """getFile."""
    stored = core.world.files.get(p.text("file_id") or "")
    if stored is None:
        raise bad_request("invalid file_id")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.file_size,
        "file_path": file_path(stored),
    }


HANDLERS: dict[str, Handler] = {
    "sendDocument": send_document,
    "sendPhoto": send_photo,
    "getFile": get_file,
}

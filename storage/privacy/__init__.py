"""Data protection: everything stored about a member, forgetting them, and retention sweeps.

Keyword-only, session first, never commit. Tables that refer to a member are found through
their foreign keys to ``member.id``, so a table added later is exported without changes here
and its rows go with the member through ``ON DELETE`` (CASCADE or SET NULL).
"""

from __future__ import annotations

from storage.privacy.export import EXPLAINED, export_member, member_references
from storage.privacy.forget import forget_member
from storage.privacy.retention import drop_old_votes, inactive_members

__all__ = [
    "EXPLAINED",
    "drop_old_votes",
    "export_member",
    "forget_member",
    "inactive_members",
    "member_references",
]

"""member: indexes for the retention pass; left_all_groups_at set exactly while in no group

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 01:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Members in a group: no retention period runs. Members in none: it runs since they left
    # their last group, or since they consented if they never joined one.
    op.execute(
        "UPDATE member SET left_all_groups_at = NULL "
        "WHERE EXISTS (SELECT 1 FROM membership WHERE membership.member_id = member.id)"
    )
    op.execute(
        "UPDATE member SET left_all_groups_at = created_at "
        "WHERE left_all_groups_at IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM membership WHERE membership.member_id = member.id)"
    )
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_member_left_all_groups_at"), ["left_all_groups_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_member_unreachable_since"), ["unreachable_since"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_unreachable_since"))
        batch_op.drop_index(batch_op.f("ix_member_left_all_groups_at"))

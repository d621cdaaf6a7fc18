"""Leadership: runs the leader's work exactly while the instance lock is held."""

from __future__ import annotations

import asyncio

import pytest

from runtime.leadership import Leadership


class FakeLock:
    """A lock the test hands out and takes away."""

    def __init__(self, *, free: bool = True) -> None:
        self.free = free
        self.mine = False
        self.broken = False
        self.releases = 0

    async def acquire(self) -> bool:
        if self.broken:
            raise ConnectionError("database away")
        if self.free:
            self.free, self.mine = False, True
        return self.mine

    async def held(self) -> bool:
        if self.broken:
            raise ConnectionError("database away")
        return self.mine

    async def release(self) -> None:
        self.releases += 1
        if self.mine:
            self.free, self.mine = True, False

    def lose(self) -> None:
        """The server dropped the lock connection (and another instance took the lock)."""
        self.mine = False


class FakeWork:
    """Records starts and stops."""

    def __init__(self) -> None:
        self.log: list[str] = []

    async def start(self) -> None:
        self.log.append("start")

    async def stop(self) -> None:
        self.log.append("stop")


async def test_leads_at_once_when_the_lock_is_free() -> None:
    """The first instance leads as soon as it starts, and stops its work when it stops."""
    lock, work = FakeLock(), FakeWork()
    leadership = Leadership(lock, work, interval=60)
    await leadership.start()
    assert leadership.is_leader
    assert work.log == ["start"]
    await leadership.stop()
    assert not leadership.is_leader
    assert work.log == ["start", "stop"]
    assert lock.free


async def test_standby_takes_over_when_the_lock_comes_free() -> None:
    """A standby does nothing until the lock is free, then starts the work once."""
    lock, work = FakeLock(free=False), FakeWork()
    leadership = Leadership(lock, work, interval=60)
    await leadership.start()
    assert not leadership.is_leader
    await leadership.step()
    assert work.log == []
    lock.free = True  # the leader died
    await leadership.step()
    await leadership.step()
    assert leadership.is_leader
    assert work.log == ["start"]
    await leadership.stop()


async def test_leader_steps_down_when_its_lock_is_gone() -> None:
    """A leader whose lock vanished stops its work at the next check and tries again later."""
    lock, work = FakeLock(), FakeWork()
    leadership = Leadership(lock, work, interval=60)
    await leadership.start()
    lock.lose()
    await leadership.step()
    assert not leadership.is_leader
    assert work.log == ["start", "stop"]
    await leadership.step()  # the other instance holds it now
    assert not leadership.is_leader
    lock.free = True  # ... and died
    await leadership.step()
    assert leadership.is_leader
    assert work.log == ["start", "stop", "start"]
    await leadership.stop()


@pytest.mark.parametrize("leading", [True, False])
async def test_a_database_failure_never_ends_the_loop(leading: bool) -> None:
    """An error while checking steps a leader down and lets go; a standby just tries again."""
    lock, work = FakeLock(free=leading), FakeWork()
    leadership = Leadership(lock, work, interval=60)
    await leadership.start()
    assert leadership.is_leader is leading
    lock.broken = True
    await leadership.step()
    assert not leadership.is_leader
    assert work.log == (["start", "stop"] if leading else [])
    lock.broken = False
    lock.free = True
    await leadership.step()
    assert leadership.is_leader
    await leadership.stop()


async def test_the_loop_checks_every_interval() -> None:
    """Started with a short interval, a standby takes over on its own."""
    lock, work = FakeLock(free=False), FakeWork()
    leadership = Leadership(lock, work, interval=0.01)
    await leadership.start()
    lock.free = True
    for _ in range(100):
        if leadership.is_leader:
            break
        await asyncio.sleep(0.01)
    assert leadership.is_leader
    await leadership.stop()
    assert work.log == ["start", "stop"]

"""Benchmarks behind `make bench`: each scenario runs the real bot against the Bot API emulator
and returns rows of one table (scenario, figure, target, verdict).

Scenarios (targets quoted from the issues):

- :mod:`bench.broadcast`: a 10,000-member announcement under Telegram's limits, without limits,
  and members' commands answered while it runs;
- :mod:`bench.crash`: the bot killed with SIGKILL twenty times during a broadcast;
- :mod:`bench.votes`: a vote storm on a date poll, against a bare python-telegram-bot app;
- :mod:`bench.convergence`: after a vote storm, how soon every copy shows the final tally;
- :mod:`bench.flood`: one member floods the bot with commands while the others use it;
- :mod:`bench.cadence`: start-up with 1,000 groups, and the sweep's work per group size.

Shared: :mod:`bench.world` (databases, members, the emulator, the bot), :mod:`bench.process`
(the bot in a process of its own), :mod:`bench.poll_setup` and :mod:`bench.storm` (the vote
scenarios' poll and presses), :mod:`bench.table` (the rows), :mod:`bench.cli` (the command).

A figure is what was measured; nothing is adjusted to meet a target. A missed target says
"missed" in the table.
"""

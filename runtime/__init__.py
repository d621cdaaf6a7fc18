"""The engine that keeps the bot alive: outbox dispatcher, sending, edit throttle, ballot box,
leadership and health. Explicit arguments (sessionmaker, clock, bot), never a handler."""

"""The pure domain: no Telegram, no SQLAlchemy, `now` always passed in."""

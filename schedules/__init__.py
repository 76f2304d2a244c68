"""When things happen: schedule specs, quiet hours, next-due maths and the periodic jobs.

`schedules.spec` and `schedules.timing` are pure (no Telegram, no SQLAlchemy, no clock).
This package ``__init__`` deliberately imports nothing so that importing the pure modules
never drags in the job adapters.
"""

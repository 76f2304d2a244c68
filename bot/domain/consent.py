"""Person states and what each allows: nothing is scheduled without a recorded 「はい」."""

from __future__ import annotations

INVITED = "invited"  # opened the invite link; consent not given yet
ACTIVE = "active"  # consented; receives check-ins
PAUSED = "paused"  # consented, but asked for a break until a date
STOPPED = "stopped"  # left; only a new invite brings them back
DECLINED = "declined"  # said いいえ; nothing is ever scheduled

PERSON_STATUSES = (INVITED, ACTIVE, PAUSED, STOPPED, DECLINED)

# Consent decisions recorded in the consent history.
GRANTED = "granted"
REFUSED = "declined"
WITHDRAWN = "withdrawn"

SCOPE_CHECKINS = "checkins"


def receives_checkins(status: str) -> bool:
    return status == ACTIVE


def is_enrolled(status: str) -> bool:
    """Someone whose messages are the team's business: consented at some point, not gone."""
    return status in (ACTIVE, PAUSED)


def may_rejoin_with_new_invite(status: str) -> bool:
    return status in (STOPPED, DECLINED, INVITED)

"""The roles of a street office and what each may do: defined here once, read everywhere else.

- ``leader`` (street party secretary, director): reads everything in scope, personal data masked;
- ``staff`` (data clerk of the grid centre): reads in scope, may see residents' personal data and export it;
- ``admin`` (the data administrator): as staff, and also imports, restores and manages accounts;
- ``presenter`` (experience-exchange sessions): demo mode only, so nothing personal ever shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Role:
    """What a role may do; pages and exports ask these, never the role's name."""

    key: str
    # Import data, restore a version (the data management page, the import and restore commands).
    can_import: bool
    # See residents' names, phones and full addresses on screen (unmasked case lists).
    sees_personal_data: bool
    # Tick "full data" on an export.
    can_export_personal: bool
    # Add, remove and reset accounts.
    manages_users: bool
    # The session always runs in demo mode (masked, with the demo-data mark) and cannot leave it.
    demo_only: bool


ROLES: Final[dict[str, Role]] = {
    role.key: role
    for role in (
        Role(
            "leader",
            can_import=False,
            sees_personal_data=False,
            can_export_personal=False,
            manages_users=False,
            demo_only=False,
        ),
        Role(
            "staff",
            can_import=False,
            sees_personal_data=True,
            can_export_personal=True,
            manages_users=False,
            demo_only=False,
        ),
        Role(
            "admin",
            can_import=True,
            sees_personal_data=True,
            can_export_personal=True,
            manages_users=True,
            demo_only=False,
        ),
        Role(
            "presenter",
            can_import=False,
            sees_personal_data=False,
            can_export_personal=False,
            manages_users=False,
            demo_only=True,
        ),
    )
}
ROLE_KEYS: Final[tuple[str, ...]] = tuple(ROLES)


def role(key: str) -> Role:
    """The role named ``key``; ``ValueError`` naming the known roles for any other."""
    try:
        return ROLES[key]
    except KeyError:
        raise ValueError(f"unknown role {key!r} (known: {', '.join(ROLE_KEYS)})") from None

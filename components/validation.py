"""Checks components make on their args before registering anything, so a malformed
value fails the program with one clear message instead of a half-declared stack."""

from typing import Any


def check_account_id(account_id: Any, key: str = "account_id") -> None:
    """Reject a malformed AWS account id; an Output (known only later) passes."""
    if isinstance(account_id, str) and account_id.isdigit() and len(account_id) == 12:
        return
    if hasattr(account_id, "apply"):  # a pulumi.Output: checked by the service instead
        return
    raise ValueError(f"{key} {account_id!r} must be a 12-digit AWS account id")

"""The one account-id check every component runs before registering anything."""

import pulumi
import pytest
from rootguard.components.validation import check_account_id


def test_check_account_id_twelve_digit_string_passes() -> None:
    check_account_id("111111111111")


def test_check_account_id_output_passes_unchecked() -> None:
    check_account_id(pulumi.Output.from_input("not known yet"))


@pytest.mark.parametrize("bad", ["12345", "11111111111a", 111111111111, None])
def test_check_account_id_malformed_rejected_naming_key(bad: object) -> None:
    with pytest.raises(
        ValueError, match=r"^admin_account_id .* must be a 12-digit AWS account id$"
    ):
        check_account_id(bad, "admin_account_id")

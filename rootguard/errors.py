"""Errors the command line turns into one line on stderr and exit code 2."""


class UsageError(Exception):
    """Bad command-line or input value: the message is the one line the user sees.

    Say the key, the value and what is expected, e.g.
    ``rootguard:regions[1]: 'us-east-9' is not an AWS region; expected one of ...``.
    """

"""The organization-wide root audit.

- ``runner``: the ``rootguard audit`` command (accounts, sessions, the pool, output);
- ``checks``: the per-account root check and the pool that runs it;
- ``aggregator``: the same answer from an AWS Config organization aggregator;
- ``reports``: table, JSON and CSV output.
"""

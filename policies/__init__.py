"""The `rootguard` CrossGuard policy pack.

A regular package so that tests import `policies.rootguard_policies` from the repository
root. The Pulumi CLI never imports this file: it runs `__main__.py` with this folder as
the script directory, where `rootguard_policies` is a top-level package.
"""

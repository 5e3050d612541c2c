"""The offline policy gate: policy packs driven over the Analyzer protocol, as the engine does.

- ``analyzer``: start a policy pack as its own process and speak the Analyzer gRPC protocol;
- ``runner``: the ``rootguard gate`` command (plan, analyze, report);
- ``sarif``: the gate's result as SARIF 2.1.0 for code scanning.
"""

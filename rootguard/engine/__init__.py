"""The offline engine: a Pulumi program run in-process under a recording mock engine.

- ``program``: run a program under the SDK's mock engine with engine-correct URNs;
- ``aws``: AWS-like answers (ids, auto-names, ARNs, invokes) for that engine;
- ``worker``: the same run in a child process that streams each registration (the gate);
- ``plan``: the ``rootguard plan`` command and its output.
"""

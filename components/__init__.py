"""Pulumi ComponentResources of rootguard, importable as `rootguard.components`."""

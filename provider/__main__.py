"""Entry point of the rootguard component provider (see rootguard/provider.py)."""

from rootguard.provider import main

if __name__ == "__main__":
    main()

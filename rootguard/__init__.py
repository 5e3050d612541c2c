"""rootguard: lock down the AWS root account across an AWS Organization."""

__version__ = "0.1.0"

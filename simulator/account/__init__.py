"""The simulated AWS accounts, served outside the sandbox (see docs/account-service.md)."""

from simulator.account._types import (
    AccountSnapshot,
    Alias,
    ApiCall,
    Change,
    ChangeKind,
    Function,
    FunctionVersion,
    Image,
    Parameter,
    ParameterVersion,
    S3Object,
    Secret,
    SecretVersion,
    Stack,
    StackInstance,
)

__all__ = [
    "AccountSnapshot",
    "Alias",
    "ApiCall",
    "Change",
    "ChangeKind",
    "Function",
    "FunctionVersion",
    "Image",
    "Parameter",
    "ParameterVersion",
    "S3Object",
    "Secret",
    "SecretVersion",
    "Stack",
    "StackInstance",
]

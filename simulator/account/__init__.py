"""The simulated AWS accounts, served outside the sandbox (see docs/account-service.md)."""

from simulator.account._service import (
    AccountRequestError,
    AccountService,
    AccountUnavailable,
    prewarm,
)
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
    "AccountRequestError",
    "AccountService",
    "AccountSnapshot",
    "AccountUnavailable",
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
    "prewarm",
]

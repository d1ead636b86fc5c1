"""Event source plug-ins: each module exposes `deliver(env: FunctionEnv, spec: Mapping) -> None`."""

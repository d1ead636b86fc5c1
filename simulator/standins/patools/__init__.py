"""Tool stand-ins that run inside the sandbox (stdlib only; they never import the simulator)."""

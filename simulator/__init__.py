"""Pipeline Academy's simulator: check and run buildspec, appspec and pipeline definitions.

Plain Python: no Django, DRF or Celery import (a test pins this).
"""

__all__: list[str] = []

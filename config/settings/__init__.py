"""Settings modules: base (shared), local (default for manage.py), test, production."""

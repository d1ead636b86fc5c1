"""Accounts: sign-up, the learner and instructor roles, demo users for local mode."""

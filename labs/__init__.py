"""Hands-on labs: catalogue, submissions, grading on Celery with the simulator."""

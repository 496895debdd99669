"""Locust users and the load-test report."""

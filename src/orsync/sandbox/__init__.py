"""Simulators of OfficeRnD Flex and Sage Intacct, their seeded data, faults and latency.

The sandbox depends on nothing in orsync outside this package, so it can stand in for the real
services anywhere (tests, ``orsync sandbox``, ``orsync demo``, benchmarks).
"""

"""Servers over one shared Checker: what HTTP and MCP share (common.py:
allowed ingest folders, the bearer token, binding checks), the HTTP API,
the MCP server, and run.py that starts either.

May import: anything below checker.py, and checker.py. Only shells/ imports it.
"""

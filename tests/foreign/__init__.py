"""Checks by code nobody here wrote: the official hyperliquid-python-sdk and ccxt.

The sandbox verifies requests with the client's own signing code, so a signing bug would pass
both. These tests put a foreign implementation on one side: it signs what we sign and must
get the same bytes, and it trades on the sandbox and must be accepted (or refused) as the
real exchange would.
"""

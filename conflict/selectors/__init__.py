"""Reads that cross relations. Each submodule owns one area."""

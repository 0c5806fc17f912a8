"""Writes to the domain. Each submodule owns one area; import from here or from it."""

"""Agents: the ``Agent`` type, its history, its loaders and queries."""

"""The rules of the decree, one module per chapter of a career.

Each handler takes the state before a fact, the fact and a ``Check`` that collects the
rules it breaks, and returns the state after the fact. Handlers always return a state,
even when a rule is broken: a command is refused when its fact adds a violation, but a
record already stored must always load, whatever rules later versions add.
"""

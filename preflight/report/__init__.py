"""Outputs: turn an :class:`~preflight.result.AuditResult` into what people and machines read.

``text`` (rich, for terminals), ``json`` (the contract's shape), ``sarif`` (2.1.0, for
code-scanning UIs) and ``html`` (the self-contained report). Checks return data; only this
package formats it.
"""

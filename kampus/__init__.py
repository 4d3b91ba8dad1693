"""Kampus: a learning-path engine for a virtual competence campus.

Importing this package must not import Flask: the engine in ``kampus.graph``
is used and benchmarked without the web application.
"""

__version__ = "0.1.0"

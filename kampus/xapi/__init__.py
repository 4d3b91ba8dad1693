"""xAPI 1.0.3: the learning event log as statements, an outbox, and delivery to an LRS.

``statements`` maps event data to statement dicts and ``vocabulary`` holds its verbs
(both pure); ``services`` reads the database and fills the outbox; ``delivery`` drains
the outbox to the configured LRS; ``cli`` holds ``kampus xapi deliver`` and
``kampus xapi export``.
"""

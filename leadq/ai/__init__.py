"""The AI domain: lead scoring, extraction, reply classification and email writing.

Every task works with no language model at all (the ``rules`` engine) and gets
a written summary or freer wording from an OpenAI-compatible server when
``LEADQ_AI_ENGINE=openai``. Model output is never trusted: it is validated by a
schema, cached and costed per call, and checked against the input it came from.
"""

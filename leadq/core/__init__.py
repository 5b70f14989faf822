"""The work engine every domain runs on: broker, middleware, job history, cancellation, rate limits.

Core sits right above the ground modules (errors, settings, db, net) and
imports no domain and nothing of ops: ``broker`` builds a broker with its
middleware together with the process's ``runtime.Runtime`` (settings, job
history, cancel registry, rate-limit backend), which engine code and actors
read with ``broker.current_runtime()``.
"""

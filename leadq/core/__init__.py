"""The work engine every domain runs on: broker, middleware, job history, CLI plumbing."""

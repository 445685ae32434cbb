"""The HTTP service: the app factory, its routes, and errors as problem+json."""

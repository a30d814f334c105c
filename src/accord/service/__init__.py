"""The service: one ASGI app (FastAPI) over the store. Build it with
:func:`accord.service.app.create_app`; run it with ``accord serve``."""

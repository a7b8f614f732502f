"""The HTTP API and web page (FastAPI). `service.api.main.create_app(settings)` builds the app."""

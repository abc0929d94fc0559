"""Fundstelle on the web: a search page for people and a JSON API for scripts.

``fundstelle serve`` runs :func:`web.app.create_app` on uvicorn. The routes
reach the search library only through :class:`web.adapter.Library`.
"""

"""Folium map builders shared by pages, with the browser assets served offline from ``static/``."""

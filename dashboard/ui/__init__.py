"""Streamlit glue: cached loaders, the shared frame (language, filters, badge) and session state.

The only part of the package that imports streamlit.
"""

"""The frame of the dashboard: page config, language, data, shared filters and navigation.

Start with ``streamlit run app.py`` (see the README). Pages live in ``pages/``.
"""

import streamlit as st

from dashboard.i18n import t
from dashboard.ui import frame

st.set_page_config(page_title="Grid Governance", page_icon="static/favicon.png", layout="wide")
lang = frame.language()
st.set_page_config(page_title=t("app.title", lang))
navigation = st.navigation(
    [
        st.Page(
            "pages/overview.py", title=t("nav.overview", lang), icon=":material/dashboard:", default=True
        ),
        st.Page("pages/grid_map.py", title=t("nav.grid_map", lang), icon=":material/map:"),
    ]
)
context = frame.start(lang)
if context is None:  # the frame has shown why the data cannot be loaded
    st.stop()
frame.follow_deep_link()
navigation.run()

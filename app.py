"""The frame of the dashboard: page config, language, data, shared filters and navigation.

Start with ``streamlit run app.py`` (see the README). Pages live in ``pages/``.
"""

import streamlit as st

from dashboard.i18n import t
from dashboard.ui import access, frame

# In streamlit 1.67 a tab title that changes with the language, or pages without an
# explicit url_path (named after their translated titles), undo the click that changes
# the language. So: one bilingual tab title, and fixed url paths.
st.set_page_config(
    page_title=f"{t('app.title', 'zh')} · {t('app.title', 'en')}",
    page_icon="static/favicon.png",
    layout="wide",
)
lang = frame.language()
# On a data root with accounts, the login page until signed in; what the viewer may see and do
# (scope, masking, demo only, import) is applied by the frame and the pages from here on.
viewer = access.gate(lang)
demo = frame.demo_switch(lang, forced=viewer.role.demo_only)
# A page whose url_path is in frame.HIDDEN_IN_DEMO (the data import page, "data") is left
# out of the navigation in demo mode and for a viewer who may not import.
pages = frame.visible_pages(
    [
        st.Page(
            "pages/overview.py",
            title=t("nav.overview", lang),
            icon=":material/dashboard:",
            url_path="overview",
            default=True,
        ),
        st.Page(
            "pages/grid_map.py", title=t("nav.grid_map", lang), icon=":material/map:", url_path="grid_map"
        ),
        st.Page(
            "pages/closed_loop.py",
            title=t("nav.closed_loop", lang),
            icon=":material/published_with_changes:",
            url_path="closed_loop",
        ),
        st.Page(
            "pages/heatmap.py",
            title=t("nav.heatmap", lang),
            icon=":material/local_fire_department:",
            url_path="heatmap",
        ),
        st.Page(
            "pages/trends.py", title=t("nav.trends", lang), icon=":material/trending_up:", url_path="trends"
        ),
        st.Page(
            "pages/volunteers.py",
            title=t("nav.volunteers", lang),
            icon=":material/volunteer_activism:",
            url_path="volunteers",
        ),
        st.Page(
            "pages/meeting.py",
            title=t("meeting.nav", lang),
            icon=":material/co_present:",
            url_path="meeting",
        ),
        st.Page(
            frame.IMPORT_PAGE,
            title=t("nav.data", lang),
            icon=":material/upload_file:",
            url_path="data",
        ),
    ],
    demo,
    can_import=viewer.role.can_import,
)
navigation = st.navigation(pages)
access.account_box(viewer, lang)
context = frame.start(lang, demo, viewer)
if context is None and navigation.url_path != "data":
    # The frame has shown why the data cannot be loaded; the import page can fix it
    # (not in demo mode, where the import page is hidden).
    if not demo and viewer.role.can_import:
        frame.offer_import(lang)
    st.stop()
frame.follow_deep_link()
navigation.run()

"""The web server `python -m dashboard run` starts: Streamlit's own, serving streamlit_app.py, plus
the guards of dashboard/app/server_guards.py through Streamlit's public st.App middleware.

`streamlit run streamlit_server.py` finds `app` and serves it; the project's .streamlit/ (config
and secrets) is found beside this file, as it is beside streamlit_app.py.
"""

import streamlit as st
from starlette.middleware import Middleware

from dashboard.app.server_guards import RefuseMetrics

app = st.App("streamlit_app.py", middleware=[Middleware(RefuseMetrics)])

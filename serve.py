"""rom's dashboard server: ``streamlit run serve.py`` (what ``scripts/demo.sh`` starts).

Serves the page script ``app.py`` through Streamlit's public ``st.App`` with a Host check in
front of every route (see :mod:`rom.dashboard.server`). ``streamlit run app.py`` still works
for development, but only this launcher refuses forged Host headers at the door.
"""

import streamlit as st
from starlette.middleware import Middleware

from rom.dashboard.server import PAGE_SCRIPT, HostCheckMiddleware

app = st.App(PAGE_SCRIPT, middleware=[Middleware(HostCheckMiddleware)])

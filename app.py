"""rom's dashboard: ``streamlit run app.py`` (serves on http://127.0.0.1:8501)."""

from rom.dashboard.page import run

run()

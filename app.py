"""rom's dashboard page script, served by ``streamlit run serve.py`` (http://127.0.0.1:8501).

``serve.py`` puts the Host check in front of it; ``streamlit run app.py`` also works (the page
then checks the Host itself before drawing anything).
"""

from rom.dashboard.page import run

run()

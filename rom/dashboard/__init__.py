"""The Streamlit dashboard's page sections, one module per section.

Streamlit calls live only in the section modules (``state``, ``record``, ``results``,
``compare``, ``history``, ``export``); the logic they use lives in plain modules
(``labels``, ``services``, :mod:`rom.render`, :mod:`rom.report`) that tests call directly.
Every user-supplied string reaches the page through :func:`rom.dashboard.text.literal`.
"""

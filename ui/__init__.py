"""Streamlit-side building blocks shared by app.py and the pages: filters, layout, charts."""

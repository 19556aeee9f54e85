"""Pages of the Streamlit explorer (one thin file per page) and their shared helpers."""

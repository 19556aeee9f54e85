"""Optional sign-in for a team deployment, with Streamlit's OpenID Connect login (``st.login``).

Off unless the server's ``.streamlit/secrets.toml`` has an ``[auth]`` section (see
docs/security.md): then every page asks people to sign in with the council's identity provider
(Microsoft Entra ID, Google, Okta, ...) before showing anything, and the sidebar says who is
signed in. On one person's computer (the default) nothing changes.
"""

from __future__ import annotations

import streamlit as st

from app_pages.plain import plain


def sign_in_configured() -> bool:
    """True when the server's secrets configure an identity provider (an ``[auth]`` section)."""
    if not st.secrets.load_if_toml_exists():
        return False
    return "auth" in st.secrets


def require_sign_in() -> None:
    """Stop the page with a sign-in button unless sign-in is off or the person is signed in."""
    if not sign_in_configured():
        return
    if getattr(st.user, "is_logged_in", False):
        who = st.user.get("name") or st.user.get("email") or "signed in"
        st.sidebar.caption(f"Signed in as {plain(who)}")
        st.sidebar.button("Sign out", on_click=st.logout, key="sign_out")
        return
    st.title("sufficiency explorer")
    st.write(
        "This explorer is shared by your team and can hold children's personal data from SSDA903 "
        "extracts, so it is only open to people who sign in with their council account."
    )
    st.button("Sign in", type="primary", on_click=st.login, key="sign_in")
    st.stop()

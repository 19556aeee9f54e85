"""AppTest: optional sign-in for team deployments (Streamlit's OIDC ``st.login``)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def test_with_an_identity_provider_configured_nothing_shows_before_sign_in():
    app = AppTest.from_file(APP, default_timeout=120)
    app.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "test-only-secret",
        "client_id": "sufficiency",
        "client_secret": "test-only",
        "server_metadata_url": "https://login.example.invalid/.well-known/openid-configuration",
    }
    app.run()
    assert not app.exception, app.exception
    assert [b.label for b in app.button] == ["Sign in"]
    assert app.title[0].value == "sufficiency explorer"
    assert "sign in with their council account" in app.markdown[0].value
    assert len(app.title) == 1  # no page ran: no data, no charts


def test_without_sign_in_configured_the_explorer_opens_as_usual():
    app = AppTest.from_file(APP, default_timeout=120)
    app.run()
    assert not app.exception, app.exception
    assert not any(b.label == "Sign in" for b in app.button)
    assert app.title and app.title[0].value != "sufficiency explorer"

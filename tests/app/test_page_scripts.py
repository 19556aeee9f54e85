"""Page scripts draw only what they mean to: Streamlit's "magic" draws every bare expression in a
page script, so a docstring under a module constant would appear at the top of the page."""

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PAGES = [REPO / "app.py", *sorted((REPO / "app_pages").glob("*.py"))]


def _is_page_script(path: Path) -> bool:
    # app.py's router lists the page files it runs; helpers such as common.py are imported
    return path.name == "app.py" or f'"app_pages/{path.name}"' in (REPO / "app.py").read_text()


@pytest.mark.parametrize("path", [p for p in PAGES if _is_page_script(p)], ids=lambda p: p.name)
def test_no_bare_string_below_the_module_docstring(path):
    body = ast.parse(path.read_text()).body
    bare = [
        node.lineno
        for node in body[1:]
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    ]
    assert bare == [], f"{path.name}: bare strings at lines {bare} would be drawn on the page"

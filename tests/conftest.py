import pytest

from zoo_test_utils import REPO


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch):
    """Tests run the tools from the repository root, as users do."""
    monkeypatch.chdir(REPO)

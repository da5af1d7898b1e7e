"""The risk-of-bias tools are pure: importable without Django, and describable as plain JSON data."""

import json
import subprocess
import sys

import pytest

from extraction.rob.tools import TOOL_KEYS, get_tool


def test_tools_and_plots_import_without_django():
    code = (
        "import sys; import extraction.rob.tools, extraction.rob.tools.tables, extraction.rob.plots, "
        "extraction.rob.exports; "
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))"
    )
    # extraction/rob/__init__.py is a Django app package without Django imports; run with no settings.
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("key", TOOL_KEYS)
def test_every_tool_describes_itself_as_json(key):
    tool = get_tool(key)
    data = json.loads(json.dumps(tool.describe()))

    assert data["key"] == key
    assert [d["key"] for d in data["domains"]] == list(tool.domain_keys)
    assert all(q["options"] for d in data["domains"] for q in d["questions"])


def test_description_carries_the_published_condition_text():
    data = get_tool("rob2").describe()
    d2 = next(d for d in data["domains"] if d["key"] == "d2")
    q23 = next(q for q in d2["questions"] if q["id"] == "2.3")

    assert q23["condition"]["text"] == "If Y/PY/NI to 2.1 or 2.2"
    assert q23["condition"]["any_of"] == [
        [{"question": "2.1", "answers": ["NI", "PY", "Y"]}],
        [{"question": "2.2", "answers": ["NI", "PY", "Y"]}],
    ]
    assert {"value": "NA", "label": "Not applicable"} in q23["options"]

"""task_catalogue(): registered tasks with parameters, defaults and first docstring line."""

from celery import Celery

import canvas_widgets as cw
from canvas_widgets.demo import app


def test_demo_catalogue_lists_user_tasks_only():
    names = [t.name for t in cw.task_catalogue(app)]
    assert "canvas_widgets.demo.add" in names and "canvas_widgets.demo.sleep" in names
    assert not any(n.startswith("celery.") for n in names)
    assert names == sorted(names)


def test_parameters_defaults_doc_and_bound_tasks():
    local = Celery("catalogue_test", set_as_current=False)

    @local.task(bind=True, name="t.bound")
    def bound(self, path: str, *rest, retries: int = 3, **extra):
        """Fetch a path.

        More text that is not the first line.
        """

    @local.task(name="t.plain")
    def plain(x, y=None):
        return x

    # @app.task is shared by default: other apps' tasks join this one too, so pick ours.
    [bound_info, plain_info] = [t for t in cw.task_catalogue(local) if t.name.startswith("t.")]
    assert bound_info.name == "t.bound"
    assert [(p.name, p.kind, p.default, p.annotation) for p in bound_info.parameters] == [
        ("path", "positional_or_keyword", None, "str"),
        ("rest", "var_positional", None, None),
        ("retries", "keyword_only", "3", "int"),
        ("extra", "var_keyword", None, None),
    ]
    assert bound_info.doc == "Fetch a path."
    assert plain_info.doc == ""
    assert plain_info.to_json()["parameters"][1] == {
        "name": "y",
        "kind": "positional_or_keyword",
        "default": "None",
        "annotation": None,
    }


def test_a_default_of_emoji_joined_with_zwj_is_shown_as_emoji():
    local = Celery("catalogue_zwj", set_as_current=False)

    @local.task(name="t.build")
    def build(who="\U0001f469\u200d\U0001f4bb"):
        return who

    [info] = [t for t in cw.task_catalogue(local) if t.name == "t.build"]
    assert info.parameters[0].default == "'\U0001f469\u200d\U0001f4bb'"  # not '...\\u200d...'

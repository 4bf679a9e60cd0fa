"""The 2-D explorer: its sliders redraw the picture, in-process and through
a real kernel's comms."""

import json
import textwrap
from pathlib import Path

import pytest

from utils.explore import Explorer, choices, explore_2d, run_2d
from utils.optimizers import OPTIMIZERS

ROOT = Path(__file__).resolve().parents[1]
PNG = b"\x89PNG"


def test_it_draws_the_default_picture_once():
    explorer = explore_2d()
    assert isinstance(explorer, Explorer) and explorer.redraws == 1
    assert bytes(explorer.image.value).startswith(PNG)
    assert explorer.settings() == ("sgd_momentum", 0.2, 0.5, 20)


def test_moving_a_slider_redraws_without_printing(capsys):
    explorer = explore_2d("adam")
    first = explorer.image.value
    explorer.lr.value = 0.05
    assert (
        explorer.redraws == 2
        and explorer.image.value != first
        and bytes(explorer.image.value).startswith(PNG)
    )
    second = explorer.image.value
    explorer.knob.value = 0.5
    explorer.steps.value = 50
    assert explorer.redraws == 4 and explorer.image.value != second
    assert capsys.readouterr() == ("", ""), (
        "a redraw must not write to the cell's output"
    )


def test_choosing_an_optimizer_resets_its_sliders_and_redraws_once():
    explorer = explore_2d("adam")
    explorer.optimizer.value = "sgd"
    assert explorer.redraws == 2
    assert (
        explorer.knob.disabled
        and explorer.lr.value == OPTIMIZERS["sgd"].demo["lr"]
    )
    assert explorer.settings() == ("sgd", 0.4, None, 20)
    explorer.optimizer.value = "rmsprop"
    assert explorer.redraws == 3 and not explorer.knob.disabled
    assert (
        explorer.settings() == ("rmsprop", 0.4, 0.9, 20)
        and "gamma" in explorer.knob.description
    )


def test_a_diverging_setting_is_drawn_and_said(capsys):
    explorer = explore_2d("sgd")
    explorer.lr.value = 10.0
    assert explorer.redraws == 2 and bytes(explorer.image.value).startswith(
        PNG
    )
    assert "diverging" in repr(explorer)
    points, summary = run_2d("sgd_momentum", 10.0, 0.99, steps=100)
    assert "left the picture" in summary and len(points) < 101


def test_its_text_form_is_short_and_stable():
    text = explore_2d()._repr_mimebundle_()["text/plain"]
    assert text == (
        "Explorer: momentum, η = 0.2, β = 0.5: f = 0.0786 after 20 steps\n"
        "(the sliders need a live kernel)"
    )
    assert len(text) <= 110  # ipywidgets cuts longer ones
    assert max(len(line) for line in text.split("\n")) <= 76


def test_show_draws_the_current_setting_and_prints_it(capsys):
    explorer = explore_2d("yogi", lr=0.1)
    ax = explorer.show()
    assert ax.get_title() == "Yogi, η = 0.1, β1 = 0.9" and ax.lines
    assert (
        capsys.readouterr().out
        == "Yogi, η = 0.1, β1 = 0.9: f = 1.04 after 20 steps\n"
    )


@pytest.mark.parametrize("name", ["lamb", "muon"])
def test_an_optimizer_without_a_picture_is_rejected(name):
    # muon is registered but updates weight matrices: no 2-D picture
    with pytest.raises(ValueError, match="optimizer must be one of"):
        explore_2d(name)


def test_a_frontend_slider_update_redraws_in_a_live_kernel():
    """Drive a real kernel as JupyterLab does: display the explorer, then
    send the slider's comm an update."""
    jupyter_client = pytest.importorskip("jupyter_client")
    km, kc = jupyter_client.manager.start_new_kernel(
        kernel_name="python3", cwd=str(ROOT)
    )
    try:

        def run(code):
            outputs = []

            def hook(msg):
                if msg["msg_type"] in (
                    "stream",
                    "display_data",
                    "execute_result",
                    "error",
                ):
                    outputs.append(msg)

            reply = kc.execute_interactive(
                textwrap.dedent(code), output_hook=hook, timeout=60
            )
            assert reply["content"]["status"] == "ok", reply["content"]
            return outputs

        shown = run(
            f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
            "from utils.explore import explore_2d\nexplorer = "
            "explore_2d()\nexplorer"
        )
        view = [
            m["content"]["data"]
            for m in shown
            if m["msg_type"] == "execute_result"
        ]
        assert (
            view and "application/vnd.jupyter.widget-view+json" in view[0]
        )
        ids = json.loads(
            run(
                "print(__import__('json').dumps([explorer.lr.model_id, "
                "explorer.redraws]))"
            )[0]["content"]["text"]
        )
        assert ids[1] == 1
        # what the browser sends when you drag the slider to 0.05
        kc.shell_channel.send(
            kc.session.msg(
                "comm_msg",
                {
                    "comm_id": ids[0],
                    "data": {
                        "method": "update",
                        "state": {"value": 0.05},
                        "buffer_paths": [],
                    },
                },
            )
        )
        after = run(
            "print(explorer.redraws, explorer.lr.value, "
            "explorer.image.value[:4] == b'\\x89PNG')"
        )
        assert [m["content"]["text"] for m in after] == ["2 0.05 True\n"]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_the_dropdown_offers_every_registered_optimizer_with_a_picture():
    explorer = explore_2d()
    assert list(explorer.optimizer.options) == choices()
    # every optimizer that can walk the 2-D problem; Muon, which updates
    # weight matrices only, cannot
    assert choices() == [
        name for name, spec in OPTIMIZERS.items() if not spec.matrices
    ]
    for name in choices():
        explorer.optimizer.value = name
        spec = OPTIMIZERS[name]
        assert explorer.lr.value == pytest.approx(spec.demo["lr"])
        assert explorer.knob.disabled == (spec.knob is None)

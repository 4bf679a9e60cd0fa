"""A live explorer: any course optimizer's path on the shared quadratic,
redrawn as you move sliders.

`explore_2d()` returns a widget with a dropdown for the optimizer and
sliders for its learning rate (log scale), its one decay knob (momentum,
gamma or beta1) and the number of steps. Each change reruns `train_2d` and
redraws the picture into an image widget. The redraw writes no cell output
(it only updates the image), so a notebook that shows the explorer runs the
same under nbval and in JupyterLab; the sliders need a live kernel.
"""

from __future__ import annotations

import io
import math

import ipywidgets as widgets
from matplotlib.figure import Figure

from .optimizers import OPTIMIZERS
from .plotting import FIGSIZE, show_trace_2d
from .quadratic import f_2d, train_2d

# a point this far from the minimum has left the picture: stop drawing there
FAR = 1e3
SIZE, DPI = (
    (FIGSIZE[0] * 1.2, FIGSIZE[1] * 1.2),
    100,
)  # the explorer's picture, in inches and dots per inch


def choices() -> list[str]:
    """The registered optimizers that have a picture on the quadratic, in
    reading order."""
    return [
        name for name, spec in OPTIMIZERS.items() if spec.demo is not None
    ]


def describe(
    name: str, lr: float, knob: float | None = None
) -> tuple[dict, str]:
    """Return the hyperparameters for optimizer `name` and a one-line label
    such as 'Adam, η = 0.3, β1 = 0.9'."""
    if name not in choices():
        raise ValueError(
            f"optimizer must be one of {', '.join(choices())}, got {name!r}"
        )
    spec = OPTIMIZERS[name]
    hyperparams, text = {"lr": lr}, f"{spec.label}, η = {lr:.3g}"
    if spec.knob is not None:
        hyperparams[spec.knob] = (
            spec.demo[spec.knob] if knob is None else knob
        )
        text += f", {spec.symbol} = {hyperparams[spec.knob]:.3g}"
    return hyperparams, text


def run_2d(
    name: str, lr: float, knob: float | None = None, steps: int = 20
) -> tuple[list, str]:
    """Run optimizer `name` on f_2d without printing; return its points and
    a summary line."""
    hyperparams, text = describe(name, lr, knob)
    spec = OPTIMIZERS[name]
    points = train_2d(
        spec.step, spec.init_states, hyperparams, steps=steps, verbose=False
    )
    for i, (x1, x2) in enumerate(points):
        if (
            not (math.isfinite(x1) and math.isfinite(x2))
            or max(abs(x1), abs(x2)) > FAR
        ):
            return points[
                :i
            ], f"{text}: left the picture at step {i} (diverging)"
    x1, x2 = points[-1]
    return points, f"{text}: f = {f_2d(x1, x2):.3g} after {steps} steps"


def _png(points, title: str) -> bytes:
    """Draw a trajectory on a pyplot-free figure; return it as PNG bytes."""
    fig = Figure(figsize=SIZE, layout="constrained")
    show_trace_2d(points, ax=fig.add_subplot(), title=title)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


class Explorer(widgets.VBox):
    """A dropdown and sliders over an image of the chosen optimizer's path
    on f_2d."""

    def __init__(
        self,
        optimizer: str = "sgd_momentum",
        lr: float | None = None,
        knob: float | None = None,
        steps: int = 20,
    ):
        describe(optimizer, 1.0)  # validates the name
        spec = OPTIMIZERS[optimizer]
        default_lr, default_knob = spec.demo["lr"], spec.demo.get(spec.knob)
        style = {"description_width": "80px"}
        self.optimizer = widgets.Dropdown(
            options=choices(),
            value=optimizer,
            description="optimizer",
            style=style,
        )
        self.lr = widgets.FloatLogSlider(
            value=default_lr if lr is None else lr,
            base=10,
            min=-3,
            max=1,
            step=0.05,
            description="η (log)",
            readout_format=".3g",
            style=style,
        )
        self.knob = widgets.FloatSlider(
            value=0.5,
            min=0.0,
            max=0.99,
            step=0.01,
            description="β",
            readout_format=".2f",
            style=style,
        )
        self.steps = widgets.IntSlider(
            value=steps, min=1, max=100, description="steps", style=style
        )
        self.image = widgets.Image(
            format="png",
            layout=widgets.Layout(width=f"{round(SIZE[0] * DPI)}px"),
        )
        self.redraws = 0
        self._quiet = False
        self._show_knob(
            optimizer, knob if knob is not None else default_knob
        )
        super().__init__(
            [self.optimizer, self.lr, self.knob, self.steps, self.image]
        )
        self.optimizer.observe(self._switch, names="value")
        for slider in (self.lr, self.knob, self.steps):
            slider.observe(self.redraw, names="value")
        self.redraw()

    def _show_knob(self, name: str, value) -> None:
        """Label the decay slider for optimizer `name`, or disable it when
        the method has none."""
        key, symbol = OPTIMIZERS[name].knob, OPTIMIZERS[name].symbol
        self.knob.description = f"{symbol} ({key})" if key else "(no knob)"
        self.knob.disabled = key is None
        if value is not None:
            self.knob.value = value

    def _switch(self, change) -> None:
        """A new optimizer: reset the sliders to values that suit it, then
        redraw once."""
        spec = OPTIMIZERS[change["new"]]
        lr, knob = spec.demo["lr"], spec.demo.get(spec.knob)
        self._quiet = True
        try:
            self.lr.value = lr
            self._show_knob(change["new"], knob)
        finally:
            self._quiet = False
        self.redraw()

    def settings(self) -> tuple[str, float, float | None, int]:
        """The current (optimizer, lr, knob or None, steps)."""
        name = self.optimizer.value
        knob = self.knob.value if OPTIMIZERS[name].knob else None
        return name, self.lr.value, knob, self.steps.value

    def redraw(self, change=None) -> None:
        """Rerun the optimizer with the current settings and replace the
        image."""
        if self._quiet:
            return
        points, summary = run_2d(*self.settings())
        self.image.value = _png(points, summary)
        self.redraws += 1

    def show(self, ax=None):
        """Draw the current picture with pyplot (a static copy that needs no
        live kernel); return the axes."""
        return show_2d(*self.settings(), ax=ax)

    def __repr__(self) -> str:
        """What a reader without a live kernel sees instead of sliders."""
        summary = run_2d(*self.settings())[1]
        return f"Explorer: {summary}\n(the sliders need a live kernel)"


def explore_2d(
    optimizer: str = "sgd_momentum",
    lr: float | None = None,
    knob: float | None = None,
    steps: int = 20,
) -> Explorer:
    """Return an explorer of optimizer paths on f_2d; display it (last line
    of a cell) to use it."""
    return Explorer(optimizer, lr, knob, steps)


def show_2d(
    name: str,
    lr: float,
    knob: float | None = None,
    steps: int = 20,
    ax=None,
):
    """Draw one optimizer's path on f_2d with pyplot, print its summary
    line; return the axes."""
    points, summary = run_2d(name, lr, knob, steps)
    print(summary)
    return show_trace_2d(points, ax=ax, title=describe(name, lr, knob)[1])

"""A live explorer: any course optimizer's path on the shared quadratic, redrawn as you move sliders.

`explore_2d()` returns a widget with a dropdown for the optimizer and sliders for its
learning rate (log scale), its one decay knob (momentum, gamma or beta1) and the number
of steps. Each change reruns `train_2d` and redraws the picture into an image widget.
The redraw writes no cell output (it only updates the image), so a notebook that shows
the explorer runs the same under nbval and in JupyterLab; the sliders need a live kernel.
"""
from __future__ import annotations

import io
import math

import ipywidgets as widgets
from matplotlib.figure import Figure

from . import optimizers
from .plotting import FIGSIZE, show_trace_2d
from .quadratic import f_2d, train_2d

# name: (label, the decay knob's hyperparameter or None, its symbol, a readable lr, the knob's value)
METHODS = {
    "sgd": ("SGD", None, "", 0.4, None),
    "sgd_momentum": ("momentum", "momentum", "β", 0.2, 0.5),
    "adagrad": ("Adagrad", None, "", 2.0, None),
    "rmsprop": ("RMSprop", "gamma", "γ", 0.4, 0.9),
    "adam": ("Adam", "beta1", "β1", 0.3, 0.9),
    "amsgrad": ("AMSGrad", "beta1", "β1", 0.3, 0.9),
    "yogi": ("Yogi", "beta1", "β1", 0.3, 0.9),
}
FAR = 1e3  # a point this far from the minimum has left the picture: stop drawing there
SIZE, DPI = (FIGSIZE[0] * 1.2, FIGSIZE[1] * 1.2), 100  # the explorer's picture, in inches and dots per inch


def describe(name: str, lr: float, knob: float | None = None) -> tuple[dict, str]:
    """Return the hyperparameters for optimizer `name` and a one-line label such as 'Adam, η = 0.3, β1 = 0.9'."""
    if name not in METHODS:
        raise ValueError(f"optimizer must be one of {', '.join(METHODS)}, got {name!r}")
    label, key, symbol, _, default = METHODS[name]
    hyperparams, text = {"lr": lr}, f"{label}, η = {lr:.3g}"
    if key is not None:
        hyperparams[key] = default if knob is None else knob
        text += f", {symbol} = {hyperparams[key]:.3g}"
    return hyperparams, text


def run_2d(name: str, lr: float, knob: float | None = None, steps: int = 20) -> tuple[list, str]:
    """Run optimizer `name` on f_2d without printing; return its points and a summary line."""
    hyperparams, text = describe(name, lr, knob)
    fn, init = getattr(optimizers, name), getattr(optimizers, f"init_{name}_states")
    points = train_2d(fn, init, hyperparams, steps=steps, verbose=False)
    for i, (x1, x2) in enumerate(points):
        if not (math.isfinite(x1) and math.isfinite(x2)) or max(abs(x1), abs(x2)) > FAR:
            return points[:i], f"{text}: left the picture at step {i} (diverging)"
    x1, x2 = points[-1]
    return points, f"{text}: f = {f_2d(x1, x2):.3g} after {steps} steps"


def _png(points, title: str) -> bytes:
    """Draw a trajectory on a pyplot-free figure and return it as PNG bytes."""
    fig = Figure(figsize=SIZE, layout="constrained")
    show_trace_2d(points, ax=fig.add_subplot(), title=title)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


class Explorer(widgets.VBox):
    """A dropdown and sliders over an image of the chosen optimizer's path on f_2d."""

    def __init__(self, optimizer: str = "sgd_momentum", lr: float | None = None,
                 knob: float | None = None, steps: int = 20):
        describe(optimizer, 1.0)  # validates the name
        _, _, _, default_lr, default_knob = METHODS[optimizer]
        style = {"description_width": "80px"}
        self.optimizer = widgets.Dropdown(options=list(METHODS), value=optimizer, description="optimizer",
                                          style=style)
        self.lr = widgets.FloatLogSlider(value=default_lr if lr is None else lr, base=10, min=-3, max=1,
                                         step=0.05, description="η (log)", readout_format=".3g", style=style)
        self.knob = widgets.FloatSlider(value=0.5, min=0.0, max=0.99, step=0.01, description="β",
                                        readout_format=".2f", style=style)
        self.steps = widgets.IntSlider(value=steps, min=1, max=100, description="steps", style=style)
        self.image = widgets.Image(format="png", layout=widgets.Layout(width=f"{round(SIZE[0] * DPI)}px"))
        self.redraws = 0
        self._quiet = False
        self._show_knob(optimizer, knob if knob is not None else default_knob)
        super().__init__([self.optimizer, self.lr, self.knob, self.steps, self.image])
        self.optimizer.observe(self._switch, names="value")
        for slider in (self.lr, self.knob, self.steps):
            slider.observe(self.redraw, names="value")
        self.redraw()

    def _show_knob(self, name: str, value) -> None:
        """Label the decay slider for optimizer `name`, or disable it when the method has none."""
        _, key, symbol, _, _ = METHODS[name]
        self.knob.description = f"{symbol} ({key})" if key else "(no knob)"
        self.knob.disabled = key is None
        if value is not None:
            self.knob.value = value

    def _switch(self, change) -> None:
        """A new optimizer: reset the sliders to values that suit it, then redraw once."""
        _, _, _, lr, knob = METHODS[change["new"]]
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
        knob = self.knob.value if METHODS[name][1] else None
        return name, self.lr.value, knob, self.steps.value

    def redraw(self, change=None) -> None:
        """Rerun the optimizer with the current settings and replace the image."""
        if self._quiet:
            return
        points, summary = run_2d(*self.settings())
        self.image.value = _png(points, summary)
        self.redraws += 1

    def show(self, ax=None):
        """Draw the current picture with pyplot (a static copy that needs no live kernel); return the axes."""
        return show_2d(*self.settings(), ax=ax)

    def __repr__(self) -> str:  # what a reader without a live kernel sees in place of the sliders
        return f"Explorer({run_2d(*self.settings())[1]}; the sliders need a live kernel)"


def explore_2d(optimizer: str = "sgd_momentum", lr: float | None = None, knob: float | None = None,
               steps: int = 20) -> Explorer:
    """Return an explorer of optimizer paths on f_2d; display it (last line of a cell) to use it."""
    return Explorer(optimizer, lr, knob, steps)


def show_2d(name: str, lr: float, knob: float | None = None, steps: int = 20, ax=None):
    """Draw one optimizer's path on f_2d with pyplot, print its summary line; return the axes."""
    points, summary = run_2d(name, lr, knob, steps)
    print(summary)
    return show_trace_2d(points, ax=ax, title=describe(name, lr, knob)[1])

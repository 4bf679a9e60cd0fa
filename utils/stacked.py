"""Many copies of one network held as a single tensor, with a batched
forward pass: what lets one optimizer call train them all.

`Stack(nets)` takes K equally shaped `nn.Sequential` networks of
`nn.Linear` layers and parameter-free layers (`nn.Tanh`, `nn.ReLU`, ...).
Row k of `stack.params`, a (K, P) tensor, holds network k's P parameters;
`stack.backward(loss)` puts the gradient in `stack.params.grad`. An
elementwise optimizer (every classic one of `utils.optimizers`) given
`[stack.params]` and a learning rate of shape (K, 1) then updates each
network with its own learning rate, in one call and unchanged. The forward
pass reads the rows through views: each Linear's weight as (K, in, out),
the transpose of its `weight`, and its bias as (K, 1, out), multiplied with
`torch.baddbmm`.

An update that looks at a whole tensor at once (a norm, a matrix shape, as
Muon does) would see all of a network's parameters as one row: use this
only with elementwise optimizers.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import torch
from torch import nn


def _linears(net: nn.Sequential) -> list[nn.Linear]:
    """The Linear layers of `net`; a ValueError if another layer has
    parameters or a Linear has no bias."""
    if not isinstance(net, nn.Sequential):
        raise ValueError(
            f"expected an nn.Sequential, got {type(net).__name__}"
        )
    for layer in net:
        if isinstance(layer, nn.Linear):
            if layer.bias is None:
                raise ValueError("every nn.Linear needs a bias")
        elif any(True for _ in layer.parameters()):
            raise ValueError(
                "only nn.Linear layers may have parameters, not "
                f"{type(layer).__name__}"
            )
    return [layer for layer in net if isinstance(layer, nn.Linear)]


class Stack:
    """K networks of one shape in one (K, P) tensor, `params`, run as one
    batched network."""

    def __init__(self, nets: Sequence[nn.Sequential]):
        layers = [_linears(net) for net in nets]
        if not layers:
            raise ValueError("nets must hold at least one network")
        shape = [(m.in_features, m.out_features) for m in layers[0]]
        if any(
            [(m.in_features, m.out_features) for m in ls] != shape
            for ls in layers
        ):
            raise ValueError("the nets must all have the same shape")
        self.template = nets[0]
        rows = [
            torch.cat(
                [
                    t.detach().reshape(-1)
                    for m in ls
                    for t in (m.weight.T, m.bias)
                ]
            )
            for ls in layers
        ]
        self.params = torch.stack(rows)
        self.params.grad = torch.zeros_like(self.params)
        k, self._views, start = len(nets), [], 0
        for fan_in, fan_out in shape:
            for rows_, cols in ((fan_in, fan_out), (1, fan_out)):
                stop = start + rows_ * cols
                view = self.params[:, start:stop].view(k, rows_, cols)
                # a leaf that shares its memory with `params`
                self._views.append(view.detach().requires_grad_())
                start = stop

    def __len__(self) -> int:
        return len(self.params)

    def __call__(self, X: torch.Tensor) -> torch.Tensor:
        """Run network k on X[k] for every k: X of shape (K, batch, in),
        the result (K, batch, out)."""
        views = iter(zip(self._views[::2], self._views[1::2]))
        for layer in self.template:
            if isinstance(layer, nn.Linear):
                weight, bias = next(views)
                X = torch.baddbmm(bias, X, weight)
            else:
                X = layer(X)
        return X

    def backward(self, loss: torch.Tensor) -> None:
        """Write the gradient of `loss` (a scalar computed with this stack)
        into `params.grad`."""
        grads = torch.autograd.grad(loss, self._views)
        start = 0
        for view, grad in zip(self._views, grads):
            stop = start + view[0].numel()
            self.params.grad[:, start:stop] = grad.reshape(len(self), -1)
            start = stop

    def rows(self, start: int, stop: int) -> torch.Tensor:
        """Rows start..stop-1 of `params`, as a view with the matching rows
        of the gradient as its `.grad`."""
        part = self.params[start:stop]
        part.grad = self.params.grad[start:stop]
        return part

    def net(self, k: int) -> nn.Sequential:
        """A copy of network k as an ordinary `nn.Sequential`."""
        net = copy.deepcopy(self.template)
        views = zip(self._views[::2], self._views[1::2])
        with torch.no_grad():
            for layer, (weight, bias) in zip(_linears(net), views):
                layer.weight.copy_(weight[k].T)
                layer.bias.copy_(bias[k, 0])
        return net

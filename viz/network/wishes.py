"""What examples "want" of a network: one forward and one backward pass on the engine's graph.

The cost of an example wants each neuron's pre-activation ``a`` nudged by ``−∂L/∂a``: at the
outputs of softmax-with-loss that is ``t − y``; a hidden layer's wishes are those pulled back
through the next weights (``−∂L/∂h``) and then through the activation (ReLU's mask, σ's slope).
Nothing here derives a gradient by hand: the numbers are the ``grad`` of the same graph that
training differentiates, read off its intermediate nodes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from scratchgrad.autograd import Tensor, grad, no_grad, softmax, softmax_cross_entropy
from scratchgrad.nn.layers import Affine, ReLU, Sequential, Sigmoid
from scratchgrad.nn.module import Module

ACTIVATIONS = (ReLU, Sigmoid)  # the hidden layers' activations the view knows how to draw
Layer = tuple[Affine, Module | None]  # an Affine layer and the activation after it (None after the last)


@dataclass(frozen=True)
class LayerWishes:
    """One Affine layer, ``a = h_prev @ W + b`` (then ``h = act(a)``), and what each example wants of it.

    Per-example arrays have one row per example. ``nudge`` is ``−∂L_i/∂a`` of each example's own
    loss ``L_i``; ``nudge_out`` is ``−∂L_i/∂h`` before the activation's derivative (for the output
    layer, whose ``out`` is the softmax ``y``, it equals ``nudge``). ``weight_grad`` and
    ``bias_grad`` are the gradients of the *mean* loss over the examples, the one training follows.
    """

    activation: str | None  # "ReLU", "Sigmoid", or None for the output layer
    inputs: np.ndarray  # h_prev (N, n_in): the images for the first layer
    pre: np.ndarray  # a (N, n_out)
    out: np.ndarray  # h = act(a), or y = softmax(a) for the output layer
    nudge_out: np.ndarray
    nudge: np.ndarray
    weight: np.ndarray  # W and b as they were: copies, so later training does not change what was explained
    bias: np.ndarray
    weight_grad: np.ndarray
    bias_grad: np.ndarray


@dataclass(frozen=True)
class Wishes:
    """Every layer's wishes for a batch of examples (one example is a batch of one)."""

    labels: np.ndarray  # (N,) class indices
    layers: tuple[LayerWishes, ...]
    loss: float  # the mean softmax-with-loss over the examples

    @property
    def images(self) -> np.ndarray:
        return self.layers[0].inputs

    @property
    def probs(self) -> np.ndarray:
        return self.layers[-1].out

    @property
    def predicted(self) -> np.ndarray:
        return self.probs.argmax(axis=1)

    @property
    def side(self) -> int | None:
        """The input's side if it is a square image (28 for MNIST), else None."""
        return square_side(self.images.shape[1])

    def example_losses(self) -> np.ndarray:
        """Each example's own cross-entropy, −log y_t."""
        return -np.log(self.probs[np.arange(len(self.labels)), self.labels])


def square_side(n: int) -> int | None:
    side = math.isqrt(n)
    return side if side * side == n else None


def mlp_layers(net: Any) -> list[Layer]:
    """The net's Affine layers, each with the activation module after it (None after the last).

    Accepts an `nn.MLP`, an `nn.TwoLayerNet` or any `nn.Sequential` of Affine layers with ReLU or
    Sigmoid between them; anything else is refused with a TypeError that names the layer at fault.
    """
    if type(net).__module__.endswith("nn.manual"):
        raise TypeError(
            f"network view: nn.manual.{type(net).__name__} computes its gradients by hand, off the engine's graph; "
            "use nn.TwoLayerNet (same constructor; copy the weights with net.params[name] = other.params[name])"
        )
    if not isinstance(net, Sequential):
        kind = type(net).__name__
        what = f"{kind} is one layer" if isinstance(net, Module) else kind
        raise TypeError(f"network view: not an MLP: {what}; pass an nn.MLP, an nn.TwoLayerNet or an nn.Sequential")
    modules = list(net)
    if not modules:
        raise TypeError("network view: the Sequential has no layers")
    layers: list[Layer] = []
    for i, module in enumerate(modules):
        name = type(module).__name__
        if i % 2 == 1:  # between two Affine layers
            if not isinstance(module, ACTIVATIONS):
                expected = " or ".join(kind.__name__ for kind in ACTIVATIONS)
                raise TypeError(f"network view: layer {i} is {name}, where an activation ({expected}) must be")
            layers[-1] = (layers[-1][0], module)
            continue
        if not isinstance(module, Affine):
            raise TypeError(f"network view: layer {i} is {name}, where an Affine layer must be "
                            "(Affine, activation, Affine, ...)")
        if layers and module.W.shape[0] != layers[-1][0].W.shape[1]:
            raise TypeError(f"network view: layer {i} takes {module.W.shape[0]} inputs, but the layer before "
                            f"gives {layers[-1][0].W.shape[1]}")
        layers.append((module, None))
    if layers[-1][1] is not None:
        raise TypeError(f"network view: the net ends with {type(modules[-1]).__name__}; the last layer must be "
                        "Affine (its outputs go to softmax-with-loss)")
    outputs = layers[-1][0].W.shape[1]
    if outputs < 2:
        raise TypeError(f"network view: the net has only {outputs} output; softmax-with-loss needs 2 classes or more")
    return layers


def is_untrained(net: Any) -> bool:
    """True if no bias has ever moved: the layers start with zero biases, and one gradient step changes them."""
    return all(not affine.b.data.any() for affine, _ in mlp_layers(net))


def initial_first_weights(net: Any, initial: Mapping[str, np.ndarray] | None) -> np.ndarray | None:
    """The first layer's W in ``initial`` (a state_dict of ``net``), checked, or None."""
    if initial is None:
        return None
    first = mlp_layers(net)[0][0].W
    name = next(name for name, p in net.named_parameters() if p is first)
    if name not in initial:
        raise ValueError(f"network view: initial has no {name!r}; pass the net's state_dict() from before training")
    weights = np.asarray(initial[name])
    if weights.shape != first.shape:
        raise ValueError(f"network view: initial[{name!r}] has shape {weights.shape}, the net's {first.shape}")
    return weights


def explain(net: Any, x: Any, t: Any) -> Wishes:
    """Forward ``x`` through ``net``, backpropagate softmax-with-loss against ``t``, keep every layer's wishes.

    ``x`` is one image (``(n,)`` or square ``(s, s)``) or a batch (``(N, n)`` or ``(N, s, s)``);
    ``t`` a class index or one per image. The parameters' ``.grad`` are left untouched.
    """
    layers = mlp_layers(net)
    first = layers[0][0].W
    images = as_images(x, first.shape[0], first.dtype)
    labels = as_labels(t, len(images), layers[-1][0].W.shape[1])
    h = Tensor(images, dtype=first.dtype)  # a constant: nothing is computed for the pixels' gradient
    wanted = []  # per layer: its pre-activation a, its output h, W and b
    for affine, activation in layers:
        a = affine(h)
        h = activation(a) if activation else a
        wanted += [a, h, affine.W, affine.b]
    loss = softmax_cross_entropy(h, labels)
    if not np.isfinite(loss.item()):
        raise ValueError(f"network view: the loss is {loss.item()}: the net's weights or outputs are not finite")
    grads = grad(loss, wanted)
    with no_grad():
        probs = softmax(h).data
    # The mean loss weighs each row by 1/N and rows do not interact, so example i's own gradient
    # at its activations is N times its row of the mean's gradient. (+ 0.0 turns −0 into 0 for the labels.)
    scale = -float(len(images))
    explained, inputs = [], images
    for i, (affine, activation) in enumerate(layers):
        a, h = wanted[4 * i], wanted[4 * i + 1]
        d_a, d_h, d_w, d_b = grads[4 * i:4 * i + 4]
        explained.append(LayerWishes(
            activation=type(activation).__name__ if activation else None,
            inputs=inputs,
            pre=a.data,
            out=h.data if activation else probs,
            nudge_out=scale * d_h + 0.0,
            nudge=scale * d_a + 0.0,
            weight=affine.W.data.copy(),
            bias=affine.b.data.copy(),
            weight_grad=d_w,
            bias_grad=d_b,
        ))
        inputs = h.data
    return Wishes(labels=labels, layers=tuple(explained), loss=loss.item())


@dataclass(frozen=True)
class AverageCheck:
    """How far the average of per-example gradients is from the gradient of the averaged loss, for one array."""

    name: str  # "W1", "b1", ... or "mean wish 1" (the examples' mean nudge at layer 1 against −∂L̄/∂b1)
    max_diff: float
    scale: float  # max |∂L̄/∂θ|: what the difference is small against


def average_check(net: Any, x: Any, t: Any) -> list[AverageCheck]:
    """Backpropagate each example alone, average, and compare with one backward pass of the mean loss.

    Training follows ∂L̄/∂θ of L̄ = mean L_i; by linearity it is the mean of the per-example
    ∂L_i/∂θ. The biases' gradient is also the batch's mean wish (−∂L̄/∂b = mean_i −∂L_i/∂a_i).
    """
    batch = explain(net, x, t)
    alone = [explain(net, image, label) for image, label in zip(batch.images, batch.labels, strict=True)]
    checks = []
    for i, layer in enumerate(batch.layers):
        for name, ours, per_example in [
            (f"W{i + 1}", layer.weight_grad, [a.layers[i].weight_grad for a in alone]),
            (f"b{i + 1}", layer.bias_grad, [a.layers[i].bias_grad for a in alone]),
        ]:
            diff = np.abs(np.mean(per_example, axis=0) - ours).max()
            checks.append(AverageCheck(name, float(diff), float(np.abs(ours).max())))
        diff = np.abs(layer.nudge.mean(axis=0) + layer.bias_grad).max()
        checks.append(AverageCheck(f"mean wish {i + 1}", float(diff), float(np.abs(layer.bias_grad).max())))
    return checks


def as_images(x: Any, n_in: int, dtype: np.dtype) -> np.ndarray:
    """``x`` as rows of ``n_in`` finite numbers in the net's dtype, or a ValueError saying what is wrong."""
    array = np.asarray(x)
    if array.dtype.kind not in "biuf":
        raise ValueError(f"network view: images must be numbers, got dtype {array.dtype}")
    side = square_side(n_in)
    expected = f"the net's first layer takes {n_in}" + (f" (a {side}×{side} image)" if side else "")
    shape = array.shape
    if shape == (n_in,) or (side and shape == (side, side)):
        rows = array.reshape(1, n_in)
    elif (array.ndim == 2 and shape[1] == n_in) or (side and array.ndim == 3 and shape[1:] == (side, side)):
        rows = array.reshape(shape[0], n_in)
    elif array.ndim == 1:
        raise ValueError(f"network view: the image has {array.size} values; {expected}")
    elif array.ndim in (2, 3):
        raise ValueError(f"network view: {shape[0]} images of shape {shape[1:]}; {expected}")
    else:
        raise ValueError(f"network view: image shape {shape}: give one image or a batch of them; {expected}")
    if len(rows) == 0:
        raise ValueError("network view: no images")
    if not np.isfinite(rows).all():
        raise ValueError("network view: the image has values that are not finite (nan or inf)")
    return rows.astype(dtype, copy=False)


def as_labels(t: Any, count: int, classes: int) -> np.ndarray:
    """``t`` as ``count`` class indices in 0..classes-1, or a ValueError naming the bad one.

    One-hot rows (``load_mnist(one_hot=True)``, shape ``(count, classes)`` or ``(classes,)`` for
    one image) are taken as the index of their 1.
    """
    labels = np.asarray(t)
    if labels.shape in ((count, classes), (classes,) if count == 1 else None) and labels.dtype.kind in "biuf":
        rows = labels.reshape(count, classes)
        if not ((rows == 0) | (rows == 1)).all() or not (rows.sum(axis=1) == 1).all():
            raise ValueError(f"network view: labels of shape {labels.shape} must be one-hot rows (one 1, the rest 0)")
        return rows.argmax(axis=1).astype(np.intp)
    if labels.dtype.kind not in "iu":
        shown = labels.item() if labels.ndim == 0 else labels.dtype
        raise ValueError(f"network view: a label must be an integer class index, got {shown!r}")
    labels = labels.reshape(-1).astype(np.intp)
    if len(labels) != count:
        images = "1 image needs 1 label" if count == 1 else f"{count} images need {count} labels"
        raise ValueError(f"network view: {images}, got {len(labels)}")
    bad = labels[(labels < 0) | (labels >= classes)]
    if bad.size:
        raise ValueError(f"network view: label {bad[0]} is out of range: the net has {classes} outputs "
                         f"(0–{classes - 1})")
    return labels

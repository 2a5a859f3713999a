"""What a type checker sees of the public API: mypy must pass this file (CI: ``make test-dist``).

Each ``assert_type`` states a type a user relies on. Each ``# type: ignore[code]`` marks a wrong
usage that mypy must flag: with ``warn_unused_ignores`` an error that is no longer found fails the check.
This file is checked, never run.
"""

from __future__ import annotations

from typing import assert_type

import numpy as np

import scratchgrad
from scratchgrad import Tensor, Value, nn, viz
from scratchgrad.autograd import Traced, gradcheck, log_softmax, no_grad, softmax, softmax_cross_entropy, trace

assert_type(scratchgrad.__version__, str)

# Value: arithmetic stays a Value, with a float inside.
a, b = Value(2.0, name="a"), Value(3.0)
c = (a * b + 1).tanh()
assert_type(c, Value)
c.backward()
assert_type(c.item(), float)

# Tensor: ops and losses give Tensors, not the graph core's Node.
x = Tensor(np.ones((4, 3)), requires_grad=True)
assert_type(x @ Tensor(np.ones((3, 2))), Tensor)
assert_type(softmax(x), Tensor)
assert_type(log_softmax(x, axis=1), Tensor)
assert_type(x.softmax(), Tensor)
loss = softmax_cross_entropy(x, np.array([0, 1, 2, 0]))
assert_type(loss, Tensor)
assert_type(loss.item(), float)
with no_grad():
    assert_type(x.sum(), Tensor)

# trace: a Traced whose call gives the loss as a float.
labels = np.array([0, 1, 2, 0])
traced = trace(lambda x, t: softmax_cross_entropy(x, t), x, labels)
assert_type(traced, Traced)
assert_type(traced(x, labels, check=True), float)
assert_type(traced.source, str)

# nn: Sequential keeps its layers' types, so net[0].W is known.
net = nn.Sequential(nn.Affine(3, 5), nn.ReLU(), nn.Affine(5, 2))
assert_type(net[0], nn.Affine)
assert_type(net[1], nn.ReLU)
assert_type(net[-1], nn.Affine)
assert_type(net[0].W, nn.Parameter)
layer_index = 1
assert_type(net[layer_index], nn.Module)
mlp = nn.MLP([784, 50, 10])
assert_type(mlp[0], nn.Module)
optimizer = nn.optim.Adam(net.parameters(), lr=1e-3)
optimizer.step()
assert_type(net.parameters(), list[nn.Parameter])

assert_type(gradcheck(lambda t: (t * t).sum(), [Tensor(np.ones(3), requires_grad=True)]).ok, bool)
assert_type(viz.to_dot(c), str)

# Wrong usage that mypy flags.
weights = net[1].W  # type: ignore[attr-defined]  # a ReLU has no weights
softmax(a)  # type: ignore[arg-type]  # softmax is for tensors
nn.optim.SGD(net.parameters(), lr="0.1")  # type: ignore[arg-type]
loss.item() + "1"  # type: ignore[operator]

"""Notebook 5: the two-layer net both ways — the book's hand-written layers and autograd — and a gradient check."""

from build_notebooks import answer, code, md

NAME = "05-two-layer-net"

CELLS = [
    md("""
# 5. The two-layer net, both ways

The book's network is Affine → ReLU → Affine → Softmax-with-Loss. Chapter 5 writes every layer by hand,
each with its `forward` and `backward`; an autograd engine gets the same gradients from the graph it
records. We build both with the same parameters, compare their gradients, and check them against
numerical differentiation, the slow but simple way.

To run anywhere, this notebook uses a tiny net (4 inputs, 5 hidden units, 3 classes) on random data,
in float64; notebook 6 uses MNIST.
""", """
# 5. 2층 신경망, 두 가지 방법으로

책의 신경망은 Affine → ReLU → Affine → Softmax-with-Loss입니다. 5장은 계층마다 `forward`와 `backward`를
손으로 씁니다. 자동 미분 엔진은 기록한 그래프에서 같은 기울기를 얻습니다. 같은 매개변수로 둘을 만들고,
기울기를 비교한 뒤, 느리지만 단순한 수치 미분으로 확인합니다.

어디서나 실행되도록 이 노트북은 작은 신경망(입력 4, 은닉 5, 클래스 3)과 무작위 데이터를 float64로
씁니다. MNIST는 노트북 6에서 씁니다.
"""),
    code("""
import numpy as np

from scratchgrad import nn, viz

rng = np.random.default_rng(0)
x = rng.random((6, 4))               # a batch of 6 inputs
t = np.array([0, 2, 1, 1, 0, 2])     # their labels
"""),
    md("""
## The same parameters

The same seed draws the same initial weights in both nets.
""", """
## 같은 매개변수

같은 시드(seed)는 두 신경망에 같은 초깃값을 줍니다.
"""),
    code("""
by_hand = nn.manual.TwoLayerNet(4, 5, 3, dtype=np.float64, rng=0)    # the book's layers
autograd = nn.TwoLayerNet(4, 5, 3, dtype=np.float64, rng=0)          # the engine
for name in by_hand.params:
    print(name, by_hand.params[name].shape, np.array_equal(by_hand.params[name], autograd.params[name]))
"""),
    md("""
## The graph autograd records

`viz.module_boxes()` draws each layer call as a box. Each arrow carries a tensor's shape (and its numbers
when it is small); the gradients below have the same shapes.
""", """
## 자동 미분이 기록한 그래프

`viz.module_boxes()`는 계층 호출 하나를 상자 하나로 그립니다. 화살표마다 텐서의 모양이(작으면 그 값도)
적히고, 아래의 기울기는 같은 모양입니다.
"""),
    code("""
with viz.module_boxes():
    loss = autograd.last_layer(autograd(x), t)
loss.backward()
viz.draw(loss)
""", "drawing"),
    md("""
## Backprop by hand, backprop by autograd

`gradient(x, t)` is the book's method: one forward and one backward pass, a gradient for every parameter.
""", """
## 손으로 쓴 역전파, 자동 미분의 역전파

`gradient(x, t)`는 책의 메서드입니다. 순전파와 역전파를 한 번씩 해서 매개변수마다 기울기를 냅니다.
"""),
    code("""
grads_by_hand = by_hand.gradient(x, t)
grads_autograd = autograd.gradient(x, t)
for name in grads_by_hand:
    print(name, np.abs(grads_by_hand[name] - grads_autograd[name]).max())
"""),
    md("""
## Gradient check

Numerical differentiation moves each parameter, one element at a time, by ±h and recomputes the loss:
(L(θ + h) − L(θ − h)) / 2h. It needs two forward passes *per element*, so it is far too slow to train
with, but it is easy to get right: a good oracle for backprop.
""", """
## 기울기 확인

수치 미분은 매개변수를 원소 하나씩 ±h만큼 움직이고 손실을 다시 계산합니다:
(L(θ + h) − L(θ − h)) / 2h. 원소 *하나마다* 순전파가 두 번 필요해 학습에 쓰기에는 너무 느리지만,
틀리기 어렵기 때문에 역전파를 확인하는 좋은 기준이 됩니다.
"""),
    code("""
numerical = autograd.numerical_gradient(x, t)
for name in numerical:
    print(name, np.abs(numerical[name] - grads_autograd[name]).max())
"""),
    md("""
The two backprops agree up to rounding (1e-17 or less), and with numerical differentiation to 1e-10 or
better: that difference is the error of the finite difference, not of backprop.
""", """
두 역전파는 반올림 오차(1e-17 이하)까지 일치하고, 수치 미분과는 1e-10 이하로 일치합니다. 이 차이는
역전파가 아니라 유한 차분의 오차입니다.
"""),
    md("""
## Exercise

Why is the gradient check done in float64? Build both nets again with `dtype=np.float32` and compare the
numerical gradient with backprop once more.
""", """
## 연습 문제

기울기 확인은 왜 float64로 할까요? 두 신경망을 `dtype=np.float32`로 다시 만들고, 수치 미분과 역전파를
다시 비교해 보세요.
"""),
    code("""
# your code here / 여기에 코드를 쓰세요
"""),
    answer("""
In float32 the loss has only about 7 significant digits. The numerical gradient divides a tiny difference
of two losses by 2h, so rounding errors of about 1e-7 in the losses become errors of 1e-5 to 1e-3 in the
gradient: the check could no longer tell a small bug from rounding. Backprop itself is fine in float32.

```python
net32 = nn.TwoLayerNet(4, 5, 3, dtype=np.float32, rng=0)
backprop, numerical = net32.gradient(x, t), net32.numerical_gradient(x, t)
for name in backprop:
    print(name, np.abs(numerical[name] - backprop[name]).max())   # far larger than in float64
```
""", """
float32의 손실은 유효숫자가 7자리 정도뿐입니다. 수치 미분은 두 손실의 아주 작은 차이를 2h로 나누므로,
손실의 약 1e-7 반올림 오차가 기울기에서는 1e-5 ~ 1e-3 오차가 됩니다. 그러면 작은 버그와 반올림 오차를
구별할 수 없습니다. 역전파 자체는 float32에서도 문제없습니다.

```python
net32 = nn.TwoLayerNet(4, 5, 3, dtype=np.float32, rng=0)
backprop, numerical = net32.gradient(x, t), net32.numerical_gradient(x, t)
for name in backprop:
    print(name, np.abs(numerical[name] - backprop[name]).max())   # float64보다 훨씬 큼
```
"""),
]

"""Notebook 3: activation layers — ReLU and Sigmoid as graphs (full and simplified), and as layers."""

from build_notebooks import answer, code, md

NAME = "03-activations"

CELLS = [
    md("""
# 3. Activation layers: ReLU and Sigmoid

An activation function works element by element, so backward it multiplies each incoming gradient by
its own local derivative. We draw both functions as graphs, then use them as layers.
""", """
# 3. 활성화 함수 계층: ReLU와 Sigmoid

활성화 함수는 원소별로 계산하므로, 역전파에서는 들어온 기울기 하나하나에 그 원소의 국소 미분을
곱합니다. 두 함수를 그래프로 그린 다음 계층으로 써 봅니다.
"""),
    code("""
import numpy as np

from scratchgrad import nn, viz
from scratchgrad.autograd import Tensor, Value

viz.install_notebook_display()
"""),
    md("""
## ReLU: a switch

y = x where x > 0 and 0 elsewhere, so ∂y/∂x is 1 or 0: ReLU passes the gradient from above where
x > 0 and stops it where x ≤ 0 (the book's *mask*, figure 5-18). `backward(...)` is given the gradient
from above, as if a loss sat further right.
""", """
## ReLU: 스위치

x > 0이면 y = x, 아니면 0이므로 ∂y/∂x는 1 아니면 0입니다. ReLU는 x > 0인 곳에서는 위에서 온 기울기를
그대로 통과시키고 x ≤ 0인 곳에서는 막습니다(책의 *mask*, 그림 5-18). `backward(...)`에는 더 오른쪽에
손실이 있다고 치고 위에서 온 기울기를 줍니다.
"""),
    code("""
x = Tensor(np.array([[1.0, -0.5], [-2.0, 3.0]]), requires_grad=True, name="x")
y = x.relu()
y.name = "y"
y.backward(np.array([[1.0, 2.0], [3.0, 4.0]]))
print(x.grad)
y
""", "drawing"),
    md("""
Only the first and the last gradient got through: they sit where x > 0. The book writes the rule on the
arrow:
""", """
x > 0인 첫 번째와 마지막 기울기만 통과했습니다. 책은 그 규칙을 화살표에 적습니다.
"""),
    code("""
figure = viz.book.relu(lang="{LANG}", symbolic=True)
viz.draw(figure.root, **figure.options())
""", "drawing"),
    md("""
## Sigmoid, node by node

y = 1 / (1 + exp(−x)) is built from four simple nodes: × (−1), exp, + 1 and 1 / ·. At x = 1 backward goes
through each of them (figure 5-20).
""", """
## Sigmoid, 노드 하나씩

y = 1 / (1 + exp(−x))는 단순한 노드 네 개, × (−1), exp, + 1, 1 / · 로 이루어집니다. x = 1에서 역전파는
그 하나하나를 지납니다(그림 5-20).
"""),
    code("""
x = Value(1.0, name="x")
y = 1 / (1 + (x * -1).exp())
y.name = "y"
y.backward()
print(x.grad)
y
""", "drawing"),
    md("""
The four local derivatives multiply to y² · exp(−x), which simplifies to **y(1 − y)**: backward needs only
the output y. So the sigmoid can be one node:
""", """
네 국소 미분을 곱하면 y² · exp(−x)이고, 정리하면 **y(1 − y)**입니다. 역전파에는 출력 y만 있으면
됩니다. 그래서 Sigmoid를 노드 하나로 쓸 수 있습니다.
"""),
    code("""
x = Value(1.0, name="x")
y = x.sigmoid()
y.name = "y"
y.backward()
print(x.grad, y.data * (1 - y.data))
y
""", "drawing"),
    md("""
## As layers

In a network they are layers: `nn.ReLU()` and `nn.Sigmoid()` work on tensors, through autograd. The book
writes each layer by hand, with a `forward` that keeps what `backward` needs (`nn.manual`). Both give the
same gradients:
""", """
## 계층으로

신경망에서는 계층으로 씁니다. `nn.ReLU()`와 `nn.Sigmoid()`는 텐서에 대해 자동 미분으로 동작합니다.
책은 각 계층을 손으로 쓰는데, `forward`가 `backward`에 필요한 것을 저장해 둡니다(`nn.manual`). 둘의
기울기는 같습니다.
"""),
    code("""
x = np.array([[1.0, -0.5], [-2.0, 3.0]])
dout = np.array([[1.0, 2.0], [3.0, 4.0]])

by_hand = nn.manual.Sigmoid()
by_hand.forward(x)
print(by_hand.backward(dout))

t = Tensor(x, requires_grad=True)
nn.Sigmoid()(t).backward(dout)
print(t.grad)
"""),
    md("""
## Exercise

Where is the sigmoid's gradient y(1 − y) largest, and how large is it? What does that mean for a gradient
that passes through ten sigmoid layers, one after the other? Try a few values of x below.
""", """
## 연습 문제

Sigmoid의 기울기 y(1 − y)는 어디서 가장 크고, 그 값은 얼마일까요? 그렇다면 Sigmoid 계층 열 개를
차례로 지나는 기울기는 어떻게 될까요? 아래에서 x를 몇 가지로 바꿔 보세요.
"""),
    code("""
# your code here / 여기에 코드를 쓰세요
"""),
    answer("""
At x = 0, where y = 0.5: y(1 − y) = 0.25, and less everywhere else. Through ten sigmoid layers the gradient
is multiplied by at most 0.25¹⁰ ≈ 10⁻⁶: it vanishes. ReLU passes a gradient through unchanged where x > 0.

```python
for v in (-4.0, -1.0, 0.0, 1.0, 4.0):
    x = Value(v)
    x.sigmoid().backward()
    print(v, x.grad)      # 0.25 at 0, smaller on both sides
```
""", """
y = 0.5인 x = 0에서 y(1 − y) = 0.25이고, 다른 곳에서는 더 작습니다. Sigmoid 계층 열 개를 지나면 기울기는
많아야 0.25¹⁰ ≈ 10⁻⁶배가 되어 사라집니다(기울기 소실). ReLU는 x > 0인 곳에서 기울기를 그대로 통과시킵니다.

```python
for v in (-4.0, -1.0, 0.0, 1.0, 4.0):
    x = Value(v)
    x.sigmoid().backward()
    print(v, x.grad)      # 0에서 0.25, 양쪽으로 갈수록 작아짐
```
"""),
]

"""Notebook 4: Affine and Softmax-with-Loss — shapes, the batch version, why the gradient is y − t."""

from build_notebooks import answer, code, md

NAME = "04-affine-softmax"

CELLS = [
    md("""
# 4. Affine and Softmax-with-Loss

The Affine layer computes Y = X · W + B for a whole batch at once; the Softmax-with-Loss layer turns
scores into probabilities and measures them against the label. Their gradients have simple forms,
and every gradient has the shape of its tensor.
""", """
# 4. Affine 계층과 Softmax-with-Loss 계층

Affine 계층은 배치 전체에 대해 한 번에 Y = X · W + B를 계산하고, Softmax-with-Loss 계층은 점수를
확률로 바꾼 뒤 정답과 비교합니다. 두 계층의 기울기는 간단한 꼴이고, 모든 기울기는 자기 텐서와 모양이
같습니다.
"""),
    code("""
import numpy as np

from scratchgrad import viz
from scratchgrad.autograd import Tensor, softmax_cross_entropy

viz.install_notebook_display()
"""),
    md("""
## Affine, for a batch

A batch of N = 2 inputs with 2 features each, 3 outputs (the book's numbers, section 5.6.2). The gradient
from above, ∂L/∂Y, has Y's shape (2, 3).
""", """
## 배치용 Affine 계층

특징이 2개인 입력 N = 2개, 출력 3개입니다(책 5.6.2절의 숫자). 위에서 오는 기울기 ∂L/∂Y는 Y와 같은
(2, 3) 모양입니다.
"""),
    code("""
X = Tensor(np.array([[0.0, 0.0], [5.0, 5.0]]), requires_grad=True, name="X")
W = Tensor(np.ones((2, 3)), requires_grad=True, name="W")
B = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True, name="B")
Y = X @ W + B
Y.name = "Y"
dY = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
Y.backward(dY)
print(X.grad.shape, W.grad.shape, B.grad.shape)
Y
""", "drawing"),
    md("""
The book's formulas, checked against autograd:

- ∂L/∂X = ∂L/∂Y · Wᵀ: (2, 3) · (3, 2) → (2, 2)
- ∂L/∂W = Xᵀ · ∂L/∂Y: (2, 2) · (2, 3) → (2, 3)
- ∂L/∂B = ∂L/∂Y summed over the batch (axis 0): B was added to every row, so every row sends its share
  back, and the shares add up, as at any branch: (5, 7, 9).
""", """
책의 식을 자동 미분과 비교해 봅니다.

- ∂L/∂X = ∂L/∂Y · Wᵀ: (2, 3) · (3, 2) → (2, 2)
- ∂L/∂W = Xᵀ · ∂L/∂Y: (2, 2) · (2, 3) → (2, 3)
- ∂L/∂B = 배치 방향(축 0)으로 더한 ∂L/∂Y: B는 모든 행에 더해졌으므로 행마다 자기 몫을 돌려보내고,
  갈라지는 곳에서처럼 그 몫들을 더합니다: (5, 7, 9).
"""),
    code("""
x, w = np.asarray(X), np.asarray(W)
print(np.allclose(X.grad, dY @ w.T), np.allclose(W.grad, x.T @ dY))
print(B.grad, dY.sum(axis=0))
"""),
    code("""
figure = viz.book.affine_batch(lang="{LANG}", symbolic=True)
viz.draw(figure.root, **figure.options())
""", "drawing"),
    md("""
## Softmax-with-Loss

Three scores a = (0.3, 2.9, 4.0) and the label t = (0, 0, 1). Softmax gives yₖ = exp(aₖ) / S with
S = Σ exp(aᵢ); the cross-entropy error is L = −Σ tₖ log yₖ. Drawn from elementary nodes it is a big graph
(figure 5-29), yet what reaches each aₖ is just **yₖ − tₖ**:
""", """
## Softmax-with-Loss 계층

점수 a = (0.3, 2.9, 4.0)와 정답 t = (0, 0, 1)입니다. Softmax는 yₖ = exp(aₖ) / S (S = Σ exp(aᵢ))를
내고, 교차 엔트로피 오차는 L = −Σ tₖ log yₖ입니다. 기본 노드로 그리면 큰 그래프지만(그림 5-29), 각
aₖ에 도착하는 것은 **yₖ − tₖ**뿐입니다.
"""),
    code("""
figure = viz.book.softmax_with_loss(lang="{LANG}", symbolic=True)
viz.draw(figure.root, **figure.options())
""", "drawing"),
    md("""
Collapsed into its two layers (figure 5-30): Cross Entropy Error sends −t/y back, and Softmax turns it
into y − t. The replay goes through it box by box.
""", """
두 계층으로 접으면(그림 5-30) Cross Entropy Error는 −t/y를 돌려보내고, Softmax는 그것을 y − t로
바꿉니다. 리플레이는 상자 하나씩 지나갑니다.
"""),
    code("""
figure = viz.book.softmax_with_loss_simple(lang="{LANG}")
viz.replay(figure.root, **figure.options())
""", "page"),
    md("""
## Why y − t?

The log of the cross-entropy undoes the exp of the softmax: −t/y times the softmax's local derivatives
leaves y − t. The gradient is the error itself: large when the prediction is far from the label, small
when it is close. For a batch of N, the loss is the mean, so each row's gradient is (y − t) / N. The
engine has the fused layer as one operation, on tensors:
""", """
## 왜 y − t인가?

교차 엔트로피의 log가 Softmax의 exp를 상쇄합니다. −t/y에 Softmax의 국소 미분을 곱하면 y − t가
남습니다. 기울기는 오차 그 자체여서, 예측이 정답에서 멀면 크고 가까우면 작습니다. 배치 N개에서는
손실이 평균이므로 행마다 기울기는 (y − t) / N입니다. 엔진은 이 계층을 텐서 연산 하나로 가지고 있습니다.
"""),
    code("""
a = Tensor(np.array([[0.3, 2.9, 4.0]]), requires_grad=True, name="a")
loss = softmax_cross_entropy(a, np.array([2]))   # the label as a class index: t = (0, 0, 1)
loss.backward()
y = np.exp(np.asarray(a)) / np.exp(np.asarray(a)).sum()
print(loss.item())
print(a.grad)
print(y - np.array([0, 0, 1]))
"""),
    md("""
## Exercise

Give `softmax_cross_entropy` a batch of two rows, both (0.3, 2.9, 4.0) with label 2. Predict `a.grad`
before you run it.
""", """
## 연습 문제

`softmax_cross_entropy`에 두 행이 모두 (0.3, 2.9, 4.0)이고 정답이 2인 배치를 주세요. 실행하기 전에
`a.grad`를 예측해 보세요.
"""),
    code("""
# your code here / 여기에 코드를 쓰세요
"""),
    answer("""
Each row gets (y − t) / 2 = (0.0091, 0.1226, −0.1317): half of the single row's gradient, because the loss
of a batch is the mean over its rows.

```python
a = Tensor(np.array([[0.3, 2.9, 4.0], [0.3, 2.9, 4.0]]), requires_grad=True)
softmax_cross_entropy(a, np.array([2, 2])).backward()
print(a.grad)
```
""", """
행마다 (y − t) / 2 = (0.0091, 0.1226, −0.1317)을 받습니다. 배치의 손실은 행들의 평균이라서, 한 행일
때 기울기의 절반입니다.

```python
a = Tensor(np.array([[0.3, 2.9, 4.0], [0.3, 2.9, 4.0]]), requires_grad=True)
softmax_cross_entropy(a, np.array([2, 2])).backward()
print(a.grad)
```
"""),
]

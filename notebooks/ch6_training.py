"""Notebook 6: training on MNIST — loss and accuracy curves, optimizers compared (a short run)."""

from build_notebooks import answer, code, md

NAME = "06-training-mnist"
DATA = ("mnist",)
"""What the notebook reads besides the package: the test gives it the real MNIST (``$MNIST_DIR``)."""

CELLS = [
    md("""
# 6. Training on MNIST

Backprop gives the gradient of the loss for every weight; an optimizer moves the weights a little against
it; repeated over mini-batches of 100 images, the net learns to read handwritten digits. This is the
book's two-layer net (784 → 50 → 10) on the real MNIST.

**A short run:** 1,200 steps (2 epochs) per optimizer, so the whole notebook takes seconds. The book
trains for 10,000 steps and reaches about 97 % (`scratchgrad-train-mnist` does that run).
""", """
# 6. MNIST 학습

역전파는 모든 가중치에 대한 손실의 기울기를 주고, 옵티마이저는 가중치를 그 반대 방향으로 조금
움직입니다. 100장짜리 미니배치마다 이를 되풀이하면 신경망은 손글씨 숫자를 읽게 됩니다. 진짜 MNIST로
책의 2층 신경망(784 → 50 → 10)을 학습합니다.

**짧게 학습합니다:** 옵티마이저마다 1,200단계(2에폭)만 돌려서 노트북 전체가 몇 초면 끝납니다. 책은
10,000단계를 학습해 약 97 %에 이릅니다(`scratchgrad-train-mnist`가 그 학습을 합니다).
"""),
    code("""
import numpy as np
from matplotlib.figure import Figure

from scratchgrad import nn, viz
from scratchgrad.demos.blas import use_blas_threads
from scratchgrad.nn.data import load_mnist

viz.install_notebook_display()   # a Figure at the end of a cell is shown as a picture
use_blas_threads(1)   # this net's matrices are small: a second BLAS thread only waits (10-30x slower when busy)
(x_train, t_train), (x_test, t_test) = load_mnist()   # downloaded once into a cache, if needed
print(x_train.shape, t_train.shape, x_test.shape)
"""),
    md("""
## One training loop

The loop is the same for every optimizer: draw a mini-batch, forward, backward, step. Every 200 steps we
measure the accuracy on 10,000 training images and on the 10,000 test images.
""", """
## 학습 루프 하나

루프는 옵티마이저와 상관없이 같습니다. 미니배치를 뽑고, 순전파, 역전파, 갱신. 200단계마다 훈련 이미지
10,000장과 시험 이미지 10,000장으로 정확도를 잽니다.
"""),
    code("""
def train(optimizer_class, lr, steps=1200, seed=0):
    rng = np.random.default_rng(seed)
    net = nn.TwoLayerNet(784, 50, 10, rng=seed)
    optimizer = optimizer_class(net.parameters(), lr=lr)
    losses, accuracy = [], []
    for step in range(1, steps + 1):
        batch = rng.integers(0, len(x_train), 100)
        optimizer.zero_grad()
        loss = net.last_layer(net(x_train[batch]), t_train[batch])
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if step % 200 == 0:
            accuracy.append((step, net.accuracy(x_train[:10000], t_train[:10000]), net.accuracy(x_test, t_test)))
    return losses, accuracy


losses, accuracy = train(nn.optim.SGD, lr=0.1)
print("test accuracy after 1,200 steps:", accuracy[-1][2])
"""),
    md("""
## The curves

The mini-batch loss is noisy, because every batch is different, but it falls; the accuracy on the test
images follows the one on the training images, so the net is not just memorising.
""", """
## 곡선

미니배치마다 데이터가 달라서 손실은 들쭉날쭉하지만 줄어듭니다. 시험 이미지의 정확도가 훈련 이미지의
정확도를 따라가므로, 신경망이 그저 외우고 있는 것은 아닙니다.
"""),
    code("""
fig = Figure(figsize=(10, 3.5))
left, right = fig.subplots(1, 2)
left.plot(losses, linewidth=0.7)
left.set(xlabel="step", ylabel="loss", title="mini-batch loss (SGD, lr 0.1)")
steps, train_acc, test_acc = zip(*accuracy)
right.plot(steps, train_acc, "o-", label="train")
right.plot(steps, test_acc, "s--", label="test")
right.set(xlabel="step", ylabel="accuracy", title="accuracy")
right.legend()
fig
""", "drawing"),
    md("""
## Optimizers compared

Same net, same batches, four update rules, each with the learning rate the book uses for it: SGD (0.1),
Momentum (0.01), AdaGrad (0.01) and Adam (0.001).
""", """
## 옵티마이저 비교

같은 신경망, 같은 미니배치에 갱신 규칙 네 가지를 씁니다. 학습률은 책이 쓰는 값입니다: SGD(0.1),
Momentum(0.01), AdaGrad(0.01), Adam(0.001).
"""),
    code("""
runs = {
    "SGD": (losses, accuracy),   # the run above
    "Momentum": train(nn.optim.Momentum, lr=0.01),
    "AdaGrad": train(nn.optim.AdaGrad, lr=0.01),
    "Adam": train(nn.optim.Adam, lr=0.001),
}
fig = Figure(figsize=(6, 3.5))
ax = fig.subplots()
for name, (run_losses, run_accuracy) in runs.items():
    smooth = np.convolve(run_losses, np.ones(50) / 50, mode="valid")   # the mean of 50 steps
    ax.plot(smooth, label=f"{name}: test {run_accuracy[-1][2]:.3f}")
ax.set(xlabel="step", ylabel="loss (mean of 50 steps)", yscale="log")
ax.legend()
fig
""", "drawing"),
    md("""
## Exercise

Train with SGD at learning rates 0.01, 0.1 and 1. Which learns fastest in 1,200 steps? What happens with a
much larger rate, say 10?
""", """
## 연습 문제

SGD를 학습률 0.01, 0.1, 1로 학습해 보세요. 1,200단계 안에 어느 쪽이 가장 빨리 배울까요? 훨씬 큰
학습률, 예를 들어 10이면 어떻게 될까요?
"""),
    code("""
# your code here / 여기에 코드를 쓰세요
"""),
    answer("""
0.01 learns slowly (its steps are small); 1 gets there fastest in this short run; at 10 the steps
overshoot: the loss jumps around or grows and the accuracy stays near chance. The learning rate is the
size of the step along the gradient, and the gradient is only a good guide near where it was computed
(notebook 1's nudge).

```python
for lr in (0.01, 0.1, 1.0, 10.0):
    run_losses, run_accuracy = train(nn.optim.SGD, lr=lr)
    print(lr, run_accuracy[-1][2])
```
""", """
0.01은 걸음이 작아 느리게 배우고, 이 짧은 학습에서는 1이 가장 빠릅니다. 10이면 걸음이 지나쳐서 손실이
오르내리거나 커지고 정확도는 찍는 수준에 머뭅니다. 학습률은 기울기 방향으로 내딛는 걸음의 크기이고,
기울기는 그것을 계산한 곳 가까이에서만 좋은 안내자입니다(노트북 1의 nudge).

```python
for lr in (0.01, 0.1, 1.0, 10.0):
    run_losses, run_accuracy = train(nn.optim.SGD, lr=lr)
    print(lr, run_accuracy[-1][2])
```
"""),
]

"""Notebook 7: the network view — what one image wants from each neuron and weight; the mini-batch average;
SGD against GD."""

from build_notebooks import answer, code, md

NAME = "07-network-view"
DATA = ("mnist",)

CELLS = [
    md("""
# 7. The network view

Backprop computes, for one image, how much it would like every activation and every weight to change:
−∂L/∂a, the direction that lowers *its* loss. This notebook draws those wishes on the trained two-layer
net, shows that a mini-batch step follows their average, and compares SGD with full-batch GD.

**A short run:** the net trains for 2,000 SGD steps first (a few seconds; about 93–94 % on the test set,
where the book's 10,000 steps reach 97 %).
""", """
# 7. 신경망 보기

역전파는 이미지 하나에 대해, 그 이미지가 모든 활성화와 가중치를 얼마나 바꾸고 싶어 하는지 계산합니다:
*자기* 손실을 줄이는 방향 −∂L/∂a입니다. 이 노트북은 학습한 2층 신경망 위에 그 바람을 그리고,
미니배치 한 단계가 바람들의 평균을 따른다는 것을 보이고, SGD와 전체 배치 GD를 비교합니다.

**짧게 학습합니다:** 먼저 SGD로 2,000단계만 학습합니다(몇 초, 시험 정확도 약 93–94 %; 책의
10,000단계는 97 %에 이릅니다).
"""),
    code("""
import numpy as np

from scratchgrad import nn, viz
from scratchgrad.demos.blas import use_blas_threads
from scratchgrad.nn.data import load_mnist
from scratchgrad.viz.network import average_check, batch, descent_figure, explain, gd_vs_sgd

viz.install_notebook_display()   # graphs, and the network view's figures, shown inline
use_blas_threads(1)   # this net's matrices are small: a second BLAS thread only waits
(x_train, t_train), (x_test, t_test) = load_mnist()

net = nn.TwoLayerNet(784, 50, 10, rng=0)
start = net.state_dict()   # the weights before training, for the GD/SGD comparison below
rng = np.random.default_rng(0)
optimizer = nn.optim.SGD(net.parameters(), lr=0.1)
for _ in range(2000):
    chosen = rng.integers(0, len(x_train), 100)
    optimizer.zero_grad()
    net.last_layer(net(x_train[chosen]), t_train[chosen]).backward()
    optimizer.step()
print("test accuracy:", net.accuracy(x_test, t_test))
"""),
    md("""
## What one image wants

At the outputs the wish is −∂L/∂a = t − y (notebook 4): the label's output wants to go up by what it still
lacks, every other output wants to go down by its probability. `explain` computes every layer's wishes
with one forward and one backward pass.
""", """
## 이미지 하나가 바라는 것

출력에서 바람은 −∂L/∂a = t − y입니다(노트북 4). 정답의 출력은 모자란 만큼 올라가기를, 나머지 출력은
자기 확률만큼 내려가기를 바랍니다. `explain`은 순전파와 역전파 한 번으로 모든 계층의 바람을 계산합니다.
"""),
    code("""
wishes = explain(net, x_test[0], t_test[0])
scores = net.predict(x_test[:1])
y = np.exp(scores) / np.exp(scores).sum()
t = np.eye(10)[t_test[:1]]
print("label:", t_test[0])
print(np.allclose(wishes.layers[-1].nudge, t - y, atol=1e-6))
"""),
    md("""
The whole view: the image, the hidden neurons' wishes (bars), the strongest ∂L/∂w into each neuron
(edges; blue: this image wants the weight up, red: down), and the parameters it cares about most.
""", """
전체 그림입니다. 이미지, 은닉 뉴런의 바람(막대), 뉴런마다 들어오는 가장 큰 ∂L/∂w(선; 파랑은 이
이미지가 가중치를 올리기를, 빨강은 내리기를 바람), 그리고 이 이미지가 가장 신경 쓰는 매개변수입니다.
"""),
    code("""
viz.network(net, x_test[0], t_test[0], edges="grad", lang="{LANG}", index=0)
""", "drawing"),
    md("""
## A mini-batch step follows the average wish

The loss of a mini-batch is the mean of its images' losses, so its gradient is the mean of their
gradients: each image pulls the weights its own way, and a step moves by the average. `average_check`
backpropagates each image alone, averages, and compares with one backward pass of the mean loss.
""", """
## 미니배치 한 단계는 평균 바람을 따른다

미니배치의 손실은 이미지별 손실의 평균이므로, 그 기울기도 이미지별 기울기의 평균입니다. 이미지마다
가중치를 제 방향으로 끌어당기고, 한 단계는 그 평균만큼 움직입니다. `average_check`는 이미지마다 따로
역전파해 평균을 내고, 평균 손실의 역전파 한 번과 비교합니다.
"""),
    code("""
batch(net, x_test[:8], t_test[:8], lang="{LANG}")
""", "drawing"),
    code("""
for check in average_check(net, x_test[:8], t_test[:8]):
    print(f"{check.name:12} differs by {check.max_diff:.1e} on gradients up to {check.scale:.1e}")
"""),
    md("""
## SGD against GD

Full-batch gradient descent (GD) uses all 10,000 training images for every step: an exact but expensive
step. SGD uses a mini-batch: a noisy but cheap one. On a 2-D slice of the weights (through the starting
and the trained weights), each runs for the same half second of training time.
""", """
## SGD와 GD

전체 배치 경사 하강법(GD)은 단계마다 훈련 이미지 10,000장을 모두 씁니다. 정확하지만 비싼 걸음입니다.
SGD는 미니배치를 씁니다. 들쭉날쭉하지만 값싼 걸음입니다. 가중치 공간의 2차원 단면(처음 가중치와 학습한
가중치를 지나는 면)에서 둘을 같은 0.5초 동안 실행합니다.
"""),
    code("""
descent = gd_vs_sgd(net, x_train[:10000], t_train[:10000], start, net.state_dict(), seconds=0.5)
descent_figure(descent, lang="{LANG}")
""", "drawing"),
    md("""
In the same time GD takes a handful of steps and SGD hundreds: the runs are timed on this machine, so the
counts (written under the figure) change from run to run, but the lesson does not: many cheap, noisy steps
get close to the bottom sooner than a few exact ones.
""", """
같은 시간에 GD는 몇 걸음, SGD는 수백 걸음을 걷습니다. 이 컴퓨터에서 시간을 재므로 걸음 수(그림 아래에
적힘)는 실행할 때마다 달라지지만, 교훈은 같습니다. 값싸고 들쭉날쭉한 많은 걸음이 정확한 몇 걸음보다
먼저 바닥 가까이에 갑니다.
"""),
    md("""
## Exercise

Find the first test image the net gets **wrong** and draw its view. Which output wants to go up the most,
and which wants to go down the most?
""", """
## 연습 문제

신경망이 **틀리는** 첫 번째 시험 이미지를 찾아 그 그림을 그려 보세요. 어느 출력이 가장 올라가고
싶어 하고, 어느 출력이 가장 내려가고 싶어 할까요?
"""),
    code("""
# your code here / 여기에 코드를 쓰세요
"""),
    answer("""
The label's output wants to go up (t − y is positive only there); the wrongly predicted class, which has
the largest probability, wants to go down the most.

```python
wrong = int(np.flatnonzero(net.predict(x_test).argmax(axis=1) != t_test)[0])
viz.network(net, x_test[wrong], t_test[wrong], edges="grad", lang="en", index=wrong)
```
""", """
정답의 출력이 올라가고 싶어 합니다(t − y는 거기서만 양수입니다). 확률이 가장 큰, 잘못 예측한 클래스가
가장 내려가고 싶어 합니다.

```python
wrong = int(np.flatnonzero(net.predict(x_test).argmax(axis=1) != t_test)[0])
viz.network(net, x_test[wrong], t_test[wrong], edges="grad", lang="ko", index=wrong)
```
"""),
]

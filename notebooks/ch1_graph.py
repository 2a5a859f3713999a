"""Notebook 1: the computational graph — the apple examples, forward and backward, and "what if I nudge it?"."""

from build_notebooks import answer, code, md

NAME = "01-computational-graph"

CELLS = [
    md("""
# 1. The computational graph

A computational graph draws a calculation as nodes (the operations) joined by arrows (the numbers
flowing between them). We compute *forward*, from left to right, and then propagate derivatives
*backward*, from right to left. This notebook uses the book's shopping examples.

Run the cells from top to bottom (Shift+Enter).
""", """
# 1. 계산 그래프

계산 그래프는 계산 과정을 노드(연산)와 화살표(그 사이를 흐르는 값)로 나타낸 것입니다. 왼쪽에서
오른쪽으로 *순전파*로 계산하고, 오른쪽에서 왼쪽으로 미분을 *역전파*합니다. 이 노트북에서는 책의
장보기 예제를 씁니다.

셀을 위에서부터 차례로 실행하세요 (Shift+Enter).
"""),
    md("""
`viz.install_notebook_display()` is the one call that makes every `Value` (and `Tensor`) at the end of a
cell show itself as its graph: the value **above** each arrow, the gradient **below** it in red.
""", """
`viz.install_notebook_display()`를 한 번 호출하면, 셀의 마지막 줄에 놓인 `Value`(와 `Tensor`)가 자기
계산 그래프로 그려집니다. 화살표 **위**에는 값이, **아래**에는 빨간색으로 기울기가 적힙니다.
"""),
    code("""
from scratchgrad import viz
from scratchgrad.autograd import Value, nudge
from scratchgrad.viz.whatif import table

viz.install_notebook_display()
"""),
    md("""
## Forward: two apples with tax

An apple costs 100 won, we buy 2, and the consumption tax is 10 % (× 1.1). Each operation records a
node; naming the inputs puts the names in the drawing.
""", """
## 순전파: 사과 2개와 소비세

사과 한 개는 100원, 2개를 사고, 소비세는 10 %(× 1.1)입니다. 연산 하나하나가 노드를 기록합니다.
입력에 이름을 붙이면 그림에 이름이 나옵니다.
"""),
    code("""
apple = Value(100, name="apple")
count = Value(2, name="apple count")
tax = Value(1.1, name="tax")
price = apple * count * tax
price.name = "price"
price
""", "drawing"),
    md("""
## Backward: how much does each input matter?

`backward()` starts with 1 at the output and sends derivatives to the left, node by node. The gradient
of `apple` answers: if the apple price went up by a little, how much would the total go up?
""", """
## 역전파: 각 입력은 얼마나 중요한가?

`backward()`는 출력에서 1로 시작해 노드를 하나씩 거치며 미분을 왼쪽으로 보냅니다. `apple`의
기울기는 "사과 값이 조금 오르면 지불 금액은 얼마나 오르는가?"에 대한 답입니다.
"""),
    code("""
price.backward()
print(apple.grad, count.grad, tax.grad)
price
""", "drawing"),
    md("""
The apple's gradient is 2.2 (= 2 × 1.1), the count's 110 (= 100 × 1.1), the tax's 200 (= 100 × 2):
figure 5-14 of the book. A multiply node sends back the upstream gradient times the *other* input.
(`110.00000000000001`: 1.1 has no exact binary floating-point form, so the last digit is rounding.)
""", """
사과의 기울기는 2.2(= 2 × 1.1), 개수는 110(= 100 × 1.1), 소비세는 200(= 100 × 2)입니다. 책의
그림 5-14와 같습니다. 곱셈 노드는 위에서 온 기울기에 *다른 쪽* 입력을 곱해 돌려보냅니다.
(`110.00000000000001`: 1.1은 이진 부동소수점으로 정확히 나타낼 수 없어서, 마지막 자리는 반올림 오차입니다.)
"""),
    md("""
## Watching backward step by step

`viz.replay(node)` shows the backward pass one node at a time: which node is visited, and
"upstream × local = downstream" with the numbers. Use the buttons or the slider (click it first to use
the arrow keys). It is one self-contained page and needs no network.
""", """
## 역전파를 한 단계씩 보기

`viz.replay(node)`는 역전파를 노드 하나씩 보여 줍니다. 어느 노드를 지나는지, 그리고
"위에서 온 값 × 국소 미분 = 아래로 보내는 값"을 숫자로 보여 줍니다. 버튼이나 슬라이더를 쓰세요
(먼저 클릭하면 화살표 키도 됩니다). 네트워크가 필요 없는 독립된 페이지입니다.
"""),
    code("""
viz.replay(price)
""", "page"),
    md("""
## Apples and oranges

Two apples at 100 and three oranges at 150, with tax (figure 5-17). The add node passes its gradient
on unchanged to both inputs.
""", """
## 사과와 귤

사과 2개(100원)와 귤 3개(150원)에 소비세를 붙입니다(그림 5-17). 덧셈 노드는 받은 기울기를 두 입력에
그대로 흘려보냅니다.
"""),
    code("""
apple, apple_count = Value(100, name="apple"), Value(2, name="apple count")
orange, orange_count = Value(150, name="orange"), Value(3, name="orange count")
tax = Value(1.1, name="tax")
total = (apple * apple_count + orange * orange_count) * tax
total.name = "price"
total.backward()
print(apple.grad, apple_count.grad, orange.grad, orange_count.grad, tax.grad)
total
""", "drawing"),
    md("""
## What if I nudge it?

A gradient is a *prediction*. Suppose we wanted to pay 219 won and measure the miss with the loss
L = ½(f − 219)², where f is the price. At f = 220, ∂L/∂f = f − 219 = 1, so the apples' gradients are
the ones above (up to rounding: f is 220.00000000000003, so f − 219 is not exactly 1).
""", """
## 조금 움직이면 어떻게 될까?

기울기는 *예측*입니다. 219원을 내고 싶었다고 하고, 빗나간 정도를 손실 L = ½(f − 219)²로 잽니다
(f는 지불 금액). f = 220에서 ∂L/∂f = f − 219 = 1이므로, 사과의 기울기는 위와 같습니다
(반올림 오차는 빼고: f가 220.00000000000003이라 f − 219가 정확히 1은 아닙니다).
"""),
    code("""
def loss(apple, count, tax):
    f = apple * count * tax
    return 0.5 * (f - 219) ** 2


apple, count, tax = Value(100.0, name="apple"), Value(2.0, name="apple count"), Value(1.1, name="tax")
L = loss(apple, count, tax)
L.name = "L"
L.backward()
print(apple.grad, count.grad, tax.grad)
L
""", "drawing"),
    md("""
The gradient 2.2 predicts that an apple 1 won dearer raises L by about 2.2. `nudge` checks it: it moves one
input by δ, calls `loss` again, and compares the actual change with gradient × δ.
""", """
기울기 2.2는 사과가 1원 비싸지면 L이 약 2.2 늘어난다고 예측합니다. `nudge`가 확인합니다. 입력 하나를
δ만큼 움직이고 `loss`를 다시 계산해, 실제 변화와 기울기 × δ를 비교합니다.
"""),
    code("""
steps = {apple: (1, 0.1, 0.01), count: (1, 0.1, 0.01), tax: (0.01, 0.001, 0.0001)}
print(table(nudge(loss, [apple, count, tax], steps)))
"""),
    md("""
With δ = 1 the apple's prediction (2.2) is far from the actual change (4.62), but the smaller the step,
the closer they get: what is left over (the last column) shrinks like δ². The gradient is exact only
for small steps.
""", """
δ = 1이면 사과의 예측(2.2)은 실제 변화(4.62)와 꽤 다르지만, 걸음이 작을수록 가까워집니다. 남는
부분(마지막 열)은 δ²처럼 줄어듭니다. 기울기는 작은 걸음에서만 정확합니다.
"""),
    md("""
## Exercise

Buy **4** apples instead of 2 (keep 100 won and the tax 1.1), and compute `price` again. Before you run
`backward()`, predict `apple.grad`, `count.grad` and `tax.grad`. Then check in the cell below.
""", """
## 연습 문제

사과를 2개가 아니라 **4개** 산다고 하고(가격 100원, 소비세 1.1은 그대로) `price`를 다시 계산하세요.
`backward()`를 실행하기 전에 `apple.grad`, `count.grad`, `tax.grad`를 예측한 뒤, 아래 셀에서
확인하세요.
"""),
    code("""
# your code here / 여기에 코드를 쓰세요
"""),
    answer("""
`apple.grad` = 4 × 1.1 = 4.4, `count.grad` = 100 × 1.1 = 110 (unchanged: it does not depend on the count),
`tax.grad` = 100 × 4 = 400. Each input's gradient is the product of the *other* factors.

```python
apple, count, tax = Value(100, name="apple"), Value(4, name="apple count"), Value(1.1, name="tax")
price = apple * count * tax
price.backward()
print(apple.grad, count.grad, tax.grad)   # 4.4 110.00000000000001 400.0
```
""", """
`apple.grad` = 4 × 1.1 = 4.4, `count.grad` = 100 × 1.1 = 110(개수와 무관하므로 그대로),
`tax.grad` = 100 × 4 = 400. 각 입력의 기울기는 *나머지* 인수들의 곱입니다.

```python
apple, count, tax = Value(100, name="apple"), Value(4, name="apple count"), Value(1.1, name="tax")
price = apple * count * tax
price.backward()
print(apple.grad, count.grad, tax.grad)   # 4.4 110.00000000000001 400.0
```
"""),
]

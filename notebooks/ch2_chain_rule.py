"""Notebook 2: local computation and the chain rule; add and multiply nodes; gradients add at a branch."""

from build_notebooks import answer, code, md

NAME = "02-chain-rule"

CELLS = [
    md("""
# 2. Local computation and the chain rule

Each node knows only its own little calculation and its *local* derivative. Backward, a node multiplies
the gradient arriving from the right (upstream) by its local derivative and sends the result to the
left (downstream). Chaining these products is the chain rule.
""", """
# 2. 국소적 계산과 연쇄법칙

노드는 자기 계산과 그 *국소적* 미분만 압니다. 역전파에서 노드는 오른쪽에서 온 기울기(상류)에 자기의
국소 미분을 곱해 왼쪽(하류)으로 보냅니다. 이 곱을 이어 가는 것이 연쇄법칙입니다.
"""),
    code("""
from scratchgrad import viz
from scratchgrad.autograd import Value

viz.install_notebook_display()
"""),
    md("""
## The chain rule: z = t², t = x + y

At x = 2, y = 1: t = 3 and z = 9. The square node's local derivative is ∂z/∂t = 2t = 6, the add node's
∂t/∂x = 1, so ∂z/∂x = 6 × 1 = 6 (figure 5-7).
""", """
## 연쇄법칙: z = t², t = x + y

x = 2, y = 1이면 t = 3, z = 9입니다. 제곱 노드의 국소 미분은 ∂z/∂t = 2t = 6, 덧셈 노드는
∂t/∂x = 1이므로 ∂z/∂x = 6 × 1 = 6입니다(그림 5-7).
"""),
    code("""
x, y = Value(2.0, name="x"), Value(1.0, name="y")
t = x + y
t.name = "t"
z = t ** 2
z.name = "z"
z.backward()
print(x.grad, y.grad)
z
""", "drawing"),
    md("""
The book writes the same figure with its algebra instead of numbers. `viz.book` has every figure of the
chapter; `symbolic=True` draws the algebra.
""", """
책은 같은 그림을 숫자 대신 식으로 씁니다. `viz.book`에는 이 장의 모든 그림이 있고, `symbolic=True`는
식을 그립니다.
"""),
    code("""
figure = viz.book.chain_rule(lang="{LANG}", symbolic=True)
viz.draw(figure.root, **figure.options())
""", "drawing"),
    md("""
## The add node passes the gradient on unchanged

z = x + y: ∂z/∂x = ∂z/∂y = 1. Here 1.3 arrives from further right (figure 5-9), so `backward(1.3)`
starts with 1.3 instead of 1; both inputs receive 1.3.
""", """
## 덧셈 노드는 기울기를 그대로 흘려보낸다

z = x + y: ∂z/∂x = ∂z/∂y = 1. 여기서는 더 오른쪽에서 1.3이 온다고 하고(그림 5-9) `backward(1.3)`으로
1 대신 1.3에서 시작합니다. 두 입력 모두 1.3을 받습니다.
"""),
    code("""
x, y = Value(10.0, name="x"), Value(5.0, name="y")
z = x + y
z.name = "z"
z.backward(1.3)
z
""", "drawing"),
    md("""
## The multiply node swaps its inputs

z = x × y: ∂z/∂x = y and ∂z/∂y = x. With 1.3 from upstream, x receives 1.3 × 5 = 6.5 and y receives
1.3 × 10 = 13 (figure 5-12). A multiply node must therefore remember its inputs from the forward pass.
""", """
## 곱셈 노드는 입력을 바꿔 곱한다

z = x × y: ∂z/∂x = y, ∂z/∂y = x. 위에서 1.3이 오면 x는 1.3 × 5 = 6.5, y는 1.3 × 10 = 13을 받습니다
(그림 5-12). 그래서 곱셈 노드는 순전파 때의 입력을 기억해 두어야 합니다.
"""),
    code("""
x, y = Value(10.0, name="x"), Value(5.0, name="y")
z = x * y
z.name = "z"
z.backward(1.3)
z
""", "drawing"),
    md("""
## Gradients add at a branch

When a value is used twice, each use sends back its own share, and the shares add up. In y = x · x at
x = 3 each use sends 3, and x receives 3 + 3 = 6 = 2x. The drawing shows the shares on the branches and
their sum on the trunk.
""", """
## 갈라지는 곳에서는 기울기를 더한다

값이 두 번 쓰이면 쓰인 곳마다 자기 몫을 돌려보내고, 그 몫들을 더합니다. y = x · x에서 x = 3이면
각각 3을 보내고 x는 3 + 3 = 6 = 2x를 받습니다. 그림의 갈래에는 몫이, 줄기에는 그 합이 적혀 있습니다.
"""),
    code("""
x = Value(3.0, name="x")
y = x * x
y.name = "y"
y.backward()
print(x.grad)
y
""", "drawing"),
    md("""
The replay says the same in words at the step where the shares meet.
""", """
리플레이는 몫들이 만나는 단계에서 같은 내용을 글로 보여 줍니다.
"""),
    code("""
viz.replay(y)
""", "page"),
    md("""
## Exercise

f = x · y + x at x = 2, y = 3. Predict `x.grad` and `y.grad` before running anything: which node sends
what to x, and where do the shares meet? Then check below.
""", """
## 연습 문제

x = 2, y = 3에서 f = x · y + x입니다. 아무것도 실행하기 전에 `x.grad`와 `y.grad`를 예측해 보세요.
어느 노드가 x에 무엇을 보내고, 몫들은 어디서 만날까요? 그런 다음 아래에서 확인하세요.
"""),
    code("""
# your code here / 여기에 코드를 쓰세요
"""),
    answer("""
`x.grad` = 4 and `y.grad` = 2. The add node sends 1 to both of its inputs. The multiply node receives that 1
and sends 1 × y = 3 to x and 1 × x = 2 to y. x is used twice, so its shares add: 3 + 1 = 4.

```python
x, y = Value(2.0, name="x"), Value(3.0, name="y")
f = x * y + x
f.backward()
print(x.grad, y.grad)   # 4.0 2.0
```
""", """
`x.grad` = 4, `y.grad` = 2입니다. 덧셈 노드는 두 입력에 1을 보냅니다. 곱셈 노드는 그 1을 받아 x에
1 × y = 3, y에 1 × x = 2를 보냅니다. x는 두 번 쓰였으므로 몫을 더해 3 + 1 = 4입니다.

```python
x, y = Value(2.0, name="x"), Value(3.0, name="y")
f = x * y + x
f.backward()
print(x.grad, y.grad)   # 4.0 2.0
```
"""),
]

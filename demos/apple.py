"""The book's apple examples (figs. 5-14 and 5-17) computed with `Value`."""

from __future__ import annotations

from autograd import Value


def apple_tax() -> dict[str, Value]:
    """Two apples at 100 each, with 10% consumption tax (fig. 5-14)."""
    apple, count, tax = Value(100, name="apple"), Value(2, name="apple_num"), Value(1.1, name="tax")
    price = apple * count * tax
    price.name = "price"
    price.backward()
    return {"apple": apple, "apple_num": count, "tax": tax, "price": price}


def apple_orange() -> dict[str, Value]:
    """Two apples at 100 and three oranges at 150, with tax (fig. 5-17)."""
    apple, apple_num = Value(100, name="apple"), Value(2, name="apple_num")
    orange, orange_num = Value(150, name="orange"), Value(3, name="orange_num")
    tax = Value(1.1, name="tax")
    price = (apple * apple_num + orange * orange_num) * tax
    price.name = "price"
    price.backward()
    return {
        "apple": apple, "apple_num": apple_num, "orange": orange,
        "orange_num": orange_num, "tax": tax, "price": price,
    }


def report(title: str, values: dict[str, Value]) -> str:
    lines = [title, f"  price = {values['price'].data:g}"]
    lines += [f"  d price / d {name} = {v.grad:.10g}" for name, v in values.items() if name != "price"]
    return "\n".join(lines)


def main() -> None:
    print(report("apple with tax (fig. 5-14)", apple_tax()))
    print(report("apple and orange with tax (fig. 5-17)", apple_orange()))


if __name__ == "__main__":
    main()

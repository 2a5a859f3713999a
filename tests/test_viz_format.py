"""viz.format: the one number style of every drawing."""

import numpy as np
import pytest

from scratchgrad.viz import format as fmt


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (220.00000000000003, "220"),  # the book's 100 * 2 * 1.1
        (110.00000000000001, "110"),
        (2.2000000000000002, "2.2"),
        (0.1 + 0.2, "0.3"),
        (-0.0, "0"),
        (0.0, "0"),
        (7, "7"),
        (np.float64(1.1), "1.1"),
        (0.018211273488854, "0.01821"),
        (74.1221542101633, "74.12"),
        (-0.263399866, "-0.2634"),
        (12345.6, "12346"),  # no exponent below a million: 5 digits beat 1.235e4
        (0.000123456, "0.0001235"),
        (1e-9, "1e-9"),
        (-1.5e-5, "-1.5e-5"),
        (123456789, "123456789"),  # whole numbers below a billion are written out
        (1234567890.0, "1.235e9"),
        (1234567.5, "1.235e6"),
        (6.02214076e23, "6.022e23"),
        (float("inf"), "inf"),
        (float("-inf"), "-inf"),
        (float("nan"), "nan"),
    ],
)
def test_number(x, text):
    assert fmt.number(x) == text


@pytest.mark.parametrize("x", [-0.00004999, -0.0001, -4.9e-324, -1e-300, -0.99999])
def test_tiny_negative_numbers_do_not_round_to_negative_zero(x):
    text = fmt.number(x)
    assert float(text) < 0
    assert abs(float(text) - x) <= 1e-3 * abs(x)


def test_data_of_a_scalar_is_the_number():
    assert fmt.data(220.00000000000003) == "220"


def test_data_of_a_small_tensor_shows_shape_dtype_and_values():
    text = fmt.data(np.array([[0.5, 1.0, 2.2000000000000002], [3.0, 4.0, -0.0]]))
    assert text.splitlines() == ["(2, 3) float64", "[[0.5, 1, 2.2],", " [3, 4, 0]]"]


def test_data_of_a_large_tensor_shows_only_shape_and_dtype():
    assert fmt.data(np.zeros((10, 10), dtype=np.float32)) == "(10, 10) float32"


def test_data_is_duck_typed_on_shape_and_dtype():
    class Stub:  # not an ndarray: anything with .shape and .dtype that NumPy can read
        shape = (2,)
        dtype = "float64"

        def __array__(self, dtype=None, copy=None):
            return np.array([1.0, 2.5])

    assert fmt.data(Stub()) == "(2,) float64\n[1, 2.5]"
